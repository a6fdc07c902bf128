"""The calendar page, its forms, and the admin of calendar days and audit events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core import calendar as calmod
from gongzhi.core.calendar import load_package_data
from gongzhi.core.models import AuditEvent, CalendarDay
from gongzhi.core.services_calendar import create_calendar_day
from gongzhi.org.models import Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db
NEW_YEAR = max(load_package_data().years) + 1
URL = reverse("core:calendar")


@pytest.fixture(autouse=True)
def _fresh_cache():
    calmod._state.calendar = None
    calmod.invalidate_calendar_cache()
    yield
    calmod._state.calendar = None


def client_for(role: str) -> Client:
    street = f.street()
    region = {
        Role.GRID_WORKER: lambda: f.grid(f.community(street)),
        Role.RESIDENT: lambda: f.building(),
    }.get(role, lambda: street)()
    client = Client()
    client.force_login(f.user_with_role(role, region))
    return client


def test_staff_see_the_year_without_editing_forms():
    response = client_for(Role.GRID_WORKER).get(URL, {"year": "2025"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "2025年工作日日历" in body
    assert 'data-date="2025-10-01" data-kind="holiday"' in body
    assert 'data-date="2025-09-28" data-kind="workday"' in body  # Sunday 调休
    assert "chinese-calendar" in body
    assert reverse("core:calendar_import") not in body
    assert "fallback-warning" not in body


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.PARTNER_HANDLER, Role.PARTY_MEMBER])
def test_non_staff_get_403(role):
    assert client_for(role).get(URL).status_code == 403


def test_anonymous_is_sent_to_login():
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_year_without_data_shows_the_warning_banner():
    response = client_for(Role.COMMUNITY_STAFF).get(URL, {"year": str(NEW_YEAR)})
    body = response.content.decode()
    assert 'id="fallback-warning"' in body
    assert f"{NEW_YEAR}年节假日数据未录入，按周末计算" in body


@pytest.mark.parametrize(
    ("value", "shown", "message"),
    [
        ("abc", None, "不是有效年份"),
        ("99999", 2100, "日历覆盖2000年至2100年"),
        ("-5", None, "不是有效年份"),
        ("1", 2000, "日历覆盖2000年至2100年"),
        ("２０２５", None, "不是有效年份"),
    ],
)
def test_bad_years_give_a_message_not_an_error(value, shown, message):
    response = client_for(Role.GRID_WORKER).get(URL, {"year": value})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    year = shown or dt.date.today().year  # noqa: DTZ011
    assert f"{year}年工作日日历" in body


def test_editor_adds_a_day_and_the_year_becomes_custom():
    client = client_for(Role.STREET_SUPERVISOR)
    response = client.post(
        reverse("core:calendar_day"),
        {"date": f"{NEW_YEAR}-01-01", "kind": "holiday", "name": "元旦", "year": str(NEW_YEAR)},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?year={NEW_YEAR}"
    assert CalendarDay.objects.get().name == "元旦"
    body = client.get(response["Location"]).content.decode()
    assert "fallback-warning" not in body
    assert f"{NEW_YEAR}年节假日由工作人员录入" in body
    assert f"已添加 {NEW_YEAR}-01-01" in body


def test_editor_form_errors_re_render_in_chinese():
    client = client_for(Role.PLATFORM_ADMIN)
    response = client.post(
        reverse("core:calendar_day"), {"date": "1999-01-01", "kind": "holiday", "year": "2025"}
    )
    assert response.status_code == 200
    assert "年份须在2000至2100之间" in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_editor_edits_an_existing_day_from_the_grid_link():
    client = client_for(Role.STREET_SUPERVISOR)
    client.post(
        reverse("core:calendar_day"),
        {"date": f"{NEW_YEAR}-02-07", "kind": "workday", "name": "春节调休", "note": "旧"},
    )
    page = client.get(URL, {"date": f"{NEW_YEAR}-02-07"}).content.decode()
    assert 'value="春节调休"' in page
    client.post(
        reverse("core:calendar_day"),
        {"date": f"{NEW_YEAR}-02-07", "kind": "workday", "name": "春节调休", "note": "新"},
    )
    assert CalendarDay.objects.get().note == "新"


def test_bulk_paste_with_bad_lines_shows_line_numbers_and_applies_nothing():
    client = client_for(Role.STREET_SUPERVISOR)
    text = f"{NEW_YEAR}-01-01 holiday 元旦\n{NEW_YEAR}-02-30 holiday 坏\n{NEW_YEAR}-03-01 休假\n"
    response = client.post(reverse("core:calendar_import"), {"text": text, "year": NEW_YEAR})
    assert response.status_code == 200
    body = response.content.decode()
    assert "有2行无法识别，未保存任何内容" in body
    assert "<td>2</td>" in body
    assert "<td>3</td>" in body
    assert "不是有效日期" in body
    assert "不是有效类型" in body
    assert not CalendarDay.objects.exists()


def test_bulk_paste_applies_a_year():
    client = client_for(Role.STREET_SUPERVISOR)
    text = f"{NEW_YEAR}-01-01 holiday 元旦\n{NEW_YEAR}-02-07 workday 春节调休\n"
    response = client.post(reverse("core:calendar_import"), {"text": text, "year": NEW_YEAR})
    assert response.status_code == 302
    assert CalendarDay.objects.count() == 2
    body = client.get(response["Location"]).content.decode()
    assert "新增2条" in body
    assert f'data-date="{NEW_YEAR}-02-07" data-kind="workday"' in body


def test_editor_removes_a_day():
    client = client_for(Role.STREET_SUPERVISOR)
    create_calendar_day(actor=None, day=dt.date(NEW_YEAR, 1, 1), kind="holiday")
    response = client.post(reverse("core:calendar_day_delete"), {"date": f"{NEW_YEAR}-01-01"})
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    # removing it twice is a message, not an error
    response = client.post(reverse("core:calendar_day_delete"), {"date": f"{NEW_YEAR}-01-01"})
    assert response.status_code == 302


def test_editor_copies_a_package_year():
    client = client_for(Role.PLATFORM_ADMIN)
    response = client.post(reverse("core:calendar_import_package"), {"year": "2025"})
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date=dt.date(2025, 10, 1), name="国庆节").exists()
    response = client.post(reverse("core:calendar_import_package"), {"year": str(NEW_YEAR)})
    assert response.status_code == 200
    assert "数据包没有" in response.content.decode()


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.COMMUNITY_SECRETARY, Role.RESIDENT])
def test_viewers_cannot_write(role):
    client = client_for(role)
    data = {"date": f"{NEW_YEAR}-01-01", "kind": "holiday", "text": "x", "year": "2025"}
    for name in ["core:calendar_day", "core:calendar_import", "core:calendar_import_package"]:
        assert client.post(reverse(name), data).status_code == 403
    assert not CalendarDay.objects.exists()


# --- admin ------------------------------------------------------------------------------------


def test_admin_writes_calendar_days_through_the_services():
    client = client_for(Role.PLATFORM_ADMIN)
    response = client.post(
        reverse("admin:core_calendarday_add"),
        {"date": f"{NEW_YEAR}-10-01", "kind": "holiday", "name": "国庆节", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = CalendarDay.objects.get()
    assert AuditEvent.objects.filter(action="calendar_day.create", object_id=str(row.pk)).exists()
    response = client.post(
        reverse("admin:core_calendarday_change", args=[row.pk]),
        {"kind": "workday", "name": "改", "note": ""},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="calendar_day.update").exists()
    response = client.post(reverse("admin:core_calendarday_delete", args=[row.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.filter(action="calendar_day.delete").exists()


def test_admin_shows_service_errors_as_form_errors():
    client = client_for(Role.PLATFORM_ADMIN)
    response = client.post(
        reverse("admin:core_calendarday_add"),
        {"date": "1999-10-01", "kind": "holiday", "name": "", "note": ""},
    )
    assert response.status_code == 200
    assert "年份须在2000至2100之间" in response.content.decode()


def test_audit_events_are_read_only_in_the_admin():
    client = client_for(Role.PLATFORM_ADMIN)
    create_calendar_day(actor=None, day=dt.date(NEW_YEAR, 1, 1), kind="holiday")
    event = AuditEvent.objects.get()
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    filtered = client.get(
        reverse("admin:core_auditevent_changelist"), {"action": "calendar_day.create"}
    )
    assert filtered.status_code == 200
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    detail = client.get(reverse("admin:core_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert (
        client.post(reverse("admin:core_auditevent_change", args=[event.pk]), {}).status_code == 403
    )
    response = client.post(
        reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
