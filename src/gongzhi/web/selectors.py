"""What each role's home page shows. Read-only, and always through org/selectors.py.

Counts come from the actor's *visible* querysets, so a figure can never include rows the actor
may not see. Each figure is one grouped query (`COUNT(*) ... GROUP BY <region path>`) over the
section's subtrees, rolled up to every ancestor in Python: a table of N areas costs the same
few queries as one area, and each query scans the rows once (a correlated subquery per row
would scan them once per area).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from gongzhi.appeals import rates as appeal_rates
from gongzhi.appeals import selectors as appeals
from gongzhi.org import selectors as org
from gongzhi.org.models import (
    Household,
    PartnerUnit,
    PartyMember,
    Person,
    PersonTag,
    Region,
    RegionKind,
    Role,
    RoleAssignment,
    Tag,
)
from gongzhi.org.scopes import Scope, scope_for

COMMUNITY_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})
# The tags a grid worker looks after first.
CARE_TAGS: tuple[str, ...] = (Tag.ELDERLY_ALONE, Tag.DISABILITY, Tag.LOW_INCOME)
# Rows need names and ids, never the (possibly large) geometry.
ROW_FIELDS = ("id", "kind", "name", "code", "parent_id", "path", "depth")


def _under(path_field: str, roots: Iterable[str]) -> Q:
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(**{f"{path_field}__startswith": root})
    return q


def _ancestors(path: str) -> list[str]:
    """ "/1/4/17/" -> ["/1/", "/1/4/", "/1/4/17/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def tally(queryset: QuerySet[Any], path_field: str, roots: Sequence[str]) -> Counter[str]:
    """How many rows of `queryset` lie under each region path (itself included) below `roots`."""
    if not roots:
        return Counter()
    grouped = (
        queryset.filter(_under(path_field, roots))
        .order_by()
        .values_list(path_field)
        .annotate(n=Count("pk"))
    )
    out: Counter[str] = Counter()
    for path, n in grouped:
        for ancestor in _ancestors(path):
            out[ancestor] += n
    return out


def _residents(actor: Any) -> QuerySet[Person]:
    """People the actor may see who live in a household (staff registered at an office don't)."""
    return org.people_visible(actor).filter(household__isnull=False)


def _metric(actor: Any, name: str) -> tuple[QuerySet[Any], str]:
    """The visible queryset a figure counts, and the path that places each row."""
    if name == "households":
        return org.households_visible(actor), "building__path"
    if name == "residents":
        return _residents(actor), "household__building__path"
    if name == "grids":
        return org.regions_visible(actor).filter(kind=RegionKind.GRID), "path"
    if name == "buildings":
        return org.regions_visible(actor).filter(kind=RegionKind.BUILDING), "path"
    if name == "party_members":
        return org.party_members_visible(actor), "party_org__region__path"
    if name == "partners":
        return org.partners_visible(actor).filter(is_active=True), "region__path"
    raise ValueError(name)


def tallies(actor: Any, metrics: Iterable[str], roots: Sequence[str]) -> dict[str, Counter[str]]:
    """One grouped query per figure, over the subtrees at `roots`."""
    out: dict[str, Counter[str]] = {}
    for name in metrics:
        queryset, path_field = _metric(actor, name)
        out[name] = tally(queryset, path_field, roots)
    return out


@dataclass(frozen=True)
class AreaRow:
    """A region and its figures, e.g. counts["households"]."""

    region: Region
    counts: dict[str, int]


def _row(region: Region, figures: dict[str, Counter[str]]) -> AreaRow:
    return AreaRow(region=region, counts={k: c[region.path] for k, c in figures.items()})


@dataclass(frozen=True)
class TagCount:
    tag: str
    label: str
    count: int


@dataclass(frozen=True)
class GridSummary:
    row: AreaRow
    care: list[TagCount]
    appeals: appeals.AreaFigures | None = None


@dataclass(frozen=True)
class AreaSummary:
    """One area (a community or a street) with a row per child area."""

    row: AreaRow
    children: list[AreaRow] = field(default_factory=list)
    appeals: appeals.AreaFigures | None = None


@dataclass(frozen=True)
class ResidentHome:
    household: Household
    members: list[org.PersonCard]
    grid: Region | None
    grid_workers: list[Person]


@dataclass(frozen=True)
class PartnerHome:
    partner: PartnerUnit
    appeals: appeals.AreaFigures | None = None


@dataclass
class HomePage:
    scope: Scope
    resident: ResidentHome | None = None
    grids: list[GridSummary] = field(default_factory=list)
    communities: list[AreaSummary] = field(default_factory=list)
    streets: list[AreaSummary] = field(default_factory=list)
    admin_streets: list[AreaSummary] = field(default_factory=list)
    partners: list[PartnerUnit] = field(default_factory=list)
    party_membership: PartyMember | None = None
    is_party_member: bool = False
    is_admin: bool = False
    # Appeals: the resident's own open ones; the rates period of the staff sections.
    my_open_appeals: int | None = None
    rates_period: appeal_rates.Period | None = None
    partner_rows: list[PartnerHome] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.resident
            or self.grids
            or self.communities
            or self.streets
            or self.admin_streets
            or self.partners
            or self.party_membership
            or self.is_party_member
            or self.is_admin
        )


