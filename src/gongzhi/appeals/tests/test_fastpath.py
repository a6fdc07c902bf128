"""The appeal intake fast path (appeals/fastpath, docs/intake.md): the same rows and the same
answers as the normal endpoint, idempotency inside and across batches, and everything unusual
left to the normal endpoint."""

import asyncio
import json
import re

import pytest
from django.core.asgi import get_asgi_application
from django.db import connections

from gongzhi.api.services import issue_api_token, revoke_api_token
from gongzhi.appeals import services
from gongzhi.appeals.api import APPEAL_RELATED, appeal_out
from gongzhi.appeals.fastpath.app import FastIntake
from gongzhi.appeals.fastpath.batch import AuthCache, notify_created, submit_batch
from gongzhi.appeals.fastpath.parse import Submission, headers_of, parse, wants_fast_path
from gongzhi.appeals.fastpath.writer import Writer
from gongzhi.appeals.models import Appeal, AppealEvent, Notification
from gongzhi.appeals.tests.factories import MONDAY
from gongzhi.core.models import AuditEvent

TEXT = "小区门口的路灯坏了好几天，晚上太黑"
SECRET = "gz_" + "a" * 43


def row(obj, skip=()):
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in {"id", *skip}
    }


def token(world, who="resident_a1"):
    return issue_api_token(actor=world.users[who], name="test")


def sub(issued, **kw):
    kw.setdefault("text", TEXT)
    return Submission(secret=issued.secret, **kw)


# --- which requests the fast path takes ---------------------------------------------------------


def head(extra=None):
    headers = {
        b"authorization": f"Bearer {SECRET}".encode(),
        b"content-type": b"application/json",
        b"content-length": b"10",
    }
    headers.update(extra or {})
    return headers


def test_parse_takes_the_plain_happy_path():
    body = {
        "text": TEXT,
        "title": "路灯",
        "category": "municipal.light",
        "urgency": "urgent",
        "building_id": 7,
        "latitude": 32,
        "longitude": 118.3,
        "anonymous": True,
        "contact_name": "王",
        "contact_phone": "13900000009",
        "channel": "api",
        "resident_id": None,
    }
    got = parse(head({b"idempotency-key": b"k-1"}), json.dumps(body).encode())
    assert got == Submission(
        secret=SECRET,
        text=TEXT,
        title="路灯",
        category_code="municipal.light",
        urgency="urgent",
        building_id=7,
        latitude=32.0,
        longitude=118.3,
        anonymous=True,
        contact_name="王",
        contact_phone="13900000009",
        idempotency_key="k-1",
    )


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"text": "x", "text2": 1}',  # an unknown field: a 422 for the endpoint
        b'{"title": "no text"}',
        b'{"text": 5}',
        b'{"text": ""}',
        b'{"text": "' + b"x" * 2001 + b'"}',
        b'{"text": "abcdef", "building_id": "7"}',
        b'{"text": "abcdef", "building_id": true}',
        b'{"text": "abcdef", "building_id": 0}',
        b'{"text": "abcdef", "latitude": 91, "longitude": 1}',
        b'{"text": "abcdef", "latitude": NaN, "longitude": 1}',
        b'{"text": "abcdef", "urgency": "soon"}',
        b'{"text": "abcdef", "anonymous": 1}',
        b'{"text": "abcdef", "channel": "desk"}',
        b'{"text": "abcdef", "resident_id": 3}',
        b'{"text": "abcdef", "category": "no such code!"}',
        b'{"text": "abc\\u0000def"}',
        b'{"text": "abcdef", "contact_phone": "' + b"1" * 21 + b'"}',
    ],
)
def test_parse_leaves_anything_unusual_to_the_endpoint(body):
    assert parse(head(), body) is None


def test_the_head_decides_first():
    ok = headers_of([(b"Authorization", f"Bearer {SECRET}".encode()), *head().items()])
    assert ok is None  # a repeated Authorization header
    assert wants_fast_path("POST", "/api/v1/appeals", b"", head())
    assert not wants_fast_path("GET", "/api/v1/appeals", b"", head())
    assert not wants_fast_path("POST", "/api/v1/appeals/", b"", head())
    assert not wants_fast_path("POST", "/api/v1/appeals", b"x=1", head())
    assert not wants_fast_path("POST", "/api/v1/appeals", b"", head({b"authorization": b"x"}))
    assert not wants_fast_path(
        "POST", "/api/v1/appeals", b"", head({b"content-type": b"text/plain"})
    )
    assert not wants_fast_path(
        "POST", "/api/v1/appeals", b"", head({b"cookie": b"django_language=en"})
    )
    assert parse(head({b"idempotency-key": b"bad key"}), b'{"text": "abcdef"}') is None
    assert parse(head({b"authorization": b"Bearer short"}), b'{"text": "abcdef"}') is None


