"""The appeals JSON API: filing (idempotent), errors naming the field, actions, scoping."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gongzhi.api.services import issue_api_token
from gongzhi.appeals.api_schemas import StateName
from gongzhi.appeals.models import Appeal, AppealEvent, CoHandler
from gongzhi.appeals.states import State
from gongzhi.appeals.tests.factories import Street, submit

pytestmark = pytest.mark.django_db

URL = "/api/v1/appeals"
TEXT = "小区门口的路灯坏了好几天，晚上太黑"


def client_for(world: Street, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def token_client(world: Street, who: str) -> tuple[Client, str]:
    secret = issue_api_token(actor=world.users[who], name="test").secret
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), secret


def post(client: Client, url: str, body: Any = None, **headers: str):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return client.post(
        url, json.dumps(body if body is not None else {}), content_type="application/json", **extra
    )


def body_for(world: Street, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "text": TEXT,
        "category": "municipal.light",
        "building_id": world.building_a1.pk,
    }
    body.update(kw)
    return body


def assert_error(response, status: int, field: str | None = None, code: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert isinstance(data["detail"], str) and data["detail"]
    if field is not None:
        assert data["field"] == field, data
    if code is not None:
        assert data["code"] == code, data
    return data


# --- filing -------------------------------------------------------------------------------


def test_state_names_in_the_schema_are_the_state_table():
    assert set(StateName.__args__) == {s.value for s in State}  # type: ignore[attr-defined]


def test_submit_happy_path_answers_the_contract(world):
    client = client_for(world, "resident_a1")
    response = post(client, URL, body_for(world, title="路灯坏了"))
    assert response.status_code == 201, response.content
    data = response.json()
    appeal = Appeal.objects.get()
    assert set(data) == {
        "id",
        "number",
        "title",
        "state",
        "state_label",
        "urgency",
        "channel",
        "anonymous",
        "category",
        "category_source",
        "grid",
        "building_id",
        "owner",
        "sign_by",
        "contact_by",
        "resolve_by",
        "due_at",
        "created_at",
    }
    assert data["id"] == appeal.pk and data["number"] == appeal.number
    assert data["state"] == "submitted" and data["channel"] == "api"
    assert data["title"] == "路灯坏了"
    assert data["category"]["code"] == "municipal.light" and data["category"]["name"]
    assert data["category_source"] == "resident"
    assert data["grid"] == {"id": world.grid_a1.pk, "name": world.grid_a1.name}
    assert data["building_id"] == world.building_a1.pk
    assert data["owner"] == {"kind": "person", "name": "网格员甲"}
    for key in ("sign_by", "contact_by", "resolve_by", "due_at", "created_at"):
        assert data[key].endswith("Z"), data[key]
    assert appeal.resident == world.person("resident_a1")
    assert appeal.submitter_ref == f"user:{world.users['resident_a1'].pk}"
    assert appeal.idempotency_key == ""


def test_submit_without_category_is_routed_from_the_text(world):
    response = post(client_for(world, "resident_a1"), URL, body_for(world, category=None))
    assert response.status_code == 201, response.content
    assert response.json()["category_source"] == "router"


def test_idempotent_replay_files_once_and_answers_the_same_body(world):
    client = client_for(world, "resident_a1")
    first = post(client, URL, body_for(world), **{"Idempotency-Key": "retry-1"})
    again = post(client, URL, body_for(world), **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert again["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.count() == 1
    # Another key, or no key, files another appeal.
    other = post(client, URL, body_for(world), **{"Idempotency-Key": "retry-2"})
    assert other.status_code == 201
    assert Appeal.objects.count() == 2


def test_replay_with_a_different_body_is_409_and_files_nothing(world):
    client = client_for(world, "resident_a1")
    assert post(client, URL, body_for(world), **{"Idempotency-Key": "k1"}).status_code == 201
    for change in (
        {"text": TEXT + "！"},
        {"title": "另一个标题"},
        {"category": "municipal.road"},
        {"urgency": "urgent"},
        {"anonymous": True},
        {"contact_phone": "13911112222"},
        {"building_id": world.building_a2.pk},
    ):
        response = post(client, URL, body_for(world, **change), **{"Idempotency-Key": "k1"})
        assert_error(response, 409, field="Idempotency-Key", code="idempotency_conflict")
    assert Appeal.objects.count() == 1


def test_keys_belong_to_their_submitter(world):
    """The same key from another person, or from a token instead of a session, is another
    submission; a token's keys are its own."""
    a1 = client_for(world, "resident_a1")
    tok, _secret = token_client(world, "resident_a1")
    a2 = client_for(world, "resident_a2")
    key = {"Idempotency-Key": "same"}
    assert post(a1, URL, body_for(world), **key).status_code == 201
    assert post(tok, URL, body_for(world), **key).status_code == 201
    assert post(tok, URL, body_for(world), **key).status_code == 200
    body = body_for(world, building_id=world.building_a2.pk)
    assert post(a2, URL, body, **key).status_code == 201
    refs = set(Appeal.objects.values_list("submitter_ref", flat=True))
    token_ids = {r for r in refs if r.startswith("token:")}
    assert len(refs) == 3 and len(token_ids) == 1
    assert Appeal.objects.count() == 3


