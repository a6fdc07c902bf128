import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sklearn.metrics import adjusted_rand_score

from gongzhi.intel.hotspots import (
    MinerParams,
    Record,
    assignments,
    heat_score,
    mine,
    parse_window,
    spikes,
)
from gongzhi.intel.synthetic import generate_outbreaks

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def _records(n: int, seed: int = 3, grids: bool = True):
    appeals = list(generate_outbreaks(n, seed=seed, outbreak_share=0.3))
    records = [
        Record(
            id=a.id,
            text=a.text,
            time=a.time,
            grid_id=a.grid_id if grids else None,
            building_id=a.building_id if grids else None,
            resident_id=a.resident_id,
            category=a.label,
            dissatisfied=a.dissatisfied,
        )
        for a in appeals
    ]
    return appeals, records


def test_mine_recovers_injected_outbreaks():
    appeals, records = _records(1500)
    found = mine(records, params=MinerParams(max_gap=timedelta(days=7)))
    rank = assignments(found)
    truth = [a.outbreak if a.outbreak >= 0 else -1 - a.id for a in appeals]
    predicted = [rank.get(a.id, -1 - a.id) for a in appeals]
    assert adjusted_rand_score(truth, predicted) >= 0.8
    # ranked by heat, ranks 1..n, members unique
    assert [h.rank for h in found] == list(range(1, len(found) + 1))
    assert all(a.heat >= b.heat for a, b in itertools.pairwise(found))
    ids = [i for h in found for i in h.member_ids]
    assert len(ids) == len(set(ids))


def test_hotspot_describes_its_members():
    texts = [
        "幸福花园3栋停水两天了，请尽快恢复供水",
        "幸福花园3栋停水两天了，家里没水做饭",
        "幸福花园3栋停水，请尽快恢复供水",
        "人民路公交站台广告牌倒了",
    ]
    records = [
        Record(
            id=i + 1,
            text=t,
            time=T0 + timedelta(hours=i),
            grid_id=7,
            building_id=70,
            resident_id=100 + (i % 2),
            category="公共设施",
            dissatisfied=[True, False, None, None][i],
            votes=2,
        )
        for i, t in enumerate(texts)
    ]
    (h,) = mine(records, window_start=T0, window_end=T0 + timedelta(days=7))
    assert h.member_ids == [1, 2, 3]
    assert h.count == 3 and h.residents == 2
    assert h.grids == [7] and h.buildings == [70]
    assert h.dissatisfaction == 0.5
    assert h.category == "公共设施"
    assert h.votes == 6
    assert "停水" in h.title and h.representative_id in {1, 2, 3}
    assert any("停水" in p for p in h.key_phrases)
    assert h.growth is None  # no previous window given
    assert h.heat == heat_score(
        count=3, residents=2, grids=1, growth=None, dissatisfaction=0.5, votes=6
    )


def test_window_bounds_and_growth_from_previous_window():
    def rec(i: int, days: float) -> Record:
        return Record(id=i, text="滨河苑地下车库积水严重，车都泡了", time=T0 + timedelta(days=days))

    current = [rec(i, 7 + i * 0.1) for i in range(1, 5)]  # 4 in the window
    previous = [rec(10 + i, 1 + i) for i in range(2)]  # 2 in the week before
    outside = [rec(99, 30)]
    start, end = T0 + timedelta(days=7), T0 + timedelta(days=14)
    (h,) = mine(current + outside, window_start=start, window_end=end, previous=previous)
    assert h.count == 4 and 99 not in h.member_ids
    assert h.growth == 1.0


def test_same_problem_in_different_grids_or_places_stays_apart():
    text = "小区路灯坏了一直不亮，晚上出门很黑，请尽快修"
    other = "小区路灯坏了一直不亮，晚上很黑"
    same_grid = [Record(id=1, text=text, time=T0, grid_id=1), Record(2, other, T0, grid_id=1)]
    two_grids = [Record(id=1, text=text, time=T0, grid_id=1), Record(2, other, T0, grid_id=2)]
    params = MinerParams(threshold=0.6)
    assert [h.member_ids for h in mine(same_grid, params=params)] == [[1, 2]]
    assert mine(two_grids, params=params) == []
    places = [
        Record(id=1, text="幸福花园" + text, time=T0),
        Record(id=2, text="锦绣家园" + text, time=T0),
    ]
    same_place = [Record(id=1, text="幸福花园" + text, time=T0), Record(2, "幸福花园" + other, T0)]
    assert mine(places, params=params) == []
    assert len(mine(same_place, params=params)) == 1


def test_empty_binary_and_huge_texts_never_break_the_miner():
    records = [
        Record(id=1, text="", time=T0),
        Record(id=2, text="\x00\x01\x02\xff" * 100, time=T0),
        Record(id=3, text="噪音" * 100_000, time=T0),
        Record(id=4, text="噪音" * 100_000, time=T0),
        Record(id=5, text="Noise from the bar at 幸福花园 every night 噪音", time=T0),
    ]
    found = mine(records)
    assert [h.member_ids for h in found] == [[3, 4]]
    assert mine([]) == []


def test_spikes_flag_a_rise_above_baseline():
    start, end = T0 + timedelta(days=28), T0 + timedelta(days=35)
    before = [
        Record(id=i, text="x", time=T0 + timedelta(days=i % 28), category="噪音扰民", grid_id=1)
        for i in range(8)
    ]
    now = [
        Record(
            id=100 + i, text="x", time=start + timedelta(hours=i), category="噪音扰民", grid_id=1
        )
        for i in range(12)
    ] + [Record(id=200, text="x", time=start, category="物业管理", grid_id=2)]
    found = spikes(now, window_start=start, window_end=end, previous=before, baseline_start=T0)
    assert {(s.kind, s.key) for s in found} == {("category", "噪音扰民"), ("grid", 1)}
    s = found[0]
    assert s.count == 12 and s.baseline == 2.0 and s.ratio == 6.0


@pytest.mark.parametrize(
    ("text", "hours"), [("7d", 168), ("24h", 24), ("week", 168), ("1m", 720), ("2w", 336)]
)
def test_parse_window(text, hours):
    assert parse_window(text) == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["", "7", "seven days", "0d", "-1d", "99999m"])
def test_parse_window_rejects_nonsense(text):
    with pytest.raises(ValueError, match="window"):
        parse_window(text)
    assert parse_window("all") is None
