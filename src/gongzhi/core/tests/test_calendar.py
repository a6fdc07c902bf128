"""The working calendar itself: pure, no database."""

from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.core.calendar import (
    SHANGHAI,
    DayKind,
    Override,
    WorkingCalendar,
    YearStatus,
    load_package_data,
    parse_days,
    parse_office_hours,
)

PACKAGE = load_package_data()
LAST_PACKAGE_YEAR = max(PACKAGE.years)
# A year the package does not know (2027 with chinesecalendar 1.11): the fallback.
NEW_YEAR = LAST_PACKAGE_YEAR + 1
CAL = WorkingCalendar()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- single days --------------------------------------------------------------------------


def test_national_day_2025_and_its_make_up_days():
    for day in range(1, 9):
        assert not CAL.is_working_day(dt.date(2025, 10, day))
    assert CAL.is_working_day(d("2025-09-28"))  # Sunday, 调休
    assert CAL.is_working_day(d("2025-10-11"))  # Saturday, 调休
    assert not CAL.is_working_day(d("2025-10-12"))  # an ordinary Sunday
    assert CAL.is_working_day(d("2025-10-09"))


def test_package_names_are_chinese():
    info = CAL.day_info(d("2025-10-01"))
    assert (info.kind, info.name, info.source, info.working) == (
        "holiday",
        "国庆节",
        "package",
        False,
    )
    make_up = CAL.day_info(d("2025-09-28"))
    assert (make_up.kind, make_up.name, make_up.working) == ("workday", "国庆节调休", True)


def test_year_status_package_custom_fallback():
    cal = WorkingCalendar({dt.date(NEW_YEAR, 1, 1): Override(DayKind.HOLIDAY, "元旦")})
    assert cal.year_status(2025) == YearStatus.PACKAGE
    assert cal.year_status(NEW_YEAR) == YearStatus.CUSTOM
    assert cal.year_status(NEW_YEAR + 1) == YearStatus.FALLBACK


def test_overrides_win_over_the_package():
    # given the package says 2025-10-08 is a day off and 2025-09-28 a working day
    cal = WorkingCalendar(
        {
            d("2025-10-08"): Override(DayKind.WORKDAY, "更正"),
            d("2025-09-28"): Override(DayKind.HOLIDAY, "更正"),
        }
    )
    # then staff corrections are what counts
    assert cal.is_working_day(d("2025-10-08"))
    assert not cal.is_working_day(d("2025-09-28"))
    assert cal.day_info(d("2025-10-08")).source == "custom"


def test_fallback_year_is_weekends_only():
    # 2 Jan of the new year: a Saturday in 2027 or whatever weekday it is, weekday rule only
    for offset in range(14):
        day = dt.date(NEW_YEAR, 1, 1) + dt.timedelta(days=offset)
        assert CAL.is_working_day(day) == (day.weekday() < 5)


def test_the_unknown_year_is_the_package_raising_not_implemented():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(NEW_YEAR, 6, 1))
    assert NEW_YEAR not in PACKAGE.years
    assert CAL.is_working_day(dt.date(NEW_YEAR, 6, 1)) == (dt.date(NEW_YEAR, 6, 1).weekday() < 5)


def test_datetimes_use_the_shanghai_date():
    # 2025-09-30 17:00 UTC is already 1 October in Shanghai
    utc = dt.datetime(2025, 9, 30, 17, 0, tzinfo=dt.UTC)
    assert not CAL.is_working_day(utc)
    with pytest.raises(ValueError, match="naive"):
        CAL.is_working_day(dt.datetime(2025, 9, 30, 17, 0))  # noqa: DTZ001


# --- adding working days ------------------------------------------------------------------


def test_add_working_days_across_national_day_keeps_the_time():
    start = at("2025-09-30T15:20:00")
    assert CAL.add_working_days(start, 1) == at("2025-10-09T15:20:00")
    assert CAL.add_working_days(start, 2) == at("2025-10-10T15:20:00")
    assert CAL.add_working_days(start, 3) == at("2025-10-11T15:20:00")  # Saturday 调休
    assert CAL.add_working_days(start, 4) == at("2025-10-13T15:20:00")


def test_add_working_days_from_a_weekend_and_backwards_and_zero():
    saturday = at("2025-06-07T10:00:00")
    assert CAL.add_working_days(saturday, 1) == at("2025-06-09T10:00:00")
    assert CAL.add_working_days(saturday, 0) == saturday
    assert CAL.add_working_days(at("2025-10-09T09:00:00"), -1) == at("2025-09-30T09:00:00")


def test_add_working_days_returns_the_input_timezone():
    start = dt.datetime(2025, 9, 30, 7, 0, tzinfo=dt.UTC)  # 15:00 in Shanghai
    result = CAL.add_working_days(start, 1)
    assert result.tzinfo == dt.UTC
    assert result == at("2025-10-09T15:00:00")


def test_add_working_days_rejects_nonsense():
    with pytest.raises(ValueError):
        CAL.add_working_days(at("2025-01-01T00:00:00"), 10**9)
    with pytest.raises(ValueError):
        CAL.add_working_days(dt.datetime(2025, 1, 1), 1)  # noqa: DTZ001


