"""Scope-matrix cases for the insights pages (insights/urls.py)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from gongzhi.core.testing.scope_matrix import STAFF, UrlCase, World
from gongzhi.insights.models import HotspotSnapshot
from gongzhi.org.models import Region


def _snapshot(w: World, region: Region, key: str) -> dict[str, Any]:
    if key not in w.extra:
        w.extra[key] = HotspotSnapshot.objects.create(
            region_id=region.pk,
            scope_path=region.path,
            window="30d",
            computed_at=timezone.now(),
            payload={
                "hotspots": [{"rank": 1, "title": "路灯不亮", "count": 0, "member_ids": []}],
                "spikes": [],
            },
        )
    snap: HotspotSnapshot = w.extra[key]
    return {"pk": snap.pk, "rank": 1}


CASES = [
    UrlCase("insights:dashboard", allowed=STAFF),
    UrlCase("insights:export", allowed=STAFF),
    UrlCase("insights:monthly", allowed=STAFF),
    UrlCase(
        "insights:hotspot",
        allowed=STAFF,
        kwargs_in=lambda w: _snapshot(w, w.grid_a1, "snapshot_a1"),
        kwargs_out=lambda w: _snapshot(w, w.comm_b, "snapshot_b"),
    ),
]
