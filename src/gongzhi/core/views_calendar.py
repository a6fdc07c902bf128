"""The working-day calendar page: a year of month grids, and for editors the forms to change it.

GET  core:calendar                 ?year=YYYY (&date=YYYY-MM-DD pre-fills the day form)
POST core:calendar_day             add or change one day
POST core:calendar_day_delete      remove one day's override
POST core:calendar_import          paste a list of days (all or nothing)
POST core:calendar_import_package  copy a year the chinese_calendar package knows
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.calendar import MAX_YEAR, MIN_YEAR, LineError, YearStatus
from gongzhi.core.errors import DomainError, PermissionDenied
from gongzhi.core.forms_calendar import (
    CalendarDayForm,
    CalendarDeleteForm,
    CalendarImportForm,
    PackageImportForm,
)
from gongzhi.core.selectors_calendar import (
    calendar_days_in_year,
    can_edit_calendar,
    can_view_calendar,
    get_calendar_day,
    year_view,
)
from gongzhi.core.services_calendar import (
    CalendarImportFailed,
    ImportSummary,
    delete_calendar_day,
    import_calendar_days,
    import_package_year,
    save_calendar_day,
)


def _parse_year(value: str | None) -> tuple[int, str]:
    """The year asked for, or a usable one and a message saying why not."""
    this_year = timezone.localdate().year
    if value is None or not value.strip():
        return this_year, ""
    text = value.strip()
    if len(text) > 8 or not text.isascii() or not text.isdigit():
        return this_year, _("“%(value)s” is not a year; showing %(year)s.") % {
            "value": text[:20],
            "year": this_year,
        }
    year = int(text)
    if year < MIN_YEAR or year > MAX_YEAR:
        shown = min(max(year, MIN_YEAR), MAX_YEAR)
        return shown, _("The calendar covers the years %(min)s to %(max)s; showing %(year)s.") % {
            "min": MIN_YEAR,
            "max": MAX_YEAR,
            "year": shown,
        }
    return year, ""


def _calendar_url(year: int) -> str:
    return f"{reverse('core:calendar')}?year={year}"


def _require_view(request: HttpRequest) -> None:
    if not can_view_calendar(request.user):
        raise HttpForbidden(_("Only staff may see the working-day calendar."))


def _require_edit(request: HttpRequest) -> None:
    if not can_edit_calendar(request.user):
        raise HttpForbidden(
            _("Only platform administrators and street supervisors may change the calendar.")
        )


def _render(
    request: HttpRequest,
    year: int,
    *,
    year_message: str = "",
    day_form: CalendarDayForm | None = None,
    import_form: CalendarImportForm | None = None,
    import_errors: list[LineError] | None = None,
    package_form: PackageImportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    view = year_view(request.user, year)
    editor = can_edit_calendar(request.user)
    context: dict[str, Any] = {
        "view": view,
        "year": year,
        "prev_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
        "year_message": year_message,
        "is_fallback": view.status == YearStatus.FALLBACK,
        "is_custom": view.status == YearStatus.CUSTOM,
        "is_package": view.status == YearStatus.PACKAGE,
        "entries": calendar_days_in_year(request.user, year),
        "can_edit": editor,
        "min_year": MIN_YEAR,
        "max_year": MAX_YEAR,
    }
    if editor:
        context["day_form"] = day_form or CalendarDayForm(initial={"date": dt.date(year, 1, 1)})
        context["import_form"] = import_form or CalendarImportForm()
        context["import_errors"] = import_errors or []
        context["package_form"] = package_form or PackageImportForm(initial={"year": year})
    return render(request, "core/calendar.html", context, status=status)


@login_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    year, message = _parse_year(request.GET.get("year"))
    day_form = None
    picked = request.GET.get("date", "")
    if picked and can_edit_calendar(request.user):
        try:
            day = dt.date.fromisoformat(picked[:10])
        except ValueError:
            day = None
        if day is not None and MIN_YEAR <= day.year <= MAX_YEAR:
            year, message = day.year, ""
            row = get_calendar_day(request.user, day)
            initial: dict[str, Any] = {"date": day}
            if row is not None:
                initial.update(kind=row.kind, name=row.name, note=row.note)
            day_form = CalendarDayForm(initial=initial)
    return _render(request, year, year_message=message, day_form=day_form)


def _form_year(request: HttpRequest) -> int:
    year, _message = _parse_year(request.POST.get("year"))
    return year


def _add_domain_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


@login_required
@require_POST
def calendar_day_save(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    form = CalendarDayForm(request.POST)
    if not form.is_valid():
        return _render(request, _form_year(request), day_form=form)
    data = dict(form.cleaned_data)  # add_error() below drops fields from cleaned_data
    try:
        row, created = save_calendar_day(
            actor=request.user,
            day=data["date"],
            kind=data["kind"],
            name=data["name"],
            note=data["note"],
        )
    except PermissionDenied as exc:
        raise HttpForbidden(str(exc.message)) from exc
    except DomainError as exc:
        _add_domain_error(form, exc)
        return _render(request, _form_year(request), day_form=form)
    if created:
        messages.success(request, _("Added %(day)s.") % {"day": row})
    else:
        messages.success(request, _("Saved %(day)s.") % {"day": row})
    return HttpResponseRedirect(_calendar_url(row.date.year))


@login_required
@require_POST
def calendar_day_delete(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    form = CalendarDeleteForm(request.POST)
    year = _form_year(request)
    if not form.is_valid():
        messages.error(request, _("Choose a valid date to remove."))
        return HttpResponseRedirect(_calendar_url(year))
    day = form.cleaned_data["date"]
    row = get_calendar_day(request.user, day)
    if row is None:
        messages.error(request, _("%(date)s has no entry to remove.") % {"date": day.isoformat()})
        return HttpResponseRedirect(_calendar_url(day.year))
    try:
        delete_calendar_day(actor=request.user, calendar_day=row)
    except PermissionDenied as exc:
        raise HttpForbidden(str(exc.message)) from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(_calendar_url(day.year))
    messages.success(request, _("Removed %(date)s.") % {"date": day.isoformat()})
    return HttpResponseRedirect(_calendar_url(day.year))


def _summary_message(summary: ImportSummary) -> str:
    return _(
        "Imported %(years)s: %(created)s added, %(updated)s changed, %(unchanged)s unchanged, "
        "%(deleted)s removed."
    ) % {
        "years": ", ".join(str(y) for y in summary.years),
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "deleted": summary.deleted,
    }


@login_required
@require_POST
def calendar_import(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    year = _form_year(request)
    form = CalendarImportForm(request.POST)
    if not form.is_valid():
        return _render(request, year, import_form=form)
    try:
        summary = import_calendar_days(
            actor=request.user,
            text=form.cleaned_data["text"],
            replace_years=form.cleaned_data["replace_years"],
        )
    except PermissionDenied as exc:
        raise HttpForbidden(str(exc.message)) from exc
    except CalendarImportFailed as exc:
        form.add_error("text", str(exc.message))
        return _render(request, year, import_form=form, import_errors=exc.errors)
    except DomainError as exc:
        _add_domain_error(form, exc)
        return _render(request, year, import_form=form)
    messages.success(request, _summary_message(summary))
    return HttpResponseRedirect(_calendar_url(summary.years[0] if summary.years else year))


@login_required
@require_POST
def calendar_import_package(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    year = _form_year(request)
    form = PackageImportForm(request.POST)
    if not form.is_valid():
        return _render(request, year, package_form=form)
    chosen: int = form.cleaned_data["year"]
    try:
        summary = import_package_year(actor=request.user, year=chosen)
    except PermissionDenied as exc:
        raise HttpForbidden(str(exc.message)) from exc
    except DomainError as exc:
        _add_domain_error(form, exc)
        return _render(request, chosen, package_form=form)
    messages.success(request, _summary_message(summary))
    return HttpResponseRedirect(_calendar_url(chosen))


urlpatterns: list[URLPattern] = [
    path("calendar/", calendar_page, name="calendar"),
    path("calendar/day/", calendar_day_save, name="calendar_day"),
    path("calendar/day/delete/", calendar_day_delete, name="calendar_day_delete"),
    path("calendar/import/", calendar_import, name="calendar_import"),
    path("calendar/import-package/", calendar_import_package, name="calendar_import_package"),
]
