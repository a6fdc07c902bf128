"""Read models for the organisation browser, built on the scoped selectors in org/selectors.py.

Nothing here widens what an actor may see: every query starts from `regions_visible`,
`households_visible`, `people_visible`, `party_orgs_visible` or `partners_visible`.
List pages get a bounded number of queries whatever the number of rows (no N+1).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import NotFound
from gongzhi.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from gongzhi.org.models import (
    CommitteeMember,
    Household,
    MembershipKind,
    PartnerUnit,
    PartyMember,
    PartyOrg,
    Person,
    Region,
    Role,
)
from gongzhi.org.scopes import ACT_FOR_ROLES, EDIT_ROLES, REVEAL_ROLES, scope_for
from gongzhi.org.selectors import (
    ORG_VIEW_ROLES,
    PersonCard,
    households_in,
    households_visible,
    partners_visible,
    party_members_visible,
    party_orgs_visible,
    people_visible,
    regions_visible,
)

PARTY_VIEW_ROLES = ORG_VIEW_ROLES | {Role.PARTY_MEMBER}
PARTNER_VIEW_ROLES = ORG_VIEW_ROLES | {Role.PARTNER_HANDLER}


# --- who may do what ---------------------------------------------------------------------


def can_browse_regions(actor: Any) -> bool:
    return scope_for(actor).has_any(ORG_VIEW_ROLES)


def can_browse_party(actor: Any) -> bool:
    return scope_for(actor).has_any(PARTY_VIEW_ROLES)


def can_browse_partners(actor: Any) -> bool:
    return scope_for(actor).has_any(PARTNER_VIEW_ROLES)


def person_edit_mode(actor: Any, person: Person) -> str | None:
    """Return "full" for staff who may edit the person, "phone" for the person themself."""
    scope = scope_for(actor)
    if scope.covers(person.region.path, EDIT_ROLES):
        return "full"
    if scope.person_id is not None and scope.person_id == person.pk:
        return "phone"
    return None


def can_act_for(actor: Any, person: Person) -> bool:
    scope = scope_for(actor)
    return scope.person_id != person.pk and scope.covers(person.region.path, ACT_FOR_ROLES)


def can_open_household(actor: Any, person: Person) -> bool:
    """Whether the person's household page is open to the actor (without another query)."""
    if person.household_id is None:
        return False
    scope = scope_for(actor)
    return scope.household_id == person.household_id or scope.covers(
        person.region.path, ORG_VIEW_ROLES
    )


# --- masking for lists and first views ---------------------------------------------------


def masked(card: PersonCard) -> PersonCard:
    """The card with phone, ID number and address masked, whoever is looking.

    `person_card` leaves a person's own card unmasked; lists and the first view of a person page
    mask everything and leave the full values to an explicit, audited reveal.
    """
    if card.masked:
        return card
    return replace(
        card,
        phone=mask_phone(card.phone) if card.phone else "",
        id_number=mask_id_number(card.id_number) if card.id_number else "",
        address=mask_address(card.address) if card.address else "",
        masked=True,
    )


def household_address(actor: Any, household: Household) -> str:
    """The full address for the household itself and for roles that may reveal; else masked."""
    scope = scope_for(actor)
    if scope.household_id == household.pk or scope.covers(household.building.path, REVEAL_ROLES):
        return household.address
    return mask_address(household.address)


def household_label(actor: Any, household: Household) -> str:
    """How a list of a building's households names one: unit and room, or a masked address."""
    scope = scope_for(actor)
    if scope.covers(household.building.path, REVEAL_ROLES):
        unit = f"{household.unit}-" if household.unit else ""
        return f"{unit}{household.room}"
    return mask_address(household.address)


# --- the region tree ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegionRow:
    region: Region
    n_households: int
    n_people: int


def _subtree_counts(actor: Any, roots: list[Region]) -> dict[int, tuple[int, int]]:
    """Households and people under each of `roots` (disjoint subtrees), in two queries."""
    if not roots:
        return {}
    by_path = {r.path: r.pk for r in roots}
    households: dict[int, int] = defaultdict(int)
    people: dict[int, int] = defaultdict(int)

    def root_of(path: str) -> int | None:
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            found = by_path.get("/" + "/".join(parts[:i]) + "/")
            if found is not None:
                return found
        return None

    prefix = Q()
    for r in roots:
        prefix |= Q(building__path__startswith=r.path)
    household_groups = (
        households_visible(actor)
        .filter(prefix)
        .order_by()
        .values("building__path")
        .annotate(n=Count("id"))
    )
    for row in household_groups:
        root = root_of(row["building__path"])
        if root is not None:
            households[root] += row["n"]
    prefix = Q()
    for r in roots:
        prefix |= Q(region__path__startswith=r.path)
    people_groups = (
        people_visible(actor)
        .filter(prefix)
        .order_by()
        .values("region__path")
        .annotate(n=Count("id"))
    )
    for person_row in people_groups:
        root = root_of(person_row["region__path"])
        if root is not None:
            people[root] += person_row["n"]
    return {r.pk: (households[r.pk], people[r.pk]) for r in roots}


def region_rows(actor: Any, regions: list[Region]) -> list[RegionRow]:
    counts = _subtree_counts(actor, regions)
    return [RegionRow(r, *counts.get(r.pk, (0, 0))) for r in regions]


def region_children_rows(actor: Any, region: Region) -> list[RegionRow]:
    """The visible children of a region with household and people counts of their subtrees."""
    children = list(regions_visible(actor).filter(parent=region).order_by("code"))
    return region_rows(actor, children)


@dataclass(frozen=True)
class HouseholdRow:
    household: Household
    label: str
    n_members: int


