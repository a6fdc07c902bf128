"""Every URL × every role × in scope and out of scope. See core/testing/scope_matrix.py."""

from __future__ import annotations

import json as jsonlib
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gongzhi.core.testing.scope_matrix import (
    ALL_ROLES,
    GRID_OUT_MARKER,
    OUT_MARKER,
    UrlCase,
    World,
    build_world,
    collect_cases,
)
from gongzhi.org.models import Role

# Django's own admin has its own permission system (staff only); its index is in the matrix.
EXEMPT_PREFIXES = ("admin:",)
SEES_WHOLE_STREET = {Role.STREET_SUPERVISOR, Role.PLATFORM_ADMIN}
SEES_ONE_GRID_OR_LESS = {Role.GRID_WORKER, Role.RESIDENT, Role.PARTNER_HANDLER, Role.PARTY_MEMBER}
DENIED = {401, 403, 404}


def _walk(patterns: list[Any], namespace: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            found.extend(_walk(p.url_patterns, ns))
        elif isinstance(p, URLPattern):
            found.append((f"{namespace}{p.name or ''}", str(p.pattern)))
    return found


def all_url_names() -> list[tuple[str, str]]:
    return _walk(get_resolver().url_patterns)


CASES = collect_cases()


def test_every_url_is_named_and_in_the_matrix():
    covered = {c.name for c in CASES}
    missing = []
    for name, pattern in all_url_names():
        if name.startswith(EXEMPT_PREFIXES):
            continue
        if not name or name.endswith(":"):
            missing.append(f"(unnamed) {name}{pattern}")
        elif name not in covered:
            missing.append(f"{name} {pattern}")
    assert not missing, "URLs without a scope case:\n" + "\n".join(sorted(missing))


def _call(client: Client, case: UrlCase, world: World, kwargs: dict[str, Any]):
    url = reverse(case.name, kwargs=kwargs or None)
    data = case.data(world) if case.data else {}
    with transaction.atomic():
        if case.method == "GET":
            response = client.get(url, data)
        elif case.json:
            response = client.generic(
                case.method, url, jsonlib.dumps(data), content_type="application/json"
            )
        else:
            response = client.generic(
                case.method,
                url,
                _urlencode(data),
                content_type="application/x-www-form-urlencoded",
            )
        transaction.set_rollback(True)
    return response


def _urlencode(data: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    content_type = response.get("Content-Type", "")
    if "html" not in content_type and "json" not in content_type:
        return ""
    return response.content.decode("utf-8", errors="replace")


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[f"{c.method} {c.name}" for c in CASES])
def test_scope_matrix(case: UrlCase):
    world = build_world()
    failures: list[str] = []
    for role in ALL_ROLES:
        client = Client(enforce_csrf_checks=False)
        client.force_login(world.users[role])
        kwargs_in = (case.kwargs_in_for.get(role) or case.kwargs_in or (lambda w: {}))(world)
        response = _call(client, case, world, kwargs_in)
        if role in case.allowed:
            if response.status_code not in case.ok_status:
                failures.append(f"{role}: allowed in scope but got {response.status_code}")
            elif case.method == "GET" and case.leak_check and role not in SEES_WHOLE_STREET:
                body = _body(response)
                if OUT_MARKER in body:
                    failures.append(f"{role}: page shows community B data")
                if role in SEES_ONE_GRID_OR_LESS and GRID_OUT_MARKER in body:
                    failures.append(f"{role}: page shows another grid's data")
        elif response.status_code not in DENIED and not _is_login_redirect(response):
            failures.append(f"{role}: not allowed but got {response.status_code}")
        if case.kwargs_out is not None:
            response = _call(client, case, world, case.kwargs_out(world))
            may_reach = role in SEES_WHOLE_STREET and role in case.allowed
            if not may_reach and response.status_code not in DENIED:
                failures.append(f"{role}: out of scope but got {response.status_code}")
    anonymous = Client()
    response = _call(anonymous, case, world, (case.kwargs_in or (lambda w: {}))(world))
    if case.public:
        if response.status_code not in case.ok_status:
            failures.append(f"anonymous: public but got {response.status_code}")
    elif response.status_code not in DENIED and not _is_login_redirect(response):
        failures.append(f"anonymous: got {response.status_code}")
    assert not failures, "\n".join(failures)


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in response.get("Location", "")


JUNK_QUERIES = [
    {"page": "-1", "year": "abc", "q": "\x00", "date_from": "2026-02-30", "region": "x"},
    {"page": "99999999999999999999", "year": "99999", "region": "-5", "action": "'; DROP"},
    {"page": "１２", "year": "", "tag": "nope", "kind": "<script>", "date_to": "tomorrow"},
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.method == "GET"],
    ids=[c.name for c in CASES if c.method == "GET"],
)
def test_no_page_answers_junk_query_parameters_with_a_server_error(case: UrlCase):
    # given the most privileged roles of a community and of the platform
    world = build_world()
    for role in (Role.COMMUNITY_SECRETARY, Role.PLATFORM_ADMIN, Role.RESIDENT):
        client = Client(raise_request_exception=False)
        client.force_login(world.users[role])
        kwargs = (case.kwargs_in_for.get(role) or case.kwargs_in or (lambda w: {}))(world)
        url = reverse(case.name, kwargs=kwargs or None)
        for junk in JUNK_QUERIES:
            # when the page is asked with nonsense parameters
            response = client.get(url, junk)
            # then it answers, possibly with a 4xx, never with a 5xx
            assert response.status_code < 500, (role, junk, response.status_code)


JUNK_BODIES = [
    {},
    {"name": "x" * 5000, "phone": "12", "id_number": "abc", "birth_year": "-1", "pk": "x"},
    {"date": "2026-13-45", "kind": "??", "lines": "\x00\x01", "language": "xx", "next": "//evil"},
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.method != "GET"],
    ids=[f"{c.method} {c.name}" for c in CASES if c.method != "GET"],
)
def test_no_endpoint_answers_junk_bodies_with_a_server_error(case: UrlCase):
    world = build_world()
    for role in (Role.COMMUNITY_SECRETARY, Role.PLATFORM_ADMIN, Role.RESIDENT):
        client = Client(raise_request_exception=False)
        client.force_login(world.users[role])
        kwargs = (case.kwargs_in_for.get(role) or case.kwargs_in or (lambda w: {}))(world)
        url = reverse(case.name, kwargs=kwargs or None)
        for junk in JUNK_BODIES:
            if case.json:
                response = client.generic(
                    case.method, url, jsonlib.dumps(junk), content_type="application/json"
                )
            else:
                response = client.generic(
                    case.method,
                    url,
                    _urlencode(junk),
                    content_type="application/x-www-form-urlencoded",
                )
            assert response.status_code < 500, (role, junk, response.status_code)
