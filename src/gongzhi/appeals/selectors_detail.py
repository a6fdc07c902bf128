"""Read helpers for the appeal pages (the resident's form, 代办 entry and the detail page).

Places and categories come from the cached routing configuration (config.get_config), so the
forms cost no query for them. Everything about one appeal is read through
selectors.appeal_detail first, which decides whether the actor may see it at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals import selectors
from gongzhi.appeals.access import COMMUNITY_ROLES, HANDLER_ROLES, relation
from gongzhi.appeals.config import get_config
from gongzhi.appeals.models import Appeal, AppealPhoto, CoHandler
from gongzhi.appeals.states import Actor, State
from gongzhi.core.errors import NotFound
from gongzhi.core.masking import mask_phone
from gongzhi.core.validators import normalise_phone
from gongzhi.org.models import PartnerUnit, Person, RegionKind, Role, RoleAssignment
from gongzhi.org.scopes import ACT_FOR_ROLES, Scope, scope_for

Choice = tuple[str, str]
Group = tuple[str, list[Choice]]


# --- places and categories ----------------------------------------------------------------------


def place_value(kind: str, region_id: int) -> str:
    return f"{'b' if kind == RegionKind.BUILDING else 'g'}:{region_id}"


def parse_place(value: str) -> tuple[int | None, int | None]:
    """(building id, grid id) of a place value "b:12" or "g:3"; (None, None) when empty or
    malformed (the service then asks for a place)."""
    kind, _sep, raw = (value or "").partition(":")
    if not raw.isdigit() or len(raw) > 12:
        return None, None
    if kind == "b":
        return int(raw), None
    if kind == "g":
        return None, int(raw)
    return None, None


def place_groups(roots: Iterable[str]) -> list[Group]:
    """The grids under `roots` (region paths), each with its buildings: for the place picker.
    The grid itself is the first choice of its group (somewhere in the grid, no building)."""
    roots = tuple(r for r in roots if r)
    if not roots:
        return []
    config = get_config()
    grids = sorted(
        (
            r
            for r in config.regions.values()
            if r.kind == RegionKind.GRID
            and any(r.path.startswith(root) or root.startswith(r.path) for root in roots)
        ),
        key=lambda r: r.path,
    )
    buildings: dict[int, list[Any]] = {}
    for r in config.regions.values():
        if r.kind == RegionKind.BUILDING and r.parent_id is not None:
            buildings.setdefault(r.parent_id, []).append(r)
    groups: list[Group] = []
    for grid in grids:
        inside_grid = any(grid.path.startswith(root) for root in roots)
        choices: list[Choice] = []
        if inside_grid:
            choices.append(
                (
                    place_value(RegionKind.GRID, grid.id),
                    str(_("%(grid)s (no particular building)") % {"grid": grid.name}),
                )
            )
        for b in sorted(buildings.get(grid.id, []), key=lambda r: (r.name, r.id)):
            if any(b.path.startswith(root) for root in roots):
                choices.append((place_value(RegionKind.BUILDING, b.id), b.name))
        if choices:
            groups.append((grid.name, choices))
    return groups


def home_community_path(scope: Scope) -> str:
    parts = [p for p in scope.home_path.strip("/").split("/") if p]
    return "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else ""


def resident_places(actor: Any) -> list[Group]:
    """Where a resident may place their appeal: their home community (anywhere, for a
    platform administrator)."""
    scope = scope_for(actor)
    return place_groups(["/"] if scope.is_admin else [home_community_path(scope)])


def resident_default_place(actor: Any) -> str:
    """The resident's own building (or grid) as a place value, "" when unknown."""
    scope = scope_for(actor)
    parts = [p for p in scope.home_path.strip("/").split("/") if p]
    if len(parts) >= 4:
        return place_value(RegionKind.BUILDING, int(parts[3]))
    if len(parts) == 3:
        return place_value(RegionKind.GRID, int(parts[2]))
    return ""


def staff_places(actor: Any) -> list[Group]:
    """Where staff may place an appeal they enter for a resident: their act-for area."""
    scope = scope_for(actor)
    return place_groups(["/"] if scope.is_admin else scope.paths(ACT_FOR_ROLES))


