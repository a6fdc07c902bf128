"""The Chinese working-day calendar: statutory holidays, 调休 make-up working days, office hours.

Three sources, in order of precedence:

1. staff overrides (``CalendarDay`` rows): they always win;
2. the ``chinese_calendar`` package (pip ``chinesecalendar``) for the years it knows;
3. weekends only (Monday to Friday are working days) for any year with neither. Such a year is
   a *fallback* year, and every computation that touches one says so with a `CalendarWarning`
   (and a log line) instead of failing.

`WorkingCalendar` is pure: built from an override mapping, it needs no database and can be
tested on its own. `get_calendar()` is the loader: it reads the overrides from the database and
caches the calendar per process, re-checking a cheap version stamp (see `_read_version`) so
that a change made by another process is picked up within ``GONGZHI_CALENDAR_CHECK_SECONDS``.

Datetimes in and out are aware; working days are counted on Asia/Shanghai local dates.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import itertools
import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Years the calendar accepts anywhere (pages, imports, computations stay far inside them).
MIN_YEAR = 2000
MAX_YEAR = 2100
# A computation may add at most this many working days (about ten years): a bigger number is
# a bug in the caller, not a deadline.
MAX_WORKING_DAYS = 2500
MAX_WORKING_HOURS = MAX_WORKING_DAYS * 8
# No real holiday is longer than this many consecutive days off; past it the data is broken
# (e.g. a whole year entered as holidays) and the scan stops with a warning instead of looping.
MAX_DAYS_OFF_IN_A_ROW = 60

DEFAULT_OFFICE_HOURS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(9, 0), dt.time(12, 0)),
    (dt.time(13, 30), dt.time(17, 30)),
)

# The package names its holidays in English; the calendar shows the Chinese names.
PACKAGE_HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
MAKE_UP_SUFFIX = "调休"


class DayKind(enum.StrEnum):
    """What an override (or the package) says about a date."""

    HOLIDAY = "holiday"  # a day off, even on a weekday
    WORKDAY = "workday"  # a working day, even on a weekend (调休 make-up day)


class YearStatus(enum.StrEnum):
    PACKAGE = "package"  # the chinese_calendar package knows the year (overrides still win)
    CUSTOM = "custom"  # staff entered the year's holidays and make-up days
    FALLBACK = "fallback"  # nobody did: weekends only, with a warning


class Unit(enum.StrEnum):
    HOURS = "hours"  # calendar hours
    DAYS = "days"  # calendar days
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"


UNIT_LABELS: dict[Unit, Promise] = {
    Unit.HOURS: _("hours"),
    Unit.DAYS: _("calendar days"),
    Unit.WORKING_DAYS: _("working days"),
    Unit.WORKING_HOURS: _("working hours"),
}


@dataclass(frozen=True)
class Override:
    kind: DayKind
    name: str = ""


@dataclass(frozen=True)
class CalendarWarning:
    """A computation touched a year without holiday data: it counted weekends only."""

    year: int
    code: str = "fallback_year"

    @property
    def message(self) -> str:
        if self.code == "broken_data":
            return str(
                _(
                    "The calendar for %(year)s has more than %(days)s days off in a row; "
                    "check the entered holidays."
                )
                % {"year": self.year, "days": MAX_DAYS_OFF_IN_A_ROW}
            )
        return str(
            _("Holiday data for %(year)s has not been entered; working days follow weekends only.")
            % {"year": self.year}
        )

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Deadline:
    """A computed deadline and what the calendar had to guess on the way."""

    value: dt.datetime
    warnings: tuple[CalendarWarning, ...] = ()


@dataclass(frozen=True)
class DayInfo:
    """One date as the calendar page shows it."""

    date: dt.date
    working: bool
    kind: str  # "holiday", "workday" (make-up), "weekend" or "normal"
    name: str
    source: str  # "custom", "package" or "" (plain weekday/weekend rule)

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


# --- the package ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageData:
    """What the chinese_calendar package knows: its years and its non-default days."""

    years: frozenset[int]
    days: Mapping[dt.date, Override]

    @classmethod
    def empty(cls) -> PackageData:
        return cls(years=frozenset(), days={})

    def up_to(self, last_year: int) -> PackageData:
        """The same data cut after `last_year` (tests use it to play a newer year)."""
        return PackageData(
            years=frozenset(y for y in self.years if y <= last_year),
            days={d: o for d, o in self.days.items() if d.year <= last_year},
        )


def _package_knows(module: Any, year: int) -> bool:
    try:
        module.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@functools.cache
def load_package_data() -> PackageData:
    """Read the package once per process. A missing or broken package means no years."""
    try:
        import chinese_calendar
        from chinese_calendar.constants import holidays, workdays
    except ImportError:  # pragma: no cover - the package is a dependency
        logger.error("chinese_calendar is not installed: every year falls back to weekends")
        return PackageData.empty()
    years = frozenset(
        y for y in range(MIN_YEAR, MAX_YEAR + 1) if _package_knows(chinese_calendar, y)
    )
    days: dict[dt.date, Override] = {}
    for day, name in holidays.items():
        if day.year in years:
            days[day] = Override(DayKind.HOLIDAY, PACKAGE_HOLIDAY_NAMES.get(name, str(name)))
    for day, name in workdays.items():
        if day.year in years:
            cn = PACKAGE_HOLIDAY_NAMES.get(name, str(name))
            days[day] = Override(DayKind.WORKDAY, f"{cn}{MAKE_UP_SUFFIX}")
    return PackageData(years=years, days=days)


# --- office hours -----------------------------------------------------------------------------


def parse_office_hours(value: Any) -> tuple[tuple[dt.time, dt.time], ...]:
    """("09:00", "12:00") pairs (strings or times) → sorted, non-overlapping intervals.

    Raises ValueError on anything else; the loader logs it and keeps the default.
    """
    out: list[tuple[dt.time, dt.time]] = []
    for pair in value:
        start, end = (p if isinstance(p, dt.time) else dt.time.fromisoformat(str(p)) for p in pair)
        if not start < end:
            raise ValueError(f"office hours {start}-{end}: the start must be before the end")
        out.append((start, end))
    out.sort()
    if not out:
        raise ValueError("office hours: give at least one interval")
    for (_s1, e1), (s2, _e2) in itertools.pairwise(out):
        if s2 < e1:
            raise ValueError("office hours: intervals overlap")
    return tuple(out)


# --- the calendar -----------------------------------------------------------------------------


def _local_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: the working calendar takes aware datetimes")
        return value.astimezone(SHANGHAI).date()
    return value


def _require_aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: the working calendar takes aware datetimes")
    return value


def _at(day: dt.date, clock: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=SHANGHAI)


class WorkingCalendar:
    """Which dates are working days, and deadlines counted in them. Pure; never raises for a
    year without data (it counts weekends only and reports a `CalendarWarning`)."""

    def __init__(
        self,
        overrides: Mapping[dt.date, Override] | None = None,
        *,
        package: PackageData | None = None,
        office_hours: Sequence[tuple[dt.time, dt.time]] = DEFAULT_OFFICE_HOURS,
        version: Any = None,
    ) -> None:
        self.package = load_package_data() if package is None else package
        self.overrides: dict[dt.date, Override] = dict(overrides or {})
        self.office_hours = parse_office_hours(office_hours)
        self.version = version
        self.custom_years = frozenset(d.year for d in self.overrides)
        # Every date that is not what its weekday says, merged once: the hot path is a dict get.
        self._working: dict[dt.date, bool] = {
            day: o.kind == DayKind.WORKDAY for day, o in self.package.days.items()
        }
        self._working.update((day, o.kind == DayKind.WORKDAY) for day, o in self.overrides.items())
        self._logged: set[tuple[int, str]] = set()
        self._log_lock = threading.Lock()

    # -- single days ---------------------------------------------------------------------------

    def year_status(self, year: int) -> YearStatus:
        if year in self.package.years:
            return YearStatus.PACKAGE
        if year in self.custom_years:
            return YearStatus.CUSTOM
        return YearStatus.FALLBACK

    def is_working_day(self, day: dt.date | dt.datetime) -> bool:
        return self._is_working_date(_local_date(day))

    def _is_working_date(self, date: dt.date) -> bool:
        working = self._working.get(date)
        return date.weekday() < 5 if working is None else working

    def day_info(self, day: dt.date) -> DayInfo:
        weekend = day.weekday() >= 5
        override = self.overrides.get(day)
        source = "custom"
        if override is None:
            override = self.package.days.get(day)
            source = "package"
        if override is None:
            return DayInfo(day, not weekend, "weekend" if weekend else "normal", "", "")
        return DayInfo(
            day, override.kind == DayKind.WORKDAY, str(override.kind), override.name, source
        )

    def year_counts(self, year: int) -> dict[str, int]:
        """Days off and working days in a year, and how many of them are special."""
        days = [self.day_info(d) for d in _days_of_year(year)]
        return {
            "working": sum(1 for d in days if d.working),
            "off": sum(1 for d in days if not d.working),
            "holidays": sum(1 for d in days if d.kind == DayKind.HOLIDAY),
            "make_up": sum(1 for d in days if d.kind == DayKind.WORKDAY and d.is_weekend),
            "custom": sum(1 for d in days if d.source == "custom"),
        }

    # -- warnings ------------------------------------------------------------------------------

    def warnings_for(
        self, start: dt.date | dt.datetime, end: dt.date | dt.datetime
    ) -> tuple[CalendarWarning, ...]:
        """One warning per fallback year between the two (in either order, inclusive)."""
        a, b = sorted((_local_date(start), _local_date(end)))
        return tuple(
            CalendarWarning(year)
            for year in range(a.year, b.year + 1)
            if self.year_status(year) == YearStatus.FALLBACK
        )

    def _log(self, warnings: Iterable[CalendarWarning]) -> None:
        """Log each warning once per calendar (i.e. per data version and process)."""
        for warning in warnings:
            key = (warning.year, warning.code)
            with self._log_lock:
                if key in self._logged:
                    continue
                self._logged.add(key)
            logger.warning("working calendar: %s (code %s)", warning.year, warning.code)

    # -- counting ------------------------------------------------------------------------------

    def _walk(self, start: dt.date, step: int, broken: set[int]) -> Iterator[dt.date]:
        """Working days after `start` (exclusive) in direction `step`.

        On broken data (more than MAX_DAYS_OFF_IN_A_ROW days off in a row) a day off counts as
        working and its year goes into `broken`, rather than scanning for ever.
        """
        day = start
        delta = dt.timedelta(days=step)
        is_working = self._is_working_date
        off_in_a_row = 0
        while True:
            try:
                day += delta
            except OverflowError:
                raise ValueError("date out of range") from None
            if is_working(day):
                off_in_a_row = 0
                yield day
            else:
                off_in_a_row += 1
                if off_in_a_row > MAX_DAYS_OFF_IN_A_ROW:
                    broken.add(day.year)
                    off_in_a_row = 0
                    yield day

    def add_working_days_result(self, start: dt.datetime, n: int) -> Deadline:
        """The n-th working day after `start`'s local date, at the same local time of day.

        n = 0 returns `start`; a negative n counts backwards. |n| ≤ MAX_WORKING_DAYS.
        """
        _require_aware(start)
        if isinstance(n, bool) or not isinstance(n, int):
            raise ValueError("n must be an integer number of working days")
        if abs(n) > MAX_WORKING_DAYS:
            raise ValueError(f"at most {MAX_WORKING_DAYS} working days")
        if n == 0:
            return Deadline(start, self.warnings_for(start, start))
        local = start.astimezone(SHANGHAI)
        broken: set[int] = set()
        day = local.date()
        walker = self._walk(day, 1 if n > 0 else -1, broken)
        for _i in range(abs(n)):
            day = next(walker)
        value = dt.datetime.combine(day, local.timetz())
        return self._result(value.astimezone(start.tzinfo), start, value, broken)

    def add_working_days(self, start: dt.datetime, n: int) -> dt.datetime:
        return self.add_working_days_result(start, n).value

    def _result(
        self, value: dt.datetime, start: dt.datetime, end: dt.datetime, broken: set[int]
    ) -> Deadline:
        warnings = list(self.warnings_for(start, end))
        warnings.extend(CalendarWarning(y, "broken_data") for y in sorted(broken))
        self._log(warnings)
        return Deadline(value, tuple(warnings))

    def add_working_hours_result(
        self, start: dt.datetime, hours: float | int | Decimal | dt.timedelta
    ) -> Deadline:
        """`hours` of office time after `start`: only office hours on working days count.

        Starting outside office hours, the clock starts at the next office interval. A deadline
        that falls exactly at the end of an interval stays there (e.g. 12:00, not 13:30).
        """
        _require_aware(start)
        remaining = hours if isinstance(hours, dt.timedelta) else _hours(hours)
        if remaining < dt.timedelta(0):
            raise ValueError("working hours must not be negative")
        if remaining > dt.timedelta(hours=MAX_WORKING_HOURS):
            raise ValueError(f"at most {MAX_WORKING_HOURS} working hours")
        if not remaining:
            return Deadline(start, self.warnings_for(start, start))
        local = start.astimezone(SHANGHAI)
        broken: set[int] = set()
        day = local.date()
        cursor = local
        days = self._walk(day, 1, broken)
        if not self.is_working_day(day):
            day = next(days)
            cursor = _at(day, dt.time(0))
        while True:
            for open_at, close_at in self.office_hours:
                begin = max(cursor, _at(day, open_at))
                end = _at(day, close_at)
                if begin >= end:
                    continue
                if remaining <= end - begin:
                    value = begin + remaining
                    return self._result(value.astimezone(start.tzinfo), start, value, broken)
                remaining -= end - begin
            day = next(days)
            cursor = _at(day, dt.time(0))

    def add_working_hours(
        self, start: dt.datetime, hours: float | int | Decimal | dt.timedelta
    ) -> dt.datetime:
        return self.add_working_hours_result(start, hours).value

    def working_days_between(self, a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
        """Working days d with a < d ≤ b (local dates); negative when b is before a.

        The inverse of add_working_days: working_days_between(s, add_working_days(s, n)) == n.
        """
        start, end = _local_date(a), _local_date(b)
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        if (end - start).days > (MAX_YEAR - MIN_YEAR + 1) * 366:
            raise ValueError("range too long")
        count = 0
        day = start + dt.timedelta(days=1)
        while day <= end:
            if self._is_working_date(day):
                count += 1
            day += dt.timedelta(days=1)
        self._log(self.warnings_for(start, end))
        return sign * count

    def deadline(
        self, start: dt.datetime, amount: int | float | Decimal, unit: str | Unit
    ) -> Deadline:
        """`start` plus `amount` `unit`s, with the warnings of any fallback year touched.

        unit: "hours" and "days" are calendar time; "working_days" and "working_hours" use the
        calendar. Raises ValueError only for a programming error (unknown unit, naive datetime,
        negative or absurd amount), never for missing holiday data.
        """
        _require_aware(start)
        try:
            unit = Unit(unit)
        except ValueError:
            raise ValueError(f"unknown deadline unit {unit!r}") from None
        if amount < 0:
            raise ValueError("a deadline amount must not be negative")
        if unit == Unit.HOURS:
            return Deadline(start + _hours(amount))
        if unit == Unit.DAYS:
            if amount > MAX_WORKING_DAYS * 2:
                raise ValueError("too many days")
            local = start.astimezone(SHANGHAI)
            value = local + dt.timedelta(days=float(amount))
            return Deadline(value.astimezone(start.tzinfo))
        if unit == Unit.WORKING_DAYS:
            if amount != int(amount):
                raise ValueError("working days must be a whole number")
            return self.add_working_days_result(start, int(amount))
        return self.add_working_hours_result(start, amount)


def _hours(amount: float | int | Decimal) -> dt.timedelta:
    if amount > MAX_WORKING_HOURS * 3:
        raise ValueError("too many hours")
    return dt.timedelta(hours=float(amount))


def _days_of_year(year: int) -> Iterator[dt.date]:
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


# --- parsing pasted lists ---------------------------------------------------------------------

_KIND_WORDS: dict[str, DayKind] = {
    "holiday": DayKind.HOLIDAY,
    "off": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "假日": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "work": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "补班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "工作日": DayKind.WORKDAY,
}
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_RANGE_SPLIT = re.compile(r"(?:\.\.|~|～|至)")
MAX_IMPORT_LINES = 400
MAX_RANGE_DAYS = 31
MAX_NAME_LENGTH = 50


@dataclass(frozen=True)
class ParsedDay:
    date: dt.date
    kind: DayKind
    name: str
    line: int


@dataclass(frozen=True)
class LineError:
    line: int
    text: str
    reason: str


@dataclass
class ParseResult:
    days: list[ParsedDay] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({d.date.year for d in self.days})


def _parse_date(text: str) -> dt.date | None:
    match = _DATE_RE.match(text.strip())
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_days(text: str) -> ParseResult:
    """Lines like "2027-01-01 holiday 元旦", "2027-02-07 workday 春节调休" or a range
    "2027-02-10..2027-02-16 holiday 春节". Blank lines and lines starting with # are skipped.
    Fields are separated by spaces, tabs (pasted from a spreadsheet) or commas. Kinds:
    holiday/休/放假 and workday/班/上班/补班. Every problem is reported with its line number.
    """
    result = ParseResult()
    seen: dict[dt.date, int] = {}
    lines = text.splitlines()
    if len(lines) > MAX_IMPORT_LINES:
        result.errors.append(
            LineError(
                MAX_IMPORT_LINES + 1,
                "",
                str(_("Too many lines: paste at most %(n)s at a time.") % {"n": MAX_IMPORT_LINES}),
            )
        )
        return result
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().replace("\u3000", " ")
        if not line or line.startswith("#"):
            continue

        def fail(reason: Promise | str, number: int = number, raw: str = raw) -> None:
            result.errors.append(LineError(number, raw.strip()[:120], str(reason)))

        parts = [p for p in re.split(r"[\s,，;；]+", line, maxsplit=2) if p]
        if len(parts) < 2:
            fail(_("Write a date and a kind (holiday or workday), e.g. 2027-01-01 holiday 元旦."))
            continue
        date_text, kind_text = parts[0], parts[1]
        name = parts[2].strip() if len(parts) > 2 else ""
        bounds = _RANGE_SPLIT.split(date_text)
        if len(bounds) > 2:
            fail(_("“%(text)s” is not a date or a date range.") % {"text": date_text})
            continue
        first = _parse_date(bounds[0])
        last = _parse_date(bounds[-1])
        if first is None or last is None:
            fail(_("“%(text)s” is not a valid date; write it as YYYY-MM-DD.") % {"text": date_text})
            continue
        if last < first:
            fail(_("The range ends before it starts."))
            continue
        if (last - first).days >= MAX_RANGE_DAYS:
            fail(_("A range may span at most %(n)s days.") % {"n": MAX_RANGE_DAYS})
            continue
        if not (MIN_YEAR <= first.year <= MAX_YEAR and MIN_YEAR <= last.year <= MAX_YEAR):
            fail(
                _("The year must be between %(min)s and %(max)s.")
                % {"min": MIN_YEAR, "max": MAX_YEAR}
            )
            continue
        kind = _KIND_WORDS.get(kind_text.lower())
        if kind is None:
            fail(
                _("“%(text)s” is not a kind: write holiday (休) or workday (班).")
                % {"text": kind_text}
            )
            continue
        if len(name) > MAX_NAME_LENGTH:
            fail(_("The name is too long (at most %(n)s characters).") % {"n": MAX_NAME_LENGTH})
            continue
        day = first
        while day <= last:
            if day in seen:
                fail(
                    _("%(date)s is already given on line %(line)s.")
                    % {"date": day.isoformat(), "line": seen[day]}
                )
                break
            seen[day] = number
            result.days.append(ParsedDay(day, kind, name, number))
            day += dt.timedelta(days=1)
    return result


# --- the loader (the only part that touches the database) ---------------------------------------


@dataclass
class _CacheState:
    calendar: WorkingCalendar | None = None
    version: Any = None
    next_check: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _CacheState()


def invalidate_calendar_cache() -> None:
    """Make the next `get_calendar()` re-read the version stamp. Services call it on write
    (at once and again on commit); other processes notice through the version stamp."""
    _state.next_check = 0.0


def _check_seconds() -> float:
    from django.conf import settings

    default = 0.0 if getattr(settings, "TESTING", False) else 2.0
    return float(getattr(settings, "GONGZHI_CALENDAR_CHECK_SECONDS", default))


def _office_hours_setting() -> tuple[tuple[dt.time, dt.time], ...]:
    from django.conf import settings

    value = getattr(settings, "GONGZHI_OFFICE_HOURS", None)
    if value is None:
        return DEFAULT_OFFICE_HOURS
    try:
        return parse_office_hours(value)
    except (TypeError, ValueError) as exc:
        logger.error("GONGZHI_OFFICE_HOURS is invalid (%s); using 09:00-12:00, 13:30-17:30", exc)
        return DEFAULT_OFFICE_HOURS


def _read_version() -> tuple[Any, ...]:
    """A stamp that changes whenever a calendar day is written: the newest calendar audit
    event, the number of rows and the newest change. One indexed query each; no new table."""
    from django.db.models import Count, Max

    from gongzhi.core.models import AuditEvent, CalendarDay

    rows = CalendarDay.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    audit = AuditEvent.objects.filter(action__in=CALENDAR_AUDIT_ACTIONS).aggregate(v=Max("id"))
    return (rows["n"], rows["last"], rows["top"], audit["v"])


CALENDAR_AUDIT_ACTIONS = (
    "calendar_day.create",
    "calendar_day.update",
    "calendar_day.delete",
    "calendar_day.import",
)


def _load_overrides() -> dict[dt.date, Override]:
    from gongzhi.core.models import CalendarDay

    return {
        day: Override(DayKind(kind), name)
        for day, kind, name in CalendarDay.objects.values_list("date", "kind", "name")
    }


def get_calendar() -> WorkingCalendar:
    """The working calendar with the staff overrides, cached per process and per version."""
    state = _state
    now = time.monotonic()
    calendar = state.calendar
    if calendar is not None and now < state.next_check:
        return calendar
    version = _read_version()  # before the rows: a write in between only causes a reload
    if calendar is None or version != state.version:
        calendar = WorkingCalendar(
            _load_overrides(), office_hours=_office_hours_setting(), version=version
        )
    with state.lock:
        state.calendar = calendar
        state.version = version
        state.next_check = now + _check_seconds()
    return calendar


def deadline(start: dt.datetime, amount: int | float | Decimal, unit: str | Unit) -> Deadline:
    """`get_calendar().deadline(...)`: what SLA rules call."""
    return get_calendar().deadline(start, amount, unit)
