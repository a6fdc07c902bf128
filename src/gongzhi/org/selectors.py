"""Everything a person sees of the organisation comes through here, filtered by scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import NotFound
from gongzhi.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from gongzhi.core.models import AuditEvent
from gongzhi.org.models import (
    Household,
    PartnerUnit,
    PartyMember,
    PartyOrg,
    Person,
    PersonTag,
    Region,
    Role,
    RoleAssignment,
)
from gongzhi.org.scopes import (
    AUDIT_ROLES,
    REVEAL_ROLES,
    ROLE_MANAGER_ROLES,
    STAFF_ROLES,
    Scope,
    scope_for,
)

ORG_VIEW_ROLES = STAFF_ROLES | {Role.PLATFORM_ADMIN}


def regions_visible(actor: Any) -> QuerySet[Region]:
    scope = scope_for(actor)
    return Region.objects.filter(scope.q("path", ORG_VIEW_ROLES))


def region_roots(actor: Any) -> QuerySet[Region]:
    """The top nodes of the actor's visible tree (their own subtree roots)."""
    scope = scope_for(actor)
    if scope.is_admin:
        return Region.objects.filter(parent__isnull=True)
    return Region.objects.filter(path__in=scope.paths(ORG_VIEW_ROLES))


def get_region(actor: Any, pk: int) -> Region:
    region = regions_visible(actor).filter(pk=pk).select_related("parent").first()
    if region is None:
        raise NotFound(_("No such region in your area."))
    return region


def region_children(actor: Any, region: Region) -> QuerySet[Region]:
    return (
        regions_visible(actor)
        .filter(parent=region)
        .annotate(n_households=Count("households", distinct=True))
        .order_by("code")
    )


def region_ancestors(actor: Any, region: Region) -> list[Region]:
    """Breadcrumbs: the visible ancestors of a region, root first."""
    ids = [int(p) for p in region.path.strip("/").split("/")[:-1] if p]
    by_id = {r.pk: r for r in regions_visible(actor).filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


NOTHING = Q(pk__in=[])


def _area_or_own(scope: Scope, path_field: str, own: Q) -> Q:
    """Rows in the actor's work area, plus the actor's own rows (a grid worker is a resident too).

    `Q() | x` would be `x`, so a platform admin's unrestricted filter is returned as is.
    """
    if scope.is_admin:
        return Q()
    return scope.q(path_field, ORG_VIEW_ROLES) | own


def households_visible(actor: Any) -> QuerySet[Household]:
    scope = scope_for(actor)
    own = Q(pk=scope.household_id) if scope.household_id is not None else NOTHING
    return Household.objects.filter(_area_or_own(scope, "building__path", own))


def households_in(actor: Any, region: Region) -> QuerySet[Household]:
    return (
        households_visible(actor)
        .filter(building__path__startswith=region.path)
        .select_related("building")
        .annotate(n_members=Count("members"))
    )


def get_household(actor: Any, pk: int) -> Household:
    household = households_visible(actor).filter(pk=pk).select_related("building").first()
    if household is None:
        raise NotFound(_("No such household in your area."))
    return household


def people_visible(actor: Any) -> QuerySet[Person]:
    scope = scope_for(actor)
    own = NOTHING
    if scope.household_id is not None:
        own = Q(household_id=scope.household_id)
    if scope.person_id is not None:
        own |= Q(pk=scope.person_id)
    return Person.objects.filter(_area_or_own(scope, "region__path", own))


def get_person(actor: Any, pk: int) -> Person:
    person = (
        people_visible(actor)
        .filter(pk=pk)
        .select_related("household", "region")
        .prefetch_related("tags")
        .first()
    )
    if person is None:
        raise NotFound(_("No such person in your area."))
    return person


@dataclass(frozen=True)
class PersonCard:
    """What a list or a page shows of a person: masked unless the viewer revealed it."""

    pk: int
    name: str
    phone: str
    id_number: str
    address: str
    birth_year: int | None
    gender: str
    tags: list[str]
    masked: bool
    can_reveal: bool


def person_card(
    actor: Any, person: Person, *, unmasked: dict[str, str] | None = None
) -> PersonCard:
    scope = scope_for(actor)
    own = scope.person_id == person.pk
    can_reveal = own or scope.covers(person.region.path, REVEAL_ROLES)
    address = person.household.address if person.household else ""
    tags = [str(t.get_tag_display()) for t in person.tags.all()]
    if own or unmasked is not None:
        data = unmasked or {}
        return PersonCard(
            pk=person.pk,
            name=person.name,
            phone=data.get("phone", person.phone),
            id_number=data.get("id_number", person.id_number),
            address=data.get("address", address),
            birth_year=person.birth_year,
            gender=person.get_gender_display(),
            tags=tags,
            masked=False,
            can_reveal=can_reveal,
        )
    return PersonCard(
        pk=person.pk,
        name=person.name if scope.has_any(ORG_VIEW_ROLES) else mask_name(person.name),
        phone=mask_phone(person.phone) if person.phone else "",
        id_number=mask_id_number(person.id_number) if person.id_number else "",
        address=mask_address(address) if address else "",
        birth_year=person.birth_year,
        gender=person.get_gender_display(),
        tags=tags,
        masked=True,
        can_reveal=can_reveal,
    )


def household_members(actor: Any, household: Household) -> list[PersonCard]:
    people = (
        people_visible(actor)
        .filter(household=household)
        .select_related("household", "region")
        .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.order_by("tag")))
        .order_by("id")
    )
    return [person_card(actor, p) for p in people]


