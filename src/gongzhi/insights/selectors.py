"""What the dashboards, the export and the monthly report read: scoped, read-only.

Every figure comes from the rollups (insights.models.Rollup), never from an aggregate over the
appeals: the only appeal reads are short lists (overdue and escalated appeals, a hotspot's
appeals) through appeals.selectors.appeals_visible, which applies the viewer's scope.

A viewer looks at one *place*: a street, a community (or village) or a grid inside what their
staff roles reach (street supervisor: the street; community staff and secretary: the
community; grid worker: the grid). Rates are appeals.rates.from_counts over the rollups'
counters, so they equal the ranking page's (docs/rates.md) as of the last refresh.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.access import AREA_VIEW_ROLES
from gongzhi.appeals.models import OPEN_Q, Appeal, Category, Channel
from gongzhi.appeals.rates import Rates, from_counts
from gongzhi.appeals.selectors import appeals_visible
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.insights.models import COUNTERS, Dim, HotspotSnapshot, Rollup, RollupState
from gongzhi.insights.rollups import CHANNEL_BY_KEY
from gongzhi.org.models import Region, RegionKind, Role
from gongzhi.org.scopes import scope_for

MAX_DAYS = 731
DEFAULT_DAYS = 30
WINDOWS = ("7d", "30d")
LIST_LIMIT = 50
LEVEL_COLUMN = {
    RegionKind.STREET: "street_id",
    RegionKind.COMMUNITY: "community_id",
    RegionKind.VILLAGE: "community_id",
    RegionKind.GRID: "grid_id",
}


def can_view(actor: Any) -> bool:
    return scope_for(actor).has_any(AREA_VIEW_ROLES | {Role.PLATFORM_ADMIN})


def _require(actor: Any) -> None:
    if not can_view(actor):
        raise PermissionDenied(_("The dashboards are open to staff only."))


# --- parameters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    first: dt.date  # inclusive
    last: dt.date  # inclusive

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=SHANGHAI)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)

    @property
    def days(self) -> list[dt.date]:
        n = (self.last - self.first).days + 1
        return [self.first + dt.timedelta(days=i) for i in range(n)]


def today() -> dt.date:
    return timezone.localtime(timezone.now(), SHANGHAI).date()


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationFailed(
            _("Give dates as YYYY-MM-DD, e.g. 2026-09-01."), field=field
        ) from exc


def parse_period(start: str | None, end: str | None) -> Period:
    last = _date(end, "end") if end else today()
    first = _date(start, "start") if start else last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ValidationFailed(_("The start date is after the end date."), field="start")
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed(
            _("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS}, field="start"
        )
    return Period(first, last)


def parse_month(value: str | None) -> Period:
    if not value:
        d = today().replace(day=1) - dt.timedelta(days=1)
        first = d.replace(day=1)
    else:
        try:
            year, month = (int(p) for p in value.strip().split("-"))
            first = dt.date(year, month, 1)
        except (ValueError, TypeError) as exc:
            raise ValidationFailed(
                _("Give the month as YYYY-MM, e.g. 2026-08."), field="month"
            ) from exc
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(first, following - dt.timedelta(days=1))


def parse_window(value: str | None) -> str:
    if not value:
        return "30d"
    if value not in WINDOWS:
        raise ValidationFailed(_("Unknown hotspot window."), field="window")
    return value


@dataclass(frozen=True)
class Place:
    region: Region

    @property
    def kind(self) -> str:
        return "community" if self.region.kind == RegionKind.VILLAGE else self.region.kind

    @property
    def column(self) -> str:
        return LEVEL_COLUMN[RegionKind(self.region.kind)]

    @property
    def is_grid(self) -> bool:
        return self.region.kind == RegionKind.GRID

    def q(self) -> Q:
        return Q(**{self.column: self.region.pk})


def place_for(actor: Any, region: str | None = None) -> Place:
    """The place `actor` looks at: `region` (an id) if given and inside their scope, else the
    broadest area their staff roles reach. Out of scope is NotFound (its existence is not
    revealed)."""
    _require(actor)
    scope = scope_for(actor)
    if region:
        try:
            pk = int(region)
        except ValueError as exc:
            raise ValidationFailed(_("Unknown place."), field="region") from exc
        found = Region.objects.filter(pk=pk).first() if 0 < pk < 2**31 else None
        if found is None or not scope.covers(found.path, AREA_VIEW_ROLES):
            raise NotFound(_("No such place in your area."))
        if found.kind not in LEVEL_COLUMN:
            raise ValidationFailed(_("Choose a street, a community or a grid."), field="region")
        return Place(found)
    roots = scope.paths(AREA_VIEW_ROLES)
    qs = Region.objects.filter(kind__in=list(LEVEL_COLUMN))
    if roots:
        found = qs.filter(path=min(roots, key=len)).first()
    else:  # a platform administrator without an area role: the first street
        found = qs.filter(kind=RegionKind.STREET).order_by("path").first()
    if found is None:
        raise NotFound(_("There is no area to show yet."))
    return Place(found)


def breadcrumbs(actor: Any, place: Place) -> list[Region]:
    """The places above `place` that the actor may open, then the place itself."""
    scope = scope_for(actor)
    ids = [int(p) for p in place.region.path.strip("/").split("/") if p]
    regions = {r.pk: r for r in Region.objects.filter(pk__in=ids)}
    return [
        regions[i] for i in ids if i in regions and scope.covers(regions[i].path, AREA_VIEW_ROLES)
    ]


def children(place: Place) -> list[Region]:
    """The places one level down (communities of a street, grids of a community)."""
    if place.is_grid:
        return []
    return list(Region.objects.filter(parent=place.region).order_by("path"))


# --- figures from the rollups -------------------------------------------------------------------


def _own_level(place: Place) -> Q:
    """The rollup rows of the place's own level (see models.Rollup)."""
    pk = place.region.pk
    if place.region.kind == RegionKind.STREET:
        return Q(street_id=pk, community_id=0, grid_id=0)
    if place.is_grid:
        return Q(grid_id=pk)
    return Q(community_id=pk, grid_id=0)


