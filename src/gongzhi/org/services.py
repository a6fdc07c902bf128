"""The only code that writes the organisation. Each service is atomic and audited."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from gongzhi.core import audit
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.validators import (
    birth_year_from_id,
    gender_from_id,
    validate_id_number,
    validate_mobile,
)
from gongzhi.org.models import (
    ALLOWED_CHILDREN,
    PARTY_ALLOWED_CHILDREN,
    CommitteeMember,
    Household,
    MembershipKind,
    PartnerUnit,
    PartyMember,
    PartyOrg,
    Person,
    PersonTag,
    Region,
    RegionKind,
    Role,
    RoleAssignment,
    Tag,
)
from gongzhi.org.scopes import EDIT_ROLES, REVEAL_ROLES, ROLE_MANAGER_ROLES, scope_for

PERSON_FIELDS = ["name", "gender", "birth_year", "phone", "id_number", "household", "relation"]


def _require(actor: Any, path: str, roles: Iterable[str]) -> None:
    if actor is None:  # system jobs and the demo loader act without a person
        return
    if not scope_for(actor).covers(path, roles):
        raise PermissionDenied(_("This is outside your area or your role."))


def _region_path(parent: Region | None, pk: int) -> str:
    return f"{parent.path if parent else '/'}{pk}/"


@transaction.atomic
def create_region(
    *,
    actor: Any,
    kind: str,
    name: str,
    code: str,
    parent: Region | None = None,
    geometry: dict[str, Any] | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Region:
    if parent is None:
        if kind != RegionKind.STREET:
            raise ValidationFailed(_("Only a street can be the top of the tree."), field="parent")
        if actor is not None and not scope_for(actor).is_admin:
            raise PermissionDenied(_("Only a platform administrator can add a street."))
    else:
        if kind not in ALLOWED_CHILDREN[parent.kind]:
            raise ValidationFailed(
                _("A %(child)s cannot sit under a %(parent)s.")
                % {"child": RegionKind(kind).label, "parent": RegionKind(parent.kind).label},
                field="kind",
            )
        _require(actor, parent.path, EDIT_ROLES)
    if not name.strip():
        raise ValidationFailed(_("Enter a name."), field="name")
    if Region.objects.filter(code=code).exists():
        raise ValidationFailed(
            _("The code %(code)s is already in use.") % {"code": code}, field="code"
        )
    region = Region.objects.create(
        kind=kind,
        name=name.strip(),
        code=code,
        parent=parent,
        path=f"/tmp-{code}/",  # noqa: S108 - placeholder until the pk is known
        depth=(parent.depth + 1) if parent else 0,
        geometry=geometry,
        latitude=latitude,
        longitude=longitude,
    )
    region.path = _region_path(parent, region.pk)
    region.save(update_fields=["path"])
    audit.record(
        actor=actor,
        action="region.create",
        obj=region,
        scope_path=region.path,
        after={"kind": kind, "name": region.name, "code": code},
    )
    return region


@transaction.atomic
def create_household(
    *,
    actor: Any,
    building: Region,
    room: str,
    unit: str = "",
    floor_area: Decimal | None = None,
    ownership: str = "owner",
) -> Household:
    if building.kind != RegionKind.BUILDING:
        raise ValidationFailed(_("A household must be in a building."), field="building")
    _require(actor, building.path, EDIT_ROLES)
    room = room.strip()
    if not room:
        raise ValidationFailed(_("Enter a room number."), field="room")
    if floor_area is not None and not (Decimal(0) < floor_area < Decimal(10000)):
        raise ValidationFailed(_("Floor area must be between 0 and 10,000 m²."), field="floor_area")
    unit_label = f"{unit}单元" if unit and unit.isdigit() else unit
    address = f"{building.name}{unit_label}{room}"
    try:
        with transaction.atomic():
            household = Household.objects.create(
                building=building,
                unit=unit,
                room=room,
                address=address,
                floor_area=floor_area,
                ownership=ownership,
            )
    except IntegrityError as exc:
        raise Conflict(_("This room is already registered."), field="room") from exc
    audit.record(
        actor=actor,
        action="household.create",
        obj=household,
        scope_path=building.path,
        after={"address": address, "floor_area": str(floor_area) if floor_area else None},
    )
    return household


def _clean_person_fields(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "name" in out:
        out["name"] = str(out["name"]).strip()
        if not out["name"]:
            raise ValidationFailed(_("Enter a name."), field="name")
    if "phone" in out:
        out["phone"] = validate_mobile(out["phone"] or "")
    if "id_number" in out:
        out["id_number"] = validate_id_number(out["id_number"] or "")
        if out["id_number"]:
            out.setdefault("birth_year", birth_year_from_id(out["id_number"]))
            out.setdefault("gender", gender_from_id(out["id_number"]))
    year = out.get("birth_year")
    if year is not None and not (1900 <= int(year) <= 2100):
        raise ValidationFailed(_("Enter a birth year between 1900 and 2100."), field="birth_year")
    return out


def _set_tags(person: Person, tags: Iterable[str]) -> None:
    wanted = set(tags)
    unknown = wanted - set(Tag.values)
    if unknown:
        raise ValidationFailed(
            _("Unknown tag: %(tag)s") % {"tag": ", ".join(sorted(unknown))}, field="tags"
        )
    PersonTag.objects.filter(person=person).exclude(tag__in=wanted).delete()
    have = set(PersonTag.objects.filter(person=person).values_list("tag", flat=True))
    PersonTag.objects.bulk_create([PersonTag(person=person, tag=t) for t in wanted - have])


@transaction.atomic
def create_person(
    *,
    actor: Any,
    name: str,
    region: Region | None = None,
    household: Household | None = None,
    phone: str = "",
    id_number: str = "",
    gender: str = "",
    birth_year: int | None = None,
    relation: str = "",
    tags: Iterable[str] = (),
) -> Person:
    if household is not None:
        region = household.building
    if region is None:
        raise ValidationFailed(_("Choose a household or a region."), field="household")
    _require(actor, region.path, EDIT_ROLES)
    fields = _clean_person_fields(
        {"name": name, "phone": phone, "id_number": id_number, "relation": relation}
    )
    fields.setdefault("gender", gender)
    if birth_year is not None:
        fields["birth_year"] = birth_year
    if fields["gender"] == "" and gender:
        fields["gender"] = gender
    person = Person.objects.create(household=household, region=region, **fields)
    _set_tags(person, tags)
    audit.record(
        actor=actor,
        action="person.create",
        obj=person,
        scope_path=region.path,
        after={"name": person.name, "household": household.pk if household else None},
    )
    return person


@transaction.atomic
def update_person(
    *,
    actor: Any,
    person: Person,
    on_behalf_of: Person | None = None,
    tags: Iterable[str] | None = None,
    **changes: Any,
) -> Person:
    """Change a person's details: staff in scope, or the person themself (or 代办 for them)."""
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Unknown field: %(field)s") % {"field": ", ".join(sorted(unknown))},
            field=sorted(unknown)[0],
        )
    person = Person.objects.select_for_update().select_related("region").get(pk=person.pk)
    scope = scope_for(actor) if actor is not None else None
    is_self = scope is not None and scope.person_id == person.pk
    acting_for_self = on_behalf_of is not None and on_behalf_of.pk == person.pk
    if not is_self:
        _require(actor, person.region.path, EDIT_ROLES)
    if (
        (is_self or acting_for_self)
        and {"household", "relation"} & set(changes)
        and not (scope and scope.covers(person.region.path, EDIT_ROLES))
    ):
        raise PermissionDenied(_("Only community staff can move a person between households."))
    cleaned = _clean_person_fields(changes)
    before = audit.snapshot(person, list(cleaned))
    if "household" in cleaned and cleaned["household"] is not None:
        cleaned["region"] = cleaned["household"].building
    for key, value in cleaned.items():
        setattr(person, key, value)
    person.save()
    if tags is not None:
        _set_tags(person, tags)
    audit.record(
        actor=actor,
        action="person.update",
        obj=person,
        on_behalf_of=on_behalf_of,
        scope_path=person.region.path,
        before=before,
        after=audit.snapshot(person, list(cleaned)),
    )
    return person


