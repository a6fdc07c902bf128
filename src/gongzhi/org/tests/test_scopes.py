import pytest

from gongzhi.org import selectors
from gongzhi.org.models import Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db


def test_grid_worker_sees_only_own_grid_households():
    # given two grids in one community, a household in each
    comm = f.community()
    grid_a, grid_b = f.grid(comm), f.grid(comm)
    mine = f.HouseholdFactory(building=f.building(grid_a))
    theirs = f.HouseholdFactory(building=f.building(grid_b))
    worker = f.user_with_role(Role.GRID_WORKER, grid_a)
    # when the worker lists households
    seen = set(selectors.households_visible(worker))
    # then only their own grid's household is there
    assert mine in seen
    assert theirs not in seen


def test_community_staff_sees_whole_community_but_not_neighbour():
    st = f.street()
    comm_a, comm_b = f.community(st), f.community(st)
    in_a = f.HouseholdFactory(building=f.building(f.grid(comm_a)))
    in_b = f.HouseholdFactory(building=f.building(f.grid(comm_b)))
    staff = f.user_with_role(Role.COMMUNITY_STAFF, comm_a)
    supervisor = f.user_with_role(Role.STREET_SUPERVISOR, st)
    assert list(selectors.households_visible(staff)) == [in_a]
    assert set(selectors.households_visible(supervisor)) == {in_a, in_b}


def test_resident_sees_only_own_household_members():
    home = f.HouseholdFactory()
    spouse = f.PersonFactory(household=home, relation="spouse")
    stranger = f.PersonFactory()
    resident = f.user_with_role(Role.RESIDENT, home.building, household=home)
    people = set(selectors.people_visible(resident))
    assert spouse in people
    assert stranger not in people
    assert list(selectors.regions_visible(resident)) == []


def test_path_prefix_does_not_leak_to_sibling_with_longer_id():
    # /1/2/ must not match /1/23/: paths end with a slash
    st = f.street()
    comms = [f.community(st) for _ in range(12)]
    staff = f.user_with_role(Role.COMMUNITY_STAFF, comms[0])
    visible = set(selectors.regions_visible(staff))
    assert visible == {comms[0]}


def test_grid_worker_living_in_another_grid_still_sees_own_household():
    # given a grid worker for grid A who lives in grid B of the same community
    comm = f.community()
    grid_a, grid_b = f.grid(comm), f.grid(comm)
    home = f.HouseholdFactory(building=f.building(grid_b))
    worker = f.user_with_role(Role.GRID_WORKER, grid_a, household=home)
    neighbour = f.HouseholdFactory(building=home.building)
    # then their own household and family are visible, the neighbour's is not
    assert home in set(selectors.households_visible(worker))
    assert neighbour not in set(selectors.households_visible(worker))
    assert worker.person in set(selectors.people_visible(worker))


def test_platform_admin_sees_everything_despite_own_household():
    home = f.HouseholdFactory()
    other = f.HouseholdFactory()
    admin = f.user_with_role(Role.PLATFORM_ADMIN, f.street(), household=home)
    assert {home, other} <= set(selectors.households_visible(admin))
