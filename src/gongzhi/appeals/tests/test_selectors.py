import datetime as dt

import pytest

from gongzhi.appeals import selectors, services
from gongzhi.appeals.selectors import (
    appeal_detail,
    appeals_of_resident,
    appeals_visible,
    duplicates_for,
    duplicates_for_text,
    inbox,
)
from gongzhi.appeals.tests.factories import MONDAY, submit
from gongzhi.core.errors import NotFound

H = dt.timedelta(hours=1)


@pytest.fixture
def appeals(world):
    """One appeal per grid and one for the property company, all on Monday."""
    return {
        "a1": submit(world),
        "a2": submit(world, "resident_a2", text="二网格的路灯也坏了"),
        "b1": submit(world, "resident_b1", text="和平里路灯坏了"),
        "elevator": submit(world, category_code="property.elevator", text="电梯坏了好几天"),
        "anon": submit(
            world, anonymous=True, text="有人在楼道飞线充电很危险", category_code="safety.ebike"
        ),
    }


def visible(world, key):
    return set(appeals_visible(world.users[key]).values_list("number", flat=True))


def test_who_sees_what(world, appeals):
    n = {k: a.number for k, a in appeals.items()}
    a_all = {n["a1"], n["a2"], n["elevator"], n["anon"]}
    assert visible(world, "worker_a1") == {n["a1"], n["elevator"], n["anon"]}
    assert visible(world, "worker_a2") == {n["a2"]}
    assert visible(world, "staff_a") == a_all
    assert visible(world, "secretary_a") == a_all
    assert visible(world, "staff_b") == {n["b1"]}
    assert visible(world, "supervisor") == {*a_all, n["b1"]}
    assert visible(world, "admin") == {*a_all, n["b1"]}
    assert visible(world, "partner_a") == {n["elevator"]}  # only what is assigned to the unit
    assert visible(world, "partner_b") == set()
    assert visible(world, "resident_a1") == {n["a1"], n["elevator"], n["anon"]}
    assert visible(world, "resident_a2") == {n["a2"]}


def test_a_transfer_moves_visibility_with_it(world, appeals):
    u = world.users
    services.transfer_appeal(
        actor=u["staff_a"], appeal=appeals["a1"], reason="物业负责", to_partner=world.partner_a
    )
    assert appeals["a1"].number in visible(world, "partner_a")
    services.add_co_handler(
        actor=u["staff_a"], appeal=appeals["a2"], person=world.person("worker_a1")
    )
    assert appeals["a2"].number in visible(world, "worker_a1")


def test_partners_never_see_the_phone_and_anonymous_identity_stays_hidden(world, appeals):
    rows = {r.number: r for r in inbox(world.users["partner_a"]).rows}
    (row,) = rows.values()
    assert row.phone == "" and row.resident == "王*国"
    anon = appeals["anon"].number
    by = {
        key: {r.number: r for r in inbox(world.users[key]).rows}[anon]
        for key in ("worker_a1", "staff_a", "secretary_a", "supervisor", "resident_a1")
    }
    assert by["worker_a1"].resident == "匿名居民" and by["worker_a1"].phone == ""
    assert by["supervisor"].resident == "匿名居民" and by["supervisor"].phone == ""
    assert by["staff_a"].resident == "王建国" and by["staff_a"].phone == "139****0001"
    assert by["secretary_a"].resident == "王建国"
    assert by["resident_a1"].resident == "王建国"  # their own
    # A named appeal: staff of the area see the name and a masked phone.
    a1 = {r.number: r for r in inbox(world.users["worker_a1"]).rows}[appeals["a1"].number]
    assert (a1.resident, a1.phone) == ("王建国", "139****0001")


def test_the_anonymous_identity_is_hidden_in_the_timeline_too(world, appeals):
    detail = appeal_detail(world.users["worker_a1"], appeals["anon"].pk)
    assert detail.events[0].actor == "匿名居民"
    assert appeal_detail(world.users["staff_a"], appeals["anon"].pk).events[0].actor == "王建国"


def test_inbox_sorts_by_nearest_deadline_and_counts(world, appeals):
    u = world.users
    # The emergency is due first (2 h), then the elevator (utility, 1 h to sign for).
    hazard = submit(world, category_code="safety.hazard", text="楼道里有煤气味", now=MONDAY + H)
    services.sign_for_appeal(actor=u["worker_a1"], appeal=appeals["a1"], now=MONDAY + H)
    now = MONDAY + 2 * H  # the elevator's and the hazard's sign-for deadlines have passed
    box = inbox(u["staff_a"], now=now)
    assert [r.number for r in box.rows][:2] == [appeals["elevator"].number, hazard.number]
    dues = [r.due_at for r in box.rows]
    assert dues == sorted(dues)
    assert box.total == 5
    assert box.overdue == 2
    # Due later today: the street lights' sign-for at 15:30 (a1 is signed: its next is
    # Tuesday's first contact).
    assert box.due_today == 2
    assert [r.overdue for r in box.rows][:2] == [True, True]
    mine = inbox(u["worker_a1"], now=now, mine=True)
    assert {r.number for r in mine.rows} == {
        appeals["a1"].number,
        appeals["anon"].number,
        hazard.number,
    }


