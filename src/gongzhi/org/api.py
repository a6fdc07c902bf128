"""The organisation over JSON: who am I, regions, households, people, partners, Party orgs.

Every read goes through org/selectors.py (scoped to the actor); every write through
org/services.py. An object outside the actor's scope is a 404, exactly like one that does not
exist. Personal data is masked in every response except a person's own and an audited reveal.
"""

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from gongzhi.api.pagination import Mapped, Pagination
from gongzhi.api.schemas import PathId, error_responses
from gongzhi.core.errors import NotFound
from gongzhi.core.masking import mask_address, mask_phone
from gongzhi.org import selectors, services
from gongzhi.org.models import (
    Household,
    PartnerUnit,
    PartyMember,
    PartyOrg,
    Person,
    Region,
    RoleAssignment,
)
from gongzhi.org.schemas import (
    HouseholdDetailOut,
    HouseholdFilters,
    HouseholdIn,
    HouseholdOut,
    MeOut,
    PartnerOut,
    PartyOrgOut,
    PeopleFilters,
    PersonCardOut,
    PersonOut,
    PersonPatchIn,
    RegionChildOut,
    RegionFilters,
    RegionOut,
    RevealOut,
)
from gongzhi.org.scopes import scope_for

router = Router(tags=["organisation"])


# --- read models -----------------------------------------------------------------------------
# Plain dicts in the shape of the schemas; masking happens here or in the selectors, never in
# the schemas, so that what leaves the server is decided in one readable place.


def _region_ref(region: Region) -> dict[str, Any]:
    return {"id": region.pk, "name": region.name, "kind": region.kind}


def _region(region: Region) -> dict[str, Any]:
    out = {
        "id": region.pk,
        "kind": region.kind,
        "kind_label": str(region.get_kind_display()),
        "name": region.name,
        "code": region.code,
        "parent_id": region.parent_id,
        "depth": region.depth,
        "latitude": region.latitude,
        "longitude": region.longitude,
    }
    if hasattr(region, "n_households"):
        out["n_households"] = region.n_households
    return out


def _card(card: selectors.PersonCard) -> dict[str, Any]:
    return {
        "id": card.pk,
        "name": card.name,
        "phone": card.phone,
        "id_number": card.id_number,
        "address": card.address,
        "birth_year": card.birth_year,
        "gender": card.gender,
        "tags": card.tags,
        "masked": card.masked,
        "can_reveal": card.can_reveal,
    }


def _person(actor: Any, person: Person) -> dict[str, Any]:
    out = _card(selectors.person_card(actor, person))
    out["household_id"] = person.household_id
    out["region"] = _region_ref(person.region)
    return out


def _household(household: Household) -> dict[str, Any]:
    return {
        "id": household.pk,
        "building": _region_ref(household.building),
        "unit": household.unit,
        "address": mask_address(household.address) if household.address else "",
        "ownership": household.ownership,
        "floor_area": float(household.floor_area) if household.floor_area is not None else None,
        "n_members": getattr(household, "n_members", 0),
    }


def _household_detail(actor: Any, household: Household) -> dict[str, Any]:
    members = selectors.household_members(actor, household)
    out = _household(household)
    out["members"] = [_card(c) for c in members]
    out["n_members"] = len(members)
    return out


def _partner(partner: PartnerUnit) -> dict[str, Any]:
    return {
        "id": partner.pk,
        "name": partner.name,
        "kind": partner.kind,
        "kind_label": str(partner.get_kind_display()),
        "region": _region_ref(partner.region),
        "contact_name": partner.contact_name,
        "contact_phone": mask_phone(partner.contact_phone) if partner.contact_phone else "",
        "is_active": partner.is_active,
    }


def _party_org(org: PartyOrg) -> dict[str, Any]:
    return {
        "id": org.pk,
        "kind": org.kind,
        "kind_label": str(org.get_kind_display()),
        "name": org.name,
        "parent_id": org.parent_id,
        "region": _region_ref(org.region),
        "n_members": getattr(org, "n_members", 0),
    }