@pytest.mark.parametrize("key", ["", "has space", "x" * 65, "中文", "a/b", "semi;colon"], ids=repr)
def test_a_bad_idempotency_key_is_422_naming_the_header(world, key):
    client = client_for(world, "resident_a1")
    response = post(client, URL, body_for(world), **{"Idempotency-Key": key})
    assert_error(response, 422, field="Idempotency-Key", code="invalid")
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"category": "no.such.category"}, 400, "category"),
        ({"category": "路灯"}, 422, "category"),
        ({"urgency": "yesterday"}, 422, "urgency"),
        ({"text": None}, 422, "text"),
        ({"text": ""}, 422, "text"),
        ({"text": "短"}, 400, "text"),
        ({"text": "坏" * 2001}, 422, "text"),
        ({"text": 12345}, 422, "text"),
        ({"title": "题" * 101}, 422, "title"),
        ({"building_id": "one"}, 422, "building_id"),
        ({"building_id": -1}, 422, "building_id"),
        ({"building_id": 2**64}, 422, "building_id"),
        ({"anonymous": "maybe"}, 422, "anonymous"),
        ({"latitude": 91, "longitude": 118.3, "building_id": None}, 422, "latitude"),
        ({"contact_phone": "12345"}, 400, "contact_phone"),
        ({"colour": "red"}, 422, "colour"),
        ({"resident_id": 1}, 400, "resident_id"),
        ({"channel": "open311"}, 422, "channel"),
        ({"channel": "desk"}, 403, "channel"),
    ],
    ids=repr,
)
def test_errors_name_the_field(world, change, status, field):
    client = client_for(world, "resident_a1")
    body = body_for(world, **change)
    if "text" in change and change["text"] is None:
        del body["text"]
    assert_error(post(client, URL, body), status, field=field)
    assert Appeal.objects.count() == 0


def test_places_outside_the_community_name_their_field(world):
    client = client_for(world, "resident_a1")
    other_building = body_for(world, building_id=world.building_b1.pk)
    other_grid = body_for(world, building_id=None, grid_id=world.grid_b1.pk)
    not_a_building = body_for(world, building_id=world.grid_a1.pk)
    unknown_grid = body_for(world, building_id=None, grid_id=999_999)
    nowhere = body_for(world, building_id=None)
    far_point = body_for(world, building_id=None, latitude=32.31, longitude=118.41)
    assert_error(post(client, URL, other_building), 400, field="building_id")
    assert_error(post(client, URL, other_grid), 400, field="grid_id")
    assert_error(post(client, URL, not_a_building), 400, field="building_id")
    assert_error(post(client, URL, unknown_grid), 400, field="grid_id")
    assert_error(post(client, URL, nowhere), 400, field="building_id")
    assert_error(post(client, URL, far_point), 400, field="latitude")
    assert Appeal.objects.count() == 0


def test_a_map_point_and_a_grid_locate_the_appeal(world):
    client = client_for(world, "resident_a1")
    point = body_for(world, building_id=None, latitude=32.31, longitude=118.305)
    grid = body_for(world, building_id=None, grid_id=world.grid_a2.pk)
    assert post(client, URL, point).json()["grid"]["id"] == world.grid_a1.pk
    assert post(client, URL, grid).json()["grid"]["id"] == world.grid_a2.pk


