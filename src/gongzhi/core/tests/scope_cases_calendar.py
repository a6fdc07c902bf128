"""Scope-matrix cases for the working-day calendar (core/views_calendar.py).

The calendar is national: every staff role may read it, platform administrators and street
supervisors may change it, residents, partner handlers and Party members get 403.
"""

from __future__ import annotations

from typing import Any

from gongzhi.core.testing.scope_matrix import STAFF, UrlCase, World
from gongzhi.org.models import Role

EDITORS = frozenset({Role.STREET_SUPERVISOR, Role.PLATFORM_ADMIN})


def _existing_day(w: World) -> dict[str, Any]:
    from gongzhi.core.models import CalendarDay

    CalendarDay.objects.get_or_create(
        date="2030-01-02", defaults={"kind": "holiday", "name": "测试"}
    )
    return {"date": "2030-01-02", "year": "2030"}


CASES = [
    UrlCase("core:calendar", allowed=STAFF, ok_status=frozenset({200})),
    UrlCase(
        "core:calendar",
        allowed=STAFF,
        data=lambda w: {"year": "2099"},  # a year nobody knows: the fallback banner
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "core:calendar",
        allowed=STAFF,
        data=lambda w: {"year": "abc", "date": "2030-13-40"},  # bad input: a message, not 500
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "core:calendar_day",
        allowed=EDITORS,
        method="POST",
        data=lambda w: {"date": "2030-01-01", "kind": "holiday", "name": "元旦", "year": "2030"},
    ),
    UrlCase(
        "core:calendar_day",
        allowed=EDITORS,
        method="POST",
        data=lambda w: {"date": "not a date", "kind": "nope", "year": "2030"},
        ok_status=frozenset({200}),  # re-rendered with the errors
    ),
    UrlCase("core:calendar_day_delete", allowed=EDITORS, method="POST", data=_existing_day),
    UrlCase(
        "core:calendar_import",
        allowed=EDITORS,
        method="POST",
        data=lambda w: {"text": "2030-10-01..2030-10-07 holiday 国庆节\n", "year": "2030"},
    ),
    UrlCase(
        "core:calendar_import",
        allowed=EDITORS,
        method="POST",
        data=lambda w: {"text": "2030-02-30 holiday 坏日期\n", "year": "2030"},
        ok_status=frozenset({200}),
    ),
    UrlCase(
        "core:calendar_import_package",
        allowed=EDITORS,
        method="POST",
        data=lambda w: {"year": "2025"},
    ),
]
