"""Deadlines (SLA): to sign for, to first contact the resident, to resolve.

Rules come from the cached configuration (config.get_config); choosing one and computing the
three deadlines is pure (the working-day calendar is itself cached per process). The most
specific rule wins: a community's own rule over the platform default, then a rule for the
category over one for its deadline class over one for any category. With no rule at all (a
fresh install before `install_defaults`), BUILT_IN applies, so intake never fails for want of a
rule. Defaults and their reasons: docs/appeals.md.

Alarm points: each deadline warns at 70% and 90% of its span (from the cycle start: the
submission, or the last reopen) and escalates when it passes. `alarm_schedule` lists them;
`next_alarm_at` is when the sweep must next look at an appeal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gongzhi.appeals.config import AppealsConfig, CategoryInfo, SlaRuleInfo, Span
from gongzhi.appeals.models import Alarm, SlaClass, Urgency
from gongzhi.appeals.states import OPEN
from gongzhi.core.calendar import CalendarWarning, Unit, deadline

H = Unit.HOURS
WD = Unit.WORKING_DAYS
WH = Unit.WORKING_HOURS


def _span(amount: str, unit: Unit) -> Span:
    return Span(Decimal(amount), unit.value)


# (sla_class, urgency) -> (sign for, first contact, resolve). The resolve column is 12345
# practice: 2 hours for emergencies, 24 hours for water/power/gas/heating, 7 days for general
# and 15 days for complex matters; general and complex count working days (holidays and 调休
# make-up days included). Sign-for and first contact are ours, see docs/appeals.md.
DEFAULT_RULES: dict[tuple[str, str], tuple[Span, Span, Span]] = {
    (SlaClass.EMERGENCY, Urgency.NORMAL): (_span("0.25", H), _span("0.5", H), _span("2", H)),
    (SlaClass.UTILITY, Urgency.NORMAL): (_span("1", H), _span("2", H), _span("24", H)),
    (SlaClass.GENERAL, Urgency.NORMAL): (_span("4", WH), _span("1", WD), _span("7", WD)),
    (SlaClass.COMPLEX, Urgency.NORMAL): (_span("4", WH), _span("1", WD), _span("15", WD)),
    (SlaClass.EMERGENCY, Urgency.URGENT): (_span("0.25", H), _span("0.5", H), _span("2", H)),
    (SlaClass.UTILITY, Urgency.URGENT): (_span("0.5", H), _span("1", H), _span("12", H)),
    (SlaClass.GENERAL, Urgency.URGENT): (_span("1", H), _span("4", H), _span("3", WD)),
    (SlaClass.COMPLEX, Urgency.URGENT): (_span("2", H), _span("1", WD), _span("7", WD)),
}
BUILT_IN = SlaRuleInfo(
    id=0,
    community_id=None,
    category_id=None,
    sla_class="",
    urgency=Urgency.NORMAL,
    sign=_span("4", WH),
    contact=_span("1", WD),
    resolve=_span("7", WD),
)


@dataclass(frozen=True)
class Deadlines:
    sign_by: dt.datetime
    contact_by: dt.datetime
    resolve_by: dt.datetime
    rule_id: int
    warnings: tuple[CalendarWarning, ...] = ()


class SlaTable:
    """The deadline rules, indexed for choosing one in a few dict lookups."""

    def __init__(self, rules: Iterable[SlaRuleInfo]) -> None:
        self._by_key: dict[tuple[int | None, int | None, str, str], SlaRuleInfo] = {}
        for rule in rules:
            key = (rule.community_id, rule.category_id, rule.sla_class, rule.urgency)
            self._by_key[key] = rule

    def rule_for(
        self, *, community_id: int | None, category: CategoryInfo, urgency: str
    ) -> SlaRuleInfo:
        # Most specific first: (community, category, class) bits 4, 2, 1.
        for community in (community_id, None) if community_id is not None else (None,):
            for cat_id, sla_class in ((category.id, ""), (None, category.sla_class), (None, "")):
                rule = self._by_key.get((community, cat_id, sla_class, urgency))
                if rule is not None:
                    return rule
        if urgency != Urgency.NORMAL:
            return self.rule_for(
                community_id=community_id, category=category, urgency=Urgency.NORMAL
            )
        return BUILT_IN


_last: tuple[AppealsConfig | None, SlaTable] = (None, SlaTable(()))


def table_for(config: AppealsConfig) -> SlaTable:
    """One SlaTable per configuration snapshot (rebuilt when the snapshot changes)."""
    global _last
    cached_config, table = _last
    if cached_config is not config:
        table = SlaTable(config.sla_rules)
        _last = (config, table)
    return table


def compute(
    config: AppealsConfig,
    *,
    start: dt.datetime,
    community_id: int | None,
    category: CategoryInfo,
    urgency: str,
) -> Deadlines:
    rule = table_for(config).rule_for(community_id=community_id, category=category, urgency=urgency)
    return deadlines_from(rule, start)


def deadlines_from(rule: SlaRuleInfo, start: dt.datetime) -> Deadlines:
    sign = deadline(start, rule.sign.amount, rule.sign.unit)
    contact = deadline(start, rule.contact.amount, rule.contact.unit)
    resolve = deadline(start, rule.resolve.amount, rule.resolve.unit)
    warnings: list[CalendarWarning] = []
    for w in (*sign.warnings, *contact.warnings, *resolve.warnings):
        if w not in warnings:
            warnings.append(w)
    # A first contact can't be due after the resolution, nor the sign-for after either.
    resolve_by = resolve.value
    contact_by = min(contact.value, resolve_by)
    sign_by = min(sign.value, contact_by)
    return Deadlines(sign_by, contact_by, resolve_by, rule.id, tuple(warnings))


# --- alarms -----------------------------------------------------------------------------------

DEADLINES = ("sign", "contact", "resolve")
ALARM_BITS: dict[str, tuple[int, int, int]] = {
    "sign": (Alarm.SIGN_70, Alarm.SIGN_90, Alarm.SIGN_BREACH),
    "contact": (Alarm.CONTACT_70, Alarm.CONTACT_90, Alarm.CONTACT_BREACH),
    "resolve": (Alarm.RESOLVE_70, Alarm.RESOLVE_90, Alarm.RESOLVE_BREACH),
}
BREACH_BITS = Alarm.SIGN_BREACH | Alarm.CONTACT_BREACH | Alarm.RESOLVE_BREACH


@dataclass(frozen=True)
class AlarmPoint:
    bit: int
    deadline: str  # "sign", "contact" or "resolve"
    percent: int  # 70, 90 or 100 (breach)
    at: dt.datetime
    due: dt.datetime

    @property
    def is_breach(self) -> bool:
        return self.percent >= 100


@dataclass(frozen=True)
class Progress:
    """What the sweep needs of an appeal (a few columns, no model instance)."""

    state: str
    cycle_started_at: dt.datetime
    sign_by: dt.datetime
    contact_by: dt.datetime
    resolve_by: dt.datetime
    signed_at: dt.datetime | None
    first_contact_at: dt.datetime | None
    replied_at: dt.datetime | None
    alarms: int

    @classmethod
    def of(cls, appeal: Any) -> Progress:
        """The progress of anything with an appeal's columns (an Appeal, saved or not)."""
        return cls(
            state=appeal.state,
            cycle_started_at=appeal.cycle_started_at,
            sign_by=appeal.sign_by,
            contact_by=appeal.contact_by,
            resolve_by=appeal.resolve_by,
            signed_at=appeal.signed_at,
            first_contact_at=appeal.first_contact_at,
            replied_at=appeal.replied_at,
            alarms=appeal.alarms,
        )