def _child_level(place: Place, regions: list[Region]) -> Q:
    """The rollup rows one level down (communities of a street, grids of a community), as
    equalities on the indexes (community_id, grid_id, dim, day) and (grid_id, dim, day)."""
    ids = [r.pk for r in regions]
    if place.region.kind == RegionKind.STREET:
        return Q(community_id__in=ids, grid_id=0)
    return Q(grid_id__in=ids)


def _rows(place: Place, period: Period, dim: str, level: Q | None = None) -> QuerySet[Rollup]:
    where = level if level is not None else _own_level(place)
    return Rollup.objects.filter(
        where, dim=dim, day__gte=period.first, day__lte=period.last
    ).order_by()


def _sums() -> dict[str, Any]:
    return {c: Sum(c) for c in COUNTERS}


def _rates(counts: dict[str, Any]) -> Rates:
    clean = {c: int(counts.get(c) or 0) for c in COUNTERS}
    return from_counts({**clean, "appeals": clean["counted"]})


@dataclass(frozen=True)
class Figures:
    counts: dict[str, int]
    rates: Rates


def summary(place: Place, period: Period) -> Figures:
    counts = _rows(place, period, Dim.TOTAL).aggregate(**_sums())
    clean = {c: int(counts.get(c) or 0) for c in COUNTERS}
    return Figures(clean, _rates(clean))


@dataclass(frozen=True)
class LeagueRow:
    region: Region
    counts: dict[str, int]
    rates: Rates


def league(place: Place, period: Period) -> list[LeagueRow]:
    """The three rates of each place one level down (or of the grid itself), best first."""
    if place.is_grid:
        regions = [place.region]
        column = "grid_id"
    else:
        regions = children(place)
        column = "community_id" if place.region.kind == RegionKind.STREET else "grid_id"
    by_id = {
        r[column]: r
        for r in _rows(place, period, Dim.TOTAL, _child_level(place, regions))
        .values(column)
        .annotate(**_sums())
    }
    out = []
    for region in regions:
        counts = {c: int((by_id.get(region.pk) or {}).get(c) or 0) for c in COUNTERS}
        out.append(LeagueRow(region, counts, _rates(counts)))
    out.sort(key=lambda r: (r.rates.composite is None, -(r.rates.composite or 0), r.region.path))
    return out


def leaf_names() -> dict[int, str]:
    return dict(Category.objects.values_list("pk", "name"))


@dataclass(frozen=True)
class Series:
    days: list[str]
    series: list[tuple[str, list[int]]]  # (name, one count per day)


def over_time(place: Place, period: Period, dim: str) -> Series:
    """Appeals submitted per day, one series per top-level category (dim "c") or channel
    ("h")."""
    names: dict[int, str]
    index = {d: i for i, d in enumerate(period.days)}
    grouped: dict[str, list[int]] = defaultdict(lambda: [0] * len(index))
    if dim == Dim.CATEGORY:
        rows = (
            _rows(place, period, Dim.TOP_CATEGORY).values("day", "key").annotate(n=Sum("submitted"))
        )
        names = leaf_names()
        for r in rows:
            grouped[names.get(r["key"], "?")][index[r["day"]]] += int(r["n"] or 0)
    else:
        rows = _rows(place, period, dim).values("day", "key").annotate(n=Sum("submitted"))
        labels = dict(Channel.choices)
        names = {k: str(labels.get(v, v)) for k, v in CHANNEL_BY_KEY.items()}
        for r in rows:
            grouped[names.get(r["key"], "?")][index[r["day"]]] += int(r["n"] or 0)
    series = sorted(
        ((name, values) for name, values in grouped.items() if any(values)),
        key=lambda s: -sum(s[1]),
    )
    return Series([d.isoformat() for d in period.days], series)


