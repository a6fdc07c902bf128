"""Loading the demo community: one atomic, audited service made of small steps.

`load_demo` runs each function of `STEPS` in order on one `DemoContext`, which carries the seeded
random generator and everything the earlier steps created. A later feature adds its own step
(appeal history, an Open311 API key...) by appending a function to `STEPS`, and its own lines
to the printed summary by appending a function to `REPORTERS`: reporters read the database, so
they print the same lines whether the demo was just loaded or found already loaded. Append new
steps at the end and draw from `ctx.rng` only there: earlier steps then keep drawing the same
numbers, so a seed keeps giving the same people.

Steps write with `bulk_create` and build materialised paths ("/<id>/<id>/") in Python: the
database returns the ids of bulk-inserted rows on SQLite and PostgreSQL. The load writes one
AuditEvent ("demo.load"), not one per row.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Count

from gongzhi.accounts.models import User
from gongzhi.appeals.demo_history import add_appeal_history, report_appeal_history
from gongzhi.core import audit
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.open311.demo import add_open311_key, report_open311_key
from gongzhi.org.demo import data
from gongzhi.org.demo.layout import (
    Area,
    StreetLayout,
    building_points,
    house_points,
    lay_out_street,
)
from gongzhi.org.demo.people import (
    ANCHOR,
    Identities,
    Resident,
    Sketch,
    apportion,
    birth_date_for_age,
    compose_household,
    individual_tags,
    name_household,
    weighted_sample,
)
from gongzhi.org.models import (
    CommitteeMember,
    Household,
    MembershipKind,
    Ownership,
    PartnerUnit,
    PartyMember,
    PartyOrg,
    PartyOrgKind,
    Person,
    PersonTag,
    Region,
    RegionKind,
    Role,
    RoleAssignment,
)
from gongzhi.org.scopes import scope_for
from gongzhi.wishes.demo import add_wishes, report_wishes

DEMO_STREET_CODE = "DEMO-CZ-001"
DEFAULT_SEED = 2026
# Printed next to the logins for everyone to use: it is a demo, not a secret.
DEMO_PASSWORD = "Gongzhi@2026"  # noqa: S105
MIN_SCALE = 0.001
MAX_SCALE = 10.0

URBAN_HOUSEHOLDS = 2600
VILLAGE_HOUSEHOLDS = 400
PARTY_MEMBERS = 400
BATCH = 500

M = TypeVar("M", bound=models.Model)


# --- logins --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginSpec:
    key: str
    role: str
    zh: str
    en: str
    phone: str

    @property
    def username(self) -> str:
        return f"demo_{self.key}"


# One login per role. Phones sit in a block (1900000xxxx) that the resident generator never uses.
LOGINS: tuple[LoginSpec, ...] = (
    LoginSpec("resident", Role.RESIDENT, "居民", "Resident", "19000000001"),
    LoginSpec("grid", Role.GRID_WORKER, "网格员", "Grid worker", "19000000002"),
    LoginSpec("staff", Role.COMMUNITY_STAFF, "社区工作者", "Community staff", "19000000003"),
    LoginSpec(
        "secretary", Role.COMMUNITY_SECRETARY, "社区书记", "Community secretary", "19000000004"
    ),
    LoginSpec("street", Role.STREET_SUPERVISOR, "街道督导", "Street supervisor", "19000000005"),
    LoginSpec(
        "partner", Role.PARTNER_HANDLER, "共建单位经办人", "Partner-unit handler", "19000000006"
    ),
    LoginSpec(
        "party",
        Role.PARTY_MEMBER,
        "党员（双报到）",
        "Party member (dual registration)",
        "19000000007",
    ),
    LoginSpec("admin", Role.PLATFORM_ADMIN, "平台管理员", "Platform administrator", "19000000008"),
    LoginSpec(
        "village_secretary", Role.COMMUNITY_SECRETARY, "村书记", "Village secretary", "19000000009"
    ),
    LoginSpec("village_grid", Role.GRID_WORKER, "村网格员", "Village grid worker", "19000000010"),
)
LOGIN_BY_KEY = {spec.key: spec for spec in LOGINS}


@dataclass(frozen=True)
class DemoLogin:
    role: str
    zh: str
    en: str
    username: str
    phone: str
    sees: str


@dataclass
class DemoResult:
    created: bool
    street: Region
    seed: int | None
    scale: float | None
    seconds: float
    counts: dict[str, int]
    logins: list[DemoLogin]
    password: str = DEMO_PASSWORD
    notes: list[str] = field(default_factory=list)


# --- the context the steps share ------------------------------------------------------------------


@dataclass
class HouseholdRow:
    household: Household
    building: Region
    grid: Region
    village: bool
    estate: data.Estate | None


@dataclass
class ResidentRow:
    person: Person
    resident: Resident
    row: HouseholdRow


@dataclass
class DemoContext:
    rng: random.Random
    seed: int
    scale: float
    actor: Any
    # The day the demo is loaded on; steps that tell a story in time end it there
    # (appeal history). None keeps every step at its fixed reference date (tests).
    today: date | None = None
    ids: Identities = field(init=False)
    layout: StreetLayout = field(init=False)
    street: Region = field(init=False)
    community: Region = field(init=False)
    village: Region = field(init=False)
    grids: list[Region] = field(default_factory=list)  # urban grids, grid 1 first
    groups: list[Region] = field(default_factory=list)  # village groups (村民小组)
    buildings: dict[str, list[Region]] = field(default_factory=dict)  # by grid code
    rooms: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # by building code
    estates: dict[str, data.Estate] = field(default_factory=dict)  # by grid code
    hamlets: dict[str, str] = field(default_factory=dict)  # building code -> hamlet name
    households: list[HouseholdRow] = field(default_factory=list)
    residents: list[ResidentRow] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)  # login key -> person
    grid_workers: dict[str, Person] = field(default_factory=dict)  # grid code -> worker
    partners: dict[str, PartnerUnit] = field(default_factory=dict)  # data key -> unit
    partner_contacts: dict[str, Person] = field(default_factory=dict)
    committees: dict[str, PartyOrg] = field(default_factory=dict)  # "community"/"village"

    def __post_init__(self) -> None:
        self.ids = Identities(self.rng)
        for spec in LOGINS:
            self.ids.reserve_phone(spec.phone)

    def scaled(self, full: int, minimum: int = 0) -> int:
        return max(minimum, round(full * self.scale))


Step = Callable[[DemoContext], None]
Reporter = Callable[[Region], list[str]]


def _bulk(model: type[M], objs: Sequence[M]) -> None:
    model._default_manager.bulk_create(objs, batch_size=BATCH)


def _save_tree_level(model: type[M], objs: Sequence[M], parent_path: Callable[[M], str]) -> None:
    """Insert one level of a materialised-path tree, then give each row its real path."""
    for i, obj in enumerate(objs):
        obj.path = f"/pending-{i}/"  # type: ignore[attr-defined]
    _bulk(model, objs)
    for obj in objs:
        obj.path = f"{parent_path(obj)}{obj.pk}/"  # type: ignore[attr-defined]
    model._default_manager.bulk_update(objs, ["path"], batch_size=BATCH)


def _region_parent_path(region: Region) -> str:
    return region.parent.path if region.parent is not None else "/"


def _party_parent_path(org: PartyOrg) -> str:
    return org.parent.path if org.parent is not None else "/"


def _region(
    kind: str,
    name: str,
    code: str,
    parent: Region | None,
    area: Area | None,
    point: tuple[float, float] | None = None,
) -> Region:
    lon, lat = area.label if area is not None else point or (None, None)
    return Region(
        kind=kind,
        name=name,
        code=code,
        parent=parent,
        depth=(parent.depth + 1) if parent is not None else 0,
        geometry=area.geometry if area is not None else None,
        latitude=lat,
        longitude=lon,
    )


# --- steps ---------------------------------------------------------------------------------


def add_regions(ctx: DemoContext) -> None:
    """The street, the community with six grids of estates, the village with its groups."""
    rng = ctx.rng
    layout = ctx.layout = lay_out_street(rng)
    ctx.street = _region(RegionKind.STREET, data.STREET_NAME, DEMO_STREET_CODE, None, layout.street)
    _save_tree_level(Region, [ctx.street], _region_parent_path)
    ctx.community = _region(
        RegionKind.COMMUNITY,
        data.COMMUNITY_NAME,
        f"{DEMO_STREET_CODE}-C01",
        ctx.street,
        layout.community,
    )
    ctx.village = _region(
        RegionKind.VILLAGE, data.VILLAGE_NAME, f"{DEMO_STREET_CODE}-V01", ctx.street, layout.village
    )
    _save_tree_level(Region, [ctx.community, ctx.village], _region_parent_path)
    ctx.grids = [
        _region(RegionKind.GRID, name, f"{ctx.community.code}-G{i + 1:02d}", ctx.community, area)
        for i, (name, area) in enumerate(zip(data.GRID_NAMES, layout.grids, strict=True))
    ]
    ctx.groups = [
        _region(RegionKind.GRID, group[0], f"{ctx.village.code}-G{i + 1:02d}", ctx.village, area)
        for i, (group, area) in enumerate(zip(data.VILLAGE_GROUPS, layout.groups, strict=True))
    ]
    _save_tree_level(Region, [*ctx.grids, *ctx.groups], _region_parent_path)

    buildings: list[Region] = []
    for grid, estate, cell in zip(ctx.grids, data.ESTATES, layout.grid_cells_m, strict=True):
        ctx.estates[grid.code] = estate
        ctx.buildings[grid.code] = []
        points = building_points(rng, cell, estate.buildings)
        for n, point in enumerate(points, start=1):
            building = _region(
                RegionKind.BUILDING,
                f"{estate.name}{n}{estate.building_word}",
                f"{grid.code}-B{n:02d}",
                grid,
                None,
                point,
            )
            ctx.buildings[grid.code].append(building)
            ctx.rooms[building.code] = [
                (str(unit), f"{floor}{room:02d}")
                for unit in range(1, estate.units + 1)
                for floor in range(1, estate.floors + 1)
                for room in range(1, estate.rooms_per_floor + 1)
            ]
            buildings.append(building)

    houses = apportion(ctx.scaled(VILLAGE_HOUSEHOLDS, len(ctx.groups)), [1.0] * len(ctx.groups))
    for group, (_, _short, hamlets), cell, n in zip(
        ctx.groups, data.VILLAGE_GROUPS, layout.group_cells_m, houses, strict=True
    ):
        ctx.buildings[group.code] = []
        number = 0
        for h, (hamlet, size) in enumerate(zip(hamlets, (n - n // 2, n // 2), strict=True)):
            for k, point in enumerate(house_points(rng, cell, h, size), start=1):
                number += 1
                house = _region(
                    RegionKind.BUILDING,
                    f"{hamlet}{k}号",
                    f"{group.code}-H{number:03d}",
                    group,
                    None,
                    point,
                )
                ctx.buildings[group.code].append(house)
                ctx.hamlets[house.code] = hamlet
                buildings.append(house)
    _save_tree_level(Region, buildings, _region_parent_path)


def _area(rng: random.Random, low: int, high: int) -> Decimal:
    return (Decimal(rng.randint(low * 10, high * 10)) / 10).quantize(Decimal("0.01"))


def _urban_ownership(rng: random.Random, estate: data.Estate) -> str:
    roll = rng.random()
    if roll < 0.04:
        return Ownership.VACANT
    if roll < 0.04 + estate.public_share:
        return Ownership.PUBLIC
    if roll < 0.04 + estate.public_share + (0.2 if estate.public_share else 0.13):
        return Ownership.TENANT
    return Ownership.OWNER


def add_households(ctx: DemoContext) -> None:
    """Households in the estates' rooms (about 2,600) and one per village house (about 400)."""
    rng = ctx.rng
    urban = [b for grid in ctx.grids for b in ctx.buildings[grid.code]]
    counts = apportion(ctx.scaled(URBAN_HOUSEHOLDS, 2), [len(ctx.rooms[b.code]) for b in urban])
    counts[0] = max(counts[0], 2)  # the resident and the Party-member logins live in grid 1
    rows: list[HouseholdRow] = []
    grid_of = {b.code: grid for grid in ctx.grids for b in ctx.buildings[grid.code]}
    for building, n in zip(urban, counts, strict=True):
        grid = grid_of[building.code]
        estate = ctx.estates[grid.code]
        rooms = ctx.rooms[building.code]
        for index in sorted(rng.sample(range(len(rooms)), min(n, len(rooms)))):
            unit, room = rooms[index]
            household = Household(
                building=building,
                unit=unit,
                room=room,
                address=f"{building.name}{unit}单元{room}",
                floor_area=_area(rng, *estate.area),
                ownership=_urban_ownership(rng, estate),
            )
            rows.append(HouseholdRow(household, building, grid, False, estate))
    for login_home in rows[:2]:  # the logins' homes are lived in by their owners
        login_home.household.ownership = Ownership.OWNER
    for group, (_, short, _) in zip(ctx.groups, data.VILLAGE_GROUPS, strict=True):
        for house in ctx.buildings[group.code]:
            household = Household(
                building=house,
                unit="",
                room="1",
                address=f"{data.VILLAGE_NAME}{short}{house.name}",
                floor_area=_area(rng, *data.VILLAGE_AREA),
                ownership=Ownership.VACANT if rng.random() < 0.03 else Ownership.OWNER,
            )
            rows.append(HouseholdRow(household, house, group, True, None))
    _bulk(Household, [r.household for r in rows])
    ctx.households = rows