# --- the same rows as submit_appeal -------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {},  # routed from the text, the resident's phone
        {
            "title": "  门口   路灯 ",
            "category_code": "municipal.light",
            "urgency": "urgent",
            "anonymous": True,
            "contact_name": " 王先生 ",
            "contact_phone": "139 0000 0009",
        },
        {"latitude": 32.305, "longitude": 118.305, "building_id": None},
    ],
)
def test_fast_path_writes_what_submit_appeal_writes(
    world, django_capture_on_commit_callbacks, fields
):
    user = world.users["resident_a1"]
    issued = token(world)
    place = {"building_id": world.building_a1.pk, **fields}
    with django_capture_on_commit_callbacks(execute=True):
        reference = services.submit_appeal(
            actor=user,
            channel="api",
            text=TEXT,
            idempotency_key="same-input",
            submitter_ref=f"token:{issued.token.pk}",
            now=MONDAY,
            **place,
        ).appeal
    notices_before = Notification.objects.count()

    answers, created = submit_batch(
        [sub(issued, idempotency_key="same-input-2", **place)], received=[MONDAY]
    )
    notify_created(created)

    assert answers[0].status == 201
    fast = Appeal.objects.get(pk=answers[0].body["id"])
    assert fast.pk != reference.pk
    skip = ("number", "idempotency_key", "updated_at")
    assert row(fast, skip) == row(reference, skip)
    assert (reference.number, fast.number) == ("GZ-20250303-000001", "GZ-20250303-000002")
    assert fast.idempotency_key == "same-input-2"

    def event(appeal):
        return row(AppealEvent.objects.get(appeal=appeal), ("appeal_id",))

    assert event(fast) == event(reference)

    def audit(appeal):
        found = AuditEvent.objects.get(action="appeal.submit", object_id=str(appeal.pk))
        assert found.object_repr == appeal.number
        return row(found, ("object_id", "object_repr", "created_at", "request_id"))

    assert audit(fast) == audit(reference)

    def notices(appeal):
        return sorted(
            (n.recipient_id, n.kind, n.text.replace(appeal.number, "N"), n.created_at is not None)
            for n in Notification.objects.filter(appeal=appeal)
        )

    assert notices(reference)  # the grid worker was told
    assert notices(fast) == notices(reference)
    assert Notification.objects.count() == notices_before + len(notices(fast))


def test_the_answer_is_the_endpoints(world):
    issued = token(world)
    answers, _created = submit_batch(
        [sub(issued, building_id=world.building_a1.pk)], received=[MONDAY]
    )
    body = answers[0].body
    stored = Appeal.objects.select_related(*APPEAL_RELATED).get(pk=body["id"])
    assert body == appeal_out(stored)
    assert body["owner"] == {"kind": "person", "name": "网格员甲"}
    assert answers[0].language == "zh-hans"


# --- idempotency ----------------------------------------------------------------------------


def test_a_repeated_key_files_once_in_a_batch_and_across_batches(world):
    issued = token(world)
    auth = AuthCache()
    one = sub(issued, building_id=world.building_a1.pk, idempotency_key="k-1")
    other = sub(issued, building_id=world.building_a1.pk, idempotency_key="k-2")
    answers, _ = submit_batch([one, one, other], auth=auth)
    assert [a.status for a in answers] == [201, 0, 201]
    assert answers[1].fallback  # the endpoint answers the replay (200) or the conflict (409)
    answers, _ = submit_batch([one], auth=auth)
    assert answers[0].fallback
    assert Appeal.objects.filter(idempotency_key="k-1").count() == 1
    assert Appeal.objects.count() == 2


def test_a_key_used_by_the_endpoint_is_not_used_again(world):
    issued = token(world)
    services.submit_appeal(
        actor=world.users["resident_a1"],
        channel="desk" if False else "api",
        text=TEXT,
        building_id=world.building_a1.pk,
        idempotency_key="k-9",
        submitter_ref=f"token:{issued.token.pk}",
    )
    answers, _ = submit_batch(
        [sub(issued, building_id=world.building_a1.pk, idempotency_key="k-9")]
    )
    assert answers[0].fallback
    assert Appeal.objects.filter(idempotency_key="k-9").count() == 1


def test_keys_of_another_token_are_other_keys(world):
    first, second = token(world), token(world)
    answers, _ = submit_batch(
        [
            sub(first, building_id=world.building_a1.pk, idempotency_key="k"),
            sub(second, building_id=world.building_a1.pk, idempotency_key="k"),
        ]
    )
    assert [a.status for a in answers] == [201, 201]
    refs = set(Appeal.objects.values_list("submitter_ref", flat=True))
    assert refs == {f"token:{first.token.pk}", f"token:{second.token.pk}"}