def _people(actor: Any) -> QuerySet[Person]:
    return (
        selectors.people_visible(actor)
        .select_related("household", "region")
        .prefetch_related("tags")
        .order_by("id")
    )


def _households(actor: Any) -> QuerySet[Household]:
    return (
        selectors.households_visible(actor)
        .select_related("building")
        .annotate(n_members=Count("members"))
        .order_by("building__path", "unit", "room", "id")
    )


def _subtree(region_id: int) -> str:
    """Materialised paths contain every ancestor's id: "/1/4/17/" is under 1, 4 and 17."""
    return f"/{int(region_id)}/"


# --- me ----------------------------------------------------------------------------------------


@router.get(
    "/me",
    response={200: MeOut, **error_responses()},
    url_name="org_me",
    summary="Who am I: user, person and roles",
)
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.auth  # type: ignore[attr-defined]
    person = user.person
    roles: list[dict[str, Any]] = []
    if person is not None:
        # A person's own role assignments: always theirs to see.
        for r in (
            RoleAssignment.objects.filter(person=person)
            .select_related("region", "partner")
            .order_by("region__path", "role")
        ):
            roles.append(
                {
                    "role": r.role,
                    "role_label": str(r.get_role_display()),
                    "region": _region_ref(r.region),
                    "partner": {"id": r.partner.pk, "name": r.partner.name} if r.partner else None,
                }
            )
    return {
        "user": {"id": user.pk, "username": user.get_username()},
        "person": _card(selectors.person_card(user, person)) if person is not None else None,
        "roles": roles,
        "is_admin": scope_for(user).is_admin,
    }


# --- regions -------------------------------------------------------------------------------------


@router.get(
    "/regions",
    response={200: list[RegionOut], **error_responses()},
    url_name="org_regions",
    summary="Regions in your area",
)
@paginate(Pagination)
def list_regions(request: HttpRequest, filters: Query[RegionFilters]) -> Any:
    qs = selectors.regions_visible(request.auth).order_by("path")  # type: ignore[attr-defined]
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.parent is not None:
        qs = qs.filter(parent_id=filters.parent)
    return Mapped(qs, _region)


@router.get(
    "/regions/{region_id}",
    response={200: RegionOut, **error_responses(404)},
    url_name="org_region",
    summary="One region",
)
def get_region(request: HttpRequest, region_id: PathId) -> dict[str, Any]:
    return _region(selectors.get_region(request.auth, region_id))  # type: ignore[attr-defined]


@router.get(
    "/regions/{region_id}/children",
    response={200: list[RegionChildOut], **error_responses(404)},
    url_name="org_region_children",
    summary="The direct children of a region",
)
@paginate(Pagination)
def region_children(request: HttpRequest, region_id: PathId) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    region = selectors.get_region(actor, region_id)
    return Mapped(selectors.region_children(actor, region), _region)


# --- households ----------------------------------------------------------------------------------


@router.get(
    "/households",
    response={200: list[HouseholdOut], **error_responses()},
    url_name="org_households",
    summary="Households in your area",
)
@paginate(Pagination)
def list_households(request: HttpRequest, filters: Query[HouseholdFilters]) -> Any:
    qs = _households(request.auth)  # type: ignore[attr-defined]
    if filters.region is not None:
        qs = qs.filter(building__path__contains=_subtree(filters.region))
    return Mapped(qs, _household)


