"""A small street for wish tests: the appeals test street (two communities, every staff role,
three residents) plus Party members: two in community A, one in B, and an in-service member
who lives in B and is registered (双报到) with a grid branch in A."""

from __future__ import annotations

from typing import Any

from gongzhi.accounts.models import User
from gongzhi.appeals.tests.factories import Street, build_street
from gongzhi.org.models import (
    MembershipKind,
    PartyMember,
    PartyOrgKind,
    Region,
    Role,
    RoleAssignment,
)
from gongzhi.org.tests import factories as f
from gongzhi.wishes import services
from gongzhi.wishes.models import Wish


def party_member(
    world: Street,
    key: str,
    *,
    home: Region,
    org_region: Region,
    in_service: bool = False,
    **kw: Any,
) -> User:
    household = f.HouseholdFactory.create(building=home)
    person = f.PersonFactory.create(household=household, region=home, **kw)
    orgs = world.__dict__.setdefault("_orgs", {})
    org = orgs.get(org_region.pk)
    if org is None:
        kind = PartyOrgKind.COMMITTEE if org_region.kind == "community" else PartyOrgKind.BRANCH
        org = orgs[org_region.pk] = f.PartyOrgFactory.create(
            region=org_region, kind=kind, name=f"{org_region.name}党组织"
        )
    PartyMember.objects.create(
        person=person,
        party_org=org,
        kind=MembershipKind.IN_SERVICE if in_service else MembershipKind.COMMUNITY,
        work_unit="滁州市某局" if in_service else "",
    )
    RoleAssignment.objects.create(person=person, role=Role.PARTY_MEMBER, region=org_region)
    user = f.UserFactory.create(person=person, email=f"p{person.pk}@example.org")
    world.users[key] = user
    return user


def build_world() -> Street:
    world = build_street(defaults=False)
    party_member(world, "pm_a", home=world.building_a1, org_region=world.comm_a, name="刘党员")
    party_member(world, "pm_a2", home=world.building_a2, org_region=world.comm_a, name="陈党员")
    party_member(world, "pm_b", home=world.building_b1, org_region=world.comm_b, name="孙党员")
    party_member(
        world,
        "pm_dual",
        home=world.building_b1,
        org_region=world.grid_a1,
        in_service=True,
        name="周在职",
    )
    return world


def post(world: Street, who: str = "resident_a1", **kw: Any) -> Wish:
    kw.setdefault("title", "想请人帮忙换个灯泡")
    kw.setdefault("category", "repair")
    return services.post_wish(actor=world.users[who], **kw)
