import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.appeals import config, routing
from gongzhi.appeals.tests.factories import MONDAY, build_street, submit
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.insights.hotspot_source import mine_hotspots, resolve_scope

LIFT = [
    "幸福里1栋电梯坏了三天没人修，老人下不了楼",
    "幸福里1栋电梯坏了三天没人修，请物业尽快处理",
    "幸福里1栋电梯又坏了三天，老人下不了楼",
]


@pytest.fixture
def world(db):
    config.reset_config()
    routing._router_cache.clear()
    world = build_street()
    yield world
    config.reset_config()
    routing._router_cache.clear()


def _fill(world):
    lift = [
        submit(world, "resident_a1", text=t, now=MONDAY + dt.timedelta(hours=i))
        for i, t in enumerate(LIFT)
    ]
    other = submit(world, "resident_a1", text="人民路公交站台没有遮雨棚", now=MONDAY)
    elsewhere = submit(world, "resident_b1", text=LIFT[0], now=MONDAY)
    old = submit(world, "resident_a1", text=LIFT[1], now=MONDAY - dt.timedelta(days=30))
    return lift, other, elsewhere, old


def test_mine_hotspots_reads_the_scope_and_window(world, django_assert_max_num_queries):
    lift, _other, elsewhere, old = _fill(world)
    now = MONDAY + dt.timedelta(days=2)
    with django_assert_max_num_queries(2):
        found, alerts = mine_hotspots(scope_path=world.comm_a.path, window="7d", now=now)
    (h,) = found
    assert sorted(h.member_ids) == sorted(a.pk for a in lift)
    assert elsewhere.pk not in h.member_ids and old.pk not in h.member_ids
    assert h.grids == [world.grid_a1.pk] and h.buildings == [world.building_a1.pk]
    assert h.residents == 1 and h.count == 3
    assert h.growth is None  # nothing like it in the week before
    assert "电梯" in h.title
    assert alerts == []  # three appeals are no spike
    # the whole street sees the other community's appeal too
    found, _ = mine_hotspots(scope_path=world.street.path, window="week", now=now)
    assert elsewhere.pk in found[0].member_ids


def test_resolve_scope_accepts_ids_and_paths(world):
    assert resolve_scope(str(world.comm_a.pk)) == world.comm_a.path
    assert resolve_scope(world.comm_a.path) == world.comm_a.path
    assert resolve_scope("") == ""
    with pytest.raises(NotFound):
        resolve_scope("999999")
    with pytest.raises(NotFound):
        resolve_scope("/no/such/")


def test_bad_window_is_a_validation_error(world):
    with pytest.raises(ValidationFailed) as exc:
        mine_hotspots(scope_path="", window="fortnight")
    assert exc.value.field == "window"


def test_intel_hotspots_command_prints_db_hotspots(world):
    _lift, *_ = _fill(world)
    out, err = io.StringIO(), io.StringIO()
    now = (MONDAY + dt.timedelta(days=2)).isoformat()
    call_command(
        "intel",
        "hotspots",
        "--window",
        "7d",
        "--scope",
        str(world.comm_a.pk),
        "--now",
        now,
        stdout=out,
        stderr=err,
    )
    text = out.getvalue()
    assert "#1" in text and "3 messages" in text and "电梯" in text
    assert "1 hotspots, 3 appeals grouped" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "999999"], "no region"),
        (["--window", "fortnight"], "window"),
        (["--now", "yesterday-ish"], "--now"),
    ],
)
def test_intel_hotspots_command_errors_are_one_line(world, args, message):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("intel", "hotspots", *args, stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("error: ") and message in err.getvalue()
    assert "Traceback" not in err.getvalue()