@transaction.atomic
def reveal_personal_data(*, actor: Any, person: Person) -> dict[str, str]:
    """The unmasked phone, ID number and address, for those who need them. Audited."""
    scope = scope_for(actor)
    if scope.person_id != person.pk:
        _require(actor, person.region.path, REVEAL_ROLES)
    audit.record(
        actor=actor,
        action="person.reveal",
        obj=person,
        scope_path=person.region.path,
        after={"fields": ["phone", "id_number", "address"]},
    )
    return {
        "phone": person.phone,
        "id_number": person.id_number,
        "address": person.household.address if person.household else "",
    }


@transaction.atomic
def assign_role(
    *,
    actor: Any,
    person: Person,
    role: str,
    region: Region,
    partner: PartnerUnit | None = None,
) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    if role == Role.PARTNER_HANDLER and partner is None:
        raise ValidationFailed(_("A partner-unit handler needs a partner unit."), field="partner")
    if role == Role.PLATFORM_ADMIN and actor is not None and not scope_for(actor).is_admin:
        raise PermissionDenied(_("Only a platform administrator can name another."))
    _require(actor, region.path, ROLE_MANAGER_ROLES)
    assignment, created = RoleAssignment.objects.get_or_create(
        person=person,
        role=role,
        region=region,
        defaults={"partner": partner, "granted_by": actor},
    )
    if created:
        audit.record(
            actor=actor,
            action="role.assign",
            obj=assignment,
            scope_path=region.path,
            after={"person": person.pk, "role": role, "region": region.pk},
        )
    return assignment