def test_staff_file_for_a_resident_on_a_proxy_channel(world):
    client = client_for(world, "worker_a1")
    resident = world.person("resident_a1")
    response = post(client, URL, body_for(world, channel="desk", resident_id=resident.pk))
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert appeal.by_proxy and appeal.resident == resident and appeal.channel == "desk"
    # A resident of another grid is outside the grid worker's area; so is a stranger id.
    other = world.person("resident_b1")
    for pk in (other.pk, 999_999):
        body = body_for(world, channel="desk", resident_id=pk)
        assert_error(post(client, URL, body), 400, field="resident_id")
    # Neither a resident nor a caller's name.
    assert_error(post(client, URL, body_for(world, channel="phone")), 400, field="resident_id")
    # A caller who is not registered, by name.
    unregistered = body_for(world, channel="phone", contact_name="路人甲")
    assert post(client, URL, unregistered).status_code == 201


def test_anonymous_and_unauthenticated(world):
    assert_error(post(Client(), URL, body_for(world)), 401, code="not_authenticated")


# --- reading ------------------------------------------------------------------------------


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_lists_are_scoped_by_role(world):
    a1 = submit(world, "resident_a1")
    a2 = submit(world, "resident_a2")
    b1 = submit(world, "resident_b1")
    cases = {
        "resident_a1": {a1.pk},
        "resident_a2": {a2.pk},
        "worker_a1": {a1.pk},
        "worker_a2": {a2.pk},
        "staff_a": {a1.pk, a2.pk},
        "staff_b": {b1.pk},
        "supervisor": {a1.pk, a2.pk, b1.pk},
        "partner_a": set(),
    }
    for who, expected in cases.items():
        client = client_for(world, who)
        assert _ids(client.get(URL)) == expected, who
        for appeal in (a1, a2, b1):
            status = client.get(f"{URL}/{appeal.pk}").status_code
            assert status == (200 if appeal.pk in expected else 404), (who, appeal.pk)


def test_partner_sees_only_assigned_and_never_a_phone(world):
    from gongzhi.appeals import services

    assigned = submit(world, "resident_a1")
    services.transfer_appeal(
        actor=world.users["staff_a"], appeal=assigned, reason="物业负责", to_partner=world.partner_a
    )
    submit(world, "resident_a2")
    client = client_for(world, "partner_a")
    listed = client.get(URL).json()["items"]
    assert [item["id"] for item in listed] == [assigned.pk]
    assert listed[0]["phone"] == ""
    assert "王建国" not in json.dumps(listed, ensure_ascii=False)
    detail = client.get(f"{URL}/{assigned.pk}")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "13900000001" not in text and "139****0001" not in text
    assert detail.json()["phone"] == ""
    # Staff of the area see the phone masked; the resident sees their own.
    staff_row = client_for(world, "staff_a").get(f"{URL}/{assigned.pk}").json()
    assert staff_row["phone"] == "139****0001"
    own = client_for(world, "resident_a1").get(f"{URL}/{assigned.pk}").json()
    assert own["phone"] == "13900000001"


def test_anonymous_identity_only_for_community_staff(world):
    appeal = submit(world, "resident_a1", anonymous=True)
    worker = client_for(world, "worker_a1").get(f"{URL}/{appeal.pk}").json()
    staff = client_for(world, "staff_a").get(f"{URL}/{appeal.pk}").json()
    assert worker["resident"] != "王建国" and worker["phone"] == ""
    assert staff["resident"] == "王建国"


def test_internal_notes_only_for_staff(world):
    from gongzhi.appeals import services

    appeal = submit(world, "resident_a1")
    services.add_note(actor=world.users["staff_a"], appeal=appeal, text="内部：先联系物业")
    staff = client_for(world, "staff_a").get(f"{URL}/{appeal.pk}").json()
    resident = client_for(world, "resident_a1").get(f"{URL}/{appeal.pk}").json()
    assert any(e["text"] == "内部：先联系物业" for e in staff["events"])
    assert not any(e["text"] == "内部：先联系物业" for e in resident["events"])
    assert [e["kind"] for e in resident["events"]] == ["submitted"]