# --- what goes to the endpoint ------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"text": "短"},
        {"building_id": 10**9},
        {"category_code": "no.such"},
        {"contact_phone": "12345"},
        {"contact_name": "名" * 51},
    ],
)
def test_anything_the_service_refuses_goes_to_the_endpoint(world, change):
    issued = token(world)
    fields = {"building_id": world.building_a1.pk, **change}
    answers, created = submit_batch([sub(issued, **fields)])
    assert answers[0].fallback and created == []
    assert not Appeal.objects.exists()


def test_places_outside_the_residents_community_go_to_the_endpoint(world):
    issued = token(world)
    answers, _ = submit_batch([sub(issued, building_id=world.building_b1.pk)])
    assert answers[0].fallback


def test_unknown_and_revoked_tokens_go_to_the_endpoint(world):
    issued = token(world)
    revoke_api_token(actor=world.users["resident_a1"], token=issued.token)
    answers, _ = submit_batch(
        [
            sub(issued, building_id=world.building_a1.pk),
            Submission(secret=SECRET, text=TEXT, building_id=world.building_a1.pk),
        ]
    )
    assert all(a.fallback for a in answers)


def test_one_refusal_does_not_spoil_the_batch(world):
    issued = token(world)
    answers, _ = submit_batch(
        [
            sub(issued, building_id=world.building_a1.pk),
            sub(issued, text="短", building_id=world.building_a1.pk),
            sub(issued, building_id=world.building_a2.pk),
        ]
    )
    assert [a.status for a in answers] == [201, 0, 201]
    assert Appeal.objects.count() == 2


# --- through ASGI, against the normal endpoint -------------------------------------------------


def call(app, headers, body):
    async def run():
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/v1/appeals",
            "raw_path": b"/api/v1/appeals",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"testserver"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *((k.lower().encode(), v.encode()) for k, v in headers.items()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        given = False

        async def receive():
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # never disconnects

        sent = []

        async def send(message):
            sent.append(message)

        await app(scope, receive, send)
        start = sent[0]
        content = b"".join(m.get("body", b"") for m in sent[1:])
        answer_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        return start["status"], answer_headers, content

    return asyncio.run(run())


VARYING = re.compile(
    rb'"(id|number|created_at|contact_by|resolve_by|sign_by|due_at)": ("[^"]*"|\d+)'
)


@pytest.mark.django_db(transaction=True)
def test_through_asgi_the_fast_path_answers_as_the_endpoint(monkeypatch):
    from gongzhi.appeals.tests.factories import build_street

    # Django runs each ASGI request's view in a thread of its own: no persistent connections,
    # or they outlive the test (Django's advice for ASGI).
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    world = build_street()
    issued = token(world)
    writer = Writer()
    app = FastIntake(get_asgi_application(), writer)
    body = json.dumps({"text": TEXT, "building_id": world.building_a1.pk}).encode()
    try:
        fast = call(app, {"Authorization": f"Bearer {issued.secret}", "Idempotency-Key": "a"}, body)
        # "bearer" in lower case is not the fast path's: the normal endpoint answers it.
        normal = call(
            app, {"Authorization": f"bearer {issued.secret}", "Idempotency-Key": "b"}, body
        )
        assert fast[0] == normal[0] == 201
        drop = {"x-request-id", "content-length"}
        assert {k: v for k, v in fast[1].items() if k not in drop} == {
            k: v for k, v in normal[1].items() if k not in drop
        }
        assert VARYING.sub(b"", fast[2]) == VARYING.sub(b"", normal[2])
        first = json.loads(fast[2])
        assert Appeal.objects.filter(pk=first["id"], channel="api").exists()

        # A retry: the fast path leaves it to the endpoint, which answers the first appeal.
        replay = call(
            app, {"Authorization": f"Bearer {issued.secret}", "Idempotency-Key": "a"}, body
        )
        assert replay[0] == 200 and replay[1]["idempotency-replayed"] == "true"
        assert json.loads(replay[2]) == first
        assert Appeal.objects.filter(idempotency_key="a").count() == 1

        # An error is the endpoint's, word for word.
        bad = json.dumps({"text": TEXT, "building_id": world.building_b1.pk}).encode()
        refused = call(app, {"Authorization": f"Bearer {issued.secret}"}, bad)
        assert refused[0] == 400 and json.loads(refused[2])["field"] == "building_id"
        english = call(
            app, {"Authorization": f"Bearer {issued.secret}", "Accept-Language": "en"}, body
        )
        assert english[0] == 201 and english[1]["content-language"] == "en"
        assert json.loads(english[2])["state_label"] == "Submitted"
    finally:
        writer.stop()