def _low_income_rate(row: HouseholdRow) -> float:
    if row.village:
        return 0.05
    return 0.04 if row.estate is not None and row.estate.public_share >= 0.2 else 0.015


def add_residents(ctx: DemoContext) -> None:
    """About 8,000 residents: families by age, names, ID numbers, phones and tags."""
    rng = ctx.rng
    first_in_grid1 = ctx.households[:2]
    requirements: dict[int, Callable[[list[Sketch]], bool]] = {
        id(first_in_grid1[0]): lambda s: 25 <= s[0].age <= 65,
        id(first_in_grid1[1]): lambda s: any(22 <= m.age <= 58 for m in s),
    }
    rows: list[ResidentRow] = []
    for row in ctx.households:
        household = row.household
        if household.ownership == Ownership.VACANT:
            continue
        tenant = household.ownership == Ownership.TENANT
        sketches = compose_household(rng, village=row.village, tenant=tenant)
        need = requirements.get(id(row))
        while need is not None and not need(sketches):
            sketches = compose_household(rng, village=row.village, tenant=tenant)
        low_income = rng.random() < _low_income_rate(row)
        for resident in name_household(ctx.ids, sketches):
            resident.tags.extend(individual_tags(rng, resident))
            if low_income:
                resident.tags.append("low_income")
            person = Person(
                name=resident.name,
                gender=resident.gender,
                birth_year=resident.birth.year,
                phone=resident.phone,
                id_number=resident.id_number,
                household=household,
                relation=resident.relation,
                region=row.building,
            )
            rows.append(ResidentRow(person, resident, row))
    resident_login = next(r for r in rows if r.row is first_in_grid1[0])
    party_login = next(r for r in rows if r.row is first_in_grid1[1] and 22 <= r.resident.age <= 58)
    for key, chosen in (("resident", resident_login), ("party", party_login)):
        chosen.person.phone = LOGIN_BY_KEY[key].phone
        ctx.people[key] = chosen.person
    _bulk(Person, [r.person for r in rows])
    _bulk(
        PersonTag,
        [
            PersonTag(person=r.person, tag=tag)
            for r in rows
            for tag in dict.fromkeys(r.resident.tags)
        ],
    )
    _bulk(
        RoleAssignment,
        [
            RoleAssignment(
                person=resident_login.person, role=Role.RESIDENT, region=resident_login.row.building
            ),
        ],
    )
    ctx.residents = rows


