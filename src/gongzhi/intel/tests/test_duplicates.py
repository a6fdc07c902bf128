from datetime import UTC, datetime, timedelta

from gongzhi.intel.duplicates import DuplicateIndex, Entry, similar

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
STORED = [
    (1, "幸福花园3栋电梯坏了三天没人修"),
    (2, "楼下烧烤摊油烟太大，晚上吵到两点"),
    (3, "幸福花园3号楼电梯又坏了，老人下不了楼"),
    (4, "人民路公交站台没有遮雨棚"),
]


def test_similar_ranks_the_same_problem_first():
    found = similar("幸福花园3栋的电梯坏了，请物业尽快修", STORED, k=2)
    assert [m.id for m in found] == [1, 3]
    assert 0 < found[1].score <= found[0].score <= 1


def test_similar_handles_empty_and_junk():
    assert similar("电梯坏了", [], k=3) == []
    assert similar("", STORED) == []
    assert similar(b"\xff\xfe\x00", STORED) == []


def test_index_answers_within_grid_and_period_only():
    entries = [Entry(i, t, grid_id=1, time=T0) for i, t in STORED]
    entries += [
        Entry(10, "幸福花园3栋电梯坏了三天没人修", grid_id=2, time=T0),
        Entry(11, "幸福花园3栋电梯坏了三天没人修", grid_id=1, time=T0 - timedelta(days=90)),
    ]
    index = DuplicateIndex.build(entries)
    found = index.query("幸福花园3栋电梯坏了", grid_id=1, when=T0 + timedelta(days=1), k=3)
    assert [m.id for m in found][:2] == [1, 3]
    assert {10, 11}.isdisjoint(m.id for m in found)
    assert index.query("电梯", grid_id=99, when=T0) == []
    assert DuplicateIndex.build([]).query("电梯", grid_id=1, when=T0) == []