def test_list_filters(world):
    from gongzhi.appeals import services

    a1 = submit(world, "resident_a1")
    a2 = submit(world, "resident_a2", category_code="municipal.road", text="路面坑洼积水严重")
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=a1)
    client = client_for(world, "staff_a")
    assert _ids(client.get(URL, {"state": "signed_for"})) == {a1.pk}
    assert _ids(client.get(URL, {"grid": world.grid_a2.pk})) == {a2.pk}
    assert _ids(client.get(URL, {"category": "municipal.road"})) == {a2.pk}
    assert _ids(client.get(URL, {"category": "municipal"})) == {a1.pk, a2.pk}
    # Submitted on Monday 3 March 2025: long overdue now.
    assert _ids(client.get(URL, {"overdue": "true"})) == {a1.pk, a2.pk}
    assert _ids(client.get(URL, {"overdue": "false"})) == set()
    assert _ids(client.get(URL, {"created_after": "2025-03-04T00:00:00"})) == set()
    assert _ids(client.get(URL, {"created_before": "2025-03-04"})) == {a1.pk, a2.pk}
    worker = client_for(world, "worker_a1")
    assert _ids(worker.get(URL, {"mine": "true"})) == {a1.pk}
    assert _ids(client_for(world, "resident_a2").get(URL, {"mine": "true"})) == {a2.pk}
    for bad, field in (
        ({"state": "lost"}, "state"),
        ({"grid": "x"}, "grid"),
        ({"created_after": "1500-01-01T00:00:00"}, "created_after"),
        ({"category": "\x00"}, "category"),
        ({"limit": 0}, "limit"),
    ):
        assert_error(client.get(URL, bad), 422, field=field)


def test_inbox_counts_and_rows_are_scoped(world):
    a1 = submit(world, "resident_a1")
    submit(world, "resident_b1")
    data = client_for(world, "worker_a1").get(f"{URL}/inbox").json()
    assert data["total"] == 1 and data["overdue"] == 1
    assert [item["id"] for item in data["items"]] == [a1.pk]
    assert data["items"][0]["overdue"] is True
    assert client_for(world, "partner_a").get(f"{URL}/inbox").json()["total"] == 0
    assert_error(client_for(world, "staff_a").get(f"{URL}/inbox?limit=500"), 422, field="limit")


def test_duplicates(world):
    first = submit(world, "resident_a1")
    again = submit(world, "resident_a1", text="小区门口的路灯坏了好几天，晚上很黑")
    submit(world, "resident_b1")
    data = client_for(world, "staff_a").get(f"{URL}/{again.pk}/duplicates").json()
    assert [d["id"] for d in data] == [first.pk]
    assert 0 < data[0]["similarity"] <= 1
    assert client_for(world, "staff_b").get(f"{URL}/{again.pk}/duplicates").status_code == 404


def test_categories(world):
    data = client_for(world, "resident_a1").get("/api/v1/appeal-categories?limit=100").json()
    codes = {c["code"]: c for c in data["items"]}
    assert codes["municipal.light"]["parent"] == "municipal"
    assert codes["municipal.light"]["is_leaf"] is True
    assert codes["municipal"]["parent"] is None
    assert data["count"] == len(codes)


def test_rates(world):
    from gongzhi.appeals import services

    a1 = submit(world, "resident_a1")
    submit(world, "resident_b1")
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=a1)
    client = client_for(world, "staff_a")
    period = {"start": "2025-03-01T00:00:00", "end": "2025-04-01T00:00:00"}
    data = client.get("/api/v1/appeal-rates", period).json()
    assert data["appeals"] == 1 and data["due_sign"] == 1
    grouped = client.get("/api/v1/appeal-rates", {**period, "group": "grid"}).json()
    assert [(g["id"], g["name"]) for g in grouped["groups"]] == [
        (world.grid_a1.pk, world.grid_a1.name)
    ]
    supervisor = client_for(world, "supervisor")
    assert supervisor.get("/api/v1/appeal-rates", period).json()["appeals"] == 2
    region = {**period, "region": world.comm_b.pk}
    assert supervisor.get("/api/v1/appeal-rates", region).json()["appeals"] == 1
    assert_error(client.get("/api/v1/appeal-rates", region), 404, field="region")
    backwards = {"start": "2025-04-01T00:00:00", "end": "2025-03-01T00:00:00"}
    assert_error(client.get("/api/v1/appeal-rates", backwards), 400, field="end")
    assert_error(client.get("/api/v1/appeal-rates", {"group": "planet"}), 422, field="group")
    assert_error(client.get("/api/v1/appeal-rates", {"start": "99999-01-01"}), 422, field="start")


# --- actions ------------------------------------------------------------------------------


def act(client: Client, appeal: Appeal, action: str, body: Any = None):
    return post(client, f"{URL}/{appeal.pk}/{action}", body)


