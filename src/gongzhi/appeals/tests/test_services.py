import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from gongzhi.appeals import services
from gongzhi.appeals.models import (
    Appeal,
    AppealEvent,
    AppealSequence,
    CoHandler,
    EventKind,
    Notification,
    Rating,
)
from gongzhi.appeals.states import State
from gongzhi.appeals.tests.factories import MONDAY, submit
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.org.models import PartnerKind, PartnerUnit

H = dt.timedelta(hours=1)


def kinds(appeal):
    return list(AppealEvent.objects.filter(appeal=appeal).values_list("kind", flat=True))


# --- intake -------------------------------------------------------------------------------------


def test_submit_routes_numbers_and_records(world):
    result = services.submit_appeal(
        actor=world.users["resident_a1"],
        text="楼下路灯不亮三天了，晚上很危险",
        building_id=world.building_a1.pk,
        now=MONDAY,
    )
    a = result.appeal
    assert result.created
    assert a.number == "GZ-20250303-000001"
    assert a.category.code == "municipal.light" and a.category_source == "router"
    assert result.suggestion.category_code == "municipal.light"
    assert a.state == State.SUBMITTED and a.channel == "web"
    assert a.resident == world.person("resident_a1")
    assert a.submitted_by == world.users["resident_a1"] and not a.by_proxy
    assert a.assigned_person == world.person("worker_a1") and a.owner_person is None
    assert (a.street_id, a.community_id, a.grid_id) == (
        world.street.pk,
        world.comm_a.pk,
        world.grid_a1.pk,
    )
    assert a.contact_phone == "13900000001"  # the resident's, kept (shown masked)
    assert a.title == "楼下路灯不亮三天了，晚上很危险"
    event = AppealEvent.objects.get(appeal=a)
    assert event.kind == EventKind.SUBMITTED and event.public
    assert event.data["category_source"] == "router" and event.data["reasons"]
    audit = AuditEvent.objects.get(action="appeal.submit")
    assert audit.object_repr == a.number and audit.scope_path == world.building_a1.path
    # Numbers count per local day.
    assert submit(world).number == "GZ-20250303-000002"
    assert submit(world, now=MONDAY + 24 * H).number == "GZ-20250304-000001"
    assert AppealSequence.objects.get(day=dt.date(2025, 3, 3)).last == 2


def test_a_late_evening_utc_submission_is_numbered_by_the_shanghai_day(world):
    late = dt.datetime(2025, 3, 3, 17, 30, tzinfo=dt.UTC)  # 01:30 on 4 March in Shanghai
    assert submit(world, now=late).number.startswith("GZ-20250304-")


def test_the_idempotency_key_returns_the_first_appeal(world):
    kw = {"idempotency_key": "req-42", "channel": "api"}
    first = services.submit_appeal(
        actor=world.users["resident_a1"],
        text="路灯不亮了好几天",
        building_id=world.building_a1.pk,
        now=MONDAY,
        **kw,
    )
    again = services.submit_appeal(
        actor=world.users["resident_a1"],
        text="路灯不亮了好几天",
        building_id=world.building_a1.pk,
        now=MONDAY + H,
        **kw,
    )
    assert first.created and not again.created
    assert again.appeal.pk == first.appeal.pk
    assert Appeal.objects.count() == 1 and AppealEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action="appeal.submit").count() == 1
    # The number reserved by the retry was rolled back with it: no gap.
    assert submit(world).number == "GZ-20250303-000002"
    # Another submitter, or another channel, may use the same key.
    other = services.submit_appeal(
        actor=world.users["resident_a2"],
        text="路灯不亮了好几天",
        building_id=world.building_a2.pk,
        now=MONDAY,
        **kw,
    )
    assert other.created


def test_the_database_refuses_a_second_row_with_the_same_key(world):
    a = submit(world, idempotency_key="k1")
    clone = Appeal.objects.get(pk=a.pk)
    clone.pk = None
    clone.number = "GZ-X"
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save(force_insert=True)


