"""The home page: one section per role, real counts, nothing from outside the actor's scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.core.testing.scope_matrix import GRID_OUT_MARKER, OUT_MARKER, build_world
from gongzhi.org.models import (
    MembershipKind,
    PartyMember,
    PersonTag,
    Region,
    Role,
    RoleAssignment,
    Tag,
)
from gongzhi.org.tests import factories as f
from gongzhi.web import selectors

pytestmark = pytest.mark.django_db


def _home(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_is_sent_to_login():
    response = Client().get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_resident_sees_own_household_unmasked_and_their_grid_worker():
    # given the resident 王建国 in grid A1, with a spouse, and the grid worker of A1
    world = build_world()
    f.PersonFactory(household=world.household_a1, name="刘秀英", relation="spouse", birth_year=1982)
    # when the resident opens the home page
    body = _home(world.users[Role.RESIDENT])
    # then their own address is in full, their grid and its worker (with a phone) are named
    assert "幸福里1栋1单元101" in body
    assert "王建国" in body
    assert "第一网格" in body
    worker = world.users[Role.GRID_WORKER].person
    assert worker.name in body
    assert f'href="tel:{worker.phone}"' in body
    # and the spouse is listed (masked by the org selector's rules for non-staff)
    assert "刘*英" in body
    assert OUT_MARKER not in body
    assert GRID_OUT_MARKER not in body


def test_resident_without_grid_worker_is_told_whom_to_contact():
    home = f.HouseholdFactory()
    resident = f.user_with_role(Role.RESIDENT, home.building, household=home)
    body = _home(resident)
    assert "您的网格还没有安排网格员" in body


def test_grid_worker_sees_counts_of_own_grid_only():
    # given grid A1 with a second building, more households and tagged residents
    world = build_world()
    second = f.building(world.grid_a1, name="幸福里2栋")
    h1 = f.HouseholdFactory(building=second)
    h2 = f.HouseholdFactory(building=second)
    old = f.PersonFactory(household=h1)
    f.PersonFactory(household=h2)
    disabled = f.PersonFactory(household=h2)
    PersonTag.objects.create(person=old, tag=Tag.ELDERLY_ALONE)
    PersonTag.objects.create(person=disabled, tag=Tag.DISABILITY)
    PersonTag.objects.create(person=disabled, tag=Tag.LOW_INCOME)
    # and tagged people in the neighbouring grid, who must not be counted
    PersonTag.objects.create(person=world.person_a2, tag=Tag.ELDERLY_ALONE)
    # when the grid worker's home page is computed
    (grid,) = selectors.grid_summaries(world.users[Role.GRID_WORKER])
    # then the figures are those of grid A1
    assert grid.row.region == world.grid_a1
    counts = grid.row.counts
    assert (counts["buildings"], counts["households"], counts["residents"]) == (2, 3, 4)
    assert {c.tag: c.count for c in grid.care} == {
        Tag.ELDERLY_ALONE: 1,
        Tag.DISABILITY: 1,
        Tag.LOW_INCOME: 1,
    }
    body = _home(world.users[Role.GRID_WORKER])
    assert "我的网格：第一网格" in body
    assert "独居老人" in body or "Elderly living alone" in body
    assert GRID_OUT_MARKER not in body


def test_community_staff_sees_grids_of_their_community_with_counts():
    world = build_world()
    f.PersonFactory(household=world.household_a2)
    (area,) = selectors.community_summaries(world.users[Role.COMMUNITY_STAFF])
    assert area.row.region == world.comm_a
    assert area.row.counts == {
        "grids": 2,
        "households": 2,
        "residents": 3,
        "party_members": 1,
        "partners": 1,
        "buildings": 2,
    }
    rows = {
        r.region.name: (r.counts["buildings"], r.counts["households"], r.counts["residents"])
        for r in area.children
    }
    assert rows == {"第一网格": (1, 1, 1), f"{GRID_OUT_MARKER}网格": (1, 1, 2)}
    body = _home(world.users[Role.COMMUNITY_SECRETARY])
    assert "幸福社区" in body
    assert OUT_MARKER not in body


def test_staff_registered_at_an_office_are_not_counted_as_residents():
    # The world's staff persons are registered at the community without a household.
    world = build_world()
    (area,) = selectors.community_summaries(world.users[Role.COMMUNITY_STAFF])
    assert area.row.counts["residents"] == 2


def test_street_supervisor_sees_every_community_of_the_street():
    world = build_world()
    (street,) = selectors.street_summaries(
        world.users[Role.STREET_SUPERVISOR],
        Region.objects.filter(pk=world.street.pk),
    )
    rows = {
        r.region.name: tuple(
            r.counts[k] for k in ("grids", "households", "party_members", "partners")
        )
        for r in street.children
    }
    assert rows == {"幸福社区": (2, 2, 1, 1), f"{OUT_MARKER}社区": (1, 1, 0, 1)}
    assert street.row.counts["households"] == 3
    body = _home(world.users[Role.STREET_SUPERVISOR])
    assert "街道概况" in body
    assert f"{OUT_MARKER}社区" in body


def test_partner_handler_sees_their_unit_and_the_community_it_serves():
    world = build_world()
    body = _home(world.users[Role.PARTNER_HANDLER])
    assert "我的共建单位" in body
    assert "幸福物业" in body
    assert "幸福社区" in body
    assert OUT_MARKER not in body


def test_party_member_sees_organisation_and_dual_registration():
    # given an in-service member registered at the community (双报到)
    world = build_world()
    member = world.users[Role.PARTY_MEMBER].person
    PartyMember.objects.filter(person=member).update(
        kind=MembershipKind.IN_SERVICE, work_unit="市第一医院"
    )
    body = _home(world.users[Role.PARTY_MEMBER])
    assert "我的党组织" in body
    assert "幸福社区党委" in body
    assert "市第一医院" in body


def test_party_role_without_membership_record_says_so():
    comm = f.community()
    user = f.user_with_role(Role.PARTY_MEMBER, comm)
    body = _home(user)
    assert "您的党员信息尚未登记" in body


def test_platform_admin_sees_the_street_and_a_link_to_admin():
    world = build_world()
    body = _home(world.users[Role.PLATFORM_ADMIN])
    assert reverse("admin:index") in body
    assert "平台管理" in body
    assert "幸福社区" in body


def test_person_with_several_roles_sees_a_section_per_role():
    world = build_world()
    worker = world.users[Role.GRID_WORKER]
    RoleAssignment.objects.create(
        person=worker.person,
        role=Role.PARTNER_HANDLER,
        region=world.comm_a,
        partner=world.partner_a,
    )
    PartyMember.objects.create(person=worker.person, party_org=world.party_org_a)
    body = _home(worker)
    assert "我的网格：第一网格" in body
    assert "我的共建单位" in body
    assert "我的党组织" in body


def test_account_without_person_gets_an_honest_welcome():
    user = f.UserFactory()
    body = _home(user)
    assert "您的账号还没有关联到社区的住户或岗位" in body


def _big_world(n_communities: int, n_grids: int):
    st = f.street()
    comms = [f.community(st) for _ in range(n_communities)]
    for comm in comms:
        org = f.PartyOrgFactory(region=comm)
        f.PartnerUnitFactory(region=comm)
        for _ in range(n_grids):
            home = f.HouseholdFactory(building=f.building(f.grid(comm)))
            person = f.PersonFactory(household=home)
            PersonTag.objects.create(person=person, tag=Tag.ELDERLY_ALONE)
            PartyMember.objects.create(person=f.PersonFactory(household=home), party_org=org)
    return st, comms


def _everything_user(st, comms):
    """One person with every staff role, so every section of the page is computed."""
    grid = comms[0].children.first()
    user = f.user_with_role(Role.GRID_WORKER, grid)
    person = user.person
    for role, region in [
        (Role.COMMUNITY_STAFF, comms[0]),
        (Role.COMMUNITY_SECRETARY, comms[1]),
        (Role.STREET_SUPERVISOR, st),
        (Role.PARTY_MEMBER, comms[0]),
    ]:
        RoleAssignment.objects.create(person=person, role=role, region=region)
    RoleAssignment.objects.create(
        person=person,
        role=Role.PARTNER_HANDLER,
        region=comms[0],
        partner=comms[0].partners.first(),
    )
    return user


def _count_home_queries(user) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("web:home")).status_code == 200
    return len(ctx.captured_queries)


def test_home_queries_are_bounded(django_assert_max_num_queries):
    # given a street of 12 communities (ids /x/1/ and /x/12/ share a prefix) with 3 grids each
    st, comms = _big_world(12, 3)
    user = _everything_user(st, comms)
    client = Client()
    client.force_login(user)
    # then the whole page, with every section, costs a fixed number of queries: 5 for the
    # session, user and scope; grid 5; community 8; street 7; partner 1; Party 1; appeals 2
    with django_assert_max_num_queries(29):
        response = client.get(reverse("web:home"))
    assert response.status_code == 200


def test_home_queries_do_not_grow_with_the_data():
    small = _everything_user(*_big_world(2, 1))
    big = _everything_user(*_big_world(8, 4))
    assert _count_home_queries(big) == _count_home_queries(small)


def test_staff_who_live_outside_their_area_still_see_their_own_household():
    # given a grid worker of grid A1 who lives in community B with a family member
    world = build_world()
    worker = world.users[Role.GRID_WORKER]
    person = worker.person
    person.household = world.household_b1
    person.save(update_fields=["household"])
    # when they open the home page
    home = selectors.resident_home(worker)
    # then their own household and its members are there, despite being outside their grid
    assert home is not None
    assert home.household == world.household_b1
    assert {card.pk for card in home.members} == {world.person_b1.pk, person.pk}
    # and their grid section still shows only grid A1
    (grid,) = selectors.grid_summaries(worker)
    assert grid.row.region == world.grid_a1