def pending(p: Progress) -> dict[str, dt.datetime]:
    """The deadlines not yet met, by name (nothing once the appeal is no longer open)."""
    if p.state not in OPEN:
        return {}
    out: dict[str, dt.datetime] = {}
    if p.signed_at is None:
        out["sign"] = p.sign_by
    if p.first_contact_at is None:
        out["contact"] = p.contact_by
    if p.replied_at is None:
        out["resolve"] = p.resolve_by
    return out


def due_at(p: Progress) -> dt.datetime | None:
    """The nearest pending deadline: what the inbox sorts by."""
    due = pending(p)
    return min(due.values()) if due else None


def alarm_schedule(p: Progress) -> list[AlarmPoint]:
    """Every alarm point of the pending deadlines not fired yet, earliest first."""
    points = []
    for name, due in pending(p).items():
        span = due - p.cycle_started_at
        for bit, percent in zip(ALARM_BITS[name], (70, 90, 100), strict=True):
            if p.alarms & bit:
                continue
            at = due if percent == 100 else p.cycle_started_at + span * percent / 100
            points.append(AlarmPoint(bit, name, percent, at, due))
    points.sort(key=lambda a: (a.at, a.bit))
    return points


def alarms_due(p: Progress, now: dt.datetime) -> list[AlarmPoint]:
    """The alarm points reached by `now` and not fired. When several points of one deadline
    are due at once (the sweep was away), only the most advanced one fires; the lesser bits
    are set with it so that they never fire late."""
    by_deadline: dict[str, AlarmPoint] = {}
    for point in alarm_schedule(p):
        if point.at <= now:
            current = by_deadline.get(point.deadline)
            if current is None or point.percent > current.percent:
                by_deadline[point.deadline] = point
    return sorted(by_deadline.values(), key=lambda a: (a.at, a.bit))


def lesser_bits(point: AlarmPoint) -> int:
    """The bits of `point` and of the earlier points of the same deadline."""
    bits = 0
    for bit, percent in zip(ALARM_BITS[point.deadline], (70, 90, 100), strict=True):
        if percent <= point.percent:
            bits |= bit
    return bits


def next_alarm_at(p: Progress) -> dt.datetime | None:
    schedule = alarm_schedule(p)
    return schedule[0].at if schedule else None