@pytest.mark.parametrize(
    ("kw", "error", "field"),
    [
        ({"text": "短"}, ValidationFailed, "text"),
        ({"text": "长" * 2001}, ValidationFailed, "text"),
        ({"title": "题" * 101}, ValidationFailed, "title"),
        ({"category_code": "no.such"}, ValidationFailed, "category"),
        ({"urgency": "very"}, ValidationFailed, "urgency"),
        ({"channel": "fax"}, ValidationFailed, "channel"),
        ({"contact_phone": "12345"}, ValidationFailed, "contact_phone"),
        ({"idempotency_key": "has space"}, ValidationFailed, "idempotency_key"),
        (
            {"building_id": None, "latitude": 32.31, "longitude": 118.41},
            ValidationFailed,
            "location",
        ),
        ({"building_id": None}, ValidationFailed, "location"),
    ],
)
def test_bad_input_is_a_clear_error_naming_the_field(world, kw, error, field):
    with pytest.raises(error) as err:
        submit(world, **kw)
    assert err.value.field == field
    assert Appeal.objects.count() == 0


def test_a_resident_files_only_in_their_own_community(world):
    with pytest.raises(ValidationFailed) as err:
        submit(world, building_id=world.building_b1.pk)
    assert err.value.field == "location"
    # Within it, any grid will do (the lamp may be in front of the next building).
    assert submit(world, building_id=world.building_a2.pk).grid_id == world.grid_a2.pk


def test_a_map_point_locates_the_appeal(world):
    a = submit(world, latitude=32.305, longitude=118.316)
    assert a.grid_id == world.grid_a2.pk and a.building_id is None
    assert a.scope_path == world.grid_a2.path and a.latitude == 32.305


def test_staff_file_on_behalf_of_a_resident_at_the_desk(world):
    result = services.submit_appeal(
        actor=world.users["worker_a1"],
        channel="desk",
        resident=world.person("resident_a1"),
        text="老人反映楼道灯坏了",
        building_id=world.building_a1.pk,
        now=MONDAY,
    )
    a = result.appeal
    assert a.by_proxy and a.channel == "desk"
    assert a.resident == world.person("resident_a1")
    assert a.submitted_by == world.users["worker_a1"]
    audit = AuditEvent.objects.get(action="appeal.submit")
    assert audit.actor == world.users["worker_a1"]
    assert audit.on_behalf_of == world.person("resident_a1")
    assert AppealEvent.objects.get(appeal=a).on_behalf_of == world.person("resident_a1")


def test_only_staff_in_scope_file_on_behalf(world):
    base = {"channel": "visit", "text": "帮居民反映路灯坏了", "now": MONDAY}
    with pytest.raises(PermissionDenied):
        services.submit_appeal(
            actor=world.users["resident_a1"],
            resident=world.person("resident_a2"),
            building_id=world.building_a2.pk,
            **base,
        )
    with pytest.raises(PermissionDenied):  # grid A1's worker for a resident of grid A2
        services.submit_appeal(
            actor=world.users["worker_a1"],
            resident=world.person("resident_a2"),
            building_id=world.building_a2.pk,
            **base,
        )
    with pytest.raises(ValidationFailed) as err:  # a place outside their grid
        services.submit_appeal(
            actor=world.users["worker_a1"],
            resident=world.person("resident_a1"),
            building_id=world.building_a2.pk,
            **base,
        )
    assert err.value.field == "location"
    with pytest.raises(ValidationFailed) as err:  # neither a resident nor a caller's name
        services.submit_appeal(
            actor=world.users["staff_a"], building_id=world.building_a2.pk, **base
        )
    assert err.value.field == "resident"
    walk_in = services.submit_appeal(
        actor=world.users["staff_a"],
        contact_name="路过的张先生",
        contact_phone="025-84561234",
        building_id=world.building_a2.pk,
        **base,
    )
    assert walk_in.appeal.resident is None and walk_in.appeal.contact_phone == "02584561234"


