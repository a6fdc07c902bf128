"""The demo's two years of appeal history (appeals/demo_history.py, a step of the demo loader)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from itertools import pairwise
from typing import Any

import pytest
from django.db import transaction

from gongzhi.appeals import config, rates
from gongzhi.appeals.demo_history import (
    AUDIT_ACTION,
    REFERENCE,
    START,
    demo_reference,
    report_appeal_history,
)
from gongzhi.appeals.models import (
    Alarm,
    Appeal,
    AppealEvent,
    Category,
    EventKind,
    Rating,
    RatingValue,
    ResponsibilityRule,
    SlaRule,
)
from gongzhi.appeals.states import OPEN, State
from gongzhi.core.models import AuditEvent
from gongzhi.org.demo import load_demo

pytestmark = pytest.mark.django_db

SCALE = 0.05


def _signature() -> list[tuple[Any, ...]]:
    return list(
        Appeal.objects.order_by("number").values_list(
            "number",
            "category__code",
            "channel",
            "state",
            "title",
            "text",
            "created_at",
            "replied_at",
            "rating",
            "supporters_count",
        )
    )


def _history_audit() -> dict[str, Any]:
    event = AuditEvent.objects.get(action=AUDIT_ACTION)
    assert isinstance(event.after, dict)
    return event.after


def test_same_seed_gives_the_same_history_and_another_seed_another():
    # given: the demo loaded with a seed, then rolled back
    signatures = []
    for seed in (7, 7, 8):
        with transaction.atomic():
            load_demo(seed=seed, scale=SCALE)
            signatures.append(_signature())
            transaction.set_rollback(True)
        config.reset_config()
    # then: the same seed writes the same appeals, another seed others
    assert signatures[0] == signatures[1]
    assert len(signatures[0]) > 500
    assert signatures[0] != signatures[2]


def test_second_run_adds_nothing_and_reports_the_same_line():
    first = load_demo(scale=SCALE)
    counts = (Appeal.objects.count(), AppealEvent.objects.count(), Rating.objects.count())
    rules = (Category.objects.count(), SlaRule.objects.count(), ResponsibilityRule.objects.count())
    # when: loaded again
    second = load_demo(scale=SCALE)
    # then: nothing new, one audit event for the whole history, the same summary line
    assert (Appeal.objects.count(), AppealEvent.objects.count(), Rating.objects.count()) == counts
    assert (
        Category.objects.count(),
        SlaRule.objects.count(),
        ResponsibilityRule.objects.count(),
    ) == rules
    assert AuditEvent.objects.filter(action=AUDIT_ACTION).count() == 1
    assert AuditEvent.objects.filter(action="appeal.submit").count() == 0
    assert first.notes == second.notes
    line = next(n for n in second.notes if n.startswith("诉求 Appeals:"))
    assert f"{counts[0]} in two years" in line and "satisfaction" in line
    assert _history_audit()["appeals"] == counts[0]


def test_categories_rules_and_responsibility_lists_are_installed_for_both_communities():
    result = load_demo(scale=SCALE)
    communities = {result.street.children.get(kind=k).pk for k in ("community", "village")}
    assert Category.objects.filter(parent__isnull=False).count() >= 25
    assert SlaRule.objects.filter(community__isnull=True).exists()
    have = set(ResponsibilityRule.objects.values_list("community_id", flat=True))
    assert communities <= have
    # and: every appeal lies in one of them, in a category leaf
    assert not Appeal.objects.exclude(community_id__in=communities).exists()
    assert not Appeal.objects.filter(category__parent__isnull=True).exists()


def test_states_deadlines_ratings_and_timelines_are_consistent():
    load_demo(scale=SCALE)
    appeals = list(Appeal.objects.all())
    events: dict[int, list[AppealEvent]] = defaultdict(list)
    for e in AppealEvent.objects.order_by("created_at", "id"):
        events[e.appeal_id].append(e)
    states = Counter(a.state for a in appeals)
    # then: every life cycle is represented
    for state in (State.CLOSED, State.REPLIED, State.IN_PROGRESS, State.REJECTED, State.MERGED):
        assert states[state] > 0, state
    assert states[State.CLOSED] / len(appeals) > 0.8
    for a in appeals:
        timeline = events[a.pk]
        assert START <= a.created_at < REFERENCE
        assert timeline[0].kind == EventKind.SUBMITTED
        assert all(e.created_at <= REFERENCE for e in timeline)
        assert [e.created_at for e in timeline] == sorted(e.created_at for e in timeline)
        moves = [e for e in timeline if e.to_state]
        assert moves[-1].to_state == a.state, a.number
        for before, after in pairwise(moves):
            assert after.from_state == before.to_state, a.number
        if a.state in OPEN:
            assert a.due_at is not None
            # the sweep looks at it again unless every alarm has fired (overdue, escalated)
            assert a.next_check_at is not None or a.alarms & Alarm.RESOLVE_BREACH, a.number
            assert a.closed_at is None
        else:
            assert a.due_at is None and a.next_check_at is None
        if a.state == State.CLOSED:
            kinds = {e.kind for e in timeline}
            assert (a.rating and EventKind.CONFIRMED in kinds) or (
                not a.rating and EventKind.AUTO_CLOSED in kinds
            ), a.number
            assert a.closed_at is not None and a.replied_at is not None
            assert a.signed_at is not None and a.first_contact_at is not None
            assert a.signed_at <= a.first_contact_at <= a.replied_at <= a.closed_at
        if a.reopened_count:
            assert any(e.kind == EventKind.REOPENED for e in timeline)
            assert a.reopened_count == 1
        if a.state == State.MERGED:
            assert a.merged_into_id is not None
    # and: a survivor counts the residents merged into it
    merged = Counter(a.merged_into_id for a in appeals if a.merged_into_id)
    by_id = {a.pk: a for a in appeals}
    for survivor, n in merged.items():
        assert by_id[survivor].supporters_count == 1 + n
    # and: dissatisfied first ratings reopened the appeal once
    reopened = [a for a in appeals if a.reopened_count]
    assert reopened
    assert all(
        Rating.objects.filter(appeal=a, rating=RatingValue.DISSATISFIED).exists() for a in reopened
    )


def test_most_deadlines_are_met_a_minority_late_and_some_open_ones_overdue_and_escalated():
    load_demo(scale=SCALE)
    closed = Appeal.objects.filter(state=State.CLOSED)
    late = sum(1 for a in closed if a.replied_at and a.replied_at > a.resolve_by)
    assert 0.02 < late / closed.count() < 0.3
    overdue = Appeal.objects.filter(due_at__lt=REFERENCE)
    assert overdue.exists()
    assert Appeal.objects.filter(escalation_level__gt=0, due_at__isnull=False).exists()
    escalated = Appeal.objects.filter(escalation_level__gt=0)
    for a in escalated:
        assert a.events.filter(kind=EventKind.ESCALATED).exists()


def test_channels_are_mixed_and_the_elderly_come_through_staff():
    load_demo(scale=SCALE)
    channels = Counter(Appeal.objects.values_list("channel", flat=True))
    assert {"web", "desk", "visit", "api", "phone"} <= set(channels)
    proxy = Appeal.objects.filter(by_proxy=True)
    assert proxy.exists()
    assert not proxy.filter(channel__in=["web", "api"]).exists()
    old = Appeal.objects.filter(resident__birth_year__lte=REFERENCE.year - 75)
    assert old.exists()
    assert old.filter(by_proxy=True).count() / old.count() > 0.9


def test_the_outbreak_grid_has_a_spike_in_its_week():
    load_demo(scale=SCALE)
    outbreak = next(o for o in _history_audit()["outbreaks"] if o["key"] == "water")
    start = dt.datetime.fromisoformat(outbreak["start"]).replace(tzinfo=REFERENCE.tzinfo)
    weeks: Counter[int] = Counter()
    for created in Appeal.objects.filter(
        grid_id=outbreak["grid"], category__code=outbreak["category"]
    ).values_list("created_at", flat=True):
        weeks[(created - start).days // 7] += 1
    spike = weeks.pop(0)
    assert spike >= 3
    assert spike > max(weeks.values(), default=0)
    # and: some of its near-duplicates were merged
    assert Appeal.objects.filter(
        grid_id=outbreak["grid"], state=State.MERGED, created_at__gte=start
    ).exists()


def test_volume_is_seasonal_with_a_spring_festival_dip():
    load_demo(scale=0.1)

    def count(codes: tuple[str, ...], months: tuple[int, ...]) -> int:
        return Appeal.objects.filter(category__code__in=codes, created_at__month__in=months).count()

    # then: pests and smells peak in summer, heating in winter
    environment = ("sanitation.pests", "sanitation.pollution")
    assert count(environment, (6, 7, 8)) > 1.6 * count(environment, (3, 4, 10))
    assert count(("utilities.heating",), (12, 1)) > 5 * count(("utilities.heating",), (6, 7))
    # and: the week after the Spring Festival 2026 is quieter than the weeks around it
    festival = dt.datetime(2026, 2, 17, tzinfo=REFERENCE.tzinfo)

    def week(start: dt.datetime) -> int:
        return Appeal.objects.filter(
            created_at__gte=start, created_at__lt=start + dt.timedelta(days=7)
        ).count()

    assert week(festival) * 1.5 < week(festival + dt.timedelta(days=21))


def test_rates_are_in_plausible_ranges():
    load_demo(scale=SCALE)
    r = rates.rates(Appeal.objects.all(), start=START, end=REFERENCE, now=REFERENCE)
    assert r.satisfaction is not None and 0.7 <= r.satisfaction <= 0.98
    assert r.response is not None and 0.8 <= r.response <= 0.99
    assert r.resolution is not None and 0.75 <= r.resolution <= 0.99
    assert r.rated > 0.6 * r.appeals
    # and: the reporter prints the same satisfaction
    (line,) = report_appeal_history(Appeal.objects.first().street)  # type: ignore[union-attr]
    assert f"satisfaction {r.satisfaction:.0%}" in line


def test_loaded_on_a_later_day_the_history_ends_that_week_and_open_appeals_are_current():
    # given the demo loaded twelve weeks after its fixed reference date
    today = REFERENCE.date() + dt.timedelta(weeks=12, days=3)
    load_demo(scale=SCALE, today=today)
    reference = demo_reference(today)
    # then the history ends on the same weekday twelve weeks on, and nothing lies after it
    assert reference == REFERENCE + dt.timedelta(weeks=12)
    assert reference.weekday() == REFERENCE.weekday()
    assert Appeal.objects.filter(created_at__gte=reference).count() == 0
    assert Appeal.objects.filter(created_at__gte=reference - dt.timedelta(days=7)).exists()
    # and open appeals are due around that day, not months before it
    open_due = list(
        Appeal.objects.filter(state__in=[s.value for s in OPEN]).values_list("due_at", flat=True)
    )
    assert open_due
    assert min(open_due) > reference - dt.timedelta(days=60)
    # and the outbreak moved with it, and the summary line names the new date
    outbreak = next(o for o in _history_audit()["outbreaks"] if o["key"] == "water")
    assert outbreak["start"] == "2025-10-06"
    street = Appeal.objects.first().street  # type: ignore[union-attr]
    assert f"(at {reference:%Y-%m-%d})" in report_appeal_history(street)[0]


def test_an_earlier_or_missing_load_day_keeps_the_fixed_reference():
    assert demo_reference(None) == REFERENCE
    assert demo_reference(REFERENCE.date() - dt.timedelta(days=30)) == REFERENCE