def _new_person(
    ctx: DemoContext, region: Region, *, phone: str = "", ages: tuple[int, int] = (28, 56)
) -> Person:
    rng = ctx.rng
    gender = rng.choice("mf")
    birth = birth_date_for_age(rng, rng.randint(*ages))
    return Person(
        name=ctx.ids.surname() + ctx.ids.given_name(birth.year, gender),
        gender=gender,
        birth_year=birth.year,
        phone=phone or ctx.ids.phone(),
        id_number=ctx.ids.id_number(birth, gender),
        region=region,
    )


def add_staff(ctx: DemoContext) -> None:
    """Secretaries, community staff, one grid worker per grid, the street and the admin."""
    staff: list[tuple[Person, str, Region]] = []

    def hire(region: Region, role: str, at: Region, login: str = "") -> Person:
        phone = LOGIN_BY_KEY[login].phone if login else ""
        person = _new_person(ctx, region, phone=phone)
        staff.append((person, role, at))
        if login:
            ctx.people[login] = person
        return person

    hire(ctx.community, Role.COMMUNITY_SECRETARY, ctx.community, "secretary")
    for i in range(3):
        hire(ctx.community, Role.COMMUNITY_STAFF, ctx.community, "staff" if i == 0 else "")
    for i, grid in enumerate(ctx.grids):
        ctx.grid_workers[grid.code] = hire(
            ctx.community, Role.GRID_WORKER, grid, "grid" if i == 0 else ""
        )
    hire(ctx.village, Role.COMMUNITY_SECRETARY, ctx.village, "village_secretary")
    for i, group in enumerate(ctx.groups):
        ctx.grid_workers[group.code] = hire(
            ctx.village, Role.GRID_WORKER, group, "village_grid" if i == 0 else ""
        )
    hire(ctx.street, Role.STREET_SUPERVISOR, ctx.street, "street")
    hire(ctx.street, Role.PLATFORM_ADMIN, ctx.street, "admin")
    _bulk(Person, [p for p, _, _ in staff])
    _bulk(RoleAssignment, [RoleAssignment(person=p, role=role, region=at) for p, role, at in staff])