@router.post(
    "/households",
    response={201: HouseholdDetailOut, **error_responses(400, 403, 404, 409)},
    url_name="org_household_create",
    summary="Register a household in a building",
)
def create_household(request: HttpRequest, payload: HouseholdIn) -> Status[dict[str, Any]]:
    actor = request.auth  # type: ignore[attr-defined]
    try:
        building = selectors.get_region(actor, payload.building)
    except NotFound as exc:
        raise NotFound(exc.message, field="building") from exc
    household = services.create_household(
        actor=actor,
        building=building,
        room=payload.room,
        unit=payload.unit.strip(),
        floor_area=payload.floor_area,
        ownership=str(payload.ownership.value),
    )
    household = _households(actor).get(pk=household.pk)
    return Status(201, _household_detail(actor, household))


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **error_responses(404)},
    url_name="org_household",
    summary="One household with its members (masked)",
)
def get_household(request: HttpRequest, household_id: PathId) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    household = selectors.get_household(actor, household_id)
    return _household_detail(actor, household)


# --- people --------------------------------------------------------------------------------------


@router.get(
    "/people",
    response={200: list[PersonCardOut], **error_responses()},
    url_name="org_people",
    summary="People in your area (masked)",
)
@paginate(Pagination)
def list_people(request: HttpRequest, filters: Query[PeopleFilters]) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    qs = _people(actor)
    if filters.region is not None:
        qs = qs.filter(region__path__contains=_subtree(filters.region))
    if filters.tag is not None:
        qs = qs.filter(tags__tag=filters.tag.value)
    return Mapped(qs, lambda p: _card(selectors.person_card(actor, p)))


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, **error_responses(404)},
    url_name="org_person",
    summary="One person (masked)",
)
def get_person(request: HttpRequest, person_id: PathId) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    return _person(actor, selectors.get_person(actor, person_id))


@router.patch(
    "/people/{person_id}",
    response={200: PersonOut, **error_responses(400, 403, 404, 409)},
    url_name="org_person_update",
    summary="Change a person's details",
)
def update_person(
    request: HttpRequest, person_id: PathId, payload: PersonPatchIn
) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    person = selectors.get_person(actor, person_id)
    changes = payload.model_dump(exclude_unset=True)
    tags = changes.pop("tags", None)
    for key in ("gender", "relation"):
        if key in changes:
            changes[key] = str(getattr(changes[key], "value", changes[key]))
    if changes.get("household") is not None:
        try:
            changes["household"] = selectors.get_household(actor, changes["household"])
        except NotFound as exc:
            raise NotFound(exc.message, field="household") from exc
    services.update_person(
        actor=actor,
        person=person,
        tags=[str(t.value) for t in tags] if tags is not None else None,
        **changes,
    )
    return _person(actor, selectors.get_person(actor, person_id))


@router.post(
    "/people/{person_id}/reveal",
    response={200: RevealOut, **error_responses(403, 404)},
    url_name="org_person_reveal",
    summary="The unmasked phone, ID number and address (audited)",
)
def reveal_person(request: HttpRequest, person_id: PathId) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    person = selectors.get_person(actor, person_id)
    data = services.reveal_personal_data(actor=actor, person=person)
    return {"id": person.pk, **data}


# --- partners and Party organisations -----------------------------------------------------


@router.get(
    "/partners",
    response={200: list[PartnerOut], **error_responses()},
    url_name="org_partners",
    summary="Partner units in your area",
)
@paginate(Pagination)
def list_partners(request: HttpRequest) -> Any:
    qs = (
        selectors.partners_visible(request.auth)  # type: ignore[attr-defined]
        .select_related("region")
        .order_by("region__path", "name", "id")
    )
    return Mapped(qs, _partner)


@router.get(
    "/party-orgs",
    response={200: list[PartyOrgOut], **error_responses()},
    url_name="org_party_orgs",
    summary="Party organisations in your area",
)
@paginate(Pagination)
def list_party_orgs(request: HttpRequest) -> Any:
    members = (
        PartyMember.objects.filter(party_org=OuterRef("pk"))
        .order_by()
        .values("party_org")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        selectors.party_orgs_visible(request.auth)  # type: ignore[attr-defined]
        .select_related("region")
        .annotate(n_members=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)))
        .order_by("path")
    )
    return Mapped(qs, _party_org)