def test_fallback_year_gives_a_warning_and_a_log_line_never_an_error(caplog):
    cal = WorkingCalendar()
    start = dt.datetime(LAST_PACKAGE_YEAR, 12, 30, 10, 0, tzinfo=SHANGHAI)
    with caplog.at_level(logging.WARNING, logger="gongzhi.core.calendar"):
        result = cal.add_working_days_result(start, 10)
        cal.add_working_days_result(start, 11)  # the same year is logged once
    assert result.value.year == NEW_YEAR
    assert [w.year for w in result.warnings] == [NEW_YEAR]
    assert result.warnings[0].code == "fallback_year"
    assert str(NEW_YEAR) in result.warnings[0].message
    assert len([r for r in caplog.records if str(NEW_YEAR) in r.getMessage()]) == 1


def test_fallback_warning_message_in_chinese():
    warning = WorkingCalendar().warnings_for(dt.date(NEW_YEAR, 3, 1), dt.date(NEW_YEAR, 3, 2))[0]
    assert warning.message == f"{NEW_YEAR}年节假日数据未录入，按周末计算"


def test_no_warning_inside_known_years():
    result = CAL.add_working_days_result(at("2025-09-30T10:00:00"), 5)
    assert result.warnings == ()
    assert CAL.warnings_for(d("2024-01-01"), d("2026-12-31")) == ()


def test_custom_year_has_no_warning():
    cal = WorkingCalendar({dt.date(NEW_YEAR, 1, 1): Override(DayKind.HOLIDAY, "元旦")})
    assert cal.warnings_for(dt.date(NEW_YEAR, 1, 1), dt.date(NEW_YEAR, 12, 31)) == ()


def test_a_broken_year_of_holidays_does_not_loop_for_ever():
    # given staff marked a whole fallback year as holidays (a mistake)
    start = dt.date(NEW_YEAR + 3, 1, 1)
    overrides = {start + dt.timedelta(days=i): Override(DayKind.HOLIDAY, "") for i in range(366)}
    cal = WorkingCalendar(overrides)
    result = cal.add_working_days_result(dt.datetime.combine(start, dt.time(9), SHANGHAI), 2)
    assert result.value.year == NEW_YEAR + 3
    assert any(w.code == "broken_data" for w in result.warnings)


# --- working hours ------------------------------------------------------------------------


def test_working_hours_within_a_day_and_over_lunch():
    assert CAL.add_working_hours(at("2025-06-09T09:00:00"), 2) == at("2025-06-09T11:00:00")
    assert CAL.add_working_hours(at("2025-06-09T11:00:00"), 2) == at("2025-06-09T14:30:00")
    assert CAL.add_working_hours(at("2025-06-09T09:00:00"), 3) == at("2025-06-09T12:00:00")


def test_working_hours_outside_office_hours_start_at_the_next_opening():
    assert CAL.add_working_hours(at("2025-06-09T07:00:00"), 1) == at("2025-06-09T10:00:00")
    assert CAL.add_working_hours(at("2025-06-09T12:30:00"), 1) == at("2025-06-09T14:30:00")
    assert CAL.add_working_hours(at("2025-06-09T20:00:00"), 1) == at("2025-06-10T10:00:00")
    # Friday evening before National Day: next office time is 9 October
    assert CAL.add_working_hours(at("2025-09-30T17:00:00"), 2) == at("2025-10-09T10:30:00")


def test_working_hours_spanning_days():
    # 7 office hours a day: 8 hours from Monday 09:00 is Tuesday 10:00
    assert CAL.add_working_hours(at("2025-06-09T09:00:00"), 8) == at("2025-06-10T10:00:00")


def test_office_hours_are_configurable():
    cal = WorkingCalendar(office_hours=[("08:30", "12:00"), ("14:00", "18:00")])
    assert cal.add_working_hours(at("2025-06-09T08:00:00"), 4) == at("2025-06-09T14:30:00")


def test_office_hours_are_validated():
    with pytest.raises(ValueError):
        parse_office_hours([("12:00", "09:00")])
    with pytest.raises(ValueError):
        parse_office_hours([("09:00", "12:00"), ("11:00", "13:00")])
    with pytest.raises(ValueError):
        parse_office_hours([])


# --- between and deadline -------------------------------------------------------------------


def test_working_days_between():
    assert CAL.working_days_between(d("2025-09-30"), d("2025-10-13")) == 4
    assert CAL.working_days_between(d("2025-10-13"), d("2025-09-30")) == -4
    assert CAL.working_days_between(d("2025-10-01"), d("2025-10-01")) == 0


def test_deadline_units():
    start = at("2025-09-30T15:00:00")
    assert CAL.deadline(start, 48, "hours").value == at("2025-10-02T15:00:00")
    assert CAL.deadline(start, 3, "days").value == at("2025-10-03T15:00:00")
    assert CAL.deadline(start, 1, "working_days").value == at("2025-10-09T15:00:00")
    assert CAL.deadline(start, 2, "working_hours").value == at("2025-09-30T17:00:00")
    # 16:30 on the eve of National Day: one hour that day, the next on 9 October
    assert CAL.deadline(at("2025-09-30T16:30:00"), 2, "working_hours").value == at(
        "2025-10-09T10:00:00"
    )
    with pytest.raises(ValueError):
        CAL.deadline(start, 1, "fortnights")
    with pytest.raises(ValueError):
        CAL.deadline(start, 1.5, "working_days")
    with pytest.raises(ValueError):
        CAL.deadline(start, -1, "hours")


