"""The only code that writes the working-day calendar. Atomic, audited, and each write tells
every process's calendar cache to re-check its version (gongzhi.core.calendar.get_calendar)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from gongzhi.core import audit
from gongzhi.core.calendar import (
    MAX_NAME_LENGTH,
    MAX_YEAR,
    MIN_YEAR,
    DayKind,
    LineError,
    ParsedDay,
    invalidate_calendar_cache,
    load_package_data,
    parse_days,
)
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import CalendarDay
from gongzhi.core.selectors_calendar import can_edit_calendar

FIELDS = ["date", "kind", "name", "note"]
MAX_NOTE_LENGTH = 200


def _require_editor(actor: Any) -> None:
    if actor is None:  # system jobs and data loaders act without a person
        return
    if not can_edit_calendar(actor):
        raise PermissionDenied(
            _("Only platform administrators and street supervisors may change the calendar.")
        )


def _changed() -> None:
    invalidate_calendar_cache()  # this process, at once (and inside tests, which never commit)
    transaction.on_commit(invalidate_calendar_cache)


def clean_calendar_day(
    *, day: Any, kind: Any, name: str = "", note: str = ""
) -> tuple[dt.date, str, str, str]:
    """Check one day's fields; return them cleaned. Raises ValidationFailed naming the field."""
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise ValidationFailed(_("Enter a valid date."), field="date")
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationFailed(
            _("The year must be between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR},
            field="date",
        )
    if kind not in {DayKind.HOLIDAY.value, DayKind.WORKDAY.value}:
        raise ValidationFailed(_("Choose holiday or make-up working day."), field="kind")
    name = (name or "").strip()
    note = (note or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(
            _("The name is too long (at most %(n)s characters).") % {"n": MAX_NAME_LENGTH},
            field="name",
        )
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationFailed(
            _("The note is too long (at most %(n)s characters).") % {"n": MAX_NOTE_LENGTH},
            field="note",
        )
    return day, str(kind), name, note


def _record(actor: Any, action: str, day: CalendarDay, before: Any, after: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=day,
        object_repr=str(day),
        scope_path="",  # national: the calendar belongs to no region
        before=before,
        after=after,
    )


@transaction.atomic
def create_calendar_day(
    *, actor: Any, day: dt.date, kind: str, name: str = "", note: str = ""
) -> CalendarDay:
    _require_editor(actor)
    day, kind, name, note = clean_calendar_day(day=day, kind=kind, name=name, note=note)
    try:
        with transaction.atomic():
            row = CalendarDay.objects.create(
                date=day,
                kind=kind,
                name=name,
                note=note,
                created_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("%(date)s is already in the calendar; edit it instead.") % {"date": day.isoformat()},
            field="date",
        ) from exc
    _record(actor, "calendar_day.create", row, None, audit.snapshot(row, FIELDS))
    _changed()
    return row


@transaction.atomic
def update_calendar_day(
    *, actor: Any, calendar_day: CalendarDay, kind: str, name: str = "", note: str = ""
) -> CalendarDay:
    """Change a day's kind, name or note. The date itself never changes: delete and re-add."""
    _require_editor(actor)
    row = CalendarDay.objects.select_for_update().filter(pk=calendar_day.pk).first()
    if row is None:
        raise NotFound(_("This calendar day no longer exists."))
    _day, kind, name, note = clean_calendar_day(day=row.date, kind=kind, name=name, note=note)
    before = audit.snapshot(row, FIELDS)
    if (row.kind, row.name, row.note) == (kind, name, note):
        return row
    row.kind, row.name, row.note = kind, name, note
    row.save(update_fields=["kind", "name", "note", "updated_at"])
    _record(actor, "calendar_day.update", row, before, audit.snapshot(row, FIELDS))
    _changed()
    return row


@transaction.atomic
def save_calendar_day(
    *, actor: Any, day: dt.date, kind: str, name: str = "", note: str = ""
) -> tuple[CalendarDay, bool]:
    """Add the day, or change it when it is already there: what the calendar page's form does.
    Returns (row, created)."""
    _require_editor(actor)
    clean_calendar_day(day=day, kind=kind, name=name, note=note)
    existing = CalendarDay.objects.select_for_update().filter(date=day).first()
    if existing is not None:
        return update_calendar_day(
            actor=actor, calendar_day=existing, kind=kind, name=name, note=note
        ), False
    return create_calendar_day(actor=actor, day=day, kind=kind, name=name, note=note), True


@transaction.atomic
def delete_calendar_day(*, actor: Any, calendar_day: CalendarDay) -> None:
    """Remove an override: the date goes back to the package, or to the weekend rule."""
    _require_editor(actor)
    row = CalendarDay.objects.select_for_update().filter(pk=calendar_day.pk).first()
    if row is None:
        raise NotFound(_("This calendar day no longer exists."))
    before = audit.snapshot(row, FIELDS)
    _record(actor, "calendar_day.delete", row, before, None)
    row.delete()
    _changed()


@dataclass
class ImportSummary:
    years: list[int] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


class CalendarImportFailed(ValidationFailed):
    """A pasted list had bad lines: nothing was applied. `errors` names each line."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(
            _("%(n)s line(s) could not be read; nothing was saved.") % {"n": len(errors)},
            field="text",
        )
        self.errors = errors


def _apply(actor: Any, days: list[ParsedDay], *, replace_years: bool, source: str) -> ImportSummary:
    summary = ImportSummary(years=sorted({d.date.year for d in days}))
    wanted = {d.date: d for d in days}
    existing = {
        row.date: row
        for row in CalendarDay.objects.select_for_update().filter(date__year__in=summary.years)
    }
    creator = actor if actor is not None and actor.is_authenticated else None
    for parsed in days:
        row = existing.get(parsed.date)
        if row is None:
            row = CalendarDay.objects.create(
                date=parsed.date, kind=parsed.kind.value, name=parsed.name, created_by=creator
            )
            _record(actor, "calendar_day.create", row, None, audit.snapshot(row, FIELDS))
            summary.created += 1
        elif (row.kind, row.name) == (parsed.kind.value, parsed.name):
            summary.unchanged += 1
        else:
            before = audit.snapshot(row, FIELDS)
            row.kind, row.name = parsed.kind.value, parsed.name
            row.save(update_fields=["kind", "name", "updated_at"])
            _record(actor, "calendar_day.update", row, before, audit.snapshot(row, FIELDS))
            summary.updated += 1
    if replace_years:
        for date, row in existing.items():
            if date not in wanted:
                _record(actor, "calendar_day.delete", row, audit.snapshot(row, FIELDS), None)
                row.delete()
                summary.deleted += 1
    audit.record(
        actor=actor,
        action="calendar_day.import",
        object_type=CalendarDay._meta.label_lower,
        object_repr=f"{source} {', '.join(str(y) for y in summary.years)}",
        after={
            "source": source,
            "years": summary.years,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "deleted": summary.deleted,
            "replace_years": replace_years,
        },
    )
    _changed()
    return summary


@transaction.atomic
def import_calendar_days(*, actor: Any, text: str, replace_years: bool = False) -> ImportSummary:
    """Apply a pasted list ("2027-01-01 holiday 元旦" per line; see calendar.parse_days).

    All or nothing: any bad line raises CalendarImportFailed with every bad line and reason.
    With `replace_years`, entries of the listed years that the list leaves out are deleted, so
    the list becomes the whole truth about those years.
    """
    _require_editor(actor)
    parsed = parse_days(text or "")
    if parsed.errors:
        raise CalendarImportFailed(parsed.errors)
    if not parsed.days:
        raise ValidationFailed(_("The list is empty: paste at least one line."), field="text")
    return _apply(actor, parsed.days, replace_years=replace_years, source="paste")


@transaction.atomic
def import_package_year(*, actor: Any, year: int, replace_year: bool = False) -> ImportSummary:
    """Copy the chinese_calendar package's holidays and make-up days of `year` into the
    calendar, as a starting point that staff can then correct day by day."""
    _require_editor(actor)
    package = load_package_data()
    if year not in package.years:
        raise ValidationFailed(
            _("The holiday package has no data for %(year)s; enter the days by hand.")
            % {"year": year},
            field="year",
        )
    days = [
        ParsedDay(date=d, kind=o.kind, name=o.name, line=0)
        for d, o in sorted(package.days.items())
        if d.year == year
    ]
    return _apply(actor, days, replace_years=replace_year, source="package")
