"""Incrementally maintained rollups of appeals (see docs/insights.md).

Each appeal contributes 0/1 flags (`models.FLAGS`) to twelve buckets: its totals, category,
top-level category and channel, each at grid, community and street level, all on the local day it
was submitted. The flags are defined once, as SQL expressions over the appeal
(`fact_values`), following appeals.rates exactly, so a full rebuild is two INSERT ... SELECT
statements and an incremental refresh evaluates the same expressions for the changed appeals.

Incremental refresh: the appeals to look at are those with a timeline event (AppealEvent,
append-only, every state change writes one) after the watermark, plus those whose flags may
change with time alone (a deadline passes: `AppealFact.next_change_at`). For each, the new
contribution minus the stored one is added to the rollup rows. The watermark row is UPDATEd
first in the same transaction, so two refreshers run one after the other on SQLite and on
PostgreSQL; event ids that were missing from the range read (a transaction in flight) are kept
as gaps and read again until they appear or expire.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Max, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from gongzhi.appeals.models import Appeal, AppealEvent, Channel, RatingValue
from gongzhi.appeals.states import OPEN, State
from gongzhi.core.calendar import SHANGHAI
from gongzhi.insights.models import COUNTERS, FLAGS, AppealFact, Dim, Rollup, RollupState

CHANNEL_KEYS: dict[str, int] = {value: i + 1 for i, value in enumerate(Channel.values)}
CHANNEL_BY_KEY: dict[int, str] = {v: k for k, v in CHANNEL_KEYS.items()}
BUCKET_COLUMNS = (
    "day",
    "street_id",
    "community_id",
    "grid_id",
    "category_id",
    "top_category_id",
    "channel_key",
)
FACT_COLUMNS = ("appeal_id", *BUCKET_COLUMNS, "next_change_at", *FLAGS)
# (dimension, level) of the twelve buckets an appeal counts in.
LEVELS: tuple[tuple[str, str], ...] = tuple(
    (str(dim), level)
    for dim in (Dim.TOTAL, Dim.CATEGORY, Dim.TOP_CATEGORY, Dim.CHANNEL)
    for level in ("grid", "community", "street")
)
DEFAULT_GAP_SECONDS = 600
DEFAULT_MAX_EVENTS = 50_000
BATCH = 2000

BucketKey = tuple[dt.date, int, int, int, str, int]  # day, street, community, grid, dim, key


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def _watch(q: Q, column: str) -> Case:
    return Case(When(q, then=F(column)), default=None)


def fact_values(now: dt.datetime) -> dict[str, Any]:
    """The fact of each appeal as of `now`, as expressions (the one definition)."""
    counted = ~Q(state__in=[State.MERGED, State.REJECTED])
    open_ = Q(state__in=[s.value for s in OPEN])
    signed = Q(signed_at__isnull=False)
    replied = Q(replied_at__isnull=False)
    values: dict[str, Any] = {
        "f_appeal_id": F("pk"),
        "f_day": TruncDate("created_at", tzinfo=SHANGHAI),
        "f_street_id": F("street_id"),
        "f_community_id": F("community_id"),
        "f_grid_id": F("grid_id"),
        "f_category_id": F("category_id"),
        "f_top_category_id": Coalesce(F("category__parent_id"), F("category_id")),
        "f_channel_key": Case(
            *[When(channel=value, then=Value(key)) for value, key in CHANNEL_KEYS.items()],
            default=Value(0),
            output_field=IntegerField(),
        ),
        # Deadlines still ahead whose passing changes a flag (None when none is pending).
        "w_sign": _watch(counted & ~signed & Q(sign_by__gt=now), "sign_by"),
        "w_resolve": _watch(counted & ~replied & Q(resolve_by__gt=now), "resolve_by"),
        "w_due": _watch(open_ & Q(due_at__gte=now), "due_at"),
    }
    return values


def _next_change() -> Case:
    def first(a: str, *others: str) -> Q:
        q = Q(**{f"{a}__isnull": False})
        for o in others:
            q &= Q(**{f"{o}__isnull": True}) | Q(**{f"{a}__lte": F(o)})
        return q

    return Case(
        When(first("w_sign", "w_resolve", "w_due"), then=F("w_sign")),
        When(first("w_resolve", "w_due"), then=F("w_resolve")),
        default=F("w_due"),
    )


def flag_values(now: dt.datetime) -> dict[str, Any]:
    counted = ~Q(state__in=[State.MERGED, State.REJECTED])
    open_ = Q(state__in=[s.value for s in OPEN])
    return {
        "f_counted": _flag(counted),
        "f_due_sign": _flag(counted & (Q(signed_at__isnull=False) | Q(sign_by__lte=now))),
        "f_signed_in_time": _flag(
            counted & Q(signed_at__isnull=False, signed_at__lte=F("sign_by"))
        ),
        "f_due_resolve": _flag(counted & (Q(replied_at__isnull=False) | Q(resolve_by__lte=now))),
        "f_resolved_in_time": _flag(
            counted & Q(replied_at__isnull=False, replied_at__lte=F("resolve_by"))
        ),
        "f_rated": _flag(counted & ~Q(rating="")),
        "f_satisfied": _flag(counted & Q(rating=RatingValue.SATISFIED)),
        "f_basically": _flag(counted & Q(rating=RatingValue.BASICALLY)),
        "f_dissatisfied": _flag(counted & Q(rating=RatingValue.DISSATISFIED)),
        "f_replied": _flag(counted & Q(replied_at__isnull=False)),
        "f_closed": _flag(Q(state=State.CLOSED)),
        "f_open": _flag(open_),
        "f_overdue": _flag(open_ & Q(due_at__lt=now)),
        "f_escalated": _flag(Q(escalation_level__gt=0)),
        "f_rejected": _flag(Q(state=State.REJECTED)),
        "f_merged": _flag(Q(state=State.MERGED)),
    }


def facts_query(now: dt.datetime, where: Q | None = None) -> Any:
    """A values() queryset whose columns are FACT_COLUMNS, in that order."""
    qs = Appeal.objects.filter(where or Q()).order_by()
    qs = qs.annotate(**fact_values(now)).annotate(f_next_change_at=_next_change())
    qs = qs.annotate(**flag_values(now))
    return qs.values(*[f"f_{c}" for c in FACT_COLUMNS])


def _fact_from_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {c: row[f"f_{c}"] for c in FACT_COLUMNS}
    day = out["day"]
    if isinstance(day, dt.datetime):
        out["day"] = day.date()
    elif isinstance(day, str):
        out["day"] = dt.date.fromisoformat(day)
    return out


def _buckets(fact: dict[str, Any]) -> list[BucketKey]:
    out: list[BucketKey] = []
    for dim, level in LEVELS:
        key = 0
        if dim == Dim.CATEGORY:
            key = fact["category_id"]
        elif dim == Dim.TOP_CATEGORY:
            key = fact["top_category_id"]
        elif dim == Dim.CHANNEL:
            key = fact["channel_key"]
        grid = fact["grid_id"] if level == "grid" else 0
        community = fact["community_id"] if level != "street" else 0
        out.append((fact["day"], fact["street_id"], community, grid, dim, key))
    return out


def _vector(fact: dict[str, Any], sign: int) -> list[int]:
    return [sign] + [sign * int(fact[name]) for name in FLAGS]


# --- the refresh --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    events: int
    appeals: int
    changed: int
    last_event_id: int
    gaps: int
    as_of: dt.datetime


def _gap_seconds() -> int:
    return int(getattr(settings, "GONGZHI_INSIGHTS_GAP_SECONDS", DEFAULT_GAP_SECONDS))


def _lock() -> RollupState:
    """Take the refresh lock: UPDATE the state row (a write lock on SQLite, a row lock on
    PostgreSQL) before anything is read. Must run inside a transaction."""
    if not RollupState.objects.filter(pk=1).update(refreshed_at=timezone.now()):
        try:
            with transaction.atomic():
                RollupState.objects.create(pk=1, refreshed_at=timezone.now())
        except IntegrityError:
            pass
    return RollupState.objects.select_for_update().get(pk=1)


def refresh(
    *, now: dt.datetime | None = None, full: bool = False, max_events: int | None = None
) -> RefreshResult:
    """Bring the rollups up to date as of `now` (default: the current time).

    `full` (or a first run) rebuilds everything with set-based SQL; otherwise only the appeals
    with new timeline events or a passed deadline are recomputed."""
    now = now or timezone.now()
    with transaction.atomic():
        state = _lock()
        if full or state.full_rebuild_at is None:
            return _rebuild(state, now)
        return _incremental(state, now, max_events or DEFAULT_MAX_EVENTS)


def _rebuild(state: RollupState, now: dt.datetime) -> RefreshResult:
    last = AppealEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    AppealFact.objects.all().delete()
    Rollup.objects.all().delete()
    fact_table = AppealFact._meta.db_table
    rollup_table = Rollup._meta.db_table
    qn = connection.ops.quote_name
    sql, params = facts_query(now).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(fact_table)} ({', '.join(qn(c) for c in FACT_COLUMNS)}) {sql}",
            params,
        )
        sums = ", ".join(f"SUM({qn(c)})" for c in FLAGS)
        columns = ", ".join(
            qn(c) for c in ("day", "street_id", "community_id", "grid_id", "dim", "key", *COUNTERS)
        )
        for dim, level in LEVELS:
            key = {
                Dim.TOTAL: "0",
                Dim.CATEGORY: qn("category_id"),
                Dim.TOP_CATEGORY: qn("top_category_id"),
                Dim.CHANNEL: qn("channel_key"),
            }[Dim(dim)]
            grid = qn("grid_id") if level == "grid" else "0"
            community = qn("community_id") if level != "street" else "0"
            group = [qn("day"), qn("street_id")]
            if level != "street":
                group.append(qn("community_id"))
            if level == "grid":
                group.append(qn("grid_id"))
            if dim != Dim.TOTAL:
                group.append(key)
            cursor.execute(
                f"INSERT INTO {qn(rollup_table)} ({columns}) "  # noqa: S608
                f"SELECT {qn('day')}, {qn('street_id')}, {community}, {grid}, %s, "
                f"{key}, COUNT(*), {sums} FROM {qn(fact_table)} GROUP BY {', '.join(group)}",
                [dim],
            )
    # Ids just below the maximum that are not visible yet: transactions still in flight.
    recent = set(
        AppealEvent.objects.filter(pk__gt=max(last - 1000, 0), pk__lte=last).values_list(
            "pk", flat=True
        )
    )
    stamp = timezone.now().isoformat()
    gaps = [[i, stamp] for i in range(max(last - 1000, 0) + 1, last + 1) if i not in recent]
    state.last_event_id = last
    state.gaps = gaps
    state.as_of = now
    state.full_rebuild_at = timezone.now()
    state.save(update_fields=["last_event_id", "gaps", "as_of", "full_rebuild_at"])
    count = AppealFact.objects.count()
    return RefreshResult(True, 0, count, count, last, len(gaps), now)


def _incremental(state: RollupState, now: dt.datetime, max_events: int) -> RefreshResult:
    last = state.last_event_id
    old_gaps: dict[int, str] = {int(i): str(t) for i, t in state.gaps or []}
    events = list(
        AppealEvent.objects.filter(Q(pk__gt=last) | Q(pk__in=list(old_gaps)))
        .order_by("pk")
        .values_list("pk", "appeal_id")[:max_events]
    )
    seen = {pk for pk, _a in events}
    new_last = max([last, *[pk for pk, _a in events if pk > last]])
    wall = timezone.now()
    cutoff = (wall - dt.timedelta(seconds=_gap_seconds())).isoformat()
    gaps = {i: t for i, t in old_gaps.items() if i not in seen and t >= cutoff}
    for i in range(last + 1, new_last):
        if i not in seen:
            gaps[i] = wall.isoformat()
    appeal_ids = {a for _pk, a in events}
    appeal_ids.update(
        AppealFact.objects.filter(next_change_at__lte=now).values_list("appeal_id", flat=True)
    )
    changed = 0
    ordered = sorted(appeal_ids)
    for start in range(0, len(ordered), BATCH):
        changed += _apply(ordered[start : start + BATCH], now)
    state.last_event_id = new_last
    state.gaps = [[i, t] for i, t in sorted(gaps.items())]
    state.as_of = now
    state.save(update_fields=["last_event_id", "gaps", "as_of"])
    return RefreshResult(False, len(events), len(appeal_ids), changed, new_last, len(gaps), now)


def _apply(ids: list[int], now: dt.datetime) -> int:
    """Recompute the facts of `ids` and add (new − old) to the rollups. Returns how many
    facts changed. Runs under the refresh lock."""
    new = {r["f_appeal_id"]: _fact_from_row(r) for r in facts_query(now, Q(pk__in=ids))}
    old = {
        r["appeal_id"]: r
        for r in AppealFact.objects.filter(appeal_id__in=ids).values(*FACT_COLUMNS)
    }
    delta: dict[BucketKey, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    changed_ids: list[int] = []
    for pk in ids:
        before, after = old.get(pk), new.get(pk)
        if before == after:
            continue
        changed_ids.append(pk)
        for fact, sign in ((before, -1), (after, 1)):
            if fact is None:
                continue
            vector = _vector(fact, sign)
            for bucket in _buckets(fact):
                acc = delta[bucket]
                for i, v in enumerate(vector):
                    acc[i] += v
    if not changed_ids:
        return 0
    _add_to_rollups({k: v for k, v in delta.items() if any(v)})
    AppealFact.objects.filter(appeal_id__in=changed_ids).delete()
    AppealFact.objects.bulk_create(
        [AppealFact(**new[pk]) for pk in changed_ids if pk in new], batch_size=500
    )
    return len(changed_ids)


def _add_to_rollups(delta: dict[BucketKey, list[int]]) -> None:
    """Add each bucket's vector to its row: one INSERT ... ON CONFLICT DO UPDATE per bucket
    (the same statement on SQLite and PostgreSQL), sent with executemany."""
    if not delta:
        return
    qn = connection.ops.quote_name
    table = qn(Rollup._meta.db_table)
    keys = ("day", "street_id", "community_id", "grid_id", "dim", "key")
    columns = ", ".join(qn(c) for c in (*keys, *COUNTERS))
    placeholders = ", ".join(["%s"] * (len(keys) + len(COUNTERS)))
    conflict = ", ".join(
        qn(c) for c in ("street_id", "community_id", "grid_id", "dim", "key", "day")
    )
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in COUNTERS)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    params: Any = [[*bucket, *vector] for bucket, vector in sorted(delta.items())]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def rollup_state() -> RollupState | None:
    return RollupState.objects.filter(pk=1).first()
