"""Routing at intake: the category from the text, the grid from the place, then the owner.

Everything here is pure over the cached configuration (config.get_config): intake computes a
`Plan` with no query of its own, so a batched intake path can plan many appeals and insert
them in one small transaction.

The category router is chosen by the setting ``GONGZHI_APPEAL_ROUTER``:

* ``"auto"`` (default outside tests): the model trained on this platform's own appeals
  (``gongzhi appeals_train``, see router_intel) when one is published, else the keywords;
* ``"keyword"``: `KeywordRouter`, the categories' keyword lists;
* ``"module.path:factory"``: a callable returning any object with ``suggest(text)``, such as a
  trained ``gongzhi.intel.classifier.Router``. Its suggestion may name the category as
  ``category_code`` or ``category``; a code the platform does not know (or an inactive one)
  falls back to ``GONGZHI_APPEAL_FALLBACK_CATEGORY`` with ``needs_person`` set.
"""

from __future__ import annotations

import importlib
import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.config import AppealsConfig, CategoryInfo, RegionInfo
from gongzhi.appeals.models import GRID_UNIT
from gongzhi.core.errors import ValidationFailed
from gongzhi.org.models import RegionKind

DEFAULT_FALLBACK_CATEGORY = "other.general"
DEFAULT_THRESHOLD = 0.6


@dataclass(frozen=True)
class Suggestion:
    category_code: str
    confidence: float
    #: True when the router is not sure: a person must confirm the category.
    needs_person: bool
    #: Short human-readable reasons (the words that decided).
    reasons: tuple[str, ...] = ()

    @property
    def category(self) -> str:
        """The same code under the name gongzhi.intel.classifier.Suggestion uses."""
        return self.category_code


class Router(Protocol):
    def suggest(self, text: str) -> Any:
        """A suggestion with ``category_code`` (or ``category``), ``confidence``,
        ``needs_person`` and ``reasons``."""
        ...


_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, full-width to half-width, no spaces or punctuation: for keyword matching."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        out.append(ch)
    return _PUNCT.sub("", "".join(out).lower())


