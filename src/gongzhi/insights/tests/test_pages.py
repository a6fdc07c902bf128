"""The insights pages: each role sees only its place; exports and the report carry the
figures; bad parameters are a clear 400; the hotspot job and drill-down."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.appeals import rates, services
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.tests.factories import MONDAY, Street, submit
from gongzhi.insights import rollups, selectors
from gongzhi.insights.hotspots_job import refresh_hotspots
from gongzhi.insights.models import HotspotSnapshot

PERIOD = {"start": "2025-03-01", "end": "2025-03-31"}


@pytest.fixture
def filled(world: Street) -> Street:
    # two appeals in grid A1, one in A2, three in community B
    a1 = submit(world, "resident_a1")
    submit(
        world,
        "resident_a1",
        text="楼道里的垃圾好几天没人清理了",
        category_code="sanitation.garbage",
    )
    submit(world, "resident_a2")
    for _ in range(3):
        submit(world, "resident_b1")
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=a1, now=MONDAY)
    rollups.refresh(now=MONDAY + dt.timedelta(days=20), full=True)
    return world


def _client(world: Street, who: str) -> Client:
    c = Client()
    c.force_login(world.users[who])
    return c


def test_community_secretary_sees_community_a_only(filled):
    body = _client(filled, "secretary_a").get(reverse("insights:dashboard"), PERIOD)
    assert body.status_code == 200
    text = body.content.decode()
    assert "幸福一网格" in text and "幸福二网格" in text
    assert "和平" not in text
    assert body.context["figures"].counts["submitted"] == 3


def test_grid_worker_sees_only_their_grid(filled):
    response = _client(filled, "worker_a1").get(reverse("insights:dashboard"), PERIOD)
    text = response.content.decode()
    assert response.status_code == 200
    assert "幸福二网格" not in text and "和平" not in text
    assert response.context["figures"].counts["submitted"] == 2
    assert [c.name for c in response.context["cells"]] == ["幸福一网格"]


def test_supervisor_sees_the_street_and_its_league_table(filled):
    response = _client(filled, "supervisor").get(reverse("insights:dashboard"), PERIOD)
    assert response.context["figures"].counts["submitted"] == 6
    names = [row.region.name for row in response.context["league"]]
    assert sorted(names) == ["和平社区", "幸福社区"]


def test_the_dashboard_rates_equal_appeals_rates(filled):
    now = MONDAY + dt.timedelta(days=20)
    response = _client(filled, "secretary_a").get(reverse("insights:dashboard"), PERIOD)
    period = response.context["period"]
    expected = rates.rates(
        Appeal.objects.filter(community=filled.comm_a), start=period.start, end=period.end, now=now
    )
    assert response.context["figures"].rates == expected


def test_another_community_is_not_found(filled):
    client = _client(filled, "secretary_a")
    response = client.get(reverse("insights:dashboard"), {"region": filled.comm_b.pk})
    assert response.status_code == 404
    response = _client(filled, "worker_a1").get(
        reverse("insights:dashboard"), {"region": filled.grid_a2.pk}
    )
    assert response.status_code == 404


def test_the_secretary_may_open_a_grid_of_their_community(filled):
    response = _client(filled, "secretary_a").get(
        reverse("insights:dashboard"), {**PERIOD, "region": filled.grid_a2.pk}
    )
    assert response.context["figures"].counts["submitted"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-02-30"},
        {"end": "tomorrow"},
        {"start": "2026-03-01", "end": "2026-01-01"},
        {"start": "2020-01-01", "end": "2026-01-01"},
        {"region": "x"},
        {"region": "99999999999999999999"},
        {"window": "<script>"},
    ],
)
def test_bad_parameters_are_a_clear_message(filled, params):
    response = _client(filled, "secretary_a").get(reverse("insights:dashboard"), params)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert response.context["message"]


def test_residents_and_partners_may_not_open_the_dashboards(filled):
    for who in ("resident_a1", "partner_a"):
        assert _client(filled, who).get(reverse("insights:dashboard")).status_code == 403


def test_the_export_opens_and_carries_the_figures(filled):
    response = _client(filled, "secretary_a").get(reverse("insights:export"), PERIOD)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    summary = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows() if row}
    assert 3 in summary.values()
    league = [[c.value for c in row] for row in book.worksheets[1].iter_rows()]
    assert {r[0] for r in league[1:]} == {"幸福一网格", "幸福二网格"}
    text = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert "和平" not in text


def test_the_monthly_report_shows_the_month(filled):
    response = _client(filled, "secretary_a").get(reverse("insights:monthly"), {"month": "2025-03"})
    assert response.status_code == 200
    assert response.context["figures"].counts["submitted"] == 3
    assert response.context["top_categories"][0] == ("路灯照明", 2)
    assert "和平" not in response.content.decode()
    bad = _client(filled, "secretary_a").get(reverse("insights:monthly"), {"month": "2025-13"})
    assert bad.status_code == 400


def test_the_dashboard_reads_a_bounded_number_of_queries(filled, django_assert_max_num_queries):
    client = _client(filled, "supervisor")
    client.get(reverse("insights:dashboard"), PERIOD)
    for _ in range(5):
        submit(filled, "resident_b1")
    rollups.refresh(now=MONDAY + dt.timedelta(days=20))
    with django_assert_max_num_queries(25):
        client.get(reverse("insights:dashboard"), PERIOD)


@dataclass
class FakeHotspot:
    rank: int
    title: str
    count: int
    member_ids: list[int]
    key_phrases: list[str] = field(default_factory=list)
    residents: int = 1
    growth: float = 1.0
    dissatisfaction: float = 0.0


@dataclass
class FakeSpike:
    kind: str
    key: str
    count: int
    baseline: float
    ratio: float


def test_hotspot_snapshots_and_drill_down_are_scoped(filled):
    def miner(*, scope_path: str, window: str, now: Any) -> tuple[list[Any], list[Any]]:
        ids = list(
            Appeal.objects.filter(scope_path__startswith=scope_path).values_list("pk", flat=True)
        )
        return [FakeHotspot(1, "路灯不亮", len(ids), ids, ["路灯"])], [
            FakeSpike("category", "路灯", 3, 1.0, 3.0),
            FakeSpike("grid", filled.grid_a1.pk, 2, 0.5, 4.0),
        ]

    # when the job runs
    stored = refresh_hotspots(miner=miner, now=MONDAY, windows=("30d",))
    assert stored == HotspotSnapshot.objects.count() == 6  # street, 2 communities, 3 grids
    # then the grid worker's dashboard lists the grid's hotspot, and its drill-down its appeals
    client = _client(filled, "worker_a1")
    page = client.get(reverse("insights:dashboard"), PERIOD)
    assert [h["title"] for h in page.context["hotspots"]] == ["路灯不亮"]
    assert [s["label"] for s in page.context["spikes"]] == ["路灯", "幸福一网格"]
    detail = client.get(page.context["hotspots"][0]["url"])
    assert detail.status_code == 200
    assert len(detail.context["appeals"]) == 2
    # and a community B snapshot is not found for them, nor for community A's secretary
    b = HotspotSnapshot.objects.get(scope_path=filled.comm_b.path)
    url = reverse("insights:hotspot", kwargs={"pk": b.pk, "rank": 1})
    assert client.get(url).status_code == 404
    assert _client(filled, "secretary_a").get(url).status_code == 404
    assert _client(filled, "supervisor").get(url).status_code == 200


def test_a_street_snapshot_shows_only_the_appeals_the_viewer_may_see(filled):
    street = filled.street
    snap = HotspotSnapshot.objects.create(
        region_id=street.pk,
        scope_path=street.path,
        window="30d",
        computed_at=MONDAY,
        payload={
            "hotspots": [
                {
                    "rank": 1,
                    "title": "x",
                    "count": 6,
                    "member_ids": list(Appeal.objects.values_list("pk", flat=True)),
                }
            ],
            "spikes": [],
        },
    )
    view = selectors.hotspot_detail(filled.users["supervisor"], snap.pk, 1)
    assert len(view.appeals) == 6