def test_open311_files_inside_the_keys_area_without_a_login(world):
    result = services.submit_appeal(
        actor=None,
        channel="open311",
        within=world.comm_a,
        submitter_ref="open311:7",
        idempotency_key="abc",
        text="路面有个大坑，车辆经过很危险",
        latitude=32.31,
        longitude=118.305,
        contact_name="Li",
        now=MONDAY,
    )
    assert result.appeal.grid_id == world.grid_a1.pk
    assert result.appeal.submitted_by is None
    assert result.appeal.category.code == "municipal.road"
    again = services.submit_appeal(
        actor=None,
        channel="open311",
        within=world.comm_a,
        submitter_ref="open311:7",
        idempotency_key="abc",
        text="路面有个大坑，车辆经过很危险",
        latitude=32.31,
        longitude=118.305,
        now=MONDAY,
    )
    assert again.appeal.pk == result.appeal.pk and not again.created
    with pytest.raises(ValidationFailed) as err:
        services.submit_appeal(
            actor=None,
            channel="open311",
            within=world.comm_a,
            submitter_ref="open311:7",
            text="路面有个大坑很危险",
            latitude=32.31,
            longitude=118.41,
            now=MONDAY,
        )
    assert err.value.field == "location"
    with pytest.raises(PermissionDenied):
        services.submit_appeal(
            actor=None, text="路面有个大坑很危险", building_id=world.building_a1.pk, now=MONDAY
        )


def test_property_appeals_go_to_the_partner_unit(world):
    a = submit(world, category_code="property.elevator", text="3单元电梯又坏了")
    assert a.owner_partner == world.partner_a and a.assigned_person is None
    signed = services.sign_for_appeal(actor=world.users["partner_a"], appeal=a, now=MONDAY + H)
    assert signed.owner_person == world.person("partner_a")


# --- the lifecycle ------------------------------------------------------------------------------


def test_the_whole_loop(world, django_capture_on_commit_callbacks):
    u = world.users
    with django_capture_on_commit_callbacks(execute=True):
        a = submit(world)
    assert Notification.objects.filter(recipient=u["worker_a1"], kind="submitted").exists()
    assert mail.outbox[-1].to == [u["worker_a1"].email]
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=a, now=MONDAY + H)
    assert a.state == State.SIGNED_FOR and a.signed_at == MONDAY + H
    assert a.owner_person == world.person("worker_a1")
    assert a.due_at == a.contact_by
    a = services.start_appeal(
        actor=u["worker_a1"], appeal=a, text="已电话联系居民", now=MONDAY + 2 * H
    )
    assert a.first_contact_at == MONDAY + 2 * H and a.due_at == a.resolve_by
    with django_capture_on_commit_callbacks(execute=True):
        a = services.reply_appeal(
            actor=u["worker_a1"], appeal=a, text="已更换灯泡", now=MONDAY + 5 * H
        )
    assert a.state == State.REPLIED and a.result == "已更换灯泡" and a.due_at is None
    assert a.next_check_at is None
    assert Notification.objects.filter(recipient=u["resident_a1"], kind="replied").exists()
    a = services.rate_appeal(
        actor=u["resident_a1"], appeal=a, rating="satisfied", comment="谢谢", now=MONDAY + 6 * H
    )
    assert a.state == State.CLOSED and a.rating == "satisfied"
    assert a.closed_at == MONDAY + 6 * H
    assert kinds(a) == ["submitted", "signed_for", "started", "replied", "confirmed"]
    assert list(
        AuditEvent.objects.filter(object_id=str(a.pk))
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["appeal.submit", "appeal.sign_for", "appeal.start", "appeal.reply", "appeal.confirm"]
    assert Rating.objects.get(appeal=a).source == "resident"


def test_notifications_wait_for_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(world)
    assert callbacks and not Notification.objects.exists()


def test_the_first_responder_stays_the_owner(world):
    u = world.users
    a = submit(world)
    # Community staff take it first: they are its first responder, not the routed worker.
    a = services.sign_for_appeal(actor=u["staff_a"], appeal=a, now=MONDAY + H)
    assert a.owner_person == world.person("staff_a")
    services.add_co_handler(actor=u["staff_a"], appeal=a, person=world.person("worker_a1"))
    a = services.start_appeal(actor=u["worker_a1"], appeal=a)  # a co-handler may act
    a = services.reply_appeal(actor=u["worker_a1"], appeal=a, text="处理好了")
    a = services.rate_appeal(
        actor=u["resident_a1"], appeal=a, rating="dissatisfied", comment="还是不亮"
    )
    assert a.state == State.REOPENED
    # Signing for it again does not change the first responder.
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=a)
    assert a.owner_person == world.person("staff_a")