def resident_home(actor: Any) -> ResidentHome | None:
    """The actor's own household, its members, their grid and who looks after it.

    Scoped by identity: the household the actor's own person belongs to. Not through
    `org.households_visible`, which for staff means their staff area, and a grid worker may well
    live in another grid or community.
    """
    scope = scope_for(actor)
    if scope.household_id is None:
        return None
    household = (
        Household.objects.filter(pk=scope.household_id).select_related("building__parent").first()
    )
    if household is None:
        return None
    members = (
        Person.objects.filter(household_id=household.pk)
        .select_related("household", "region")
        .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.order_by("tag")))
        .order_by("id")
    )
    grid = household.building.parent
    if grid is not None and grid.kind != RegionKind.GRID:
        grid = None
    grid_workers: list[Person] = []
    if grid is not None:
        # A resident may know who looks after their own grid, and nobody else's.
        grid_workers = [
            ra.person
            for ra in RoleAssignment.objects.filter(role=Role.GRID_WORKER, region=grid)
            .select_related("person")
            .order_by("person_id")
        ]
    return ResidentHome(
        household=household,
        # Masked by the org rules (a household member's phone stays masked even at home).
        members=[org.person_card(actor, p) for p in members],
        grid=grid,
        grid_workers=grid_workers,
    )


def _roots(actor: Any, roles: Iterable[str]) -> QuerySet[Region]:
    scope = scope_for(actor)
    return org.regions_visible(actor).filter(path__in=scope.paths(roles))


def tag_tally(actor: Any, tags: Sequence[str], roots: Sequence[str]) -> dict[str, Counter[str]]:
    """Residents carrying each tag under each region path: one query for all tags."""
    out: dict[str, Counter[str]] = {tag: Counter() for tag in tags}
    if not roots or not tags:
        return out
    grouped = (
        _residents(actor)
        .filter(_under("household__building__path", roots), tags__tag__in=tags)
        .order_by()
        .values_list("household__building__path", "tags__tag")
        .annotate(n=Count("pk"))
    )
    for path, tag, n in grouped:
        for ancestor in _ancestors(path):
            out[tag][ancestor] += n
    return out


def grid_summaries(actor: Any) -> list[GridSummary]:
    grids = list(_roots(actor, {Role.GRID_WORKER}).only(*ROW_FIELDS).order_by("path"))
    roots = [g.path for g in grids]
    figures = tallies(actor, ["buildings", "households", "residents"], roots)
    care = tag_tally(actor, CARE_TAGS, roots)
    labels = dict(Tag.choices)
    return [
        GridSummary(
            row=_row(g, figures),
            care=[TagCount(tag=t, label=str(labels[t]), count=care[t][g.path]) for t in CARE_TAGS],
        )
        for g in grids
    ]


def area_summaries(
    actor: Any, roots: QuerySet[Region], *, metrics: Sequence[str]
) -> list[AreaSummary]:
    """Each root with its figures, and a row per child: a fixed number of queries."""
    parents = list(roots.only(*ROW_FIELDS).order_by("path"))
    if not parents:
        return []
    children = list(
        org.regions_visible(actor)
        .filter(parent__in=[p.pk for p in parents])
        .only(*ROW_FIELDS)
        .order_by("code")
    )
    figures = tallies(actor, metrics, [p.path for p in parents])
    by_parent: dict[int, list[AreaRow]] = {p.pk: [] for p in parents}
    for child in children:
        if child.parent_id is not None:
            by_parent[child.parent_id].append(_row(child, figures))
    return [AreaSummary(row=_row(p, figures), children=by_parent[p.pk]) for p in parents]


