"""Personal API tokens: issued once, stored hashed, usable as Bearer, revocable, audited."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.api.models import ApiToken
from gongzhi.api.services import (
    MAX_ACTIVE_TOKENS,
    authenticate_api_token,
    issue_api_token,
    revoke_api_token,
)
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.org.models import Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db


def _staff():
    return f.user_with_role(Role.COMMUNITY_STAFF, f.community())


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_issue_stores_only_a_sha256_of_the_secret_and_audits():
    user = _staff()

    issued = issue_api_token(actor=user, name="  nightly export  ")

    row = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith("gz_") and len(issued.secret) == 46
    assert row.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert row.name == "nightly export"
    assert row.prefix == issued.secret[:9]
    # the secret appears in no column of the row
    assert all(issued.secret not in str(getattr(row, f.attname)) for f in row._meta.fields)
    event = AuditEvent.objects.get(action="api_token.issue")
    assert event.actor == user and event.object_id == str(row.pk)
    assert issued.secret not in json.dumps(event.after)


def test_issue_refuses_blank_names_and_too_many_tokens():
    user = _staff()
    with pytest.raises(ValidationFailed) as blank:
        issue_api_token(actor=user, name="   ")
    assert blank.value.field == "name"
    for i in range(MAX_ACTIVE_TOKENS):
        issue_api_token(actor=user, name=f"t{i}")
    with pytest.raises(ValidationFailed):
        issue_api_token(actor=user, name="one too many")


def test_api_issue_returns_the_secret_once_and_lists_without_it():
    user = _staff()
    client = Client()
    client.force_login(user)

    created = client.post("/api/v1/tokens", {"name": "sync"}, content_type="application/json")
    listed = client.get("/api/v1/tokens")

    assert created.status_code == 201
    secret = created.json()["token"]
    assert created.json()["prefix"] == secret[:9]
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert "token" not in listed.json()["items"][0]
    assert secret not in listed.content.decode()


def test_a_token_authenticates_every_endpoint_without_csrf():
    user = _staff()
    secret = issue_api_token(actor=user, name="script").secret
    client = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie

    other = issue_api_token(actor=user, name="old script").token

    me = client.get("/api/v1/me", **_bearer(secret))
    revoked = client.delete(f"/api/v1/tokens/{other.pk}", **_bearer(secret))

    assert me.status_code == 200
    assert me.json()["user"]["username"] == user.username
    assert revoked.status_code == 204


def test_session_writes_need_the_csrf_token():
    user = _staff()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    refused = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    client.get("/api/v1/docs")  # sets the CSRF cookie, as the docs page does in a browser
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert accepted.status_code == 201


def test_wrong_revoked_or_inactive_tokens_are_401():
    user = _staff()
    secret = issue_api_token(actor=user, name="s").secret
    client = Client()

    assert client.get("/api/v1/me", **_bearer(secret[:-1] + "x")).status_code == 401
    assert client.get("/api/v1/me", **_bearer("not-a-token")).status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Basic {secret}").status_code == 401
    user.is_active = False
    user.save()
    assert client.get("/api/v1/me", **_bearer(secret)).status_code == 401


def test_revoke_through_the_api_stops_the_token_and_audits():
    user = _staff()
    issued = issue_api_token(actor=user, name="old")
    client = Client()

    assert client.get("/api/v1/me", **_bearer(issued.secret)).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{issued.token.pk}", **_bearer(issued.secret))
    after = client.get("/api/v1/me", **_bearer(issued.secret))

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert after.json()["code"] == "not_authenticated"
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=user).count() == 1


def test_nobody_can_see_or_revoke_another_users_token():
    owner, other = _staff(), _staff()
    issued = issue_api_token(actor=owner, name="mine")
    client = Client()
    client.force_login(other)

    response = client.delete(f"/api/v1/tokens/{issued.token.pk}")
    listed = client.get("/api/v1/tokens")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert listed.json()["count"] == 0
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None
    with pytest.raises(PermissionDenied):
        revoke_api_token(actor=other, token=issued.token)


def test_revoking_twice_is_harmless_and_audited_once():
    user = _staff()
    issued = issue_api_token(actor=user, name="t")
    revoke_api_token(actor=user, token=issued.token)
    revoke_api_token(actor=user, token=issued.token)
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_last_used_is_written_at_most_once_a_minute():
    user = _staff()
    issued = issue_api_token(actor=user, name="t")

    assert authenticate_api_token(secret=issued.secret) == user
    first = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    assert first is not None
    authenticate_api_token(secret=issued.secret)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == first
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=first - timedelta(minutes=5))
    authenticate_api_token(secret=issued.secret)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > first - timedelta(minutes=1)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at <= timezone.now()


def test_token_name_is_validated_as_a_field():
    client = Client()
    client.force_login(_staff())
    too_long = client.post("/api/v1/tokens", {"name": "名" * 101}, content_type="application/json")
    missing = client.post("/api/v1/tokens", {}, content_type="application/json")
    assert too_long.status_code == 422 and too_long.json()["field"] == "name"
    assert missing.status_code == 422 and missing.json()["field"] == "name"


def test_a_token_cannot_issue_another_token():
    # given a staff member with one token
    from gongzhi.api.models import ApiToken
    from gongzhi.api.services import issue_api_token
    from gongzhi.org.models import Role
    from gongzhi.org.tests import factories as fac

    user = fac.user_with_role(Role.COMMUNITY_STAFF, fac.community())
    issued = issue_api_token(actor=user, name="script")
    client = Client()
    # when the token is used to mint another
    response = client.post(
        "/api/v1/tokens",
        {"name": "more"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    # then it is refused and nothing is created
    assert response.status_code == 401
    assert ApiToken.objects.filter(user=user).count() == 1
