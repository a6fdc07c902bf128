"""The three rates on a small dataset whose answers are worked out by hand."""

import datetime as dt

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.rates import from_counts, rates, rates_by
from gongzhi.appeals.selectors import appeals_visible
from gongzhi.appeals.tests.factories import MONDAY, submit

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.fixture
def dataset(world):
    """Eight street-light appeals on Monday 10:00 (sign for by 15:30, resolve by 12 March
    10:00), handled as follows; looked at on Thursday 13 March.

    1 signed in time, replied in time, satisfied
    2 signed in time, replied in time, basically satisfied
    3 signed late,    replied in time, dissatisfied (reopened, replied, dissatisfied again)
    4 signed late,    replied late,    unrated (auto-closed)
    5 signed in time, not replied (resolve deadline passed)
    6 never signed (both deadlines passed)
    7 rejected                      -> not counted
    8 merged into 1                 -> not counted
    plus one appeal in community B (signed in time) and one submitted on 1 April (later
    period).
    """
    u = world.users
    w = u["worker_a1"]
    a = [submit(world, text=f"路灯不亮第{i}号灯") for i in range(1, 9)]
    in_time, late = MONDAY + H, MONDAY + 6 * H
    for i, signed in ((0, in_time), (1, in_time), (2, late), (3, late), (4, in_time)):
        services.sign_for_appeal(actor=w, appeal=a[i], now=signed)
    for i, replied in (
        (0, MONDAY + D),
        (1, MONDAY + 2 * D),
        (2, MONDAY + 3 * D),
        (3, MONDAY + 10 * D),
    ):
        services.reply_appeal(actor=w, appeal=a[i], text="已修复", now=replied)
    services.rate_appeal(actor=u["resident_a1"], appeal=a[0], rating="satisfied")
    services.rate_appeal(actor=u["resident_a1"], appeal=a[1], rating="basically")
    services.rate_appeal(
        actor=u["resident_a1"],
        appeal=a[2],
        rating="dissatisfied",
        comment="不亮",
        now=MONDAY + 3 * D + H,
    )
    # The reopened cycle: signed and replied within its new deadlines, rated dissatisfied.
    services.sign_for_appeal(actor=w, appeal=a[2], now=MONDAY + 3 * D + 2 * H)
    services.reply_appeal(actor=w, appeal=a[2], text="换了灯具", now=MONDAY + 4 * D)
    services.rate_appeal(
        actor=u["resident_a1"],
        appeal=a[2],
        rating="dissatisfied",
        comment="还是不行",
        now=MONDAY + 4 * D + H,
    )
    services.auto_close_unrated(now=MONDAY + 20 * D)
    services.reject_appeal(actor=u["staff_a"], appeal=a[6], reason="不属实")
    services.merge_appeals(actor=u["staff_a"], into=a[4], duplicates=[a[7]])
    b = submit(world, "resident_b1", text="和平里路灯不亮")
    services.sign_for_appeal(actor=u["worker_b1"], appeal=b, now=in_time)
    submit(world, now=dt.datetime(2025, 4, 1, 10, 0, tzinfo=MONDAY.tzinfo))
    return a


MARCH = (
    dt.datetime(2025, 3, 1, tzinfo=MONDAY.tzinfo),
    dt.datetime(2025, 4, 1, tzinfo=MONDAY.tzinfo),
)
THURSDAY = dt.datetime(2025, 3, 13, 12, 0, tzinfo=MONDAY.tzinfo)


def test_the_three_rates_of_community_a(world, dataset):
    start, end = MARCH
    r = rates(appeals_visible(world.users["staff_a"]), start=start, end=end, now=THURSDAY)
    # Six appeals count (rejected and merged do not).
    assert r.appeals == 6
    # Response: all six are due for signing; 1, 2 and 5 in time (3 was re-signed in time in
    # its new cycle: a reopened appeal is measured on its latest cycle).
    assert (r.signed_in_time, r.due_sign) == (4, 6)
    # Resolution: all six due by Thursday; 1, 2 and 3 replied in time, 4 late, 5 and 6 not.
    assert (r.resolved_in_time, r.due_resolve) == (3, 6)
    # Satisfaction: three rated; satisfied + basically = 2.
    assert (r.rated, r.satisfied, r.basically, r.dissatisfied) == (3, 1, 1, 1)
    assert r.response == pytest.approx(4 / 6)
    assert r.resolution == pytest.approx(3 / 6)
    assert r.satisfaction == pytest.approx(2 / 3)
    assert r.composite == pytest.approx(0.3 * 4 / 6 + 0.4 * 3 / 6 + 0.3 * 2 / 3)
    strict = rates(
        appeals_visible(world.users["staff_a"]),
        start=start,
        end=end,
        now=THURSDAY,
        basically_counts=False,
    )
    assert strict.satisfaction == pytest.approx(1 / 3)


def test_before_the_deadlines_pass_only_what_is_done_is_due(world, dataset):
    start, end = MARCH
    r = rates(
        Appeal.objects.filter(community=world.comm_a), start=start, end=end, now=MONDAY + 2 * H
    )
    # Before a deadline passes, only an appeal that has met it counts as due: the five signed
    # for (whenever) but not the never-signed 6, whose sign-for deadline is 15:30; the four
    # replied but not 5 and 6, whose resolve deadline is 12 March.
    assert r.due_sign == 5
    assert r.due_resolve == 4


def test_rates_by_grid_and_community_in_one_query(world, dataset, django_assert_num_queries):
    start, end = MARCH
    qs = appeals_visible(world.users["supervisor"])
    with django_assert_num_queries(1):
        by_community = rates_by(qs, "community_id", start=start, end=end, now=THURSDAY)
    assert by_community[world.comm_a.pk].appeals == 6
    assert by_community[world.comm_b.pk].response == 1.0
    assert by_community[world.comm_b.pk].resolution == 0.0
    assert by_community[world.comm_b.pk].satisfaction is None
    # Composite over the available rates only: (0.3 * 1 + 0.4 * 0) / 0.7.
    assert by_community[world.comm_b.pk].composite == pytest.approx(0.3 / 0.7)
    with pytest.raises(ValueError):
        rates_by(qs, "resident_id", start=start, end=end)


def test_weights_come_from_the_setting(world, dataset, settings):
    settings.GONGZHI_RATES_WEIGHTS = {"response": 1, "resolution": 0, "satisfaction": 0}
    start, end = MARCH
    r = rates(Appeal.objects.filter(community=world.comm_a), start=start, end=end, now=THURSDAY)
    assert r.composite == pytest.approx(4 / 6)


def test_no_appeals_no_rates():
    empty = from_counts(
        dict.fromkeys(
            [
                "appeals",
                "due_sign",
                "signed_in_time",
                "due_resolve",
                "resolved_in_time",
                "rated",
                "satisfied",
                "basically",
                "dissatisfied",
            ],
            0,
        )
    )
    assert (empty.response, empty.resolution, empty.satisfaction, empty.composite) == (
        None,
        None,
        None,
        None,
    )
