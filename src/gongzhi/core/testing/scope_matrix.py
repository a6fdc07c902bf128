"""The scope matrix: every URL in the project, every role, in scope and out of scope.

Each app declares how to call its URLs in `<app>/tests/scope_cases*.py` as a module-level
`CASES: list[UrlCase]`. The matrix test (core/tests/test_scope_matrix.py) fails for any URL
name without a case, so a new page or endpoint cannot escape it.

The world: one street with two communities A and B. A has grids A1 and A2; every role's login
sits in A (the grid worker in A1, the resident in a household of A1, the partner handler at
partner A). Everything outside a role's reach carries a marker string in its name or address
(`OUT_MARKER`), and no in-scope page may show it: that catches list pages that leak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gongzhi.accounts.models import User
from gongzhi.org.models import (
    Household,
    PartnerUnit,
    PartyOrg,
    PartyOrgKind,
    Person,
    Region,
    Role,
)

OUT_MARKER = "界外"  # appears in the names of everything in community B
GRID_OUT_MARKER = "隔壁格"  # appears in the names of everything in grid A2

ALL_ROLES: tuple[str, ...] = tuple(Role.values)
STAFF = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.STREET_SUPERVISOR,
        Role.PLATFORM_ADMIN,
    }
)
EVERYONE = frozenset(ALL_ROLES)


@dataclass
class World:
    street: Region
    comm_a: Region
    comm_b: Region
    grid_a1: Region
    grid_a2: Region
    grid_b1: Region
    building_a1: Region
    building_a2: Region
    building_b1: Region
    household_a1: Household
    household_a2: Household
    household_b1: Household
    person_a1: Person
    person_a2: Person
    person_b1: Person
    partner_a: PartnerUnit
    partner_b: PartnerUnit
    party_org_a: PartyOrg
    party_org_b: PartyOrg
    users: dict[str, User] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


Kwargs = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class UrlCase:
    """How to call one URL name.

    name      the URL name, e.g. "org:household" or "api:org_household" (ninja: "api:<op id>")
    allowed   roles that may use it on an object in their scope (anonymous never, unless public)
    kwargs_in URL kwargs for an object inside every role's scope (community A, grid A1)
    kwargs_out URL kwargs for an object outside every non-street role's scope (community B);
              None when the URL takes no object
    method    GET or POST
    data      POST body (form-encoded unless json=True)
    public    anonymous users may use it
    ok_status statuses that count as "allowed" (default: 200, 201, 204, 302)
    leak_check whether an allowed GET must not show OUT_MARKER (off for street-wide pages
              that legitimately show community B to supervisors: the check skips them anyway)
    """

    name: str
    allowed: frozenset[str]
    kwargs_in: Kwargs | None = None
    kwargs_out: Kwargs | None = None
    method: str = "GET"
    data: Callable[[World], dict[str, Any]] | None = None
    json: bool = False
    public: bool = False
    ok_status: frozenset[int] = frozenset({200, 201, 204, 302})
    leak_check: bool = True
    # Some roles see a narrower part of community A: the grid worker, the resident, the
    # partner handler. For them, kwargs_in may point outside; give a per-role override.
    kwargs_in_for: dict[str, Kwargs] = field(default_factory=dict)


def build_world() -> World:
    from gongzhi.org.models import PartyMember, RoleAssignment
    from gongzhi.org.tests import factories as f

    st = f.street(name="示范街道")
    comm_a = f.community(st, name="幸福社区")
    comm_b = f.community(st, name=f"{OUT_MARKER}社区")
    grid_a1 = f.grid(comm_a, name="第一网格")
    grid_a2 = f.grid(comm_a, name=f"{GRID_OUT_MARKER}网格")
    grid_b1 = f.grid(comm_b, name=f"{OUT_MARKER}网格")
    b_a1 = f.building(grid_a1, name="幸福里1栋")
    b_a2 = f.building(grid_a2, name=f"{GRID_OUT_MARKER}2栋")
    b_b1 = f.building(grid_b1, name=f"{OUT_MARKER}1栋")
    h_a1 = f.HouseholdFactory.create(building=b_a1, room="101", address="幸福里1栋1单元101")
    h_a2 = f.HouseholdFactory.create(building=b_a2, room="201", address=f"{GRID_OUT_MARKER}2栋201")
    h_b1 = f.HouseholdFactory.create(building=b_b1, room="301", address=f"{OUT_MARKER}1栋301")
    p_a1 = f.PersonFactory.create(household=h_a1, name="王建国", phone="13900000001")
    p_a2 = f.PersonFactory.create(household=h_a2, name=f"{GRID_OUT_MARKER}李", phone="13900000002")
    p_b1 = f.PersonFactory.create(household=h_b1, name=f"{OUT_MARKER}赵", phone="13900000003")
    partner_a = f.PartnerUnitFactory.create(region=comm_a, name="幸福物业")
    partner_b = f.PartnerUnitFactory.create(region=comm_b, name=f"{OUT_MARKER}物业")
    org_a = f.PartyOrgFactory.create(
        region=comm_a, name="幸福社区党委", kind=PartyOrgKind.COMMITTEE
    )
    org_b = f.PartyOrgFactory.create(
        region=comm_b, name=f"{OUT_MARKER}党委", kind=PartyOrgKind.COMMITTEE
    )
    world = World(
        street=st,
        comm_a=comm_a,
        comm_b=comm_b,
        grid_a1=grid_a1,
        grid_a2=grid_a2,
        grid_b1=grid_b1,
        building_a1=b_a1,
        building_a2=b_a2,
        building_b1=b_b1,
        household_a1=h_a1,
        household_a2=h_a2,
        household_b1=h_b1,
        person_a1=p_a1,
        person_a2=p_a2,
        person_b1=p_b1,
        partner_a=partner_a,
        partner_b=partner_b,
        party_org_a=org_a,
        party_org_b=org_b,
    )
    # The resident is p_a1 themself; everyone else is a person registered in community A.
    RoleAssignment.objects.create(person=p_a1, role=Role.RESIDENT, region=b_a1)
    world.users[Role.RESIDENT] = f.UserFactory.create(username="resident", person=p_a1)
    placements: dict[str, tuple[Region, PartnerUnit | None]] = {
        Role.GRID_WORKER: (grid_a1, None),
        Role.COMMUNITY_STAFF: (comm_a, None),
        Role.COMMUNITY_SECRETARY: (comm_a, None),
        Role.STREET_SUPERVISOR: (st, None),
        Role.PARTNER_HANDLER: (comm_a, partner_a),
        Role.PARTY_MEMBER: (comm_a, None),
        Role.PLATFORM_ADMIN: (st, None),
    }
    for role, (region, partner) in placements.items():
        person = f.PersonFactory.create(household=None, region=region, name=f"{role}-person")
        RoleAssignment.objects.create(person=person, role=role, region=region, partner=partner)
        if role == Role.PARTY_MEMBER:
            PartyMember.objects.create(person=person, party_org=org_a)
        admin = role == Role.PLATFORM_ADMIN
        world.users[role] = f.UserFactory.create(
            username=role, person=person, is_staff=admin, is_superuser=admin
        )
    return world


def collect_cases() -> list[UrlCase]:
    """Every CASES list in any installed gongzhi app's tests/scope_cases*.py module."""
    import importlib
    import pkgutil

    from django.apps import apps

    cases: list[UrlCase] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gongzhi."):
            continue
        try:
            tests_pkg = importlib.import_module(f"{config.name}.tests")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(tests_pkg.__path__):
            if info.name.startswith("scope_cases"):
                module = importlib.import_module(f"{config.name}.tests.{info.name}")
                cases.extend(getattr(module, "CASES", []))
    return cases