@transaction.atomic
def revoke_role(*, actor: Any, assignment: RoleAssignment) -> None:
    _require(actor, assignment.region.path, ROLE_MANAGER_ROLES)
    audit.record(
        actor=actor,
        action="role.revoke",
        obj=assignment,
        scope_path=assignment.region.path,
        before={"person": assignment.person_id, "role": assignment.role},
    )
    assignment.delete()


@transaction.atomic
def create_party_org(
    *,
    actor: Any,
    kind: str,
    name: str,
    region: Region,
    parent: PartyOrg | None = None,
    secretary: Person | None = None,
) -> PartyOrg:
    if parent is not None and kind not in PARTY_ALLOWED_CHILDREN[parent.kind]:
        raise ValidationFailed(_("This kind of organisation cannot sit there."), field="kind")
    _require(actor, region.path, ROLE_MANAGER_ROLES)
    org = PartyOrg.objects.create(
        kind=kind,
        name=name,
        parent=parent,
        region=region,
        path=f"/tmp-{name}/",  # noqa: S108 - placeholder until the pk is known
        secretary=secretary,
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    audit.record(actor=actor, action="party_org.create", obj=org, scope_path=region.path)
    return org


@transaction.atomic
def add_party_member(
    *,
    actor: Any,
    person: Person,
    party_org: PartyOrg,
    kind: str = MembershipKind.COMMUNITY,
    joined_on: Any = None,
    work_unit: str = "",
    registered_on: Any = None,
) -> PartyMember:
    _require(actor, party_org.region.path, ROLE_MANAGER_ROLES)
    if kind == MembershipKind.IN_SERVICE and not work_unit.strip():
        raise ValidationFailed(_("An in-service member needs a work unit."), field="work_unit")
    if PartyMember.objects.filter(person=person).exists():
        raise Conflict(_("This person is already registered as a Party member."), field="person")
    member = PartyMember.objects.create(
        person=person,
        party_org=party_org,
        kind=kind,
        joined_on=joined_on,
        work_unit=work_unit.strip(),
        registered_on=registered_on,
    )
    RoleAssignment.objects.get_or_create(
        person=person, role=Role.PARTY_MEMBER, region=party_org.region
    )
    audit.record(
        actor=actor,
        action="party_member.add",
        obj=member,
        scope_path=party_org.region.path,
        after={"person": person.pk, "party_org": party_org.pk, "kind": kind},
    )
    return member


@transaction.atomic
def create_partner(
    *,
    actor: Any,
    name: str,
    kind: str,
    region: Region,
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
) -> PartnerUnit:
    _require(actor, region.path, ROLE_MANAGER_ROLES)
    partner = PartnerUnit.objects.create(
        name=name.strip(),
        kind=kind,
        region=region,
        contact_name=contact_name,
        contact_phone=validate_mobile(contact_phone, field="contact_phone"),
        address=address,
    )
    audit.record(actor=actor, action="partner.create", obj=partner, scope_path=region.path)
    return partner


@transaction.atomic
def add_committee_member(
    *,
    actor: Any,
    party_org: PartyOrg,
    person: Person,
    title: str,
    partner: PartnerUnit | None = None,
    is_part_time: bool = True,
) -> CommitteeMember:
    _require(actor, party_org.region.path, ROLE_MANAGER_ROLES)
    member = CommitteeMember.objects.create(
        party_org=party_org,
        person=person,
        partner=partner,
        title=title,
        is_part_time=is_part_time,
    )
    audit.record(
        actor=actor,
        action="committee_member.add",
        obj=member,
        scope_path=party_org.region.path,
    )
    return member


@transaction.atomic
def update_region(
    *,
    actor: Any,
    region: Region,
    name: str | None = None,
    geometry: dict[str, Any] | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Region:
    """Rename a region or redraw its shape; its place in the tree never changes."""
    _require(actor, region.path, ROLE_MANAGER_ROLES)
    region = Region.objects.select_for_update().get(pk=region.pk)
    before = audit.snapshot(region, ["name", "latitude", "longitude"])
    if name is not None:
        if not name.strip():
            raise ValidationFailed(_("Enter a name."), field="name")
        region.name = name.strip()
    if geometry is not None:
        region.geometry = geometry
    if latitude is not None:
        region.latitude = latitude
    if longitude is not None:
        region.longitude = longitude
    region.save()
    audit.record(
        actor=actor,
        action="region.update",
        obj=region,
        scope_path=region.path,
        before=before,
        after=audit.snapshot(region, ["name", "latitude", "longitude"]),
    )
    return region
