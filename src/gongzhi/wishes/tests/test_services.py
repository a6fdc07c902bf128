"""The life cycle of a micro-wish through its services: who may do what, and what is recorded."""

import pytest

from gongzhi.appeals.models import Notification
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.wishes import services
from gongzhi.wishes.models import Wish, WishEvent
from gongzhi.wishes.states import State
from gongzhi.wishes.tests.factories import post


def test_the_whole_life_cycle_is_recorded_step_by_step(world, django_capture_on_commit_callbacks):
    u = world.users
    with django_capture_on_commit_callbacks(execute=True):
        wish = post(world, description="卫生间灯泡坏了，够不着")
        assert wish.state == State.POSTED and not wish.by_proxy
        assert wish.community == world.comm_a and wish.grid == world.grid_a1
        assert wish.region == world.building_a1 and wish.scope_path == world.building_a1.path

        services.claim_wish(actor=u["pm_a"], wish=wish.pk)
        services.fulfil_wish(actor=u["pm_a"], wish=wish.pk, note="周六上午换好了")
        services.confirm_wish(actor=u["resident_a1"], wish=wish.pk, thanks="谢谢小刘！")

    wish.refresh_from_db()
    assert wish.state == State.CONFIRMED
    assert wish.claimed_by == world.person("pm_a")
    assert wish.claimed_at <= wish.fulfilled_at <= wish.confirmed_at
    assert wish.fulfil_note == "周六上午换好了" and wish.thanks == "谢谢小刘！"
    kinds = list(WishEvent.objects.filter(wish=wish).values_list("kind", "from_state", "to_state"))
    assert kinds == [
        ("posted", "", "posted"),
        ("claimed", "posted", "claimed"),
        ("fulfilled", "claimed", "fulfilled"),
        ("confirmed", "fulfilled", "confirmed"),
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="wishes.wish", object_id=str(wish.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["wish.post", "wish.claim", "wish.fulfil", "wish.confirm"]
    # The wisher heard of the claim and of the fulfilment, the claimer of the thanks, and the
    # grid worker (who helps residents without a phone) of everything that concerns the wisher.
    to_wisher = Notification.objects.filter(recipient=u["resident_a1"]).values_list(
        "kind", flat=True
    )
    assert sorted(to_wisher) == ["wish_claimed", "wish_fulfilled"]
    assert list(
        Notification.objects.filter(recipient=u["pm_a"]).values_list("kind", flat=True)
    ) == ["wish_confirmed"]
    assert set(
        Notification.objects.filter(recipient=u["worker_a1"]).values_list("kind", flat=True)
    ) == {"wish_posted", "wish_claimed", "wish_fulfilled", "wish_confirmed"}
    assert not Notification.objects.filter(recipient=u["worker_b1"]).exists()


def test_a_grid_worker_posts_for_a_resident_of_their_grid_and_it_is_recorded(world):
    resident = world.person("resident_a1")
    wish = post(world, who="worker_a1", wisher=resident)
    assert wish.wisher == resident and wish.by_proxy and wish.posted_by == world.users["worker_a1"]
    event = AuditEvent.objects.get(action="wish.post")
    assert event.actor == world.users["worker_a1"] and event.on_behalf_of == resident
    assert WishEvent.objects.get(wish=wish).on_behalf_of == resident


def test_staff_cannot_post_for_a_resident_outside_their_area(world):
    with pytest.raises(NotFound):
        post(world, who="worker_a1", wisher=world.person("resident_a2"))  # grid A2
    with pytest.raises(NotFound):
        post(world, who="staff_a", wisher=world.person("resident_b1"))  # community B
    with pytest.raises(NotFound):
        post(world, who="resident_a2", wisher=world.person("resident_a1"))  # not staff
    assert not Wish.objects.exists()


def test_staff_without_a_household_cannot_post_for_themself(world):
    with pytest.raises(PermissionDenied):
        post(world, who="staff_a")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "长" * 61}, "title"),
        ({"description": "长" * 501}, "description"),
        ({"category": "weapons"}, "category"),
    ],
)
def test_bad_input_names_the_field(world, kw, field):
    with pytest.raises(ValidationFailed) as err:
        post(world, **kw)
    assert err.value.field == field


def test_the_claimer_releases_with_a_reason_and_the_wish_is_back_on_the_wall(world):
    wish = post(world)
    services.claim_wish(actor=world.users["pm_a"], wish=wish)
    with pytest.raises(ValidationFailed) as err:
        services.release_wish(actor=world.users["pm_a"], wish=wish, reason=" ")
    assert err.value.field == "text"
    services.release_wish(actor=world.users["pm_a"], wish=wish, reason="临时出差")
    wish.refresh_from_db()
    assert wish.state == State.POSTED and wish.claimed_by is None and wish.claimed_at is None
    assert WishEvent.objects.filter(wish=wish, kind="released", text="临时出差").exists()
    # ...and another Party member can claim it now.
    services.claim_wish(actor=world.users["pm_a2"], wish=wish)
    wish.refresh_from_db()
    assert wish.claimed_by == world.person("pm_a2")


