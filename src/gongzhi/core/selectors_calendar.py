"""Who may see and change the working-day calendar, and what the calendar page reads.

Holidays are national: one calendar serves the whole deployment, so there is no region scope.
Every staff role may read it (deadlines depend on it); platform administrators and street
supervisors may change it. Residents, partner handlers and Party members do not see it.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.dates import MONTHS

from gongzhi.core.calendar import DayInfo, WorkingCalendar, YearStatus, get_calendar
from gongzhi.core.models import CalendarDay
from gongzhi.org.models import Role
from gongzhi.org.scopes import STAFF_ROLES, scope_for

CALENDAR_VIEW_ROLES = STAFF_ROLES | {Role.PLATFORM_ADMIN}
CALENDAR_EDIT_ROLES = frozenset({Role.STREET_SUPERVISOR, Role.PLATFORM_ADMIN})


def can_view_calendar(actor: Any) -> bool:
    return scope_for(actor).has_any(CALENDAR_VIEW_ROLES)


def can_edit_calendar(actor: Any) -> bool:
    return scope_for(actor).has_any(CALENDAR_EDIT_ROLES)


def calendar_days_in_year(actor: Any, year: int) -> QuerySet[CalendarDay]:
    """The staff overrides of one year, for the list under the grids."""
    if not can_view_calendar(actor):
        return CalendarDay.objects.none()
    return CalendarDay.objects.filter(date__year=year).select_related("created_by").order_by("date")


def get_calendar_day(actor: Any, day: dt.date) -> CalendarDay | None:
    if not can_view_calendar(actor):
        return None
    return CalendarDay.objects.filter(date=day).first()


@dataclass(frozen=True)
class MonthGrid:
    month: int
    name: str
    weeks: list[list[DayInfo | None]]  # Monday first; None pads the first and last week


@dataclass(frozen=True)
class YearView:
    year: int
    status: YearStatus
    counts: dict[str, int]
    months: list[MonthGrid]
    package_knows: bool


def year_view(actor: Any, year: int, *, calendar: WorkingCalendar | None = None) -> YearView:
    """Twelve month grids of `year` as the working calendar sees it."""
    cal = calendar or get_calendar()
    grids: list[MonthGrid] = []
    weeks_of = pycal.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = [
            [cal.day_info(d) if d.month == month else None for d in week]
            for week in weeks_of.monthdatescalendar(year, month)
        ]
        grids.append(MonthGrid(month=month, name=str(MONTHS[month]), weeks=weeks))
    return YearView(
        year=year,
        status=cal.year_status(year),
        counts=cal.year_counts(year),
        months=grids,
        package_knows=year in cal.package.years,
    )
