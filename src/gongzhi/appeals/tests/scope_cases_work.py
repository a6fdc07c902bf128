"""Scope-matrix cases for the staff pages of appeals (appeals/views_work.py)."""

from __future__ import annotations

from gongzhi.core.testing.scope_matrix import EVERYONE, UrlCase
from gongzhi.org.models import Role

ADMIN = Role.PLATFORM_ADMIN
INBOX = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.STREET_SUPERVISOR,
        Role.PARTNER_HANDLER,
        ADMIN,
    }
)
COMMUNITY_PAGE = frozenset(
    {Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.STREET_SUPERVISOR, ADMIN}
)
STREET_PAGE = frozenset({Role.STREET_SUPERVISOR, ADMIN})
RANKING = COMMUNITY_PAGE
OK = frozenset({200})

CASES = [
    UrlCase("appeals:inbox", allowed=INBOX, ok_status=OK),
    UrlCase(
        "appeals:community",
        allowed=COMMUNITY_PAGE,
        kwargs_in=lambda w: {"pk": w.comm_a.pk},
        kwargs_out=lambda w: {"pk": w.comm_b.pk},
        ok_status=OK,
    ),
    # The world has one street: the supervisor's. Its page shows community B on purpose.
    UrlCase(
        "appeals:street",
        allowed=STREET_PAGE,
        kwargs_in=lambda w: {"pk": w.street.pk},
        ok_status=OK,
    ),
    UrlCase("appeals:ranking", allowed=RANKING, ok_status=OK),
    UrlCase("appeals:ranking_export", allowed=RANKING, ok_status=OK),
    UrlCase("appeals:notifications", allowed=EVERYONE, ok_status=OK),
    UrlCase(
        "appeals:notifications_read",
        allowed=EVERYONE,
        method="POST",
        ok_status=frozenset({302}),
    ),
]
