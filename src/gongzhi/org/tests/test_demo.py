"""The demo community: geometry helpers, the generator, the loader and the command."""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import RequestFactory

from gongzhi.accounts.models import User
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.validators import MOBILE_RE, id_number_checksum_ok
from gongzhi.org.demo import (
    DEMO_PASSWORD,
    DEMO_STREET_CODE,
    LOGINS,
    format_result,
    load_demo,
    loader,
)
from gongzhi.org.demo import geometry as geo
from gongzhi.org.demo.layout import CENTRE
from gongzhi.org.demo.people import (
    ANCHOR,
    apportion,
    id_check_digit,
    make_id_number,
    weighted_sample,
)
from gongzhi.org.models import (
    PARTY_ALLOWED_CHILDREN,
    CommitteeMember,
    Household,
    MembershipKind,
    Ownership,
    PartnerKind,
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
from gongzhi.org.tests import factories as f

SMALL = 0.02
MODELS = (
    Region,
    Household,
    Person,
    PersonTag,
    PartyOrg,
    PartyMember,
    PartnerUnit,
    CommitteeMember,
    RoleAssignment,
    User,
    AuditEvent,
)


def _row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def _age(person: Person) -> int:
    assert person.birth_year is not None
    return ANCHOR.year - person.birth_year


# --- geometry (no database) -------------------------------------------------------------------

SQUARE = geo.polygon(geo.rectangle(0, 0, 10, 10))


def test_point_in_polygon_square_concave_and_hole():
    assert geo.point_in_polygon((5, 5), SQUARE)
    assert not geo.point_in_polygon((11, 5), SQUARE)
    assert not geo.point_in_polygon((-0.1, 5), SQUARE)
    # An L shape: the notch at the top right is outside.
    ell = geo.polygon([(0, 0), (10, 0), (10, 4), (4, 4), (4, 10), (0, 10)])
    assert geo.point_in_polygon((2, 8), ell)
    assert geo.point_in_polygon((8, 2), ell)
    assert not geo.point_in_polygon((8, 8), ell)
    # A square with a hole: the hole is outside.
    holed = geo.polygon(geo.rectangle(0, 0, 10, 10), holes=[geo.rectangle(3, 3, 6, 6)])
    assert not geo.point_in_polygon((4, 4), holed)
    assert geo.point_in_polygon((1, 1), holed)


def test_point_in_polygon_multipolygon_and_bad_type():
    multi = {
        "type": "MultiPolygon",
        "coordinates": [
            SQUARE["coordinates"],
            geo.polygon(geo.rectangle(20, 20, 30, 30))["coordinates"],
        ],
    }
    assert geo.point_in_polygon((25, 25), multi)
    assert geo.point_in_polygon((5, 5), multi)
    assert not geo.point_in_polygon((15, 15), multi)
    with pytest.raises(ValueError, match="not a polygon"):
        geo.point_in_polygon((0, 0), {"type": "Point", "coordinates": [0, 0]})


def test_polygon_rings_are_closed_and_centroid_is_the_area_centre():
    ring = SQUARE["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    assert geo.centroid(geo.rectangle(0, 0, 10, 4)) == pytest.approx((5, 2))
    # A triangle's centroid is the mean of its corners.
    assert geo.centroid([(0, 0), (6, 0), (0, 3)]) == pytest.approx((2, 1))
    assert geo.signed_area(geo.rectangle(0, 0, 10, 4)) == pytest.approx(40)


def test_lattice_cells_tile_the_rectangle_without_gap_or_overlap():
    rng = random.Random(7)
    points = geo.lattice((0, 0), (300, 200), cols=3, rows=2, jitter=0.2, rng=rng)
    cells = [geo.polygon(geo.cell(points, c, r)) for r in range(2) for c in range(3)]
    total = sum(geo.signed_area(geo.cell(points, c, r)) for r in range(2) for c in range(3))
    assert total == pytest.approx(300 * 200)
    for _ in range(2000):
        p = (rng.uniform(0.01, 299.99), rng.uniform(0.01, 199.99))
        assert sum(geo.point_in_polygon(p, c) for c in cells) == 1
    with pytest.raises(ValueError):
        geo.lattice((0, 0), (1, 1), cols=1, rows=1, jitter=0.3, rng=rng)


def test_bilinear_maps_the_unit_square_into_a_convex_cell():
    quad = [(0.0, 0.0), (10.0, 1.0), (11.0, 9.0), (-1.0, 10.0)]
    shape = geo.polygon(quad)
    rng = random.Random(3)
    for _ in range(500):
        u, v = rng.uniform(0.01, 0.99), rng.uniform(0.01, 0.99)
        assert geo.point_in_polygon(geo.bilinear(quad, u, v), shape)
    assert geo.bilinear(quad, 0, 0) == (0.0, 0.0)
    assert geo.bilinear(quad, 1, 1) == (11.0, 9.0)


def test_offset_moves_by_metres():
    lon, lat = geo.offset(CENTRE, 0, 1113.2)
    assert lat - CENTRE[1] == pytest.approx(0.01)
    lon, lat = geo.offset(CENTRE, 1000, 0)
    # A degree of longitude is shorter than a degree of latitude at 32°N.
    assert 0.0100 < lon - CENTRE[0] < 0.0110


# --- generator pieces (no database) ----------------------------------------------------------


def test_id_numbers_follow_gb_11643():
    # The textbook example: 11010519491231002X.
    assert id_check_digit("11010519491231002") == "X"
    male = make_id_number("341102", ANCHOR.replace(year=1980), 7, "m")
    female = make_id_number("341102", ANCHOR.replace(year=1980), 7, "f")
    for number in (male, female):
        assert id_number_checksum_ok(number) and number.startswith("341102198009")
    assert int(male[16]) % 2 == 1 and int(female[16]) % 2 == 0


def test_apportion_and_weighted_sample():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(2600, [462, 252, 648])) == 2600
    assert apportion(0, [1, 2]) == [0, 0]
    picked = weighted_sample(random.Random(1), list(range(100)), [1.0] * 100, 10)
    assert len(set(picked)) == 10
    assert picked == weighted_sample(random.Random(1), list(range(100)), [1.0] * 100, 10)
    heavy = Counter()
    for seed in range(300):
        heavy.update(weighted_sample(random.Random(seed), [0, 1], [9.0, 1.0], 1))
    assert heavy[0] > 4 * heavy[1]


# --- the loader ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_small_scale_counts_are_roughly_right():
    result = load_demo(seed=2026, scale=0.05)
    c = result.counts
    assert result.created
    assert (c["streets"], c["communities"], c["villages"], c["grids"]) == (1, 1, 1, 10)
    assert c["buildings"] == 40 + 20  # the estates keep their buildings; village houses scale
    assert c["households"] == 150
    assert 2.3 <= c["people"] / c["households"] <= 3.2
    assert 17 <= c["party_members"] <= 23
    assert c["partner_units"] == 13
    assert c["committee_members"] == 2 + 7  # two full-time secretaries, 1+5+N part-timers
    assert c["logins"] == len(LOGINS)
    assert {k: c[f"party_{k}"] for k in ("committees", "branches")} == {
        "committees": 2,
        "branches": 10,
    }
    # One audit event for the whole load, not one per row.
    events = AuditEvent.objects.filter(action="demo.load")
    assert events.count() == 1
    assert events.get().after["seed"] == 2026
    # ... and one each for the appeal defaults, the appeal history, the Open311 key and wishes.
    assert sorted(AuditEvent.objects.values_list("action", flat=True)) == [
        "appeals.demo_history",
        "appeals.install_defaults",
        "demo.load",
        "open311.client.create",
        "wishes.demo",
    ]


@pytest.mark.django_db
def test_second_run_creates_nothing_and_still_describes_the_logins():
    first = load_demo(seed=2026, scale=SMALL)
    before = _row_counts()
    # when: loaded again, even with another seed and scale
    second = load_demo(seed=99, scale=0.5)
    # then: nothing new, the original seed is reported, the logins are the same
    assert _row_counts() == before
    assert not second.created and second.seed == 2026 and second.scale == SMALL
    assert second.logins == first.logins
    assert second.counts == first.counts
    text = format_result(second)
    assert "already loaded" in text and f"Demo logins (password: {DEMO_PASSWORD}):" in text


def _snapshot(seed: int) -> list[tuple[str, str, str, str]]:
    """Load, read back the people, and roll the load back."""
    with transaction.atomic():
        load_demo(seed=seed, scale=SMALL)
        rows = list(
            Person.objects.order_by("id").values_list("name", "id_number", "phone", "relation")
        )
        shapes = list(Region.objects.order_by("id").values_list("name", "geometry", "latitude"))
        transaction.set_rollback(True)
    return [*rows, *shapes]  # type: ignore[list-item]


@pytest.mark.django_db
def test_same_seed_gives_the_same_people_and_map():
    first = _snapshot(2026)
    assert not Region.objects.exists()  # rolled back
    assert _snapshot(2026) == first
    assert _snapshot(7) != first


@pytest.mark.django_db
def test_id_numbers_are_valid_unique_and_match_birth_year_and_gender():
    load_demo(scale=0.1)
    people = list(Person.objects.all())
    assert len(people) > 200
    ids = [p.id_number for p in people]
    assert len(set(ids)) == len(ids)
    for p in people:
        assert id_number_checksum_ok(p.id_number), p.id_number
        assert p.id_number.startswith("3411")
        assert int(p.id_number[6:10]) == p.birth_year
        assert p.gender == ("m" if int(p.id_number[16]) % 2 else "f")
    phones = [p.phone for p in people if p.phone]
    assert all(MOBILE_RE.match(phone) for phone in phones)
    assert len(set(phones)) == len(phones)
    # Young children have no phone.
    assert not any(p.phone for p in people if p.household_id and _age(p) < 12)


@pytest.mark.django_db
def test_every_role_has_a_login_that_authenticates_by_phone_and_username():
    load_demo(scale=SMALL)
    request = RequestFactory().post("/accounts/login/")
    assert {spec.role for spec in LOGINS} == set(Role.values)
    for spec in LOGINS:
        by_phone = authenticate(request, username=spec.phone, password=DEMO_PASSWORD)
        assert by_phone is not None and by_phone.username == spec.username
        assert authenticate(request, username=spec.username, password=DEMO_PASSWORD) == by_phone
        assert by_phone.person is not None and by_phone.person.phone == spec.phone
        assert RoleAssignment.objects.filter(person=by_phone.person, role=spec.role).exists()
    assert authenticate(request, username=LOGINS[0].phone, password="wrong") is None
    admin = User.objects.get(username="demo_admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(pk=admin.pk).exists()


@pytest.mark.django_db
def test_logins_sit_where_the_brief_puts_them():
    load_demo(scale=SMALL)
    grid1 = Region.objects.get(code=f"{DEMO_STREET_CODE}-C01-G01")
    people = {u.username: u.person for u in User.objects.select_related("person")}
    resident = people["demo_resident"]
    assert resident.household is not None
    assert resident.region.path.startswith(grid1.path)
    assert resident.household.ownership == Ownership.OWNER
    grid = RoleAssignment.objects.get(person=people["demo_grid"], role=Role.GRID_WORKER)
    assert grid.region == grid1
    handler = RoleAssignment.objects.get(person=people["demo_partner"], role=Role.PARTNER_HANDLER)
    assert handler.partner is not None and handler.partner.kind == PartnerKind.PROPERTY
    assert handler.partner.region == grid1
    member = PartyMember.objects.get(person=people["demo_party"])
    assert member.kind == MembershipKind.IN_SERVICE and member.work_unit
    assert member.registered_on is not None
    assert people["demo_party"].region.path.startswith(grid1.path)
    assert member.party_org.region == grid1
    street = RoleAssignment.objects.get(person=people["demo_street"], role=Role.STREET_SUPERVISOR)
    assert street.region.code == DEMO_STREET_CODE
    village = RoleAssignment.objects.get(
        person=people["demo_village_secretary"], role=Role.COMMUNITY_SECRETARY
    )
    assert village.region.kind == RegionKind.VILLAGE


@pytest.mark.django_db
def test_map_shapes_nest_and_buildings_lie_in_their_grid():
    load_demo(scale=0.1)
    regions = {r.pk: r for r in Region.objects.all()}
    for r in regions.values():
        assert r.latitude is not None and r.longitude is not None
        point = (r.longitude, r.latitude)
        assert abs(r.latitude - 32.30) < 0.03 and abs(r.longitude - 118.31) < 0.05
        if r.kind == RegionKind.BUILDING:
            assert r.geometry is None
            assert geo.point_in_polygon(point, regions[r.parent_id].geometry), r.name
            continue
        assert r.geometry["type"] == "Polygon"
        assert geo.point_in_polygon(point, r.geometry), f"{r.name} label outside its shape"
        if r.parent_id is not None:
            parent = regions[r.parent_id].geometry
            assert geo.point_in_polygon(point, parent)
            # Every corner of a child lies in (or on the edge of) its parent.
            w, s, e, n = geo.bbox(geo.outer_ring(parent))
            for x, y in geo.outer_ring(r.geometry):
                assert w - 1e-9 <= x <= e + 1e-9 and s - 1e-9 <= y <= n + 1e-9
    grids = [r for r in regions.values() if r.kind == RegionKind.GRID]
    areas = [r for r in regions.values() if r.kind in (RegionKind.COMMUNITY, RegionKind.VILLAGE)]
    street = next(r for r in regions.values() if r.kind == RegionKind.STREET)
    # A point near the centre falls in a grid (grid 1 of the community).
    assert [g.name for g in grids if geo.point_in_polygon(CENTRE, g.geometry)] == ["第一网格"]
    # Grids tile their community and village: every point of those is in exactly one grid,
    # and no point is in both the community and the village.
    rng = random.Random(5)
    w, s, e, n = geo.bbox(geo.outer_ring(street.geometry))
    inside = 0
    for _ in range(3000):
        p = (rng.uniform(w, e), rng.uniform(s, n))
        in_areas = [a for a in areas if geo.point_in_polygon(p, a.geometry)]
        assert len(in_areas) <= 1
        in_grids = [g for g in grids if geo.point_in_polygon(p, g.geometry)]
        assert len(in_grids) == len(in_areas)
        if in_areas:
            inside += 1
            assert in_grids[0].parent_id == in_areas[0].pk
            assert geo.point_in_polygon(p, street.geometry)
    assert inside > 1000


@pytest.mark.django_db
def test_party_tree_members_and_secretaries():
    load_demo(scale=0.2)
    orgs = {o.pk: o for o in PartyOrg.objects.select_related("region")}
    for org in orgs.values():
        if org.parent_id is None:
            assert org.kind == PartyOrgKind.COMMITTEE and org.secretary_id is not None
            assert org.path == f"/{org.pk}/"
            continue
        parent = orgs[org.parent_id]
        assert org.kind in PARTY_ALLOWED_CHILDREN[parent.kind]
        assert org.path == f"{parent.path}{org.pk}/"
        assert org.region.path.startswith(parent.region.path)
    members = list(PartyMember.objects.select_related("person__region", "party_org__region"))
    assert 70 <= len(members) <= 90
    by_kind = Counter(m.kind for m in members)
    assert by_kind[MembershipKind.IN_SERVICE] >= 10
    for m in members:
        assert RoleAssignment.objects.filter(
            person=m.person, role=Role.PARTY_MEMBER, region=m.party_org.region
        ).exists()
        if m.kind == MembershipKind.IN_SERVICE:
            assert m.work_unit and m.registered_on is not None
        if m.person.household_id is not None:
            # A resident member belongs to an organisation of their own grid or building.
            assert m.person.region.path.startswith(m.party_org.region.path)
            if m.party_org.kind == PartyOrgKind.CENTER_HOUSEHOLD:
                assert m.party_org.region_id == m.person.region_id
    with_members = {m.party_org_id for m in members}
    for org in orgs.values():
        if org.pk in with_members and org.kind != PartyOrgKind.COMMITTEE:
            assert org.secretary_id is not None, org.name
    assert Counter(o.kind for o in orgs.values())[PartyOrgKind.CENTER_HOUSEHOLD] > 0
    part_time = CommitteeMember.objects.filter(is_part_time=True)
    assert part_time.count() == 7 and all(c.partner_id for c in part_time)


@pytest.mark.django_db
def test_tags_fall_on_the_right_people():
    load_demo(scale=0.2)
    sizes = Counter(Person.objects.exclude(household=None).values_list("household", flat=True))
    tags = PersonTag.objects.select_related("person__region")
    seen = Counter()
    for t in tags:
        seen[t.tag] += 1
        person = t.person
        if t.tag == "elderly_alone":
            assert _age(person) >= 60 and sizes[person.household_id] == 1
        if t.tag == "empty_nest":
            assert _age(person) >= 60
        if t.tag == "left_behind_child":
            assert _age(person) < 16 and "-V01-" in person.region.code
        if t.tag == "veteran":
            assert person.gender == "m"
    for tag in ("elderly_alone", "empty_nest", "disability", "low_income", "left_behind_child"):
        assert seen[tag] > 0, tag
    # No vacant household has residents.
    assert not Person.objects.filter(household__ownership=Ownership.VACANT).exists()


@pytest.mark.django_db
def test_refuses_a_non_admin_actor_a_bad_scale_and_a_taken_username():
    worker = f.user_with_role(Role.GRID_WORKER, f.grid())
    with pytest.raises(PermissionDenied):
        load_demo(actor=worker, scale=SMALL)
    with pytest.raises(ValidationFailed) as err:
        load_demo(scale=0)
    assert err.value.field == "scale"
    f.UserFactory(username="demo_admin")
    with pytest.raises(Conflict):
        load_demo(scale=SMALL)
    assert not Region.objects.filter(code=DEMO_STREET_CODE).exists()


@pytest.mark.django_db
def test_reporters_add_lines_on_first_and_later_runs(monkeypatch):
    monkeypatch.setattr(loader, "REPORTERS", [lambda street: [f"Extra: {street.code}"]])
    assert f"Extra: {DEMO_STREET_CODE}" in format_result(load_demo(scale=SMALL))
    assert f"Extra: {DEMO_STREET_CODE}" in format_result(load_demo(scale=SMALL))


@pytest.mark.django_db
def test_command_prints_the_logins_twice_and_rejects_a_bad_scale():
    out = io.StringIO()
    call_command("demo", "--scale", str(SMALL), "--seed", "11", stdout=out)
    text = out.getvalue()
    assert f"Demo logins (password: {DEMO_PASSWORD}):" in text
    for spec in LOGINS:
        assert spec.username in text and spec.phone in text and spec.zh in text
    assert "seed 11" in text
    regions = Region.objects.count()
    again = io.StringIO()
    call_command("demo", stdout=again)
    assert "already loaded" in again.getvalue() and "demo_resident" in again.getvalue()
    assert Region.objects.count() == regions
    with pytest.raises(CommandError):
        call_command("demo", "--scale", "0", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("demo", "--scale", "lots", stdout=io.StringIO())


@pytest.mark.django_db
def test_full_scale_load():
    # Full size in the in-memory test database. How long it takes is measured by the command
    # itself (it prints the time) and recorded in docs/performance.md, not asserted here.
    c = load_demo().counts
    assert c["households"] == 3000 and c["buildings"] == 440
    assert 7500 <= c["people"] <= 8500
    assert c["party_members"] == 400
    assert 60 <= c["party_members_in_service"] <= 160
