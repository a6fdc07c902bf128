"""Calendar services (writes, audit, permissions) and the cached loader."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core import calendar as calmod
from gongzhi.core.calendar import SHANGHAI, YearStatus, get_calendar, load_package_data
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent, CalendarDay
from gongzhi.core.services_calendar import (
    CalendarImportFailed,
    create_calendar_day,
    delete_calendar_day,
    import_calendar_days,
    import_package_year,
    save_calendar_day,
    update_calendar_day,
)
from gongzhi.org.models import Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db
NEW_YEAR = max(load_package_data().years) + 1


@pytest.fixture(autouse=True)
def _fresh_cache():
    calmod._state.calendar = None
    calmod.invalidate_calendar_cache()
    yield
    calmod._state.calendar = None


@pytest.fixture
def supervisor():
    return f.user_with_role(Role.STREET_SUPERVISOR, f.street())


@pytest.fixture
def grid_worker():
    return f.user_with_role(Role.GRID_WORKER, f.grid())


def test_create_is_audited_and_changes_the_calendar(supervisor):
    day = dt.date(NEW_YEAR, 1, 4)
    assert get_calendar().is_working_day(day) == (day.weekday() < 5)
    row = create_calendar_day(actor=supervisor, day=day, kind="holiday", name=" 元旦 ")
    assert (row.name, row.created_by) == ("元旦", supervisor)
    event = AuditEvent.objects.get(action="calendar_day.create")
    assert event.actor == supervisor
    assert event.after == {"date": day.isoformat(), "kind": "holiday", "name": "元旦", "note": ""}
    # the same process sees it at once
    assert not get_calendar().is_working_day(day)
    assert get_calendar().year_status(NEW_YEAR) == YearStatus.CUSTOM


def test_only_editors_may_write(grid_worker):
    with pytest.raises(PermissionDenied):
        create_calendar_day(actor=grid_worker, day=dt.date(NEW_YEAR, 1, 1), kind="holiday")
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.exists()


def test_platform_admin_may_write():
    admin = f.user_with_role(Role.PLATFORM_ADMIN, f.street())
    create_calendar_day(actor=admin, day=dt.date(NEW_YEAR, 1, 1), kind="holiday")
    assert CalendarDay.objects.count() == 1


def test_bad_input_is_a_domain_error_naming_the_field(supervisor):
    with pytest.raises(ValidationFailed) as exc:
        create_calendar_day(actor=supervisor, day=dt.date(1999, 1, 1), kind="holiday")
    assert exc.value.field == "date"
    with pytest.raises(ValidationFailed) as exc:
        create_calendar_day(actor=supervisor, day=dt.date(NEW_YEAR, 1, 1), kind="vacation")
    assert exc.value.field == "kind"
    with pytest.raises(ValidationFailed) as exc:
        create_calendar_day(
            actor=supervisor, day=dt.date(NEW_YEAR, 1, 1), kind="holiday", name="长" * 51
        )
    assert exc.value.field == "name"


def test_a_date_is_entered_once(supervisor):
    create_calendar_day(actor=supervisor, day=dt.date(NEW_YEAR, 1, 1), kind="holiday")
    with pytest.raises(Conflict) as exc:
        create_calendar_day(actor=supervisor, day=dt.date(NEW_YEAR, 1, 1), kind="workday")
    assert exc.value.field == "date"


def test_update_and_delete_are_audited(supervisor):
    row = create_calendar_day(actor=supervisor, day=dt.date(NEW_YEAR, 2, 7), kind="holiday")
    update_calendar_day(actor=supervisor, calendar_day=row, kind="workday", name="春节调休")
    update_calendar_day(actor=supervisor, calendar_day=row, kind="workday", name="春节调休")
    change = AuditEvent.objects.get(action="calendar_day.update")  # the no-op wrote nothing
    assert change.before["kind"] == "holiday"
    assert change.after["kind"] == "workday"
    assert get_calendar().is_working_day(dt.date(NEW_YEAR, 2, 7))
    delete_calendar_day(actor=supervisor, calendar_day=row)
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.get(action="calendar_day.delete").before["name"] == "春节调休"
    assert get_calendar().year_status(NEW_YEAR) == YearStatus.FALLBACK


def test_save_adds_or_changes(supervisor):
    day = dt.date(NEW_YEAR, 5, 1)
    _row, created = save_calendar_day(actor=supervisor, day=day, kind="holiday", name="劳动")
    assert created
    row, created = save_calendar_day(actor=supervisor, day=day, kind="holiday", name="劳动节")
    assert not created
    assert row.name == "劳动节"
    assert CalendarDay.objects.count() == 1


def test_import_applies_a_pasted_year(supervisor):
    text = (
        f"{NEW_YEAR}-01-01 holiday 元旦\n"
        f"{NEW_YEAR}-02-06..{NEW_YEAR}-02-08 holiday 春节\n"
        f"{NEW_YEAR}-02-14 workday 春节调休\n"
    )
    summary = import_calendar_days(actor=supervisor, text=text)
    assert (summary.years, summary.created) == ([NEW_YEAR], 5)
    assert AuditEvent.objects.filter(action="calendar_day.create").count() == 5
    assert AuditEvent.objects.get(action="calendar_day.import").after["created"] == 5
    cal = get_calendar()
    assert cal.year_status(NEW_YEAR) == YearStatus.CUSTOM
    assert not cal.is_working_day(dt.date(NEW_YEAR, 2, 8))
    # a second paste updates and, with replace_years, removes what it leaves out
    again = import_calendar_days(
        actor=supervisor,
        text=f"{NEW_YEAR}-01-01 holiday 元旦节\n{NEW_YEAR}-02-14 workday 春节调休\n",
        replace_years=True,
    )
    assert (again.created, again.updated, again.unchanged, again.deleted) == (0, 1, 1, 3)
    assert get_calendar().is_working_day(dt.date(NEW_YEAR, 2, 8)) == (
        dt.date(NEW_YEAR, 2, 8).weekday() < 5
    )


def test_import_with_a_bad_line_applies_nothing(supervisor):
    text = f"{NEW_YEAR}-01-01 holiday 元旦\n{NEW_YEAR}-02-30 holiday 坏\n"
    with pytest.raises(CalendarImportFailed) as exc:
        import_calendar_days(actor=supervisor, text=text)
    assert [e.line for e in exc.value.errors] == [2]
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.exists()
    with pytest.raises(ValidationFailed):
        import_calendar_days(actor=supervisor, text="\n# nothing\n")


def test_import_from_the_package(supervisor):
    summary = import_package_year(actor=supervisor, year=2025)
    assert summary.created == CalendarDay.objects.filter(date__year=2025).count() > 20
    national_day = CalendarDay.objects.get(date=dt.date(2025, 10, 1))
    assert (national_day.kind, national_day.name) == ("holiday", "国庆节")
    assert CalendarDay.objects.get(date=dt.date(2025, 9, 28)).kind == "workday"
    assert get_calendar().year_status(2025) == YearStatus.PACKAGE
    with pytest.raises(ValidationFailed) as exc:
        import_package_year(actor=supervisor, year=NEW_YEAR)
    assert exc.value.field == "year"


# --- the loader's cache -----------------------------------------------------------------------


def test_cache_is_reused_while_fresh_and_costs_no_query(settings, django_assert_num_queries):
    settings.GONGZHI_CALENDAR_CHECK_SECONDS = 3600
    first = get_calendar()
    with django_assert_num_queries(0):
        assert get_calendar() is first


def test_another_process_write_is_seen_through_the_version(settings, supervisor):
    settings.GONGZHI_CALENDAR_CHECK_SECONDS = 3600
    day = dt.date(NEW_YEAR, 3, 3)
    before = get_calendar()
    # given another process writes (its service invalidates only its own cache)
    CalendarDay.objects.create(date=day, kind="holiday", name="别处")
    # then this process keeps its cached calendar until the check interval passes...
    assert get_calendar() is before
    calmod._state.next_check = 0.0  # ...which it now has
    after = get_calendar()
    assert after is not before
    assert not after.is_working_day(day)


def test_unchanged_version_keeps_the_calendar(settings, django_assert_num_queries):
    settings.GONGZHI_CALENDAR_CHECK_SECONDS = 0
    first = get_calendar()
    with django_assert_num_queries(2):  # the version stamp only, no reload
        assert get_calendar() is first


def test_office_hours_from_settings(settings):
    settings.GONGZHI_OFFICE_HOURS = [("08:30", "12:00"), ("14:00", "18:00")]
    start = dt.datetime(2025, 6, 9, 8, 0, tzinfo=SHANGHAI)
    assert calmod.deadline(start, 4, "working_hours").value == dt.datetime(
        2025, 6, 9, 14, 30, tzinfo=SHANGHAI
    )


def test_bad_office_hours_setting_falls_back_to_the_default(settings, caplog):
    settings.GONGZHI_OFFICE_HOURS = [("18:00", "09:00")]
    assert get_calendar().office_hours == calmod.DEFAULT_OFFICE_HOURS
    assert "GONGZHI_OFFICE_HOURS" in caplog.text


def test_module_deadline_uses_staff_overrides(supervisor):
    import_calendar_days(
        actor=supervisor, text=f"{NEW_YEAR}-03-01..{NEW_YEAR}-03-10 holiday 测试\n"
    )
    start = dt.datetime(NEW_YEAR, 2, 26, 10, 0, tzinfo=SHANGHAI)
    result = calmod.deadline(start, 1, "working_days")
    assert result.warnings == ()
    assert result.value.date() > dt.date(NEW_YEAR, 3, 10)
    assert get_calendar().is_working_day(result.value)