def test_the_lifecycle_through_the_api(world):
    appeal = submit(world, "resident_a1")
    worker = client_for(world, "worker_a1")
    resident = client_for(world, "resident_a1")
    signed = act(worker, appeal, "sign-for")
    assert signed.status_code == 200, signed.content
    assert signed.json()["state"] == "signed_for"
    assert signed.json()["owner"] == {"kind": "person", "name": "网格员甲"}
    assert act(worker, appeal, "start", {"text": "已电话联系"}).json()["state"] == "in_progress"
    replied = act(worker, appeal, "reply", {"text": "已更换灯泡"})
    assert replied.json()["state"] == "replied" and replied.json()["result"] == "已更换灯泡"
    rated = act(resident, appeal, "rate", {"rating": "satisfied"})
    assert rated.status_code == 200, rated.content
    assert rated.json()["state"] == "closed" and rated.json()["rating"] == "satisfied"
    # An illegal transition now is a 409 naming the action.
    assert_error(act(worker, appeal, "sign-for"), 409, field="action", code="conflict")


def test_reject_reopen_follow_up(world):
    staff = client_for(world, "staff_a")
    worker = client_for(world, "worker_a1")
    resident = client_for(world, "resident_a1")
    rejected = submit(world, "resident_a1")
    assert_error(act(staff, rejected, "reject", {}), 422, field="reason")
    assert act(staff, rejected, "reject", {"reason": "不属于社区职责"}).json()["state"] == (
        "rejected"
    )
    # A grid worker is never the one who rejects: 403, not 409.
    other = submit(world, "resident_a1")
    assert_error(act(worker, other, "reject", {"reason": "x"}), 403, field="action")
    act(worker, other, "sign-for")
    act(worker, other, "reply", {"text": "已处理"})
    assert_error(act(staff, other, "rate", {"rating": "satisfied"}), 403, field="action")
    assert_error(act(resident, other, "rate", {"rating": "dissatisfied"}), 400, field="comment")
    assert act(resident, other, "reopen", {"reason": "灯还是不亮"}).json()["state"] == "reopened"
    act(worker, other, "sign-for")
    act(worker, other, "reply", {"text": "换了线路"})
    followed = act(staff, other, "follow-ups", {"rating": "basically", "channel": "phone"})
    assert followed.status_code == 200, followed.content
    assert followed.json()["state"] == "closed" and followed.json()["rating"] == "basically"
    assert_error(
        act(staff, other, "follow-ups", {"rating": "satisfied", "channel": "web"}),
        422,
        field="channel",
    )


def test_transfer_co_handlers_notes_recategorise_merge(world):
    staff = client_for(world, "staff_a")
    appeal = submit(world, "resident_a1")
    worker_a2 = world.person("worker_a2")
    moved = act(staff, appeal, "transfer", {"reason": "二网格负责", "to_person_id": worker_a2.pk})
    assert moved.status_code == 200, moved.content
    assert moved.json()["owner"] == {"kind": "person", "name": "网格员乙"}
    for body, field in (
        ({"reason": "x", "to_person_id": world.person("worker_b1").pk}, "to_person_id"),
        ({"reason": "x", "to_person_id": 999_999}, "to_person_id"),
        ({"reason": "x", "to_partner_id": world.partner_b.pk}, "to_partner_id"),
        ({"reason": "x", "to_partner_id": 999_999}, "to_partner_id"),
        ({"reason": "x"}, "to_person_id"),
    ):
        assert_error(act(staff, appeal, "transfer", body), 400, field=field)
    to_partner = act(
        staff, appeal, "transfer", {"reason": "物业", "to_partner_id": world.partner_a.pk}
    )
    assert to_partner.json()["owner"] == {"kind": "partner", "name": "幸福物业"}

    added = act(staff, appeal, "co-handlers", {"person_id": world.person("worker_a1").pk})
    assert added.status_code == 201, added.content
    assert added.json()["co_handlers"] == ["网格员甲"]
    assert CoHandler.objects.filter(appeal=appeal).count() == 1
    again = act(staff, appeal, "co-handlers", {"person_id": world.person("worker_a1").pk})
    assert_error(again, 409, field="person_id")
    stranger = act(staff, appeal, "co-handlers", {"person_id": world.person("worker_b1").pk})
    assert_error(stranger, 400, field="person_id")

    note = act(staff, appeal, "notes", {"text": "内部备注"})
    assert note.status_code == 201
    resident = client_for(world, "resident_a1")
    assert_error(act(resident, appeal, "notes", {"text": "内部?"}), 403, field="action")
    assert (
        act(resident, appeal, "notes", {"text": "补充：在3号门", "public": True}).status_code == 201
    )

    recat = act(staff, appeal, "recategorise", {"category": "municipal.road", "reason": "分错了"})
    assert recat.json()["category"]["code"] == "municipal.road"
    assert recat.json()["category_source"] == "staff"
    assert_error(act(staff, appeal, "recategorise", {"category": "no.such"}), 400, field="category")

    dup = submit(world, "resident_a1")
    merged = act(staff, appeal, "merge", {"duplicate_ids": [dup.pk]})
    assert merged.status_code == 200, merged.content
    assert merged.json()["supporters_count"] == 2
    dup.refresh_from_db()
    assert dup.state == "merged"
    foreign = submit(world, "resident_b1")
    assert_error(
        act(staff, appeal, "merge", {"duplicate_ids": [foreign.pk]}), 400, field="duplicate_ids"
    )
    assert_error(
        act(staff, appeal, "merge", {"duplicate_ids": [appeal.pk]}), 400, field="duplicate_ids"
    )
    assert_error(act(staff, appeal, "merge", {"duplicate_ids": []}), 422, field="duplicate_ids")