def test_fulfilling_needs_a_note(world):
    wish = post(world)
    services.claim_wish(actor=world.users["pm_a"], wish=wish)
    with pytest.raises(ValidationFailed) as err:
        services.fulfil_wish(actor=world.users["pm_a"], wish=wish, note="")
    assert err.value.field == "text"


def test_staff_confirm_for_the_wisher_on_their_behalf(world):
    wish = post(world)
    services.claim_wish(actor=world.users["pm_a"], wish=wish)
    services.fulfil_wish(actor=world.users["pm_a"], wish=wish, note="送到了")
    services.confirm_wish(actor=world.users["worker_a1"], wish=wish, thanks="老人说谢谢")
    event = AuditEvent.objects.get(action="wish.confirm")
    assert event.actor == world.users["worker_a1"]
    assert event.on_behalf_of == world.person("resident_a1")


def test_the_wisher_or_staff_withdraw_an_unclaimed_wish(world):
    a = post(world)
    services.withdraw_wish(actor=world.users["resident_a1"], wish=a, reason="家人帮忙了")
    b = post(world)
    services.withdraw_wish(actor=world.users["staff_a"], wish=b)
    assert set(Wish.objects.values_list("state", flat=True)) == {State.WITHDRAWN}


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("resident_a1", PermissionDenied),  # the wisher cannot claim their own wish
        ("worker_a1", PermissionDenied),  # staff are not volunteers (unless Party members)
        ("pm_b", NotFound),  # a Party member of community B does not even see it
        ("resident_b1", NotFound),
    ],
)
def test_only_a_party_member_of_the_community_claims(world, who, error):
    wish = post(world)
    with pytest.raises(error):
        services.claim_wish(actor=world.users[who], wish=wish)
    wish.refresh_from_db()
    assert wish.state == State.POSTED


def test_an_in_service_member_claims_where_they_registered(world):
    wish = post(world)
    services.claim_wish(actor=world.users["pm_dual"], wish=wish)
    wish.refresh_from_db()
    assert wish.claimed_by == world.person("pm_dual")


def test_illegal_transitions_are_clear_conflicts(world):
    u = world.users
    wish = post(world)
    with pytest.raises(PermissionDenied):  # nobody claimed it: nobody is its claimer
        services.fulfil_wish(actor=u["pm_a"], wish=wish, note="x")
    with pytest.raises(Conflict) as err:  # confirm before it was fulfilled
        services.confirm_wish(actor=u["resident_a1"], wish=wish)
    assert err.value.status_code == 409 and "等待认领" in str(err.value.message)
    services.claim_wish(actor=u["pm_a"], wish=wish)
    with pytest.raises(Conflict) as err:
        services.claim_wish(actor=u["pm_a2"], wish=wish)
    assert err.value.field == "action"
    with pytest.raises(Conflict):  # a claimed wish can no longer be withdrawn
        services.withdraw_wish(actor=u["resident_a1"], wish=wish)
    with pytest.raises(PermissionDenied):  # only the claimer fulfils
        services.fulfil_wish(actor=u["pm_a2"], wish=wish, note="x")
    services.fulfil_wish(actor=u["pm_a"], wish=wish, note="好了")
    services.confirm_wish(actor=u["resident_a1"], wish=wish)
    for fire in (
        lambda: services.release_wish(actor=u["pm_a"], wish=wish, reason="x"),
        lambda: services.confirm_wish(actor=u["resident_a1"], wish=wish),
        lambda: services.withdraw_wish(actor=u["resident_a1"], wish=wish),
    ):
        with pytest.raises(Conflict):
            fire()
    assert WishEvent.objects.filter(wish=wish).count() == 4


def test_the_claimer_reads_the_wishers_contact_and_the_read_is_audited(world):
    wish = post(world)
    with pytest.raises(PermissionDenied):
        services.reveal_wisher_contact(actor=world.users["pm_a"], wish=wish)
    services.claim_wish(actor=world.users["pm_a"], wish=wish)
    contact = services.reveal_wisher_contact(actor=world.users["pm_a"], wish=wish)
    assert contact.phone == "13900000001" and contact.name == "王建国"
    assert AuditEvent.objects.filter(
        action="wish.contact_reveal", actor=world.users["pm_a"]
    ).exists()
    with pytest.raises(PermissionDenied):
        services.reveal_wisher_contact(actor=world.users["pm_a2"], wish=wish)


def test_the_database_refuses_a_claim_by_the_wisher(world):
    from django.db import IntegrityError, transaction

    wish = post(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wish.objects.filter(pk=wish.pk).update(
            state=State.CLAIMED, claimed_by=wish.wisher, claimed_at=wish.created_at
        )


def test_timeline_rows_are_append_only(world):
    wish = post(world)
    event = WishEvent.objects.get(wish=wish)
    event.text = "改写"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