def test_a_transfer_needs_a_reason_and_is_on_the_record(world):
    u = world.users
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=submit(world), now=MONDAY + H)
    with pytest.raises(Conflict) as err:
        services.transfer_appeal(
            actor=u["worker_a1"], appeal=a, reason=" ", to_person=world.person("worker_a2")
        )
    assert err.value.field == "reason"
    with pytest.raises(ValidationFailed) as err:
        services.transfer_appeal(
            actor=u["worker_a1"],
            appeal=a,
            reason="不在我的网格",
            to_person=world.person("worker_b1"),
        )
    assert err.value.field == "to_person"
    with pytest.raises(ValidationFailed):
        services.transfer_appeal(actor=u["worker_a1"], appeal=a, reason="x")
    a = services.transfer_appeal(
        actor=u["worker_a1"], appeal=a, reason="实际在二网格", to_person=world.person("worker_a2")
    )
    assert a.owner_person == world.person("worker_a2")
    event = AppealEvent.objects.get(appeal=a, kind=EventKind.TRANSFERRED)
    assert event.text == "实际在二网格" and event.actor == u["worker_a1"]
    audit = AuditEvent.objects.get(action="appeal.transfer")
    assert audit.before["owner_person"] == world.person("worker_a1").pk
    assert audit.after["owner_person"] == world.person("worker_a2").pk
    assert audit.after["reason"] == "实际在二网格"
    # The old owner lost it (still sees it: it is in their grid); the new one may act.
    with pytest.raises(Conflict):
        services.start_appeal(actor=u["worker_a1"], appeal=a)
    services.start_appeal(actor=u["worker_a2"], appeal=a)


def test_transfer_to_a_partner_unit_and_back(world):
    u = world.users
    a = submit(world)
    a = services.transfer_appeal(
        actor=u["staff_a"], appeal=a, reason="物业负责", to_partner=world.partner_a
    )
    assert a.owner_partner == world.partner_a and a.assigned_person is None
    a = services.sign_for_appeal(actor=u["partner_a"], appeal=a)
    assert a.owner_person == world.person("partner_a")
    with pytest.raises(ValidationFailed) as err:
        services.transfer_appeal(
            actor=u["staff_a"], appeal=a, reason="换", to_partner=world.partner_b
        )
    assert err.value.field == "to_partner"
    a = services.transfer_appeal(
        actor=u["partner_a"], appeal=a, reason="不归物业管", to_person=world.person("worker_a1")
    )
    assert a.owner_partner is None and a.owner_person == world.person("worker_a1")


def test_dissatisfied_reopens_once_then_closes(world):
    u = world.users
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=submit(world), now=MONDAY + H)
    a = services.reply_appeal(actor=u["worker_a1"], appeal=a, text="修好了", now=MONDAY + 2 * H)
    with pytest.raises(ValidationFailed) as err:
        services.rate_appeal(actor=u["resident_a1"], appeal=a, rating="dissatisfied")
    assert err.value.field == "comment"
    later = MONDAY + 30 * H
    a = services.rate_appeal(
        actor=u["resident_a1"], appeal=a, rating="dissatisfied", comment="晚上还是不亮", now=later
    )
    # Reopened: a new cycle with new deadlines from now, nothing met yet.
    assert a.state == State.REOPENED and a.reopened_count == 1
    assert a.cycle_started_at == later and a.sign_by > later and a.signed_at is None
    assert a.rating == "" and a.alarms == 0 and a.due_at == a.sign_by
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=a, now=later + H)
    a = services.reply_appeal(
        actor=u["worker_a1"], appeal=a, text="换了整套灯具", now=later + 2 * H
    )
    with pytest.raises(Conflict):
        services.reopen_appeal(actor=u["resident_a1"], appeal=a, reason="还不行")
    a = services.rate_appeal(
        actor=u["resident_a1"],
        appeal=a,
        rating="dissatisfied",
        comment="还是不满意",
        now=later + 3 * H,
    )
    assert a.state == State.CLOSED and a.rating == "dissatisfied"
    assert list(Rating.objects.filter(appeal=a).values_list("rating", flat=True)) == [
        "dissatisfied",
        "dissatisfied",
    ]