def _partner_region(ctx: DemoContext, where: str) -> Region:
    if where.startswith("grid:"):
        return ctx.grids[int(where.split(":")[1]) - 1]
    return {"street": ctx.street, "community": ctx.community, "village": ctx.village}[where]


def add_partners(ctx: DemoContext) -> None:
    """A dozen partner units; the property company of grid 1 gets the handler login."""
    units: list[PartnerUnit] = []
    contacts: list[Person] = []
    for spec in data.PARTNERS:
        region = _partner_region(ctx, spec.where)
        is_handler = spec.key == data.PARTNERS[0].key
        contact = _new_person(
            ctx,
            region,
            phone=LOGIN_BY_KEY["partner"].phone if is_handler else "",
            ages=(30, 58),
        )
        unit = PartnerUnit(
            name=spec.name,
            kind=spec.kind,
            region=region,
            contact_name=contact.name,
            contact_phone=contact.phone,
            address=spec.address,
        )
        units.append(unit)
        ctx.partners[spec.key] = unit
        if is_handler or spec.committee_title:
            contacts.append(contact)
            ctx.partner_contacts[spec.key] = contact
        if is_handler:
            ctx.people["partner"] = contact
    _bulk(PartnerUnit, units)
    _bulk(Person, contacts)
    handler_unit = ctx.partners[data.PARTNERS[0].key]
    _bulk(
        RoleAssignment,
        [
            RoleAssignment(
                person=ctx.people["partner"],
                role=Role.PARTNER_HANDLER,
                region=handler_unit.region,
                partner=handler_unit,
            ),
        ],
    )