def test_actions_outside_scope_are_404_and_bad_ids_422(world):
    appeal = submit(world, "resident_b1")
    staff = client_for(world, "staff_a")
    for action, body in (
        ("sign-for", None),
        ("reply", {"text": "x"}),
        ("notes", {"text": "x"}),
        ("reject", {"reason": "x"}),
    ):
        assert_error(act(staff, appeal, action, body), 404, code="not_found")
    assert_error(staff.post(f"{URL}/0/sign-for"), 422, field="appeal_id")
    assert_error(staff.post(f"{URL}/{2**63 - 1}/sign-for"), 404)
    # The supervisor sees the appeal but may not act on it.
    supervisor = client_for(world, "supervisor")
    assert_error(act(supervisor, appeal, "sign-for"), 403, field="action")


def test_schema_names_every_operation():
    schema = Client().get("/api/v1/openapi.json").json()
    ids = {
        op["operationId"]
        for methods in schema["paths"].values()
        for op in methods.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "appeals_list",
        "appeals_submit",
        "appeals_inbox",
        "appeals_detail",
        "appeals_duplicates",
        "appeals_sign_for",
        "appeals_start",
        "appeals_reply",
        "appeals_reject",
        "appeals_reopen",
        "appeals_rate",
        "appeals_follow_up",
        "appeals_transfer",
        "appeals_co_handler_add",
        "appeals_note_add",
        "appeals_recategorise",
        "appeals_merge",
        "appeal_categories",
        "appeal_rates",
    } <= ids
    header = [
        p for p in schema["paths"]["/api/v1/appeals"]["post"]["parameters"] if p["in"] == "header"
    ]
    assert header and header[0]["name"] == "Idempotency-Key"


def test_a_partner_transferring_the_appeal_away_gets_204_and_loses_sight(world):
    from gongzhi.appeals import services

    appeal = submit(world, "resident_a1")
    services.transfer_appeal(
        actor=world.users["staff_a"], appeal=appeal, reason="物业负责", to_partner=world.partner_a
    )
    partner = client_for(world, "partner_a")
    body = {"reason": "不归物业管", "to_person_id": world.person("worker_a1").pk}
    response = act(partner, appeal, "transfer", body)
    assert response.status_code == 204, response.content
    assert partner.get(f"{URL}/{appeal.pk}").status_code == 404
    appeal.refresh_from_db()
    assert appeal.owner_partner_id is None
    assert appeal.assigned_person == world.person("worker_a1")


def test_messages_follow_accept_language(world):
    client = client_for(world, "resident_a1")
    key = {"Idempotency-Key": "lang"}
    assert post(client, URL, body_for(world), **key).status_code == 201
    changed = body_for(world, urgency="urgent")
    english = post(client, URL, changed, **{"Accept-Language": "en"}, **key)
    chinese = post(client, URL, changed, **key)
    assert english.json()["detail"] == (
        "This Idempotency-Key was already used for a different appeal."
    )
    assert chinese.json()["detail"] == "此 Idempotency-Key 已用于另一条不同的诉求。"
    assert chinese.json()["field"] == "Idempotency-Key"
