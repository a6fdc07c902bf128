"""Mine the hotspots of every street, community and grid and keep the latest as snapshots.

Calls `gongzhi.insights.hotspot_source.mine_hotspots(scope_path=..., window=..., now=...)`,
which returns (hotspots, spikes) (dataclasses; see gongzhi.intel.hotspots). Each place's
snapshot is replaced in one UPSERT keyed by (scope_path, window), so two workers running the
job at once leave one row per place, the later one winning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import logging
from collections.abc import Callable, Iterable
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from gongzhi.insights.models import HotspotSnapshot
from gongzhi.insights.selectors import WINDOWS
from gongzhi.org.models import Region, RegionKind

logger = logging.getLogger(__name__)
Miner = Callable[..., tuple[list[Any], list[Any]]]


def _plain(item: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        data = dataclasses.asdict(item)
    elif isinstance(item, dict):
        data = dict(item)
    else:
        data = dict(vars(item))
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, tuple | set | frozenset):
            value = list(value)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        out[key] = value
    return out


def _default_miner() -> Miner | None:
    try:
        module = importlib.import_module("gongzhi.insights.hotspot_source")
    except ImportError:  # the miner is not installed in this build
        logger.warning("insights: no hotspot miner (gongzhi.insights.hotspot_source)")
        return None
    return cast(Miner, module.mine_hotspots)


def refresh_hotspots(
    *,
    now: dt.datetime | None = None,
    windows: Iterable[str] = WINDOWS,
    miner: Miner | None = None,
    kinds: Iterable[str] = (
        RegionKind.STREET,
        RegionKind.COMMUNITY,
        RegionKind.VILLAGE,
        RegionKind.GRID,
    ),
) -> int:
    """Mine and store the snapshots; returns how many were stored."""
    now = now or timezone.now()
    mine = miner or _default_miner()
    if mine is None:
        return 0
    stored = 0
    for region in Region.objects.filter(kind__in=list(kinds)).order_by("path"):
        for window in windows:
            try:
                hotspots, spikes = mine(scope_path=region.path, window=window, now=now)
            except Exception:  # one place's failure must not stop the others
                logger.exception("insights: mining hotspots of %s failed", region.path)
                continue
            payload = {
                "hotspots": [_plain(h) for h in hotspots],
                "spikes": [_plain(s) for s in spikes],
            }
            with transaction.atomic():
                HotspotSnapshot.objects.update_or_create(
                    scope_path=region.path,
                    window=window,
                    defaults={"region_id": region.pk, "payload": payload, "computed_at": now},
                )
            stored += 1
    return stored