def test_staff_record_a_follow_up_for_an_offline_resident(world):
    u = world.users
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=submit(world))
    a = services.reply_appeal(actor=u["worker_a1"], appeal=a, text="已修复")
    with pytest.raises(ValidationFailed) as err:
        services.record_follow_up(actor=u["staff_a"], appeal=a, rating="satisfied", channel="web")
    assert err.value.field == "channel"
    a = services.record_follow_up(
        actor=u["staff_a"], appeal=a, rating="basically", comment="电话回访", channel="phone"
    )
    assert a.state == State.CLOSED and a.rating == "basically"
    rating = Rating.objects.get(appeal=a)
    assert rating.source == "follow_up" and rating.channel == "phone"
    assert rating.recorded_by == u["staff_a"] and rating.by_person == world.person("resident_a1")


def test_a_follow_up_rates_an_appeal_closed_unrated(world):
    u = world.users
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=submit(world), now=MONDAY)
    services.reply_appeal(actor=u["worker_a1"], appeal=a, text="已修复", now=MONDAY)
    assert services.auto_close_unrated(now=MONDAY + dt.timedelta(days=8)) == 1
    a = services.record_follow_up(
        actor=u["secretary_a"],
        appeal=a,
        rating="satisfied",
        channel="visit",
        now=MONDAY + dt.timedelta(days=9),
    )
    assert a.state == State.CLOSED and a.rating == "satisfied"
    assert kinds(a)[-2:] == ["auto_closed", "follow_up"]
    with pytest.raises(Conflict):
        services.record_follow_up(
            actor=u["secretary_a"], appeal=a, rating="satisfied", channel="visit"
        )


def test_reject_needs_a_reason_and_tells_the_resident(world, django_capture_on_commit_callbacks):
    u = world.users
    a = submit(world)
    with pytest.raises(Conflict) as err:
        services.reject_appeal(actor=u["staff_a"], appeal=a, reason="")
    assert err.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        a = services.reject_appeal(
            actor=u["staff_a"], appeal=a, reason="属于法院受理范围", now=MONDAY + H
        )
    assert a.state == State.REJECTED and a.closed_at == MONDAY + H and a.due_at is None
    note = Notification.objects.get(recipient=u["resident_a1"], kind="rejected")
    assert "属于法院受理范围" in note.text


def test_merge_counts_supporters_and_notes_both_timelines(world):
    u = world.users
    survivor = submit(world, text="一网格路灯全部不亮")
    dup1 = submit(world, text="路灯不亮，晚上出门很黑")
    dup2 = submit(world, "resident_a2", text="路灯不亮好几天了", building_id=world.building_a1.pk)
    other_community = submit(world, "resident_b1")
    with pytest.raises(ValidationFailed):
        services.merge_appeals(actor=u["admin"], into=survivor, duplicates=[other_community])
    with pytest.raises(ValidationFailed):
        services.merge_appeals(actor=u["staff_a"], into=survivor, duplicates=[survivor])
    survivor = services.merge_appeals(actor=u["staff_a"], into=survivor, duplicates=[dup1, dup2])
    assert survivor.supporters_count == 3
    for dup in (dup1, dup2):
        dup.refresh_from_db()
        assert dup.state == State.MERGED and dup.merged_into == survivor
        assert kinds(dup)[-1] == "merged"
    assert kinds(survivor).count("merged_in") == 2
    # A merged appeal's own supporters travel with it.
    third = submit(world, text="路灯的事情我也反映")
    services.merge_appeals(actor=u["staff_a"], into=third, duplicates=[survivor])
    third.refresh_from_db()
    assert third.supporters_count == 4


