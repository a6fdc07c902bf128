"""Every operation of the OpenAPI schema, fuzzed by schemathesis against the WSGI app.

Signed in (with an API token) as community staff of the scope-matrix world, a few examples per
operation: no answer may be a 5xx, and every answer must match the schema (status code,
content type, body).
"""

from __future__ import annotations

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
from gongzhi.core.testing.scope_matrix import build_world
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


@pytest.fixture
def staff_token(db):
    world = build_world()
    return issue_api_token(actor=world.users[Role.COMMUNITY_STAFF], name="schemathesis").secret


# Loaded when the module is collected: the schema endpoint reads no database. (A lazy
# `schemathesis.pytest.from_fixture` would be nicer but relies on a pytest internal that
# pytest 9 no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, staff_token, keep_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {staff_token}"}, checks=CHECKS)