def test_deadline_warns_on_a_fallback_year_only_when_the_calendar_is_used():
    start = dt.datetime(NEW_YEAR, 3, 1, 10, tzinfo=SHANGHAI)
    assert CAL.deadline(start, 10, "hours").warnings == ()
    assert [w.year for w in CAL.deadline(start, 1, "working_days").warnings] == [NEW_YEAR]
    assert [w.year for w in CAL.deadline(start, 2, "working_hours").warnings] == [NEW_YEAR]


# --- properties -------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2026, 10, 31, 23, 59),  # noqa: DTZ001
    timezones=st.just(SHANGHAI),
)


@settings(max_examples=200, deadline=None)
@given(start=starts, n=st.integers(min_value=1, max_value=40))
def test_add_working_days_lands_on_a_working_day_and_agrees_with_the_package(start, n):
    result = CAL.add_working_days(start, n)
    assert CAL.is_working_day(result)
    assert chinese_calendar.is_workday(result.date())
    assert result.time() == start.time()
    # the package as the oracle: exactly n package working days in (start, result]
    day, count = start.date(), 0
    while day < result.date():
        day += dt.timedelta(days=1)
        count += chinese_calendar.is_workday(day)
    assert count == n
    assert CAL.working_days_between(start, result) == n


@settings(max_examples=200, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=40))
def test_add_working_days_is_strictly_monotone(start, n):
    assert CAL.add_working_days(start, n) < CAL.add_working_days(start, n + 1)


@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31)))
def test_is_working_day_agrees_with_the_package(day):
    assert CAL.is_working_day(day) == chinese_calendar.is_workday(day)


@settings(max_examples=100, deadline=None)
@given(
    start=st.datetimes(
        min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001
        max_value=dt.datetime(2040, 12, 31),  # noqa: DTZ001
        timezones=st.just(SHANGHAI),
    ),
    n=st.integers(min_value=1, max_value=30),
)
def test_fallback_years_never_raise_and_weekends_are_skipped(start, n):
    result = CAL.add_working_days_result(start, n)
    assert CAL.is_working_day(result.value)
    assert {w.year for w in result.warnings} == {
        y for y in range(start.year, result.value.year + 1) if y not in PACKAGE.years
    }


@settings(max_examples=200, deadline=None)
@given(start=starts, hours=st.integers(min_value=1, max_value=60))
def test_working_hours_end_inside_office_hours_on_a_working_day(start, hours):
    result = CAL.add_working_hours(start, hours)
    assert CAL.is_working_day(result)
    local = result.astimezone(SHANGHAI).time()
    assert any(o <= local <= c for o, c in CAL.office_hours)
    assert CAL.add_working_hours(start, hours) <= CAL.add_working_hours(start, hours + 1)


# --- parsing pasted lists ---------------------------------------------------------------------


def test_parse_days_accepts_the_documented_forms():
    text = (
        "# 2027\n"
        "2027-01-01 holiday 元旦\n"
        "\n"
        "2027-02-06..2027-02-08 holiday 春节\n"
        "2027/02/14\tworkday\t春节调休\n"
        "2027年5月1日，休，劳动节\n"
        "2027-09-26 班\n"
    )
    result = parse_days(text)
    assert result.errors == []
    assert [(p.date.isoformat(), p.kind, p.name) for p in result.days] == [
        ("2027-01-01", "holiday", "元旦"),
        ("2027-02-06", "holiday", "春节"),
        ("2027-02-07", "holiday", "春节"),
        ("2027-02-08", "holiday", "春节"),
        ("2027-02-14", "workday", "春节调休"),
        ("2027-05-01", "holiday", "劳动节"),
        ("2027-09-26", "workday", ""),
    ]
    assert result.years == [2027]


def test_parse_days_reports_every_bad_line_with_its_number_in_chinese():
    text = (
        "2027-01-01 holiday 元旦\n"
        "2027-02-30 holiday 坏\n"
        "2027-03-01 vacation\n"
        "2027-01-01 workday 重复\n"
        "hello\n"
        "1999-01-01 holiday 太早\n"
        "2027-02-10..2027-02-01 holiday 反了\n"
    )
    result = parse_days(text)
    assert [e.line for e in result.errors] == [2, 3, 4, 5, 6, 7]
    reasons = [e.reason for e in result.errors]
    assert "不是有效日期" in reasons[0]
    assert "vacation" in reasons[1]
    assert "第 1 行" in reasons[2]
    assert "2000" in reasons[4]


def test_parse_days_limits_ranges_and_line_counts():
    assert parse_days("2027-01-01..2027-03-01 holiday 太长").errors
    assert parse_days("2027-01-01 holiday 元旦\n" * 401).errors
