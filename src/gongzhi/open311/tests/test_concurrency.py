"""Concurrent retries of one Open311 POST create one appeal (PostgreSQL: real threads)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gongzhi.appeals.models import Appeal, Channel
from gongzhi.appeals.tests.factories import build_street
from gongzhi.appeals.tests.threads import postgres_only, run_together
from gongzhi.open311 import services
from gongzhi.open311.models import Open311Request

N = 6


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_idempotency_key_create_one_appeal():
    world = build_street()
    key = services.create_client(actor=None, name="App", region=world.comm_a).key
    data = {
        "api_key": key,
        "service_code": "municipal.light",
        "description": "小区门口的路灯坏了好几天",
        "address_id": str(world.building_a1.pk),
    }

    def retry(i: int) -> tuple[int, str]:
        r = Client().post("/open311/v2/requests.json", data, headers={"Idempotency-Key": "retry-1"})
        return r.status_code, json.loads(r.content)[0].get("service_request_id", "")

    results, errors = run_together(N, retry)
    assert not errors, errors
    statuses = sorted(status for status, _number in results)
    assert statuses == [200] * (N - 1) + [201]
    assert len({number for _status, number in results}) == 1
    assert Appeal.objects.filter(channel=Channel.OPEN311).count() == 1
    assert Open311Request.objects.count() == 1
