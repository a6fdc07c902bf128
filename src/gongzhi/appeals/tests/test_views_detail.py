"""The appeal detail page: who sees what, which buttons, and every action through the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, AppealEvent, CoHandler, EventKind, Rating
from gongzhi.appeals.states import State
from gongzhi.appeals.tests.factories import MONDAY, Street, submit
from gongzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(world: Street, who: str, appeal: Appeal) -> Any:
    return client_for(world.users[who]).get(reverse("appeals:detail", kwargs={"pk": appeal.pk}))


def act(world: Street, who: str, appeal: Appeal, action: str, **data: Any) -> Any:
    url = reverse("appeals:act", kwargs={"pk": appeal.pk, "action": action})
    return client_for(world.users[who]).post(url, data)


def fresh(appeal: Appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


# --- who sees what ------------------------------------------------------------------------------


def test_resident_sees_their_appeal_with_owner_deadlines_and_timeline(world: Street):
    appeal = submit(world)
    response = page(world, "resident_a1", appeal)
    assert response.status_code == 200
    html = response.content.decode()
    assert appeal.number in html
    assert "网格员甲" in html  # who owns it
    assert "办结时限" in html  # by when
    assert "已提交" in html or "提交" in html
    # the resident's buttons: add details only; no staff actions
    assert reverse("appeals:act", kwargs={"pk": appeal.pk, "action": "note"}) in html
    assert reverse("appeals:act", kwargs={"pk": appeal.pk, "action": "sign_for"}) not in html
    assert reverse("appeals:act", kwargs={"pk": appeal.pk, "action": "reject"}) not in html


def test_a_resident_cannot_see_another_residents_appeal(world: Street):
    appeal = submit(world, "resident_a2")
    assert page(world, "resident_a1", appeal).status_code == 404
    assert act(world, "resident_a1", appeal, "note", text="我也遇到了").status_code == 404


def test_out_of_area_staff_get_404(world: Street):
    appeal = submit(world)
    for who in ("worker_a2", "worker_b1", "staff_b", "partner_b"):
        assert page(world, who, appeal).status_code == 404, who


def test_internal_notes_are_for_staff_only(world: Street):
    appeal = submit(world)
    services.add_note(actor=world.users["staff_a"], appeal=appeal, text="内部：先联系物业")
    services.add_note(
        actor=world.users["staff_a"], appeal=appeal, text="已安排师傅明天上门", public=True
    )
    staff = page(world, "worker_a1", appeal).content.decode()
    resident = page(world, "resident_a1", appeal).content.decode()
    assert "内部：先联系物业" in staff
    assert "已安排师傅明天上门" in staff
    assert "内部：先联系物业" not in resident
    assert "已安排师傅明天上门" in resident


def test_partner_handler_sees_only_assigned_appeals_and_never_a_phone(world: Street):
    appeal = submit(world)
    assert page(world, "partner_a", appeal).status_code == 404
    services.transfer_appeal(
        actor=world.users["staff_a"], appeal=appeal, reason="物业负责", to_partner=world.partner_a
    )
    response = page(world, "partner_a", appeal)
    assert response.status_code == 200
    html = response.content.decode()
    assert "13900000001" not in html
    assert "139****0001" not in html
    assert "王建国" not in html  # the name is masked too
    assert "reveal_contact" not in html


def test_area_staff_see_the_phone_masked_and_may_reveal_it_audited(world: Street):
    appeal = submit(world)
    html = page(world, "worker_a1", appeal).content.decode()
    assert "139****0001" in html
    assert "13900000001" not in html
    response = act(world, "worker_a1", appeal, "reveal_contact")
    assert response.status_code == 200
    assert "13900000001" in response.content.decode()
    assert AuditEvent.objects.filter(action="appeal.reveal", object_id=str(appeal.pk)).exists()


def test_anonymous_identity_is_hidden_from_the_grid_worker_but_not_community_staff(
    world: Street,
):
    appeal = submit(world, anonymous=True)
    worker = page(world, "worker_a1", appeal).content.decode()
    assert "王建国" not in worker
    assert "139****0001" not in worker
    assert "reveal_contact" not in worker
    assert act(world, "worker_a1", appeal, "reveal_contact").status_code == 403
    staff = page(world, "staff_a", appeal).content.decode()
    assert "王建国" in staff
    assert "reveal_contact" in staff
    # the resident still sees their own name
    assert "王建国" in page(world, "resident_a1", appeal).content.decode()


def test_street_supervisor_sees_but_has_no_buttons(world: Street):
    appeal = submit(world)
    html = page(world, "supervisor", appeal).content.decode()
    assert appeal.number in html
    assert "/sign_for/" not in html
    assert act(world, "supervisor", appeal, "sign_for").status_code == 403
    assert fresh(appeal).state == State.SUBMITTED


def test_unknown_action_is_404(world: Street):
    appeal = submit(world)
    assert act(world, "staff_a", appeal, "explode").status_code == 404


def test_detail_query_count_does_not_grow_with_the_timeline(
    world: Street, django_assert_max_num_queries
):
    appeal = submit(world)
    for i in range(12):
        services.add_note(actor=world.users["staff_a"], appeal=appeal, text=f"备注{i}", public=True)
    client = client_for(world.users["staff_a"])
    url = reverse("appeals:detail", kwargs={"pk": appeal.pk})
    client.get(url)
    with django_assert_max_num_queries(18):
        response = client.get(url)
    assert response.status_code == 200
    client = client_for(world.users["resident_a1"])
    client.get(url)
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200


# --- the lifecycle through the page -------------------------------------------------------------


def test_sign_for_start_reply_and_rate_satisfied_through_the_page(world: Street):
    appeal = submit(world)
    html = page(world, "worker_a1", appeal).content.decode()
    assert "/sign_for/" in html
    r = act(world, "worker_a1", appeal, "sign_for")
    assert r.status_code == 302
    appeal = fresh(appeal)
    assert appeal.state == State.SIGNED_FOR
    assert appeal.owner_person_id == world.person("worker_a1").pk
    assert act(world, "worker_a1", appeal, "start", text="已电话联系").status_code == 302
    assert fresh(appeal).state == State.IN_PROGRESS
    assert act(world, "worker_a1", appeal, "reply", text="路灯已修好").status_code == 302
    assert fresh(appeal).state == State.REPLIED
    html = page(world, "resident_a1", appeal).content.decode()
    assert "/rate/" in html
    assert "路灯已修好" in html
    r = act(world, "resident_a1", appeal, "rate", rating="satisfied", comment="谢谢")
    assert r.status_code == 302
    appeal = fresh(appeal)
    assert appeal.state == State.CLOSED
    assert appeal.rating == "satisfied"


def test_reply_needs_a_result_text(world: Street):
    appeal = submit(world)
    act(world, "worker_a1", appeal, "sign_for")
    response = act(world, "worker_a1", appeal, "reply", text="")
    assert response.status_code == 400
    assert "办理结果" in response.content.decode()
    assert fresh(appeal).state == State.SIGNED_FOR


def test_a_wrong_state_is_a_message_on_the_page_not_a_500(world: Street):
    appeal = submit(world)
    response = act(world, "worker_a1", appeal, "start")
    assert response.status_code == 409
    assert appeal.number in response.content.decode()
    htmx = client_for(world.users["worker_a1"]).post(
        reverse("appeals:act", kwargs={"pk": appeal.pk, "action": "start"}),
        HTTP_HX_REQUEST="true",
    )
    assert htmx.status_code == 409
    assert "msg-error" in htmx.content.decode()


def test_dissatisfied_rating_reopens_and_needs_a_comment(world: Street):
    appeal = submit(world)
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=appeal)
    services.reply_appeal(actor=world.users["worker_a1"], appeal=appeal, text="已修")
    response = act(world, "resident_a1", appeal, "rate", rating="dissatisfied", comment="")
    assert response.status_code == 400
    assert fresh(appeal).state == State.REPLIED
    response = act(world, "resident_a1", appeal, "rate", rating="dissatisfied", comment="还是不亮")
    assert response.status_code == 302
    assert fresh(appeal).state == State.REOPENED


def test_resident_reopens_with_a_reason(world: Street):
    appeal = submit(world)
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=appeal)
    services.reply_appeal(actor=world.users["worker_a1"], appeal=appeal, text="已修")
    assert "/reopen/" in page(world, "resident_a1", appeal).content.decode()
    response = act(world, "resident_a1", appeal, "reopen", reason="")
    assert response.status_code == 409
    response = act(world, "resident_a1", appeal, "reopen", reason="晚上还是黑")
    assert response.status_code == 302
    appeal = fresh(appeal)
    assert appeal.state == State.REOPENED
    # reopened once: no second reopen button after the next reply
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=appeal)
    services.reply_appeal(actor=world.users["worker_a1"], appeal=appeal, text="换了灯泡")
    assert "/reopen/" not in page(world, "resident_a1", appeal).content.decode()


def test_reject_needs_a_reason_and_is_for_community_staff(world: Street):
    appeal = submit(world)
    assert "/reject/" not in page(world, "worker_a1", appeal).content.decode()
    assert act(world, "worker_a1", appeal, "reject", reason="x").status_code == 403
    assert "/reject/" in page(world, "staff_a", appeal).content.decode()
    response = act(world, "staff_a", appeal, "reject", reason="")
    assert response.status_code == 409
    assert "请说明理由" in response.content.decode()
    assert act(world, "staff_a", appeal, "reject", reason="不属于社区职责").status_code == 302
    appeal = fresh(appeal)
    assert appeal.state == State.REJECTED
    assert "不属于社区职责" in page(world, "resident_a1", appeal).content.decode()


def test_follow_up_records_an_offline_residents_rating(world: Street):
    appeal = submit(world)
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=appeal)
    services.reply_appeal(actor=world.users["worker_a1"], appeal=appeal, text="已修")
    assert "/follow_up/" in page(world, "staff_a", appeal).content.decode()
    response = act(
        world, "staff_a", appeal, "follow_up", rating="basically", comment="", channel="phone"
    )
    assert response.status_code == 302
    appeal = fresh(appeal)
    assert appeal.state == State.CLOSED
    rating = Rating.objects.get(appeal=appeal)
    assert rating.source == "follow_up"
    assert rating.channel == "phone"
    # already rated: no more follow-up button
    assert "/follow_up/" not in page(world, "staff_a", appeal).content.decode()


def test_transfer_to_another_grid_worker_with_a_reason(world: Street):
    appeal = submit(world)
    html = page(world, "staff_a", appeal).content.decode()
    assert "/transfer/" in html
    target = f"p:{world.person('worker_a2').pk}"
    assert f'value="{target}"' in html
    assert act(world, "staff_a", appeal, "transfer", target=target, reason="").status_code == 409
    response = act(world, "staff_a", appeal, "transfer", target=target, reason="在二网格")
    assert response.status_code == 302
    assert fresh(appeal).assigned_person_id == world.person("worker_a2").pk


def test_transfer_to_a_partner_unit(world: Street):
    appeal = submit(world)
    response = act(
        world, "staff_a", appeal, "transfer", target=f"u:{world.partner_a.pk}", reason="物业管"
    )
    assert response.status_code == 302
    assert fresh(appeal).owner_partner_id == world.partner_a.pk


def test_transfer_to_an_out_of_area_partner_is_refused(world: Street):
    appeal = submit(world)
    response = act(
        world, "staff_a", appeal, "transfer", target=f"u:{world.partner_b.pk}", reason="x"
    )
    assert response.status_code == 400
    assert fresh(appeal).owner_partner_id is None


def test_add_a_co_handler(world: Street):
    appeal = submit(world)
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=appeal)
    target = f"p:{world.person('worker_a2').pk}"
    assert f'value="{target}"' in page(world, "worker_a1", appeal).content.decode()
    assert act(world, "worker_a1", appeal, "co_handler", target=target).status_code == 302
    assert CoHandler.objects.filter(appeal=appeal, person=world.person("worker_a2")).exists()
    assert page(world, "worker_a2", appeal).status_code == 200


def test_notes_internal_and_public(world: Street):
    appeal = submit(world)
    assert act(world, "worker_a1", appeal, "note", text="内部备注").status_code == 302
    assert act(world, "worker_a1", appeal, "note", text="公开说明", public="on").status_code == 302
    notes = {e.text: e.public for e in AppealEvent.objects.filter(kind=EventKind.NOTE)}
    assert notes == {"内部备注": False, "公开说明": True}
    # a resident's note is always public, whatever the form says
    assert act(world, "resident_a1", appeal, "note", text="补充：在2号门").status_code == 302
    assert AppealEvent.objects.get(text="补充：在2号门").public is True


def test_recategorise_through_the_page(world: Street):
    appeal = submit(world)
    response = act(world, "staff_a", appeal, "recategorise", category="municipal.road")
    assert response.status_code == 302
    assert fresh(appeal).category.code == "municipal.road"
    response = act(world, "staff_a", appeal, "recategorise", category="no.such")
    assert response.status_code == 400


def test_merge_into_another_appeal_by_number(world: Street):
    keep = submit(world)
    dup = submit(world, "resident_a2", building_id=world.building_a1.pk)
    response = act(world, "staff_a", dup, "merge", number=keep.number)
    assert response.status_code == 302
    assert fresh(dup).state == State.MERGED
    assert fresh(keep).supporters_count == 2
    html = page(world, "staff_a", keep).content.decode()
    assert dup.number in html
    assert "2 位居民反映" in html
    assert keep.number in page(world, "resident_a2", dup).content.decode()


def test_merge_into_an_unknown_number_is_a_message(world: Street):
    dup = submit(world)
    response = act(world, "staff_a", dup, "merge", number="GZ-19990101-000001")
    assert response.status_code == 400
    assert fresh(dup).state == State.SUBMITTED


def test_detail_in_english(world: Street):
    appeal = submit(world)
    client = client_for(world.users["resident_a1"])
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("appeals:detail", kwargs={"pk": appeal.pk})).content.decode()
    assert "Timeline" in html
    assert "Resolve by" in html


def test_deadlines_shown_are_the_appeals(world: Street):
    appeal = submit(world, now=MONDAY)
    html = page(world, "resident_a1", appeal).content.decode()
    from django.utils import timezone

    assert timezone.localtime(appeal.resolve_by).strftime("%Y-%m-%d %H:%M") in html


def test_staff_acting_for_the_resident_rate_it_on_their_behalf(world: Street):
    # given a replied appeal, and the grid worker acting for its resident (代办)
    appeal = submit(world)
    services.sign_for_appeal(actor=world.users["staff_a"], appeal=appeal)
    services.reply_appeal(actor=world.users["staff_a"], appeal=appeal, text="已修")
    client = client_for(world.users["worker_a1"])
    resident = world.person("resident_a1")
    client.post(reverse("org:act_for_start", kwargs={"pk": resident.pk}))
    # then the page offers the resident's rating, and the rating is recorded for them
    url = reverse("appeals:detail", kwargs={"pk": appeal.pk})
    assert "/rate/" in client.get(url).content.decode()
    response = client.post(
        reverse("appeals:act", kwargs={"pk": appeal.pk, "action": "rate"}),
        {"rating": "satisfied", "comment": "老人说修好了"},
    )
    assert response.status_code == 302
    event = AppealEvent.objects.get(appeal=appeal, kind=EventKind.CONFIRMED)
    assert event.on_behalf_of_id == resident.pk
    assert event.actor_id == world.users["worker_a1"].pk
    assert "代" in client.get(url).content.decode()
