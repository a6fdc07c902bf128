"""Concurrent retries of one POST /api/v1/appeals with the same Idempotency-Key file one appeal.

Real threads race on PostgreSQL (DATABASE_URL=postgres://...); on SQLite the test is skipped
(its writers are serialised anyway; test_api.py covers sequential replays)."""

import json

import pytest
from django.test import Client

from gongzhi.api.services import issue_api_token
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.appeals.tests.factories import build_street
from gongzhi.appeals.tests.threads import postgres_only, run_together
from gongzhi.core.models import AuditEvent

N = 8


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_file_exactly_one_appeal():
    world = build_street()
    secret = issue_api_token(actor=world.users["resident_a1"], name="app").secret
    body = json.dumps(
        {
            "text": "小区门口的路灯坏了好几天，晚上太黑",
            "category": "municipal.light",
            "building_id": world.building_a1.pk,
        }
    )

    def post(_i):
        response = Client().post(
            "/api/v1/appeals",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            HTTP_IDEMPOTENCY_KEY="phone-app-42",
        )
        return response.status_code, response.json()

    results, errors = run_together(N, post)
    assert not errors, errors
    statuses = sorted(status for status, _body in results)
    assert statuses == [200] * (N - 1) + [201], results
    bodies = {json.dumps(b, sort_keys=True) for _status, b in results}
    assert len(bodies) == 1
    assert Appeal.objects.count() == 1
    appeal = Appeal.objects.get()
    assert appeal.idempotency_key == "phone-app-42"
    assert appeal.submitter_ref.startswith("token:")
    assert AppealEvent.objects.filter(appeal=appeal).count() == 1
    assert AuditEvent.objects.filter(action="appeal.submit").count() == 1