def party_orgs_visible(actor: Any) -> QuerySet[PartyOrg]:
    scope = scope_for(actor)
    own = NOTHING
    if scope.person_id is not None:
        own = Q(pk__in=PartyMember.objects.filter(person_id=scope.person_id).values("party_org"))
    return PartyOrg.objects.filter(_area_or_own(scope, "region__path", own))


def party_members_visible(actor: Any) -> QuerySet[PartyMember]:
    return PartyMember.objects.filter(party_org__in=party_orgs_visible(actor)).select_related(
        "person", "party_org"
    )


def partners_visible(actor: Any) -> QuerySet[PartnerUnit]:
    scope = scope_for(actor)
    own = Q(pk__in=scope.partner_ids()) if scope.partner_ids() else NOTHING
    return PartnerUnit.objects.filter(_area_or_own(scope, "region__path", own))


def role_assignments_visible(actor: Any) -> QuerySet[RoleAssignment]:
    scope = scope_for(actor)
    return RoleAssignment.objects.filter(scope.q("region__path", ORG_VIEW_ROLES)).select_related(
        "person", "region", "partner"
    )


def audit_events_visible(actor: Any) -> QuerySet[AuditEvent]:
    scope = scope_for(actor)
    if not scope.has_any(AUDIT_ROLES):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(scope.q("scope_path", AUDIT_ROLES)).select_related(
        "actor", "on_behalf_of"
    )


def role_assignments_manageable(actor: Any) -> QuerySet[RoleAssignment]:
    """The role assignments a secretary (or platform admin) may grant and revoke."""
    scope = scope_for(actor)
    return (
        RoleAssignment.objects.filter(scope.q("region__path", ROLE_MANAGER_ROLES))
        .select_related("person", "region", "partner")
        .order_by("region__path", "role", "person__name")
    )


def regions_manageable(actor: Any) -> QuerySet[Region]:
    """Where a secretary may place a role: their community and everything under it."""
    scope = scope_for(actor)
    return Region.objects.filter(scope.q("path", ROLE_MANAGER_ROLES)).order_by("path")


def find_person_for_role(actor: Any, text: str) -> Person:
    """The one person in the actor's community with this mobile number, ID number or name."""
    from gongzhi.core.validators import normalise_phone

    scope = scope_for(actor)
    people = Person.objects.filter(scope.q("region__path", ROLE_MANAGER_ROLES))
    text = text.strip()
    phone = normalise_phone(text)
    found = list(
        people.filter(Q(phone=phone) | Q(id_number=text.upper()) | Q(name=text))
        .select_related("region")
        .order_by("id")[:2]
    )
    if not found:
        raise NotFound(_("Nobody in your community has this mobile number, ID number or name."))
    if len(found) > 1:
        raise NotFound(_("Several people match; enter the mobile number or ID number instead."))
    return found[0]
