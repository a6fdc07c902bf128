"""What routing and deadlines need, loaded once per process: categories, the region tree with
its shapes, grid workers, partner units, the responsibility list and the deadline rules.

Intake calls `get_config()` and then only pure functions (routing.plan, sla.SlaTable): no
query per appeal. The snapshot is re-checked against a version stamp (one query of scalar
sub-selects over the source tables) at most every ``GONGZHI_APPEALS_CONFIG_CHECK_SECONDS``
(2 s by default, 0 in tests), so a change made by another process is picked up within that
time; services that change the rules also call `invalidate_config()` (at once and on commit).
The pattern is gongzhi.core.calendar.get_calendar's.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from gongzhi.appeals.geo import Shape, parse_shape


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    parent_id: int | None
    sla_class: str
    responsible: str
    keywords: tuple[str, ...]
    active: bool
    is_leaf: bool


@dataclass(frozen=True)
class RegionInfo:
    id: int
    kind: str
    name: str
    path: str
    parent_id: int | None

    @property
    def ids(self) -> tuple[int, ...]:
        """The ids on the path, root first: (street, community, grid, building)[:depth+1]."""
        return tuple(int(p) for p in self.path.strip("/").split("/") if p)


@dataclass(frozen=True)
class Span:
    amount: Decimal
    unit: str


@dataclass(frozen=True)
class SlaRuleInfo:
    id: int
    community_id: int | None
    category_id: int | None
    sla_class: str
    urgency: str
    sign: Span
    contact: Span
    resolve: Span

    @property
    def specificity(self) -> int:
        return (
            (4 if self.community_id is not None else 0)
            + (2 if self.category_id is not None else 0)
            + (1 if self.sla_class else 0)
        )


@dataclass(frozen=True)
class AppealsConfig:
    categories: dict[int, CategoryInfo] = field(default_factory=dict)
    categories_by_code: dict[str, CategoryInfo] = field(default_factory=dict)
    regions: dict[int, RegionInfo] = field(default_factory=dict)
    # community id -> [(grid id, shape)], and each community's own shape where it has one.
    grid_shapes: dict[int, tuple[tuple[int, Shape], ...]] = field(default_factory=dict)
    region_shapes: dict[int, Shape] = field(default_factory=dict)
    # grid id -> the person id of its grid worker (the earliest assignment).
    grid_workers: dict[int, int] = field(default_factory=dict)
    # (region id, partner kind) -> partner unit id (the earliest active one).
    partners: dict[tuple[int, str], int] = field(default_factory=dict)
    # (community id or None, category id) -> unit type ("grid" or a partner kind).
    responsibility: dict[tuple[int | None, int], str] = field(default_factory=dict)
    sla_rules: tuple[SlaRuleInfo, ...] = ()
    version: Any = None

    def category(self, code: str) -> CategoryInfo | None:
        info = self.categories_by_code.get(code)
        return info if info is not None and info.active else None


def _stamp_sql() -> str:
    from gongzhi.appeals.models import Category, ResponsibilityRule, SlaRule
    from gongzhi.org.models import PartnerUnit, Region, RoleAssignment

    # Table names come from the models' metadata, quoted by the backend: no input reaches it.
    parts = []
    for model in (Category, SlaRule, ResponsibilityRule, Region, RoleAssignment, PartnerUnit):
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608
        parts.append(f"(SELECT MAX(id) FROM {table})")  # noqa: S608
        parts.append(f"(SELECT MAX(updated_at) FROM {table})")  # noqa: S608
    return "SELECT " + ", ".join(parts)


def read_version() -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql())
        row = cursor.fetchone()
    return tuple(str(v) for v in row)


def load_config(version: Any = None) -> AppealsConfig:
    from gongzhi.appeals.models import Category, ResponsibilityRule, SlaRule
    from gongzhi.org.models import PartnerUnit, Region, RegionKind, Role, RoleAssignment

    rows = list(
        Category.objects.values_list(
            "id", "code", "name", "parent_id", "sla_class", "responsible", "keywords", "active"
        )
    )
    parents = {r[3] for r in rows if r[3] is not None}
    categories = {
        r[0]: CategoryInfo(
            id=r[0],
            code=r[1],
            name=r[2],
            parent_id=r[3],
            sla_class=r[4],
            responsible=r[5],
            keywords=tuple(w for w in r[6].replace(",", " ").replace("，", " ").split() if w),
            active=r[7],
            is_leaf=r[0] not in parents,
        )
        for r in rows
    }
    regions: dict[int, RegionInfo] = {}
    region_shapes: dict[int, Shape] = {}
    grid_list: dict[int, list[tuple[int, Shape]]] = {}
    for pk, kind, name, path, parent_id, geometry in Region.objects.values_list(
        "id", "kind", "name", "path", "parent_id", "geometry"
    ).order_by("path"):
        regions[pk] = RegionInfo(pk, kind, name, path, parent_id)
        if kind in (RegionKind.GRID, RegionKind.COMMUNITY, RegionKind.VILLAGE) and geometry:
            shape = parse_shape(geometry)
            if shape is not None:
                region_shapes[pk] = shape
                if kind == RegionKind.GRID and parent_id is not None:
                    grid_list.setdefault(parent_id, []).append((pk, shape))
    grid_workers: dict[int, int] = {}
    for region_id, person_id in (
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, region__kind=RegionKind.GRID)
        .order_by("id")
        .values_list("region_id", "person_id")
    ):
        grid_workers.setdefault(region_id, person_id)
    partners: dict[tuple[int, str], int] = {}
    for pk, region_id, kind in (
        PartnerUnit.objects.filter(is_active=True)
        .order_by("id")
        .values_list("id", "region_id", "kind")
    ):
        partners.setdefault((region_id, kind), pk)
    responsibility: dict[tuple[int | None, int], str] = {
        (community_id, category_id): unit_type
        for community_id, category_id, unit_type in ResponsibilityRule.objects.values_list(
            "community_id", "category_id", "unit_type"
        )
    }
    sla_rules = tuple(
        SlaRuleInfo(
            id=r.pk,
            community_id=r.community_id,
            category_id=r.category_id,
            sla_class=r.sla_class,
            urgency=r.urgency,
            sign=Span(r.sign_amount, r.sign_unit),
            contact=Span(r.contact_amount, r.contact_unit),
            resolve=Span(r.resolve_amount, r.resolve_unit),
        )
        for r in SlaRule.objects.order_by("id")
    )
    return AppealsConfig(
        categories=categories,
        categories_by_code={c.code: c for c in categories.values()},
        regions=regions,
        grid_shapes={k: tuple(v) for k, v in grid_list.items()},
        region_shapes=region_shapes,
        grid_workers=grid_workers,
        partners=partners,
        responsibility=responsibility,
        sla_rules=sla_rules,
        version=version,
    )


@dataclass
class _CacheState:
    config: AppealsConfig | None = None
    next_check: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _CacheState()


def invalidate_config() -> None:
    """Make the next `get_config()` re-read the version stamp."""
    _state.next_check = 0.0


def reset_config() -> None:
    """Forget the snapshot entirely (tests: ids are reused after a rollback)."""
    with _state.lock:
        _state.config = None
        _state.next_check = 0.0


def _check_seconds() -> float:
    from django.conf import settings

    default = 0.0 if getattr(settings, "TESTING", False) else 2.0
    return float(getattr(settings, "GONGZHI_APPEALS_CONFIG_CHECK_SECONDS", default))


def get_config() -> AppealsConfig:
    """The routing and deadline configuration, cached per process and per version."""
    state = _state
    now = time.monotonic()
    config = state.config
    if config is not None and now < state.next_check:
        return config
    version = read_version()  # before the rows: a write in between only causes a reload
    if config is None or version != config.version:
        config = load_config(version)
    with state.lock:
        state.config = config
        state.next_check = now + _check_seconds()
    return config