def test_co_handlers(world):
    u = world.users
    a = submit(world)
    services.add_co_handler(actor=u["worker_a1"], appeal=a, person=world.person("partner_a"))
    with pytest.raises(Conflict):
        services.add_co_handler(actor=u["worker_a1"], appeal=a, person=world.person("partner_a"))
    with pytest.raises(ValidationFailed):
        services.add_co_handler(actor=u["worker_a1"], appeal=a, person=world.person("partner_b"))
    with pytest.raises(ValidationFailed):
        services.add_co_handler(actor=u["worker_a1"], appeal=a, person=world.person("resident_a2"))
    assert CoHandler.objects.filter(appeal=a).count() == 1
    # The partner handler, as a co-handler, may now act on an appeal not assigned to the unit.
    services.sign_for_appeal(actor=u["partner_a"], appeal=a)


def test_notes_internal_and_public(world):
    u = world.users
    a = submit(world)
    note = services.add_note(actor=u["worker_a1"], appeal=a, text="需要联系供电局")
    assert not note.public
    public = services.add_note(actor=u["resident_a1"], appeal=a, text="灯在3栋门口", public=True)
    assert public.public and public.actor == u["resident_a1"]
    with pytest.raises(Conflict):  # residents do not write internal notes
        services.add_note(actor=u["resident_a1"], appeal=a, text="x")
    with pytest.raises(ValidationFailed):
        services.add_note(actor=u["worker_a1"], appeal=a, text=" ")
    # Staff acting for the resident (代办) add to it in the resident's name, on the record.
    proxy = services.add_note(
        actor=u["worker_a1"],
        appeal=a,
        text="居民电话补充：灯杆倾斜",
        public=True,
        on_behalf_of=world.person("resident_a1"),
    )
    assert proxy.on_behalf_of is None  # the worker is the owner: they add it as the owner
    staff_note = services.add_note(
        actor=u["staff_a"],
        appeal=a,
        text="代居民补充",
        public=True,
        on_behalf_of=world.person("resident_a1"),
    )
    assert staff_note.on_behalf_of is None  # staff capacity comes first


def test_the_resident_side_can_be_acted_for(world):
    u = world.users
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=submit(world))
    a = services.reply_appeal(actor=u["worker_a1"], appeal=a, text="修好了")
    # The secretary rates at the desk on the resident's behalf (代办): recorded as such.
    a = services.rate_appeal(
        actor=u["secretary_a"],
        appeal=a,
        rating="satisfied",
        on_behalf_of=world.person("resident_a1"),
    )
    assert a.state == State.CLOSED
    event = AppealEvent.objects.filter(appeal=a).latest("id")
    assert event.actor == u["secretary_a"]
    assert event.on_behalf_of == world.person("resident_a1")
    assert AuditEvent.objects.filter(action="appeal.confirm").get().on_behalf_of == (
        world.person("resident_a1")
    )


def test_recategorise_recomputes_the_deadlines(world):
    u = world.users
    a = submit(world, text="楼道里有很重的煤气味", category_code="municipal.light")
    a = services.recategorise_appeal(
        actor=u["staff_a"],
        appeal=a,
        category_code="safety.hazard",
        reason="实为燃气隐患",
        now=MONDAY + dt.timedelta(minutes=5),
    )
    assert a.category.code == "safety.hazard" and a.category_source == "staff"
    assert a.resolve_by == MONDAY + 2 * H and a.sign_by == MONDAY + dt.timedelta(minutes=15)
    assert a.next_check_at == MONDAY + dt.timedelta(minutes=10.5)  # 70% of 15 minutes
    with pytest.raises(ValidationFailed):
        services.recategorise_appeal(actor=u["staff_a"], appeal=a, category_code="nope")


def test_reveal_contact_is_audited_and_refused_to_partners(world):
    u = world.users
    a = submit(world, category_code="property.elevator", text="电梯困人了")
    assert services.reveal_appeal_contact(actor=u["worker_a1"], appeal=a) == {
        "name": "王建国",
        "phone": "13900000001",
    }
    assert AuditEvent.objects.filter(action="appeal.reveal", actor=u["worker_a1"]).exists()
    with pytest.raises(PermissionDenied):
        services.reveal_appeal_contact(actor=u["partner_a"], appeal=a)
    anon = submit(world, anonymous=True)
    with pytest.raises(PermissionDenied):
        services.reveal_appeal_contact(actor=u["worker_a1"], appeal=anon)
    assert services.reveal_appeal_contact(actor=u["staff_a"], appeal=anon)["phone"]
    with pytest.raises(NotFound):
        services.reveal_appeal_contact(actor=u["staff_b"], appeal=anon)


