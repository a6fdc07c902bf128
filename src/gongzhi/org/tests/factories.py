"""factory_boy factories for the organisation. Tests build what they need from these."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from gongzhi.accounts.models import User
from gongzhi.org.models import (
    Household,
    PartnerKind,
    PartnerUnit,
    PartyMember,
    PartyOrg,
    PartyOrgKind,
    Person,
    Region,
    RegionKind,
    Role,
    RoleAssignment,
)


class RegionFactory(DjangoModelFactory[Region]):
    class Meta:
        model = Region

    kind = RegionKind.STREET
    name = factory.Sequence(lambda n: f"区域{n}")
    code = factory.Sequence(lambda n: f"R{n:05d}")
    parent = None
    path = "/"
    depth = 0

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Region:
        parent = kwargs.get("parent")
        kwargs["depth"] = parent.depth + 1 if parent else 0
        kwargs["path"] = f"/tmp-{kwargs['code']}/"  # noqa: S108 - placeholder until pk
        region: Region = super()._create(model_class, *args, **kwargs)
        region.path = f"{parent.path if parent else '/'}{region.pk}/"
        region.save(update_fields=["path"])
        return region


def street(**kw: Any) -> Region:
    return RegionFactory(kind=RegionKind.STREET, **kw)


def community(parent: Region | None = None, **kw: Any) -> Region:
    return RegionFactory(kind=RegionKind.COMMUNITY, parent=parent or street(), **kw)


def grid(parent: Region | None = None, **kw: Any) -> Region:
    return RegionFactory(kind=RegionKind.GRID, parent=parent or community(), **kw)


def building(parent: Region | None = None, **kw: Any) -> Region:
    return RegionFactory(kind=RegionKind.BUILDING, parent=parent or grid(), **kw)


class HouseholdFactory(DjangoModelFactory[Household]):
    class Meta:
        model = Household

    building = factory.LazyFunction(building)
    unit = "1"
    room = factory.Sequence(lambda n: f"{100 + n}")
    address = factory.LazyAttribute(lambda o: f"{o.building.name}{o.unit}单元{o.room}")
    floor_area = 89


class PersonFactory(DjangoModelFactory[Person]):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"居民{n}")
    household = factory.SubFactory(HouseholdFactory)
    region = factory.LazyAttribute(lambda o: o.household.building if o.household else building())
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    id_number = "34110219800101001X"
    birth_year = 1980
    gender = "m"
    relation = "head"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")
    person = None

    @factory.post_generation
    def persist(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class RoleAssignmentFactory(DjangoModelFactory[RoleAssignment]):
    class Meta:
        model = RoleAssignment

    person = factory.SubFactory(PersonFactory)
    role = Role.RESIDENT
    region = factory.LazyAttribute(lambda o: o.person.region)


def user_with_role(
    role: str,
    region: Region,
    *,
    partner: PartnerUnit | None = None,
    household: Household | None = None,
    **user_kw: Any,
) -> User:
    """A login whose person holds `role` at `region` (and lives there, when a building)."""
    if household is None and region.kind == RegionKind.BUILDING:
        household = HouseholdFactory(building=region)
    person = PersonFactory(household=household, region=household.building if household else region)
    RoleAssignment.objects.create(person=person, role=role, region=region, partner=partner)
    if role == Role.PLATFORM_ADMIN:
        user_kw.setdefault("is_staff", True)
        user_kw.setdefault("is_superuser", True)
    return UserFactory(person=person, **user_kw)


class PartyOrgFactory(DjangoModelFactory[PartyOrg]):
    class Meta:
        model = PartyOrg

    kind = PartyOrgKind.COMMITTEE
    name = factory.Sequence(lambda n: f"党组织{n}")
    region = factory.LazyFunction(community)
    parent = None
    path = "/"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> PartyOrg:
        parent = kwargs.get("parent")
        kwargs["path"] = f"/tmp-{kwargs['name']}/"  # noqa: S108 - placeholder until pk
        org: PartyOrg = super()._create(model_class, *args, **kwargs)
        org.path = f"{parent.path if parent else '/'}{org.pk}/"
        org.save(update_fields=["path"])
        return org


class PartyMemberFactory(DjangoModelFactory[PartyMember]):
    class Meta:
        model = PartyMember

    person = factory.SubFactory(PersonFactory)
    party_org = factory.SubFactory(PartyOrgFactory)


class PartnerUnitFactory(DjangoModelFactory[PartnerUnit]):
    class Meta:
        model = PartnerUnit

    name = factory.Sequence(lambda n: f"共建单位{n}")
    kind = PartnerKind.PROPERTY
    region = factory.LazyFunction(community)