def _chunks(items: list[Region], size: int) -> list[list[Region]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _group_name(buildings: list[Region], estate: data.Estate) -> str:
    first = buildings[0].name.removeprefix(estate.name).removesuffix(estate.building_word)
    last = buildings[-1].name.removeprefix(estate.name).removesuffix(estate.building_word)
    span = first if first == last else f"{first}-{last}"
    return f"{estate.name}{span}{estate.building_word}党小组"


def _random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def add_party(ctx: DemoContext) -> None:
    """社区党委 > 网格党支部 > 楼栋党小组 > 党员中心户, about 400 members, 1+5+N."""
    rng = ctx.rng
    # Organisations, one tree level at a time.
    committees = {
        "community": PartyOrg(
            kind=PartyOrgKind.COMMITTEE,
            name=f"{data.COMMUNITY_NAME}党委",
            region=ctx.community,
            secretary=ctx.people["secretary"],
        ),
        "village": PartyOrg(
            kind=PartyOrgKind.COMMITTEE,
            name=f"{data.VILLAGE_NAME}党总支",
            region=ctx.village,
            secretary=ctx.people["village_secretary"],
        ),
    }
    _save_tree_level(PartyOrg, list(committees.values()), _party_parent_path)
    ctx.committees = committees
    branches: dict[str, PartyOrg] = {}
    for grid in [*ctx.grids, *ctx.groups]:
        parent = committees["village" if grid in ctx.groups else "community"]
        branches[grid.code] = PartyOrg(
            kind=PartyOrgKind.BRANCH, name=f"{grid.name}党支部", region=grid, parent=parent
        )
    _save_tree_level(PartyOrg, list(branches.values()), _party_parent_path)
    groups: list[PartyOrg] = []
    group_of_building: dict[str, PartyOrg] = {}
    for grid in ctx.grids:
        estate = ctx.estates[grid.code]
        for chunk in _chunks(ctx.buildings[grid.code], 3):
            org = PartyOrg(
                kind=PartyOrgKind.GROUP,
                name=_group_name(chunk, estate),
                region=grid,
                parent=branches[grid.code],
            )
            groups.append(org)
            group_of_building.update({b.code: org for b in chunk})
    for group, (_, _, hamlets) in zip(ctx.groups, data.VILLAGE_GROUPS, strict=True):
        by_hamlet: dict[str, PartyOrg] = {}
        for hamlet in hamlets:
            by_hamlet[hamlet] = PartyOrg(
                kind=PartyOrgKind.GROUP,
                name=f"{hamlet}党小组",
                region=group,
                parent=branches[group.code],
            )
            groups.append(by_hamlet[hamlet])
        for house in ctx.buildings[group.code]:
            group_of_building[house.code] = by_hamlet[ctx.hamlets[house.code]]
    _save_tree_level(PartyOrg, groups, _party_parent_path)

    # Members: residents weighted towards older men (as Party rolls are), plus staff.
    fixed = [ctx.people["secretary"], ctx.people["village_secretary"], ctx.people["party"]]
    fixed_contacts = list(ctx.partner_contacts.values())
    wanted = max(0, ctx.scaled(PARTY_MEMBERS) - len(fixed) - len(fixed_contacts))
    excluded = {id(ctx.people["resident"]), id(ctx.people["party"])}
    pool = [
        i
        for i, r in enumerate(ctx.residents)
        if r.resident.age >= 18 and id(r.person) not in excluded
    ]
    weights = [_member_weight(ctx.residents[i].resident) for i in pool]
    chosen = sorted(weighted_sample(rng, pool, weights, wanted))
    in_service_rows = {
        i for i in chosen if 22 <= ctx.residents[i].resident.age <= 58 and rng.random() < 0.4
    }

    # 党员中心户: in each group, about one member household in four becomes a centre household.
    member_households: dict[PartyOrg, list[int]] = {}
    for i in chosen:
        if i in in_service_rows:
            continue
        building = ctx.residents[i].row.building
        member_households.setdefault(group_of_building[building.code], []).append(i)
    centres: list[PartyOrg] = []
    centre_of_household: dict[int, PartyOrg] = {}
    for group_org in groups:
        rows_here = member_households.get(group_org, [])
        seen: dict[int, int] = {}
        for i in rows_here:
            seen.setdefault(id(ctx.residents[i].row), i)
        household_firsts = list(seen.values())
        if not household_firsts:
            continue
        for i in rng.sample(household_firsts, math.ceil(len(household_firsts) / 4)):
            r = ctx.residents[i]
            org = PartyOrg(
                kind=PartyOrgKind.CENTER_HOUSEHOLD,
                name=f"{r.person.name}党员中心户",
                region=r.row.building,
                parent=group_org,
                secretary=r.person,
            )
            centres.append(org)
            centre_of_household[id(r.row)] = org
    _save_tree_level(PartyOrg, centres, _party_parent_path)

    members: list[PartyMember] = []
    by_org: dict[PartyOrg, list[Person]] = {}

    def enrol(
        person: Person, org: PartyOrg, *, age: int, in_service: bool, work_unit: str = ""
    ) -> None:
        years_ago = rng.randint(1, max(1, min(age - 18, 50)))
        members.append(
            PartyMember(
                person=person,
                party_org=org,
                kind=MembershipKind.IN_SERVICE if in_service else MembershipKind.COMMUNITY,
                joined_on=_random_day(
                    rng, date(ANCHOR.year - years_ago, 1, 1), date(ANCHOR.year - years_ago, 12, 31)
                ),
                work_unit=work_unit,
                registered_on=(
                    _random_day(rng, date(2019, 3, 1), date(2026, 6, 30)) if in_service else None
                ),
            )
        )
        by_org.setdefault(org, []).append(person)

    enrol(ctx.people["secretary"], committees["community"], age=50, in_service=False)
    enrol(ctx.people["village_secretary"], committees["village"], age=50, in_service=False)
    party_row = next(r for r in ctx.residents if r.person is ctx.people["party"])
    enrol(
        ctx.people["party"],
        branches[party_row.row.grid.code],
        age=party_row.resident.age,
        in_service=True,
        work_unit=rng.choice(data.WORK_UNITS),
    )
    for i in chosen:
        r = ctx.residents[i]
        if i in in_service_rows:  # 双报到: registered with the home grid's branch
            enrol(
                r.person,
                branches[r.row.grid.code],
                age=r.resident.age,
                in_service=True,
                work_unit=rng.choice(data.WORK_UNITS),
            )
            continue
        org = centre_of_household.get(id(r.row)) or group_of_building[r.row.building.code]
        enrol(r.person, org, age=r.resident.age, in_service=False)

    # 1+5+N: the secretary full time, part-time members sent by the partner units.
    committee_members = [
        CommitteeMember(
            party_org=committees["community"],
            person=ctx.people["secretary"],
            title="党委书记",
            is_part_time=False,
        ),
        CommitteeMember(
            party_org=committees["village"],
            person=ctx.people["village_secretary"],
            title="党总支书记",
            is_part_time=False,
        ),
    ]
    for spec in data.PARTNERS:
        contact = ctx.partner_contacts.get(spec.key)
        if contact is None or not spec.committee_title:
            continue
        committee = committees["village" if spec.where == "village" else "community"]
        committee_members.append(
            CommitteeMember(
                party_org=committee,
                person=contact,
                partner=ctx.partners[spec.key],
                title=spec.committee_title,
                is_part_time=True,
            )
        )
        enrol(contact, committee, age=45, in_service=True, work_unit=spec.name)

    # Secretaries of branches and groups: a member of the organisation or of one below it
    # (centre households included), where there is any.
    for org in [*branches.values(), *groups]:
        candidates = [
            person
            for other, people_there in by_org.items()
            if other.path.startswith(org.path)
            for person in people_there
        ]
        if candidates:
            org.secretary = rng.choice(candidates)
    PartyOrg.objects.bulk_update([*branches.values(), *groups], ["secretary"], batch_size=BATCH)
    _bulk(PartyMember, members)
    _bulk(CommitteeMember, committee_members)
    _bulk(
        RoleAssignment,
        [
            RoleAssignment(person=m.person, role=Role.PARTY_MEMBER, region=m.party_org.region)
            for m in members
        ],
    )


def _member_weight(resident: Resident) -> float:
    age = resident.age
    weight = 0.3 if age < 25 else 1.0 if age < 40 else 1.3 if age < 60 else 2.2 if age < 80 else 1.5
    return weight * (1.6 if resident.gender == "m" else 1.0)


def add_logins(ctx: DemoContext) -> None:
    """One User per login, with a username and a phone, the shared demo password."""
    users: list[User] = []
    hashed = ""
    for spec in LOGINS:
        person = ctx.people[spec.key]
        is_admin = spec.role == Role.PLATFORM_ADMIN
        user = User(
            username=spec.username,
            phone=spec.phone,
            person=person,
            first_name=person.name,
            is_staff=is_admin,
            is_superuser=is_admin,
        )
        if hashed:
            # The password is shared and printed, so one salted argon2 hash (about 0.4 s of
            # work on two cores) serves every login instead of ten.
            user.password = hashed
        else:
            user.set_password(DEMO_PASSWORD)
            hashed = user.password
        users.append(user)
    _bulk(User, users)


STEPS: list[Step] = [
    add_regions,
    add_households,
    add_residents,
    add_staff,
    add_partners,
    add_party,
    add_logins,
    add_appeal_history,
    add_wishes,
    add_open311_key,
]

# Functions that add lines after the logins, e.g. a later "Open311 API key: <key>".
REPORTERS: list[Reporter] = [report_appeal_history, report_wishes, report_open311_key]


# --- the service ----------------------------------------------------------------------------------


@transaction.atomic
def load_demo(
    *,
    actor: Any = None,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    today: date | None = None,
) -> DemoResult:
    """Load the demo street once; when it is already there, create nothing and describe it."""
    if actor is not None and not scope_for(actor).is_admin:
        raise PermissionDenied("Only a platform administrator can load the demo.")
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValidationFailed(f"Scale must be between {MIN_SCALE} and {MAX_SCALE}.", field="scale")
    started = time.perf_counter()
    existing = Region.objects.filter(code=DEMO_STREET_CODE).first()
    if existing is not None:
        return describe_demo(existing)
    taken = User.objects.filter(
        models.Q(username__in=[s.username for s in LOGINS])
        | models.Q(phone__in=[s.phone for s in LOGINS])
    ).values_list("username", flat=True)
    if taken:
        raise Conflict(
            f"These demo logins already exist without the demo street: {', '.join(taken)}.",
            field="username",
        )
    ctx = DemoContext(rng=random.Random(seed), seed=seed, scale=scale, actor=actor, today=today)
    for step in STEPS:
        step(ctx)
    counts = demo_counts(ctx.street)
    audit.record(
        actor=actor,
        action="demo.load",
        obj=ctx.street,
        scope_path=ctx.street.path,
        after={"seed": seed, "scale": scale, "counts": counts},
    )
    return describe_demo(
        ctx.street, created=True, seconds=time.perf_counter() - started, counts=counts
    )


# --- describing a loaded demo --------------------------------------------------------------------


def demo_counts(street: Region) -> dict[str, int]:
    under = street.path
    kinds = dict(
        Region.objects.filter(path__startswith=under)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    party_kinds = dict(
        PartyOrg.objects.filter(region__path__startswith=under)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    members = PartyMember.objects.filter(party_org__region__path__startswith=under)
    return {
        "streets": kinds.get(RegionKind.STREET, 0),
        "communities": kinds.get(RegionKind.COMMUNITY, 0),
        "villages": kinds.get(RegionKind.VILLAGE, 0),
        "grids": kinds.get(RegionKind.GRID, 0),
        "buildings": kinds.get(RegionKind.BUILDING, 0),
        "households": Household.objects.filter(building__path__startswith=under).count(),
        "people": Person.objects.filter(region__path__startswith=under).count(),
        "tags": PersonTag.objects.filter(person__region__path__startswith=under).count(),
        "party_committees": party_kinds.get(PartyOrgKind.COMMITTEE, 0),
        "party_branches": party_kinds.get(PartyOrgKind.BRANCH, 0),
        "party_groups": party_kinds.get(PartyOrgKind.GROUP, 0),
        "party_centre_households": party_kinds.get(PartyOrgKind.CENTER_HOUSEHOLD, 0),
        "party_members": members.count(),
        "party_members_in_service": members.filter(kind=MembershipKind.IN_SERVICE).count(),
        "partner_units": PartnerUnit.objects.filter(region__path__startswith=under).count(),
        "committee_members": CommitteeMember.objects.filter(
            party_org__region__path__startswith=under
        ).count(),
        "logins": User.objects.filter(username__in=[s.username for s in LOGINS]).count(),
    }


def _households_under(region: Region) -> int:
    return Household.objects.filter(building__path__startswith=region.path).count()


def _sees(spec: LoginSpec, person: Person, assignment: RoleAssignment | None) -> str:
    region = assignment.region if assignment is not None else person.region
    role = spec.role
    if role == Role.RESIDENT:
        household = person.household
        if household is None:
            return "their own appeals"
        return (
            f"their household {household.address} ({household.members.count()} people) "
            "and what they file"
        )
    if role == Role.GRID_WORKER:
        parent = region.parent.name if region.parent else ""
        return (
            f"{parent}{region.name}: {_households_under(region)} households, "
            f"{Person.objects.filter(region__path__startswith=region.path).count()} people"
        )
    if role == Role.COMMUNITY_STAFF:
        grids = region.children.count()
        return f"all of {region.name}: {grids} grids, {_households_under(region)} households"
    if role == Role.COMMUNITY_SECRETARY:
        grids = region.children.count()
        return (
            f"all of {region.name} ({grids} grids, {_households_under(region)} households), "
            "roles, the Party tree and the audit log"
        )
    if role == Role.STREET_SUPERVISOR:
        kinds = [RegionKind(k).name.lower() for k in region.children.values_list("kind", flat=True)]
        below = ", ".join(f"{kinds.count(k)} {k}" for k in dict.fromkeys(kinds))
        return (
            f"the whole of {region.name} ({below}, {_households_under(region)} households); "
            "rankings and hotspots"
        )
    if role == Role.PARTNER_HANDLER:
        partner = assignment.partner if assignment is not None else None
        name = partner.name if partner is not None else "their unit"
        return f"work assigned to {name} (serves {region.name})"
    if role == Role.PARTY_MEMBER:
        member = PartyMember.objects.filter(person=person).select_related("party_org").first()
        if member is None:
            return "their household"
        return (
            f"their household; registered from {member.work_unit} with "
            f"{member.party_org.name} on {member.registered_on}"
        )
    if role == Role.PLATFORM_ADMIN:
        return "everything on the platform, and /admin/"
    return region.name


def demo_logins() -> list[DemoLogin]:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[s.username for s in LOGINS]).select_related(
            "person__household", "person__region"
        )
    }
    out: list[DemoLogin] = []
    for spec in LOGINS:
        user = users.get(spec.username)
        if user is None or user.person is None:
            continue
        assignment = (
            RoleAssignment.objects.filter(person=user.person, role=spec.role)
            .select_related("region__parent", "partner")
            .first()
        )
        out.append(
            DemoLogin(
                role=spec.role,
                zh=spec.zh,
                en=spec.en,
                username=user.username,
                phone=user.phone or "",
                sees=_sees(spec, user.person, assignment),
            )
        )
    return out


def describe_demo(
    street: Region,
    *,
    created: bool = False,
    seconds: float = 0.0,
    counts: dict[str, int] | None = None,
) -> DemoResult:
    event = (
        AuditEvent.objects.filter(action="demo.load", object_id=str(street.pk))
        .order_by("id")
        .first()
    )
    after = event.after if event is not None and isinstance(event.after, dict) else {}
    notes = [line for reporter in REPORTERS for line in reporter(street)]
    return DemoResult(
        created=created,
        street=street,
        seed=after.get("seed"),
        scale=after.get("scale"),
        seconds=seconds,
        counts=counts if counts is not None else demo_counts(street),
        logins=demo_logins(),
        notes=notes,
    )