def test_a_login_without_a_person_cannot_become_first_responder(world):
    from gongzhi.org.tests.factories import UserFactory

    root = UserFactory.create(is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied):
        services.sign_for_appeal(actor=root, appeal=submit(world))


def test_partner_units_of_another_kind_are_not_chosen(world):
    PartnerUnit.objects.create(
        name="业委会", kind=PartnerKind.OWNERS_COMMITTEE, region=world.grid_a1
    )
    a = submit(world, category_code="property.elevator", text="电梯坏了不能用")
    assert a.owner_partner == world.partner_a


def test_emails_go_once_and_only_to_logins_with_an_address(
    world, django_capture_on_commit_callbacks
):
    from gongzhi.appeals.notifications import send_emails

    worker = world.users["worker_a1"]
    worker.email = ""
    worker.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        submit(world)
    assert Notification.objects.filter(recipient=worker, kind="submitted").exists()
    assert mail.outbox == []
    notice = Notification.objects.create(recipient=world.users["staff_a"], kind="x", text="诉求")
    assert send_emails([notice.pk]) == 1
    assert send_emails([notice.pk]) == 0  # already sent: a second worker sends nothing
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.users["staff_a"].email]


def test_a_batched_intake_inserts_appeals_events_and_audit_rows_together(world):
    """What the high-throughput intake path does: plan each appeal with no query of its own,
    reserve a block of numbers, and bulk-insert the three rows of each in one transaction."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from gongzhi.appeals.config import get_config
    from gongzhi.appeals.intake import (
        build_appeal,
        build_audit_event,
        build_first_event,
        format_number,
        local_day,
        plan_intake,
    )
    from gongzhi.appeals.selectors import inbox

    config = get_config()
    texts = ["3栋停水了一上午", "路灯不亮三天了", "电梯困人请尽快处理"]
    with CaptureQueriesContext(connection) as planning:
        plans = [
            plan_intake(
                config,
                text=t,
                building_id=world.building_a1.pk,
                within_path=world.comm_a.path,
                now=MONDAY,
            )
            for t in texts
        ]
    assert [p.category.code for p in plans] == [
        "utilities.water",
        "municipal.light",
        "property.elevator",
    ]
    # The calendar checks its own version stamp (every 2 s outside tests); routing asks nothing.
    assert all("appeals_" not in q["sql"] for q in planning.captured_queries)
    resident = world.users["resident_a1"]
    with transaction.atomic():
        first = services.reserve_numbers(local_day(MONDAY), len(plans))
        appeals = Appeal.objects.bulk_create(
            [
                build_appeal(
                    p,
                    number=format_number(local_day(MONDAY), first + i),
                    channel="api",
                    now=MONDAY,
                    resident_id=resident.person_id,
                    submitted_by_id=resident.pk,
                    submitter_ref=f"user:{resident.pk}",
                    idempotency_key=f"batch-{i}",
                )
                for i, p in enumerate(plans)
            ]
        )
        AppealEvent.objects.bulk_create(
            [
                build_first_event(a, p, actor_id=resident.pk, on_behalf_of_id=None)
                for a, p in zip(appeals, plans, strict=True)
            ]
        )
        AuditEvent.objects.bulk_create(
            [
                build_audit_event(a, p, actor_id=resident.pk, on_behalf_of_id=None)
                for a, p in zip(appeals, plans, strict=True)
            ]
        )
    assert [a.number for a in appeals] == [
        "GZ-20250303-000001",
        "GZ-20250303-000002",
        "GZ-20250303-000003",
    ]
    assert AuditEvent.objects.filter(action="appeal.submit").count() == 3
    assert inbox(world.users["staff_a"], now=MONDAY).total == 3
    assert submit(world).number == "GZ-20250303-000004"
