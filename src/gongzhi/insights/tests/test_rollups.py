"""The rollups equal the naive GROUP BY over appeals after random histories, incrementally
and after a full rebuild."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.db.models import Count, Sum

from gongzhi.appeals import rates, services
from gongzhi.appeals.models import Appeal, Channel
from gongzhi.appeals.states import State
from gongzhi.appeals.tests.factories import MONDAY, Street, submit
from gongzhi.core.errors import DomainError
from gongzhi.insights import rollups
from gongzhi.insights.models import COUNTERS, AppealFact, Rollup, RollupState

CATEGORIES = ["municipal.light", "municipal.road", "sanitation.garbage", "property.repair"]
RESIDENTS = ["resident_a1", "resident_a2", "resident_b1"]
WORKER = {"resident_a1": "worker_a1", "resident_a2": "worker_a2", "resident_b1": "worker_b1"}
STAFF = {"resident_a1": "staff_a", "resident_a2": "staff_a", "resident_b1": "staff_b"}
START = MONDAY - dt.timedelta(days=30)
END = MONDAY + dt.timedelta(days=60)


def _rollup_sums(group: str, dim: str) -> dict[Any, dict[str, int]]:
    # the grid-level rows for grids, the community-level rows for communities
    qs = Rollup.objects.filter(dim=dim)
    qs = (
        qs.exclude(grid_id=0)
        if group == "grid_id"
        else qs.filter(grid_id=0).exclude(community_id=0)
    )
    rows = qs.values(group).annotate(**{c: Sum(c) for c in COUNTERS})
    return {r[group]: {c: r[c] for c in COUNTERS} for r in rows}


def assert_rollups_match(now: dt.datetime) -> None:
    # the three rates per grid and per community equal appeals.rates over the appeals
    for group, column in (("grid_id", "grid_id"), ("community_id", "community_id")):
        naive = rates.rates_by(Appeal.objects.all(), column, start=START, end=END, now=now)
        from_rollups = {
            k: rates.from_counts({**v, "appeals": v["counted"]})
            for k, v in _rollup_sums(group, "t").items()
            if v["counted"]
        }
        assert from_rollups == naive
    # submissions per category and per channel, at grid and at community level
    for dim, column in (("c", "category_id"), ("h", "channel")):
        naive_counts = Counter(
            {
                (r["grid_id"], r[column]): r["n"]
                for r in Appeal.objects.values("grid_id", column).annotate(n=Count("pk"))
            }
        )
        mapped: Counter[tuple[int, Any]] = Counter()
        for r in Rollup.objects.filter(dim=dim).exclude(grid_id=0):
            key = r.key if dim == "c" else rollups.CHANNEL_BY_KEY[r.key]
            if r.submitted:
                mapped[(r.grid_id, key)] += r.submitted
        assert mapped == naive_counts
        community_level = sum(
            r.submitted for r in Rollup.objects.filter(dim=dim, grid_id=0).exclude(community_id=0)
        )
        street_level = sum(r.submitted for r in Rollup.objects.filter(dim=dim, community_id=0))
        assert community_level == street_level == Appeal.objects.count()
    street_rates = rates.rates(Appeal.objects.all(), start=START, end=END, now=now)
    street_sums = {
        r["street_id"]: r
        for r in Rollup.objects.filter(dim="t", community_id=0)
        .values("street_id")
        .annotate(**{c: Sum(c) for c in COUNTERS})
    }
    assert len(street_sums) <= 1
    for counts in street_sums.values():
        assert rates.from_counts({**counts, "appeals": counts["counted"]}) == street_rates
    # submissions per top-level category, per grid
    naive_top: Counter[tuple[int, int]] = Counter()
    for grid_id, cat_id, parent_id in Appeal.objects.values_list(
        "grid_id", "category_id", "category__parent_id"
    ):
        naive_top[(grid_id, parent_id or cat_id)] += 1
    rolled_top: Counter[tuple[int, int]] = Counter()
    for r in Rollup.objects.filter(dim="p").exclude(grid_id=0):
        if r.submitted:
            rolled_top[(r.grid_id, r.key)] += r.submitted
    assert rolled_top == naive_top
    # open, overdue, escalated, closed per grid
    open_now = Counter(
        dict(
            Appeal.objects.filter(state__in=[s.value for s in rollups.OPEN])
            .values_list("grid_id")
            .annotate(n=Count("pk"))
        )
    )
    overdue = Counter(
        dict(Appeal.objects.filter(due_at__lt=now).values_list("grid_id").annotate(n=Count("pk")))
    )
    escalated = Counter(
        dict(
            Appeal.objects.filter(escalation_level__gt=0)
            .values_list("grid_id")
            .annotate(n=Count("pk"))
        )
    )
    sums = _rollup_sums("grid_id", "t")
    assert Counter({k: v["open"] for k, v in sums.items() if v["open"]}) == open_now
    assert Counter({k: v["overdue"] for k, v in sums.items() if v["overdue"]}) == overdue
    assert Counter({k: v["escalated"] for k, v in sums.items() if v["escalated"]}) == escalated


def _step(world: Street, rng: random.Random, now: dt.datetime, made: list[int]) -> None:
    action = rng.choice(["submit", "submit", "sign", "start", "reply", "rate", "reject", "merge"])
    u = world.users
    if action == "submit" or not made:
        who = rng.choice(RESIDENTS)
        a = submit(
            world,
            who,
            category_code=rng.choice(CATEGORIES),
            now=now,
            text=f"问题{rng.randint(1, 10**6)}：楼下有情况需要处理",
        )
        made.append(a.pk)
        return
    appeal = Appeal.objects.get(pk=rng.choice(made))
    who = next(r for r in RESIDENTS if u[r].person.household.building_id == appeal.building_id)
    try:
        if action == "sign":
            services.sign_for_appeal(actor=u[WORKER[who]], appeal=appeal, now=now)
        elif action == "start":
            services.start_appeal(actor=u[WORKER[who]], appeal=appeal, now=now)
        elif action == "reply":
            services.reply_appeal(actor=u[WORKER[who]], appeal=appeal, text="已处理", now=now)
        elif action == "rate":
            services.rate_appeal(
                actor=u[who],
                appeal=appeal,
                rating=rng.choice(["satisfied", "basically", "dissatisfied"]),
                now=now,
            )
        elif action == "reject":
            services.reject_appeal(
                actor=u[STAFF[who]], appeal=appeal, reason="不属于受理范围", now=now
            )
        elif action == "merge":
            other = (
                Appeal.objects.filter(
                    community_id=appeal.community_id, state__in=[s.value for s in rollups.OPEN]
                )
                .exclude(pk=appeal.pk)
                .first()
            )
            if other is not None and appeal.state in rollups.OPEN:
                services.merge_appeals(
                    actor=u[STAFF[who]], into=other, duplicates=[appeal], now=now
                )
    except DomainError:
        pass


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_rollups_equal_the_naive_group_by_after_random_histories(world, seed):
    rng = random.Random(seed)
    now = MONDAY
    made: list[int] = []
    # given an empty, built rollup
    rollups.refresh(now=now, full=True)
    for _round in range(4):
        # when appeals are submitted and moved through random transitions, deadlines pass
        for _ in range(12):
            now += dt.timedelta(hours=rng.choice([1, 3, 9, 30]))
            _step(world, rng, now, made)
        services.sweep_deadlines(now=now)
        result = rollups.refresh(now=now)
        # then the incrementally refreshed rollups equal the GROUP BY over appeals
        assert not result.full
        assert_rollups_match(now)
    # and a full rebuild gives the same rows
    before = {
        (r.day, r.community_id, r.grid_id, r.dim, r.key): tuple(getattr(r, c) for c in COUNTERS)
        for r in Rollup.objects.all()
        if any(getattr(r, c) for c in COUNTERS)
    }
    rollups.refresh(now=now, full=True)
    after = {
        (r.day, r.community_id, r.grid_id, r.dim, r.key): tuple(getattr(r, c) for c in COUNTERS)
        for r in Rollup.objects.all()
    }
    assert before == after
    assert_rollups_match(now)
    assert AppealFact.objects.count() == Appeal.objects.count()


def test_time_alone_makes_deadlines_count_without_any_write(world):
    # given an appeal nobody signs for, refreshed before its sign-for deadline
    appeal = submit(world)
    rollups.refresh(now=MONDAY + dt.timedelta(minutes=5), full=True)
    assert Rollup.objects.get(dim="t", grid_id=world.grid_a1.pk).due_sign == 0
    # when only time passes, well beyond every deadline
    later = MONDAY + dt.timedelta(days=40)
    result = rollups.refresh(now=later)
    # then the appeal is due for signing and resolution and overdue, as appeals.rates says
    row = Rollup.objects.get(dim="t", grid_id=world.grid_a1.pk)
    assert (row.due_sign, row.due_resolve, row.overdue) == (1, 1, 1)
    assert result.events == 0 and result.appeals == 1
    assert_rollups_match(later)
    assert Appeal.objects.get(pk=appeal.pk).state == State.SUBMITTED


def test_a_refresh_with_nothing_new_changes_nothing(world):
    submit(world)
    rollups.refresh(now=MONDAY, full=True)
    result = rollups.refresh(now=MONDAY)
    assert (result.events, result.changed) == (0, 0)


def test_event_ids_not_visible_yet_are_kept_as_gaps_and_read_later(world):
    # given rollups built, then an event id range with a hole (a transaction in flight)
    submit(world)
    rollups.refresh(now=MONDAY, full=True)
    state = RollupState.objects.get(pk=1)
    RollupState.objects.filter(pk=1).update(last_event_id=state.last_event_id - 1)
    second = submit(world, "resident_b1", now=MONDAY)
    last_id = second.events.order_by("-pk").first().pk
    first_new = second.events.order_by("pk").first().pk
    RollupState.objects.filter(pk=1).update(last_event_id=first_new - 2)
    result = rollups.refresh(now=MONDAY)
    assert result.last_event_id == last_id
    assert_rollups_match(MONDAY)


def test_channels_are_counted_per_channel(world):
    submit(world, channel=Channel.WEB)
    rollups.refresh(now=MONDAY, full=True)
    row = Rollup.objects.get(dim="h", grid_id=world.grid_a1.pk)
    assert rollups.CHANNEL_BY_KEY[row.key] == Channel.WEB
