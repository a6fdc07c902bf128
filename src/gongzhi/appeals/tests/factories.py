"""A small street for appeal tests: two communities with mapped grids, every role, a partner
unit per community, and the default categories and deadline rules installed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gongzhi.accounts.models import User
from gongzhi.appeals import services
from gongzhi.appeals.services_config import install_defaults
from gongzhi.core.calendar import SHANGHAI
from gongzhi.org.models import PartnerKind, PartnerUnit, Person, Region, Role, RoleAssignment
from gongzhi.org.tests import factories as f

# Monday 3 March 2025, 10:00 in Shanghai: an ordinary working day.
MONDAY = dt.datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)


def square(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Street:
    street: Region
    comm_a: Region
    comm_b: Region
    grid_a1: Region
    grid_a2: Region
    grid_b1: Region
    building_a1: Region
    building_a2: Region
    building_b1: Region
    partner_a: PartnerUnit
    partner_b: PartnerUnit
    users: dict[str, User] = field(default_factory=dict)

    def person(self, key: str) -> Person:
        person = self.users[key].person
        assert person is not None
        return person


def staff(role: str, region: Region, *, partner: PartnerUnit | None = None, **kw: Any) -> User:
    person = f.PersonFactory.create(household=None, region=region, **kw)
    RoleAssignment.objects.create(person=person, role=role, region=region, partner=partner)
    admin = role == Role.PLATFORM_ADMIN
    return f.UserFactory.create(
        person=person, is_staff=admin, is_superuser=admin, email=f"{person.pk}@example.org"
    )


def resident(building: Region, **kw: Any) -> User:
    household = f.HouseholdFactory.create(building=building)
    person = f.PersonFactory.create(household=household, **kw)
    RoleAssignment.objects.create(person=person, role=Role.RESIDENT, region=building)
    return f.UserFactory.create(person=person, email=f"r{person.pk}@example.org")


def build_street(*, defaults: bool = True) -> Street:
    st = f.street(name="示范街道")
    comm_a = f.community(st, name="幸福社区", geometry=square(118.30, 32.30, 118.32, 32.32))
    comm_b = f.community(st, name="和平社区", geometry=square(118.40, 32.30, 118.42, 32.32))
    grid_a1 = f.grid(comm_a, name="幸福一网格", geometry=square(118.30, 32.30, 118.31, 32.32))
    grid_a2 = f.grid(comm_a, name="幸福二网格", geometry=square(118.31, 32.30, 118.32, 32.32))
    grid_b1 = f.grid(comm_b, name="和平一网格", geometry=square(118.40, 32.30, 118.42, 32.32))
    world = Street(
        street=st,
        comm_a=comm_a,
        comm_b=comm_b,
        grid_a1=grid_a1,
        grid_a2=grid_a2,
        grid_b1=grid_b1,
        building_a1=f.building(grid_a1, name="幸福里1栋"),
        building_a2=f.building(grid_a2, name="幸福里9栋"),
        building_b1=f.building(grid_b1, name="和平里1栋"),
        partner_a=PartnerUnit.objects.create(
            name="幸福物业", kind=PartnerKind.PROPERTY, region=comm_a
        ),
        partner_b=PartnerUnit.objects.create(
            name="和平物业", kind=PartnerKind.PROPERTY, region=comm_b
        ),
    )
    u = world.users
    u["worker_a1"] = staff(Role.GRID_WORKER, grid_a1, name="网格员甲")
    u["worker_a2"] = staff(Role.GRID_WORKER, grid_a2, name="网格员乙")
    u["worker_b1"] = staff(Role.GRID_WORKER, grid_b1, name="网格员丙")
    u["staff_a"] = staff(Role.COMMUNITY_STAFF, comm_a, name="社工甲")
    u["secretary_a"] = staff(Role.COMMUNITY_SECRETARY, comm_a, name="书记甲")
    u["staff_b"] = staff(Role.COMMUNITY_STAFF, comm_b, name="社工丙")
    u["supervisor"] = staff(Role.STREET_SUPERVISOR, st, name="街道督办")
    u["partner_a"] = staff(Role.PARTNER_HANDLER, comm_a, partner=world.partner_a, name="物业经办甲")
    u["partner_b"] = staff(Role.PARTNER_HANDLER, comm_b, partner=world.partner_b, name="物业经办丙")
    u["admin"] = staff(Role.PLATFORM_ADMIN, st, name="管理员")
    u["resident_a1"] = resident(world.building_a1, name="王建国", phone="13900000001")
    u["resident_a2"] = resident(world.building_a2, name="李秀英", phone="13900000002")
    u["resident_b1"] = resident(world.building_b1, name="赵大海", phone="13900000003")
    if defaults:
        install_defaults(actor=None, communities=[comm_a, comm_b])
    return world


def submit(world: Street, who: str = "resident_a1", **kw: Any) -> Any:
    """Submit an appeal as `who` (defaults: a broken street light in building A1, Monday)."""
    building = {
        "resident_a1": world.building_a1,
        "resident_a2": world.building_a2,
        "resident_b1": world.building_b1,
    }.get(who, world.building_a1)
    kw.setdefault("text", "小区门口的路灯坏了好几天，晚上太黑")
    kw.setdefault("category_code", "municipal.light")
    kw.setdefault("now", MONDAY)
    if "grid_id" not in kw and "latitude" not in kw:
        kw.setdefault("building_id", building.pk)
    return services.submit_appeal(actor=world.users[who], **kw).appeal