def test_closed_appeals_leave_the_inbox(world, appeals):
    u = world.users
    services.reject_appeal(actor=u["staff_a"], appeal=appeals["a2"], reason="重复")
    assert appeals["a2"].number not in {r.number for r in inbox(u["staff_a"]).rows}
    assert inbox(u["worker_a2"]).total == 0


def _fill(world, n):
    for i in range(n):
        submit(world, text=f"路灯不亮第{i}号", category_code="municipal.light")
        submit(world, category_code="property.elevator", text=f"{i}号电梯停运了")


@pytest.mark.parametrize("key", ["worker_a1", "staff_a", "partner_a", "supervisor", "resident_a1"])
def test_inbox_query_count_does_not_grow_with_the_rows(world, key, django_assert_num_queries):
    user = world.users[key]
    _fill(world, 2)
    selectors.scope_for(user)  # the scope is computed once per request
    with django_assert_num_queries(2):
        first = inbox(user)
    _fill(world, 10)
    with django_assert_num_queries(2):
        second = inbox(user)
    assert second.total > first.total


def test_appeal_detail_query_count(world, appeals, django_assert_max_num_queries):
    u = world.users
    a = appeals["a1"]
    services.sign_for_appeal(actor=u["worker_a1"], appeal=a)
    for i in range(5):
        services.add_note(actor=u["worker_a1"], appeal=a, text=f"备注{i}")
    selectors.scope_for(u["staff_a"])
    with django_assert_max_num_queries(5):
        appeal_detail(u["staff_a"], a.pk)


def test_detail_hides_internal_events_from_residents_and_partners(world, appeals):
    u = world.users
    a = appeals["elevator"]
    services.add_note(actor=u["staff_a"], appeal=a, text="内部：物业多次拖延")
    services.add_note(actor=u["staff_a"], appeal=a, text="已督促物业", public=True)
    services.sign_for_appeal(actor=u["partner_a"], appeal=a)
    texts = lambda key: [e.text for e in appeal_detail(u[key], a.pk).events]  # noqa: E731
    assert "内部：物业多次拖延" in texts("staff_a")
    assert "内部：物业多次拖延" in texts("worker_a1")
    assert "内部：物业多次拖延" not in texts("resident_a1")
    assert "内部：物业多次拖延" not in texts("partner_a")
    assert "已督促物业" in texts("resident_a1") and "已督促物业" in texts("partner_a")
    detail = appeal_detail(u["resident_a1"], a.pk)
    assert detail.events[-1].actor == "物业经办甲"  # who signed for it
    assert detail.actions == ["note_public"]
    assert "sign_for" not in appeal_detail(u["partner_a"], a.pk).actions
    assert "reply" in appeal_detail(u["partner_a"], a.pk).actions


def test_detail_out_of_scope_is_not_found(world, appeals):
    for key in ("worker_a2", "staff_b", "partner_b", "resident_a2"):
        with pytest.raises(NotFound):
            appeal_detail(world.users[key], appeals["a1"].pk)
    # Staff acting for the resident see the resident's appeal...
    d = appeal_detail(
        world.users["worker_a1"], appeals["a1"].pk, on_behalf_of_id=world.person("resident_a1").pk
    )
    assert "note_public" in d.actions
    # ...but acting for someone does not open another grid's appeals.
    with pytest.raises(NotFound):
        appeal_detail(
            world.users["worker_a1"],
            appeals["a2"].pk,
            on_behalf_of_id=world.person("resident_a2").pk,
        )


def test_my_appeals(world, appeals):
    services.submit_appeal(
        actor=world.users["worker_a1"],
        channel="desk",
        resident=world.person("resident_a1"),
        text="代办：楼道灯不亮",
        building_id=world.building_a1.pk,
        now=MONDAY,
    )
    mine = list(appeals_of_resident(world.users["resident_a1"]))
    assert len(mine) == 4
    assert [a.title for a in appeals_of_resident(world.users["worker_a1"])] == []


def test_similarity_and_duplicates(world, appeals):
    near = submit(world, text="小区门口路灯坏了好几天，晚上很黑")
    found = duplicates_for(world.users["staff_a"], near)
    assert [d.number for d in found] == [appeals["a1"].number]
    assert found[0].similarity > 0.5
    # Only open appeals of the same grid, and only what the viewer may see.
    assert (
        duplicates_for_text(
            world.users["staff_a"], text="小区门口的路灯坏了好几天", grid_id=world.grid_a2.pk
        )
        == []
    )
    assert (
        duplicates_for_text(
            world.users["staff_b"], text="小区门口的路灯坏了好几天", grid_id=world.grid_a1.pk
        )
        == []
    )
    services.reject_appeal(actor=world.users["staff_a"], appeal=appeals["a1"], reason="重复")
    assert duplicates_for(world.users["staff_a"], near) == []