def top_categories(place: Place, period: Period, limit: int = 10) -> list[tuple[str, int]]:
    rows = (
        _rows(place, period, Dim.CATEGORY)
        .values("key")
        .annotate(n=Sum("submitted"))
        .order_by("-n", "key")
    )
    names = leaf_names()
    return [(names.get(r["key"], "?"), int(r["n"])) for r in rows[:limit] if r["n"]]


def by_channel(place: Place, period: Period) -> list[tuple[str, int]]:
    labels = dict(Channel.choices)
    rows = _rows(place, period, Dim.CHANNEL).values("key").annotate(n=Sum("submitted"))
    out = [
        (str(labels.get(CHANNEL_BY_KEY.get(r["key"], ""), "?")), int(r["n"]))
        for r in rows
        if r["n"]
    ]
    return sorted(out, key=lambda x: -x[1])


@dataclass(frozen=True)
class HeatCell:
    region: Region
    name: str
    count: int


def heat(place: Place, period: Period) -> tuple[list[HeatCell], dict[str, Any]]:
    """Appeals per grid in the period, and the grids' shapes as a GeoJSON FeatureCollection
    (grids without a shape are listed but not drawn)."""
    grids = list(
        Region.objects.filter(kind=RegionKind.GRID, path__startswith=place.region.path).order_by(
            "path"
        )
    )
    counts = dict(
        _rows(place, period, Dim.TOTAL, Q(grid_id__in=[g.pk for g in grids]))
        .values("grid_id")
        .annotate(n=Sum("submitted"))
        .values_list("grid_id", "n")
    )
    seen: set[str] = set()
    cells: list[HeatCell] = []
    features: list[dict[str, Any]] = []
    for g in grids:
        name = g.name if g.name not in seen else f"{g.name} ({g.pk})"
        seen.add(name)
        cells.append(HeatCell(g, name, int(counts.get(g.pk) or 0)))
        if isinstance(g.geometry, dict) and g.geometry.get("type") in ("Polygon", "MultiPolygon"):
            features.append(
                {"type": "Feature", "properties": {"name": name}, "geometry": g.geometry}
            )
    return cells, {"type": "FeatureCollection", "features": features}


def as_of() -> dt.datetime | None:
    state = RollupState.objects.filter(pk=1).only("as_of").first()
    return state.as_of if state else None


# --- lists (not aggregates) -----------------------------------------------------------------------


def attention(actor: Any, place: Place, *, limit: int = LIST_LIMIT) -> list[Appeal]:
    """Open appeals of the place that are overdue or escalated, most overdue first."""
    _require(actor)
    now = timezone.now()
    where = place.q() & OPEN_Q & (Q(due_at__lt=now) | Q(escalation_level__gt=0))
    return list(
        appeals_visible(actor, where)
        .select_related("category", "grid")
        .order_by("due_at", "id")[:limit]
    )


def hotspot_snapshot(place: Place, window: str) -> HotspotSnapshot | None:
    return HotspotSnapshot.objects.filter(scope_path=place.region.path, window=window).first()


def spike_rows(spikes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spikes with a readable label: a grid spike's key is the grid id."""
    grid_ids = [
        s["key"] for s in spikes if s.get("kind") == "grid" and isinstance(s.get("key"), int)
    ]
    names: dict[Any, str] = (
        dict(Region.objects.filter(pk__in=grid_ids).values_list("pk", "name")) if grid_ids else {}
    )
    return [
        {**s, "label": str(s.get("key", ""))}
        if s.get("kind") != "grid"
        else {**s, "label": names.get(s.get("key"), str(s.get("key", "")))}
        for s in spikes
    ]


@dataclass(frozen=True)
class HotspotView:
    snapshot: HotspotSnapshot
    hotspot: dict[str, Any]
    appeals: list[Appeal]


def hotspot_detail(actor: Any, pk: int, rank: int) -> HotspotView:
    """One hotspot of a snapshot and its appeals (those the actor may see)."""
    _require(actor)
    snapshot = HotspotSnapshot.objects.filter(pk=pk).first()
    if snapshot is None or not scope_for(actor).covers(snapshot.scope_path, AREA_VIEW_ROLES):
        raise NotFound(_("No such hotspot in your area."))
    hotspot = next((h for h in snapshot.payload.get("hotspots", []) if h.get("rank") == rank), None)
    if hotspot is None:
        raise NotFound(_("No such hotspot in your area."))
    ids = [int(i) for i in hotspot.get("member_ids", [])][:500]
    appeals = list(
        appeals_visible(actor, Q(pk__in=ids))
        .select_related("category", "grid")
        .order_by("-created_at", "-id")[: LIST_LIMIT * 4]
    )
    return HotspotView(snapshot, hotspot, appeals)
