"""Who sees which wishes: the wall, a wish's page, my wishes, the thanks wall."""

import pytest

from gongzhi.core.errors import NotFound
from gongzhi.wishes import selectors, services
from gongzhi.wishes.tests.factories import post


@pytest.fixture
def wishes(world):
    """One open wish in each grid of the street, and one done (with thanks) in A1 and B1."""
    out = {
        "a1": post(world, "resident_a1", title="A1的心愿"),
        "a2": post(world, "resident_a2", title="A2的心愿"),
        "b1": post(world, "resident_b1", title="B1的心愿"),
    }
    for key, who, claimer in (
        ("a1_done", "resident_a1", "pm_a"),
        ("b1_done", "resident_b1", "pm_b"),
    ):
        w = post(world, who, title=f"{key}心愿")
        services.claim_wish(actor=world.users[claimer], wish=w)
        services.fulfil_wish(actor=world.users[claimer], wish=w, note="好了")
        services.confirm_wish(actor=world.users[who], wish=w, thanks="谢谢王阿姨的邻居")
        out[key] = w
    return out


def titles(qs):
    return sorted(w.title for w in qs)


def test_a_party_member_of_community_a_never_sees_community_b(world, wishes):
    u = world.users["pm_a"]
    assert titles(selectors.wall(u)) == ["A1的心愿", "A2的心愿"]
    assert titles(selectors.thanks(u)) == ["a1_done心愿"]
    with pytest.raises(NotFound):
        selectors.get_wish(u, wishes["b1"].pk)
    with pytest.raises(NotFound):
        selectors.get_wish(u, wishes["b1_done"].pk)
    assert selectors.get_wish(u, wishes["a2"].pk) == wishes["a2"]


def test_an_in_service_member_sees_where_they_registered_and_where_they_live(world, wishes):
    # 双报到: registered with a grid branch in A, living in B.
    assert titles(selectors.wall(world.users["pm_dual"])) == ["A1的心愿", "A2的心愿", "B1的心愿"]


def test_a_resident_sees_their_community_wall_and_only_their_own_wishes_pages(world, wishes):
    u = world.users["resident_a2"]
    assert titles(selectors.wall(u)) == ["A1的心愿", "A2的心愿"]
    assert selectors.get_wish(u, wishes["a2"].pk) == wishes["a2"]
    for other in ("a1", "b1", "a1_done"):
        with pytest.raises(NotFound):
            selectors.get_wish(u, wishes[other].pk)
    assert titles(selectors.mine(u)) == ["A2的心愿"]
    assert titles(selectors.wall(world.users["resident_b1"])) == ["B1的心愿"]


def test_staff_see_their_area(world, wishes):
    assert titles(selectors.wall(world.users["worker_a1"])) == ["A1的心愿"]
    assert titles(selectors.wall(world.users["staff_a"])) == ["A1的心愿", "A2的心愿"]
    assert titles(selectors.wall(world.users["supervisor"])) == ["A1的心愿", "A2的心愿", "B1的心愿"]
    assert titles(selectors.wall(world.users["admin"])) == ["A1的心愿", "A2的心愿", "B1的心愿"]
    with pytest.raises(NotFound):
        selectors.get_wish(world.users["worker_a1"], wishes["a2"].pk)
    # A partner handler is neither a resident nor a Party member: no wall at all.
    assert not selectors.wall(world.users["partner_a"]).exists()


def test_the_wall_masks_the_wisher_except_for_staff(world, wishes):
    card = selectors.card(world.users["pm_a"], wishes["a1"])
    assert card.wisher == "王**" and card.can_claim and card.can_open
    assert card.place == "幸福社区 · 幸福一网格"
    assert selectors.card(world.users["staff_a"], wishes["a1"]).wisher == "王建国"
    neighbour = selectors.card(world.users["resident_a2"], wishes["a1"])
    assert neighbour.wisher == "王**" and not neighbour.can_open and not neighbour.can_claim
    # The wisher cannot claim their own wish, even when they are a Party member.
    assert not selectors.card(world.users["resident_a1"], wishes["a1"]).can_claim


def test_the_thanks_wall_shows_no_personal_data(world, wishes):
    cards = [selectors.thanks_card(w) for w in selectors.thanks(world.users["staff_a"])]
    assert len(cards) == 1
    c = cards[0]
    shown = " ".join(str(v) for v in vars(c).values())
    assert c.wisher == "王**" and c.claimer == "刘**"
    assert c.place == "幸福社区 · 幸福一网格" and c.thanks == "谢谢王阿姨的邻居"
    for secret in ("王建国", "刘党员", "13900000001", "幸福里1栋", "单元"):
        assert secret not in shown


def test_claimed_by_me_lists_what_i_claimed(world, wishes):
    services.claim_wish(actor=world.users["pm_a2"], wish=wishes["a2"])
    assert titles(selectors.claimed_by_me(world.users["pm_a2"])) == ["A2的心愿"]
    assert titles(selectors.claimed_by_me(world.users["pm_a"])) == ["a1_done心愿"]


def test_find_resident_only_in_the_staff_area(world):
    assert selectors.find_resident(world.users["worker_a1"], "13900000001").name == "王建国"
    assert selectors.find_resident(world.users["staff_a"], "李秀英").name == "李秀英"
    with pytest.raises(NotFound):
        selectors.find_resident(world.users["worker_a1"], "李秀英")  # grid A2
    with pytest.raises(NotFound):
        selectors.find_resident(world.users["staff_a"], "13900000003")  # community B
    with pytest.raises(NotFound):
        selectors.find_resident(world.users["resident_a1"], "李秀英")  # not staff
