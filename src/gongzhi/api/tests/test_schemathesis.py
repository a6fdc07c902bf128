"""Every operation of the OpenAPI schema, fuzzed by schemathesis against the WSGI app.

Signed in (with an API token) as community staff of the scope-matrix world, a few examples per
operation: no answer may be a 5xx, and every answer must match the schema (status code,
content type, body).

Random ids almost never name a row, so that the services run on fuzzed input too, the world
has appeal categories and a few appeals, and every other generated case of an operation on one
appeal is pointed at a real appeal of community A (and every other filing at a real building).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gongzhi.api.services import issue_api_token
from gongzhi.core.testing.scope_matrix import World, build_world
from gongzhi.org.models import Role

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_connection():
    """Like Django's test client: keep the test's transaction (and connection) across requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@dataclass
class Seeded:
    world: World
    token: str
    appeal_ids: list[int] = field(default_factory=list)
    calls: int = 0


@pytest.fixture
def seeded(db):
    world = build_world()
    token = issue_api_token(actor=world.users[Role.COMMUNITY_STAFF], name="schemathesis")
    return Seeded(world=world, token=token.secret)


def _seed_appeals(seeded: Seeded) -> None:
    from gongzhi.appeals import services
    from gongzhi.appeals.config import invalidate_config
    from gongzhi.appeals.services_config import install_defaults

    world = seeded.world
    install_defaults(actor=None, communities=[world.comm_a, world.comm_b])
    invalidate_config()
    seeded.appeal_ids = [
        services.submit_appeal(
            actor=world.users[Role.RESIDENT],
            text=text,
            category_code="municipal.light",
            building_id=world.building_a1.pk,
        ).appeal.pk
        for text in ("小区门口的路灯坏了好几天，晚上太黑", "小区门口路灯坏了，晚上很黑")
    ]


def _aim(case, seeded: Seeded) -> None:
    """Point every other case at a real appeal (or a real building) of community A."""
    if not seeded.appeal_ids:
        _seed_appeals(seeded)
    seeded.calls += 1
    if seeded.calls % 2:
        return
    params = case.path_parameters or {}
    if "appeal_id" in params:
        params["appeal_id"] = seeded.appeal_ids[seeded.calls % len(seeded.appeal_ids)]
    if case.operation.label == "POST /api/v1/appeals" and isinstance(case.body, dict):
        case.body["building_id"] = seeded.world.building_a1.pk


# Loaded when the module is collected: the schema endpoint reads no database. (A lazy
# `schemathesis.pytest.from_fixture` would be nicer but relies on a pytest internal that
# pytest 9 no longer has.)
APPEALS = r"^/api/v1/appeal"
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler()).exclude(
    path_regex=APPEALS
)
# The appeal operations skip schemathesis' coverage phase (hundreds of boundary cases per
# operation, most of the run time) and get more fuzzed examples instead, positive and negative;
# appeals/tests/test_api.py tests their boundaries one by one.
appeals_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler()).include(
    path_regex=APPEALS
)
appeals_schema.config.phases.coverage.enabled = False

FUZZ = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_api_conforms_to_its_schema(case, seeded, keep_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded.token}"}, checks=CHECKS)


@appeals_schema.parametrize()
@settings(FUZZ, max_examples=10)
def test_appeals_api_conforms_to_its_schema(case, seeded, keep_connection):
    _aim(case, seeded)
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded.token}"}, checks=CHECKS)
