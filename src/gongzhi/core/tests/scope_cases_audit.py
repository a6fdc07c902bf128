"""Scope-matrix cases for the audit page (core/views_audit.py)."""

from __future__ import annotations

from gongzhi.core.testing.scope_matrix import UrlCase
from gongzhi.org.models import Role

CASES = [
    UrlCase(
        "core:audit",
        allowed=frozenset({Role.COMMUNITY_SECRETARY, Role.STREET_SUPERVISOR, Role.PLATFORM_ADMIN}),
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "core:audit",
        allowed=frozenset({Role.COMMUNITY_SECRETARY, Role.STREET_SUPERVISOR, Role.PLATFORM_ADMIN}),
        data=lambda w: {"date_from": "not-a-date", "action": "person.update"},
        ok_status=frozenset({200}),
    ),
]