def category_groups() -> list[Group]:
    """The active leaf categories, grouped under their top category."""
    config = get_config()
    tops = sorted(
        (c for c in config.categories.values() if c.parent_id is None and c.active),
        key=lambda c: c.code,
    )
    groups: list[Group] = []
    for top in tops:
        leaves = sorted(
            (
                c
                for c in config.categories.values()
                if c.parent_id == top.id and c.active and c.is_leaf
            ),
            key=lambda c: c.code,
        )
        if leaves:
            groups.append((top.name, [(c.code, c.name) for c in leaves]))
    loose = [
        (c.code, c.name)
        for c in config.categories.values()
        if c.parent_id is None and c.active and c.is_leaf
    ]
    if loose:
        groups.append((str(_("Other")), sorted(loose)))
    return groups


def category_name(code: str) -> str:
    info = get_config().category(code) if code else None
    return info.name if info is not None else ""


def grid_of_place(value: str) -> int | None:
    """The grid id of a place value (for the duplicate hint)."""
    building_id, grid_id = parse_place(value)
    if grid_id is not None:
        return grid_id
    if building_id is not None:
        region = get_config().regions.get(building_id)
        if region is not None and len(region.ids) >= 3:
            return region.ids[2]
    return None


# --- 代办: the resident staff enter an appeal for -----------------------------------------------


@dataclass(frozen=True)
class ResidentMatch:
    pk: int
    name: str
    phone: str  # masked
    place: str  # the place value of their building, for the form's default


def find_residents(actor: Any, *, phone: str = "", name: str = "", limit: int = 10) -> list[Any]:
    """People registered in the staff member's act-for area with this phone (exact) or name
    (exact): at most `limit`, Person rows with their region."""
    scope = scope_for(actor)
    if not scope.has_any(ACT_FOR_ROLES):
        return []
    phone = normalise_phone(phone or "")
    name = " ".join((name or "").split())
    if not phone and not name:
        return []
    qs = Person.objects.filter(scope.q("region__path", ACT_FOR_ROLES)).select_related("region")
    qs = qs.filter(phone=phone) if phone else qs.filter(name=name)
    return list(qs.order_by("name", "pk")[:limit])


def find_resident_by_pk(actor: Any, pk: int) -> Person | None:
    """The person, if registered in the staff member's act-for area."""
    scope = scope_for(actor)
    if not scope.has_any(ACT_FOR_ROLES):
        return None
    return (
        Person.objects.filter(scope.q("region__path", ACT_FOR_ROLES), pk=pk)
        .select_related("region")
        .first()
    )


def resident_match(person: Any) -> ResidentMatch:
    region = person.region
    value = (
        place_value(region.kind, region.pk)
        if region.kind in (RegionKind.BUILDING, RegionKind.GRID)
        else ""
    )
    return ResidentMatch(
        person.pk, person.name, mask_phone(person.phone) if person.phone else "", value
    )


# --- the detail page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    value: str  # "p:<person id>" or "u:<partner unit id>"
    label: str


@dataclass(frozen=True)
class DetailExtras:
    photos: list[AppealPhoto]
    merged: list[tuple[int, str]]  # (pk, number) of duplicates merged into this one
    merged_into: tuple[int, str] | None  # (pk, number) of the appeal this one went into
    can_reveal: bool
    can_add_photos: bool
    transfer_targets: list[Target]
    co_handler_targets: list[Target]
    place: str  # grid · building, from the cached region tree


def place_label(appeal: Appeal) -> str:
    regions = get_config().regions
    names = [
        regions[i].name
        for i in (appeal.community_id, appeal.grid_id, appeal.building_id)
        if i is not None and i in regions
    ]
    return " · ".join(names)


def may_reveal(scope: Scope, appeal: Appeal, rel: Any) -> bool:
    """The rule of services.reveal_appeal_contact, for deciding whether to offer the button."""
    if rel.is_resident and not rel.is_area_staff:
        return False  # their own data: nothing to reveal
    if rel.is_community_staff:
        return True
    if appeal.anonymous:
        return False
    return (Actor.OWNER in rel.capacities and not rel.is_partner) or scope.covers(
        appeal.scope_path, {Role.GRID_WORKER}
    )