AREA_METRICS = ("grids", "households", "residents", "party_members", "partners")


def community_summaries(actor: Any) -> list[AreaSummary]:
    return area_summaries(
        actor, _roots(actor, COMMUNITY_ROLES), metrics=(*AREA_METRICS, "buildings")
    )


def street_summaries(actor: Any, roots: QuerySet[Region]) -> list[AreaSummary]:
    return area_summaries(actor, roots, metrics=AREA_METRICS)


def own_partners(actor: Any) -> list[PartnerUnit]:
    """The partner units the actor handles, and the community each serves.

    Scoped by the actor's own partner grants. Not through `org.partners_visible`: for a person
    who is also staff it returns the units of their staff area instead, which need not contain
    the unit they handle (a grid worker handling a community-wide unit).
    """
    partner_ids = scope_for(actor).partner_ids()
    if not partner_ids:
        return []
    return list(
        PartnerUnit.objects.filter(pk__in=partner_ids).select_related("region").order_by("name")
    )


def own_party_membership(actor: Any) -> PartyMember | None:
    """The actor's own Party membership, wherever their organisation sits.

    Scoped by identity (the actor's own person). `org.party_members_visible` filters staff by
    their staff area, which need not contain their own organisation.
    """
    scope = scope_for(actor)
    if scope.person_id is None:
        return None
    return (
        PartyMember.objects.filter(person_id=scope.person_id)
        .select_related("party_org__region", "party_org__parent")
        .first()
    )


def home_page(actor: Any) -> HomePage:
    """Everything the actor's home page shows, one section per role they hold."""
    scope = scope_for(actor)
    roles = scope.roles
    page = HomePage(scope=scope, is_admin=scope.is_admin)
    page.resident = resident_home(actor)
    if Role.GRID_WORKER in roles:
        page.grids = grid_summaries(actor)
    if roles & COMMUNITY_ROLES:
        page.communities = community_summaries(actor)
    if scope.is_admin:
        # The administrator's street view already covers any street they supervise.
        page.admin_streets = street_summaries(actor, org.region_roots(actor))
    elif Role.STREET_SUPERVISOR in roles:
        page.streets = street_summaries(actor, _roots(actor, {Role.STREET_SUPERVISOR}))
    if Role.PARTNER_HANDLER in roles:
        page.partners = own_partners(actor)
    page.is_party_member = Role.PARTY_MEMBER in roles
    if page.is_party_member or scope.person_id is not None:
        page.party_membership = own_party_membership(actor)
    add_appeal_figures(actor, page)
    return page


def add_appeal_figures(actor: Any, page: HomePage) -> None:
    """The appeal figures of each section: open, due today and overdue per grid, community,
    street and partner unit, the three rates this month per community and street (two
    queries for all sections together), and a resident's own open appeals (one query)."""
    if Role.RESIDENT in page.scope.roles:
        page.my_open_appeals = appeals.resident_open_count(actor)
    areas = [g.row.region for g in page.grids]
    for section in (page.communities, page.streets, page.admin_streets):
        areas += [a.row.region for a in section]
    partners = [p.pk for p in page.partners]
    page.partner_rows = [PartnerHome(partner=p) for p in page.partners]
    if not areas and not partners:
        return
    period = appeal_rates.period_from({})[0]
    page.rates_period = period
    figures = appeals.area_figures(
        actor, regions=areas, partners=partners, start=period.start, end=period.end
    )

    def of(region: Region) -> appeals.AreaFigures | None:
        kind = "community" if region.kind == RegionKind.VILLAGE else region.kind
        return figures.get((kind, region.pk))

    page.grids = [replace(g, appeals=of(g.row.region)) for g in page.grids]
    page.communities = [replace(a, appeals=of(a.row.region)) for a in page.communities]
    page.streets = [replace(a, appeals=of(a.row.region)) for a in page.streets]
    page.admin_streets = [replace(a, appeals=of(a.row.region)) for a in page.admin_streets]
    page.partner_rows = [
        PartnerHome(partner=p, appeals=figures.get(("partner", p.pk))) for p in page.partners
    ]