class KeywordRouter:
    """The baseline: each leaf category scores the lengths of its keywords found in the text
    (a longer keyword is more specific). Confidence is the winner's share of the two best
    scores, damped while the evidence is thin."""

    def __init__(
        self,
        categories: Iterable[CategoryInfo],
        *,
        fallback: str = DEFAULT_FALLBACK_CATEGORY,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.fallback = fallback
        self.threshold = threshold
        self._keywords: list[tuple[str, list[str]]] = []
        for cat in sorted(categories, key=lambda c: c.code):
            if not cat.active or not cat.is_leaf:
                continue
            words = sorted({normalise(w) for w in cat.keywords if normalise(w)}, key=len)
            if words:
                self._keywords.append((cat.code, words))

    def suggest(self, text: str) -> Suggestion:
        clean = normalise(text or "")
        if not clean:
            return Suggestion(self.fallback, 0.0, True, (str(_("empty text")),))
        scored: list[tuple[float, str, list[str]]] = []
        for code, words in self._keywords:
            hits = [w for w in words if w in clean]
            if hits:
                # A keyword inside a longer matched one (水 in 停水) adds nothing.
                kept = [w for w in hits if not any(w != h and w in h for h in hits)]
                scored.append((float(sum(len(w) for w in kept)), code, kept))
        if not scored:
            return Suggestion(self.fallback, 0.0, True, (str(_("no keyword matched")),))
        scored.sort(key=lambda s: (-s[0], s[1]))
        top, code, words = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        confidence = (top / (top + second)) * (1 - math.exp(-top / 2))
        confidence = round(confidence, 3)
        return Suggestion(code, confidence, confidence < self.threshold, tuple(words[:5]))


_router_lock = threading.Lock()
_router_cache: dict[str, tuple[Any, Any]] = {}


def _load_factory(path: str) -> Any:
    module_name, _sep, attr = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


_auto: Any = None


def _trained_router() -> Router | None:
    """The published trained model's router (router_intel), or None when there is none."""
    global _auto
    if _auto is None:
        from gongzhi.appeals.router_intel import ModelRouter

        _auto = ModelRouter(threshold=threshold())
    trained: Router | None = _auto.current()
    return trained


def get_router(config: AppealsConfig) -> Router:
    """The configured router; the keyword router is rebuilt when the categories change."""
    choice = str(getattr(settings, "GONGZHI_APPEAL_ROUTER", "keyword") or "keyword")
    if choice == "auto":
        trained = _trained_router()
        if trained is not None:
            return trained
        choice = "keyword"
    with _router_lock:
        cached = _router_cache.get(choice)
        if choice == "keyword":
            if cached is not None and cached[0] is config:
                router: Router = cached[1]
                return router
            router = KeywordRouter(
                config.categories.values(), fallback=fallback_code(), threshold=threshold()
            )
            _router_cache[choice] = (config, router)
            return router
        if cached is None:
            cached = (None, _load_factory(choice)())
            _router_cache[choice] = cached
        router = cached[1]
        return router


def fallback_code() -> str:
    return str(getattr(settings, "GONGZHI_APPEAL_FALLBACK_CATEGORY", DEFAULT_FALLBACK_CATEGORY))


def threshold() -> float:
    return float(getattr(settings, "GONGZHI_APPEAL_ROUTER_THRESHOLD", DEFAULT_THRESHOLD))


def suggest(config: AppealsConfig, text: str) -> tuple[Suggestion, CategoryInfo | None]:
    """The router's suggestion, normalised, and the category it names (None if the platform
    has neither it nor the fallback category)."""
    raw = get_router(config).suggest(text)
    code = getattr(raw, "category_code", None) or getattr(raw, "category", "") or ""
    confidence = float(getattr(raw, "confidence", 0.0))
    needs_person = bool(getattr(raw, "needs_person", True))
    reasons = tuple(str(r) for r in (getattr(raw, "reasons", ()) or ()))
    category = config.category(code)
    if category is None:
        category = config.category(fallback_code())
        needs_person = True
        code = category.code if category else code
    return Suggestion(code, confidence, needs_person, reasons), category


# --- place --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    street_id: int
    community_id: int
    grid_id: int
    building_id: int | None
    scope_path: str


def _place_of(config: AppealsConfig, region: RegionInfo) -> Place:
    ids = region.ids
    if len(ids) < 3:
        raise ValidationFailed(_("Choose a grid or a building."), field="location")
    return Place(
        street_id=ids[0],
        community_id=ids[1],
        grid_id=ids[2],
        building_id=ids[3] if len(ids) > 3 else None,
        scope_path=region.path,
    )


def locate(
    config: AppealsConfig,
    *,
    building_id: int | None = None,
    grid_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    within_path: str = "",
) -> Place:
    """Street, community, grid (and building) of an appeal, from a building, a grid or a map
    point. `within_path` is the area the place must lie in (the resident's community, the
    staff member's scope, the API key's area): outside it is a ValidationFailed on "location".
    """
    outside = ValidationFailed(_("This place is outside the community's area."), field="location")
    if building_id is not None:
        region = config.regions.get(building_id)
        if region is None or region.kind != RegionKind.BUILDING:
            raise ValidationFailed(_("Unknown building."), field="building")
        place = _place_of(config, region)
    elif grid_id is not None:
        region = config.regions.get(grid_id)
        if region is None or region.kind != RegionKind.GRID:
            raise ValidationFailed(_("Unknown grid."), field="grid")
        place = _place_of(config, region)
    elif latitude is not None and longitude is not None:
        place = _locate_point(config, latitude, longitude, within_path, outside)
    else:
        raise ValidationFailed(
            _("Choose a building or a grid, or put a point on the map."), field="location"
        )
    if within_path and not place.scope_path.startswith(within_path):
        raise outside
    return place


def _locate_point(
    config: AppealsConfig, lat: float, lon: float, within_path: str, outside: ValidationFailed
) -> Place:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or math.isnan(lat + lon):
        raise ValidationFailed(_("Enter a valid map point."), field="location")
    communities = [
        r
        for r in config.regions.values()
        if r.kind in (RegionKind.COMMUNITY, RegionKind.VILLAGE)
        and (not within_path or r.path.startswith(within_path) or within_path.startswith(r.path))
    ]
    for community in communities:
        shape = config.region_shapes.get(community.id)
        if shape is not None and not shape.contains(lon, lat):
            continue
        for grid_id, grid_shape in config.grid_shapes.get(community.id, ()):
            if grid_shape.contains(lon, lat):
                grid = config.regions[grid_id]
                if within_path and not grid.path.startswith(within_path):
                    continue
                return _place_of(config, grid)
    raise outside


# --- owner --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    unit_type: str
    person_id: int | None  # the grid worker the appeal is routed to
    partner_id: int | None  # or the partner unit responsible for it


def responsible_unit(config: AppealsConfig, community_id: int, category: CategoryInfo) -> str:
    """权责清单: the community's rule, else the platform rule, else the category's default."""
    for key in ((community_id, category.id), (None, category.id)):
        unit = config.responsibility.get(key)
        if unit:
            return unit
    parent = config.categories.get(category.parent_id) if category.parent_id else None
    if category.responsible == GRID_UNIT and parent is not None:
        for key in ((community_id, parent.id), (None, parent.id)):
            unit = config.responsibility.get(key)
            if unit:
                return unit
    return category.responsible or GRID_UNIT


def route_owner(config: AppealsConfig, place: Place, category: CategoryInfo) -> Owner:
    """The grid's worker; or the nearest active partner unit of the responsible kind serving
    the grid, the community or the street (falling back to the grid worker without one)."""
    unit = responsible_unit(config, place.community_id, category)
    worker = config.grid_workers.get(place.grid_id)
    if unit != GRID_UNIT:
        for region_id in (place.building_id, place.grid_id, place.community_id, place.street_id):
            if region_id is None:
                continue
            partner = config.partners.get((region_id, unit))
            if partner is not None:
                return Owner(unit, None, partner)
    return Owner(GRID_UNIT, worker, None)


# --- the plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryChoice:
    category: CategoryInfo
    source: str  # CategorySource value
    suggestion: Suggestion | None


def choose_category(
    config: AppealsConfig, *, text: str, category_code: str | None
) -> CategoryChoice:
    """The category named at intake (which must exist and be active), else the router's."""
    from gongzhi.appeals.models import CategorySource

    if category_code:
        category = config.category(category_code)
        if category is None:
            raise ValidationFailed(_("Unknown category."), field="category")
        return CategoryChoice(category, CategorySource.RESIDENT, None)
    suggestion, category = suggest(config, text)
    if category is None:
        raise ValidationFailed(_("Choose a category: none could be suggested."), field="category")
    return CategoryChoice(category, CategorySource.ROUTER, suggestion)