def _community_prefix(path: str) -> str:
    return "/".join(path.split("/")[:3]) + "/"


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def handler_targets(appeal: Appeal, *, exclude: Iterable[int] = ()) -> list[Target]:
    """People who handle appeals of the appeal's community (and the handlers of its partner
    unit): whom it may be transferred to or shared with (services._person_handles decides)."""
    community = _community_prefix(appeal.scope_path)
    q = Q(role__in=sorted(HANDLER_ROLES)) & (
        Q(region__path__startswith=community) | Q(region__path__in=_ancestors(appeal.scope_path))
    )
    if appeal.owner_partner_id is not None:
        q |= Q(role=Role.PARTNER_HANDLER, partner_id=appeal.owner_partner_id)
    skip = set(exclude)
    seen: dict[int, Target] = {}
    rows = (
        RoleAssignment.objects.filter(q)
        .select_related("person", "region")
        .order_by("person__name", "person_id")
    )
    for ra in rows:
        if ra.person_id in skip or ra.person_id in seen:
            continue
        seen[ra.person_id] = Target(
            f"p:{ra.person_id}", f"{ra.person.name}（{Role(ra.role).label} · {ra.region.name}）"
        )
    return list(seen.values())


def partner_targets(appeal: Appeal) -> list[Target]:
    community = _community_prefix(appeal.scope_path)
    units = (
        PartnerUnit.objects.filter(is_active=True)
        .filter(
            Q(region__path__in=_ancestors(appeal.scope_path))
            | Q(region__path__startswith=community)
        )
        .exclude(pk=appeal.owner_partner_id or 0)
        .order_by("name", "pk")
    )
    return [Target(f"u:{u.pk}", f"{u.name}（{u.get_kind_display()}）") for u in units]


def detail_extras(actor: Any, detail: selectors.AppealDetail) -> DetailExtras:
    appeal = detail.appeal
    scope = scope_for(actor)
    rel = detail.relation
    photos = list(AppealPhoto.objects.filter(appeal_id=appeal.pk).order_by("id"))
    merged = [
        (pk, number)
        for pk, number in selectors.appeals_visible(actor, Q(merged_into_id=appeal.pk))
        .order_by("created_at", "id")
        .values_list("pk", "number")
    ]
    merged_into = None
    if appeal.merged_into_id is not None:
        found = Appeal.objects.filter(pk=appeal.merged_into_id).values_list("pk", "number").first()
        merged_into = (found[0], found[1]) if found else None
    transfer: list[Target] = []
    co: list[Target] = []
    if "transfer" in detail.actions:
        owner = appeal.owner_person_id or appeal.assigned_person_id
        transfer = handler_targets(appeal, exclude=[owner] if owner else []) + partner_targets(
            appeal
        )
    if "add_co_handler" in detail.actions:
        existing = set(
            CoHandler.objects.filter(appeal_id=appeal.pk).values_list("person_id", flat=True)
        )
        co = handler_targets(
            appeal, exclude=existing | {appeal.owner_person_id or 0, scope.person_id or 0}
        )
    return DetailExtras(
        photos=photos,
        merged=merged,
        merged_into=merged_into,
        can_reveal=may_reveal(scope, appeal, rel),
        can_add_photos=bool(rel.capacities & {Actor.RESIDENT, Actor.OWNER, Actor.STAFF})
        and (appeal.is_open or appeal.state == State.REPLIED),
        transfer_targets=transfer,
        co_handler_targets=co,
        place=place_label(appeal),
    )


def visible_photo(actor: Any, pk: int, *, on_behalf_of_id: int | None = None) -> AppealPhoto:
    """A photo, if the actor may see its appeal; else NotFound (never a hint it exists)."""
    photo = AppealPhoto.objects.select_related("appeal").filter(pk=pk).first()
    if photo is None:
        raise NotFound(_("No such photo."))
    appeal = photo.appeal
    scope = scope_for(actor)
    co = []
    if (
        scope.person_id is not None
        and CoHandler.objects.filter(appeal_id=appeal.pk, person_id=scope.person_id).exists()
    ):
        co = [scope.person_id]
    if not relation(scope, appeal, co_handler_ids=co, on_behalf_of_id=on_behalf_of_id).can_view:
        raise NotFound(_("No such photo."))
    return photo


def is_community_staff(actor: Any, appeal: Appeal) -> bool:
    return scope_for(actor).covers(appeal.scope_path, COMMUNITY_ROLES)
