"""Hotspots of the appeals in the database: loads a scope's window and runs the miner.

``mine_hotspots(scope_path=..., window="7d")`` is what ``gongzhi intel hotspots --window 7d
[--scope PATH_OR_REGION_ID]`` prints and what the insights background job stores.  The
appeals are read with one ``values_list`` query per call (no model instances, no per-row
queries), from ``baseline_windows`` windows before the window up to its end: the window
itself is mined, the window just before gives each hotspot its growth, and all of them
give the spike alerts their baseline.  The miner is ``gongzhi.intel.hotspots`` (no
Django).  Appeal titles are generated (first line of the text, or "category: place"
for imported history), so they give the headline but not the similarity
(``MinerParams(title_view=False)``).  Reading is unscoped by design: callers pass the
scope they are entitled to (the command runs as an operator; the dashboards resolve the
actor's scope first).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from gongzhi.appeals.models import Appeal, RatingValue
from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.intel.hotspots import (
    Hotspot,
    MinerParams,
    Progress,
    Record,
    Spike,
    mine,
    parse_window,
    spikes,
)
from gongzhi.org.models import Region

#: Windows before the current one that make the spike baseline.
BASELINE_WINDOWS = 4

_FIELDS = (
    "id",
    "title",
    "text",
    "created_at",
    "grid_id",
    "building_id",
    "resident_id",
    "category__name",
    "rating",
    "supporters_count",
)


def resolve_scope(scope: str | int | None) -> str:
    """A region id or a region path (``""``/``None``: everything) → a scope path."""
    if scope is None or str(scope).strip() == "":
        return ""
    text = str(scope).strip()
    if text.isdigit():
        path = Region.objects.filter(pk=int(text)).values_list("path", flat=True).first()
        if path is None:
            raise NotFound(f"no region with id {text}")
        return path
    if not Region.objects.filter(path__startswith=text).exists():
        raise NotFound(f"no region with path {text!r}")
    return text


def _record(row: tuple) -> Record:
    pk, title, text, created, grid, building, resident, category, rating, supporters = row
    dissatisfied = None
    if rating == RatingValue.DISSATISFIED:
        dissatisfied = True
    elif rating:
        dissatisfied = False
    return Record(
        id=pk,
        text=text or "",
        title=title or "",
        time=created,
        grid_id=grid,
        building_id=building,
        resident_id=resident,
        category=category,
        dissatisfied=dissatisfied,
        votes=max((supporters or 1) - 1, 0),
    )


def load_records(*, scope_path: str, start: datetime | None, end: datetime) -> list[Record]:
    """Appeals of the scope created in ``[start, end)`` (``start=None``: from the first)."""
    qs = Appeal.objects.filter(created_at__lt=end)
    if scope_path:
        qs = qs.filter(scope_path__startswith=scope_path)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    return [_record(row) for row in qs.order_by().values_list(*_FIELDS).iterator(chunk_size=5000)]


def mine_hotspots(
    *,
    scope_path: str,
    window: str,
    now: datetime | None = None,
    params: MinerParams | None = None,
    progress: Progress | None = None,
    baseline_windows: int = BASELINE_WINDOWS,
) -> tuple[list[Hotspot], list[Spike]]:
    """Hotspots (ranked) and spike alerts of ``scope_path`` for the window ending ``now``.

    ``window``: ``day``, ``week``, ``month``, ``24h``, ``7d``, ``30d``... or ``all`` (every
    appeal, no growth, no spikes).  Raises ``ValidationFailed(field="window")`` for
    anything else.
    """
    # Titles in the database are generated (the text's first line, or "category: place"
    # for imported history): they make the headline, not the similarity.
    params = params or MinerParams(title_view=False)
    try:
        length = parse_window(window)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="window") from exc
    end = now or timezone.now()
    if length is None:
        records = load_records(scope_path=scope_path, start=None, end=end)
        return mine(records, params=params, progress=progress), []
    start = end - length
    baseline_start = start - baseline_windows * length
    loaded = load_records(scope_path=scope_path, start=baseline_start, end=end)
    current = [r for r in loaded if r.time >= start]
    before = [r for r in loaded if r.time < start]
    found = mine(
        current,
        window_start=start,
        window_end=end,
        previous=before,
        params=params,
        progress=progress,
    )
    alerts = spikes(
        current,
        window_start=start,
        window_end=end,
        previous=before,
        baseline_start=baseline_start,
    )
    return found, alerts