@dataclass(frozen=True)
class BuildingBlock:
    building: Region
    households: list[HouseholdRow]


def grid_buildings(actor: Any, grid: Region) -> list[BuildingBlock]:
    """A grid's buildings, each with its households and their member counts (two queries)."""
    buildings = list(regions_visible(actor).filter(parent=grid).order_by("code"))
    grouped: dict[int, list[HouseholdRow]] = defaultdict(list)
    for h in households_in(actor, grid).order_by("building__code", "unit", "room"):
        grouped[h.building_id].append(
            HouseholdRow(h, household_label(actor, h), h.n_members)  # type: ignore[attr-defined]
        )
    return [BuildingBlock(b, grouped.get(b.pk, [])) for b in buildings]


def building_households(actor: Any, building: Region) -> QuerySet[Household]:
    """A building's households with member counts, in room order, ready to paginate."""
    return households_in(actor, building).order_by("unit", "room", "id")


def household_rows(actor: Any, households: Any) -> list[HouseholdRow]:
    return [HouseholdRow(h, household_label(actor, h), h.n_members) for h in households]


# --- people ------------------------------------------------------------------------------


def person_party_membership(actor: Any, person: Person) -> PartyMember | None:
    return party_members_visible(actor).filter(person=person).first()


# --- the Party organisation --------------------------------------------------------------


@dataclass(frozen=True)
class PartyNode:
    org: PartyOrg
    level: int
    n_members: int
    n_in_service: int
    n_members_direct: int


def _party_nodes(orgs: list[PartyOrg]) -> list[PartyNode]:
    """Each org with member counts of its visible subtree and an indentation level."""
    total: dict[int, int] = defaultdict(int)
    in_service: dict[int, int] = defaultdict(int)
    ids = {o.pk for o in orgs}
    for o in orgs:
        for part in o.path.strip("/").split("/"):
            ancestor = int(part)
            if ancestor in ids:
                total[ancestor] += o.n_direct  # type: ignore[attr-defined]
                in_service[ancestor] += o.n_in_service_direct  # type: ignore[attr-defined]
    top = min((o.path.count("/") for o in orgs), default=0)
    return [
        PartyNode(
            org=o,
            level=o.path.count("/") - top,
            n_members=total[o.pk],
            n_in_service=in_service[o.pk],
            n_members_direct=o.n_direct,  # type: ignore[attr-defined]
        )
        for o in orgs
    ]


def _with_member_counts(orgs: QuerySet[PartyOrg]) -> QuerySet[PartyOrg]:
    return orgs.annotate(
        n_direct=Count("members", distinct=True),
        n_in_service_direct=Count(
            "members", filter=Q(members__kind=MembershipKind.IN_SERVICE), distinct=True
        ),
    )


def party_tree(actor: Any) -> list[PartyNode]:
    """The visible Party organisations, committee > branch > group > centre household."""
    orgs = _with_member_counts(party_orgs_visible(actor).select_related("region")).order_by("path")
    return _party_nodes(list(orgs))


def get_party_org(actor: Any, pk: int) -> PartyOrg:
    org = (
        party_orgs_visible(actor)
        .filter(pk=pk)
        .select_related("region", "parent", "secretary")
        .first()
    )
    if org is None:
        raise NotFound(_("No such Party organisation in your area."))
    return org


def party_org_children(actor: Any, org: PartyOrg) -> list[PartyNode]:
    children = _with_member_counts(party_orgs_visible(actor).filter(parent=org)).order_by("path")
    return _party_nodes(list(children))


@dataclass(frozen=True)
class MemberRow:
    name: str
    kind: str
    is_in_service: bool
    work_unit: str
    joined_on: Any


def party_org_members(actor: Any, org: PartyOrg) -> list[MemberRow]:
    """Members of one organisation: names, kind and work unit; never a phone number.

    Staff see names in full; a Party member sees fellow members' names masked (their own in full).
    """
    scope = scope_for(actor)
    staff = scope.has_any(ORG_VIEW_ROLES)
    members = party_members_visible(actor).filter(party_org=org).order_by("person__name", "id")
    return [
        MemberRow(
            name=m.person.name
            if staff or m.person_id == scope.person_id
            else mask_name(m.person.name),
            kind=str(m.get_kind_display()),
            is_in_service=m.kind == MembershipKind.IN_SERVICE,
            work_unit=m.work_unit,
            joined_on=m.joined_on,
        )
        for m in members
    ]


# --- partner units -----------------------------------------------------------------------


@dataclass(frozen=True)
class CommitteeSeat:
    name: str
    title: str
    committee: str
    is_part_time: bool


@dataclass(frozen=True)
class PartnerRow:
    partner: PartnerUnit
    contact_phone: str
    seats: list[CommitteeSeat]


def partner_rows(actor: Any) -> list[PartnerRow]:
    """Partner units in scope with masked contact phone and their 1+5+N committee seats."""
    partners = (
        partners_visible(actor)
        .select_related("region")
        .prefetch_related(
            Prefetch(
                "committeemember_set",
                queryset=CommitteeMember.objects.select_related("person", "party_org").order_by(
                    "id"
                ),
                to_attr="seats",
            )
        )
        .order_by("region__path", "name")
    )
    return [
        PartnerRow(
            partner=p,
            contact_phone=mask_phone(p.contact_phone) if p.contact_phone else "",
            seats=[
                CommitteeSeat(
                    name=s.person.name,
                    title=s.title,
                    committee=s.party_org.name,
                    is_part_time=s.is_part_time,
                )
                for s in p.seats
            ],
        )
        for p in partners
    ]
