"""The organisation browser: regions, households, people (masked, revealed), Party, partners."""

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.models import AuditEvent
from gongzhi.core.testing.scope_matrix import GRID_OUT_MARKER, OUT_MARKER, build_world
from gongzhi.org import selectors_browse
from gongzhi.org.models import (
    CommitteeMember,
    MembershipKind,
    PartyOrgKind,
    Role,
)
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(user, name, **kwargs):
    return client_for(user).get(reverse(name, kwargs=kwargs or None))


# --- region tree ---------------------------------------------------------------------------------


def test_tree_shows_each_role_its_own_roots(world):
    worker = get(world.users[Role.GRID_WORKER], "org:tree")
    assert worker.status_code == 200
    assert world.grid_a1.name in worker.content.decode()
    assert world.comm_a.name not in worker.content.decode()

    staff = get(world.users[Role.COMMUNITY_STAFF], "org:tree").content.decode()
    assert world.comm_a.name in staff
    assert OUT_MARKER not in staff

    admin = get(world.users[Role.PLATFORM_ADMIN], "org:tree").content.decode()
    assert world.street.name in admin


def test_tree_is_not_for_residents_or_partners(world):
    assert get(world.users[Role.RESIDENT], "org:tree").status_code == 403
    assert get(world.users[Role.PARTNER_HANDLER], "org:tree").status_code == 403


def test_region_children_count_households_and_people_of_the_whole_subtree():
    # given a community with two grids; grid 1 has two buildings, grid 2 one
    comm = f.community()
    g1, g2 = f.grid(comm), f.grid(comm)
    b1, b2, b3 = f.building(g1), f.building(g1), f.building(g2)
    for b, n in ((b1, 2), (b2, 3), (b3, 1)):
        for _ in range(n):
            f.PersonFactory(household=f.HouseholdFactory(building=b))
    f.PersonFactory(household=None, region=g1)  # a worker registered at the grid itself
    staff = f.user_with_role(Role.COMMUNITY_STAFF, comm)
    # when the staff member's page lists the community's children
    rows = selectors_browse.region_children_rows(staff, comm)
    # then each grid counts households and people in all its buildings
    by_id = {r.region.pk: r for r in rows}
    assert (by_id[g1.pk].n_households, by_id[g1.pk].n_people) == (5, 6)
    assert (by_id[g2.pk].n_households, by_id[g2.pk].n_people) == (1, 1)


def test_region_page_shows_breadcrumbs_children_and_location(world):
    world.comm_a.latitude, world.comm_a.longitude = 31.2304, 121.4737
    world.comm_a.save()
    response = get(world.users[Role.STREET_SUPERVISOR], "org:region", pk=world.comm_a.pk)
    body = response.content.decode()
    assert response.status_code == 200
    assert world.street.name in body  # breadcrumb
    assert world.grid_a1.name in body and world.grid_a2.name in body
    assert "31.230400" in body and "121.473700" in body


def test_grid_page_lists_buildings_with_households(world):
    response = get(world.users[Role.GRID_WORKER], "org:region", pk=world.grid_a1.pk)
    body = response.content.decode()
    assert world.building_a1.name in body
    assert reverse("org:household", kwargs={"pk": world.household_a1.pk}) in body


def test_grid_worker_cannot_open_the_neighbour_grid_or_its_household(world):
    worker = world.users[Role.GRID_WORKER]
    assert get(worker, "org:region", pk=world.grid_a2.pk).status_code == 404
    assert get(worker, "org:region", pk=world.comm_a.pk).status_code == 404
    assert get(worker, "org:household", pk=world.household_a2.pk).status_code == 404
    assert get(worker, "org:person", pk=world.person_a2.pk).status_code == 404


def test_building_page_paginates_households_fifty_a_page():
    b = f.building()
    for i in range(120):
        f.HouseholdFactory(building=b, unit="1", room=f"{1000 + i}")
    staff = f.user_with_role(Role.COMMUNITY_STAFF, b.parent.parent)
    client = client_for(staff)
    url = reverse("org:region", kwargs={"pk": b.pk})
    first = client.get(url)
    assert first.context["page"].paginator.num_pages == 3
    assert len(first.context["households"]) == 50
    assert "1-1000" in first.content.decode()
    last = client.get(url, {"page": 3})
    assert len(last.context["households"]) == 20
    # nonsense page numbers fall back instead of failing
    assert client.get(url, {"page": "abc"}).context["page"].number == 1
    assert client.get(url, {"page": "999"}).context["page"].number == 3


# --- households and people ----------------------------------------------------------------------


def test_household_page_masks_address_for_roles_that_cannot_reveal(world):
    full = world.household_a1.address
    worker = get(world.users[Role.GRID_WORKER], "org:household", pk=world.household_a1.pk)
    assert full in worker.content.decode()
    supervisor = get(world.users[Role.STREET_SUPERVISOR], "org:household", pk=world.household_a1.pk)
    body = supervisor.content.decode()
    assert supervisor.status_code == 200
    assert full not in body
    assert "幸福里1栋1单***" in body


def test_household_members_are_masked_even_for_revealers(world):
    response = get(world.users[Role.COMMUNITY_SECRETARY], "org:household", pk=world.household_a1.pk)
    body = response.content.decode()
    assert world.person_a1.name in body
    assert "139****0001" in body
    assert "13900000001" not in body
    assert world.person_a1.id_number not in body


def test_resident_sees_own_household_only(world):
    resident = world.users[Role.RESIDENT]
    own = get(resident, "org:household", pk=world.household_a1.pk)
    assert own.status_code == 200
    assert world.household_a1.address in own.content.decode()
    assert get(resident, "org:household", pk=world.household_a2.pk).status_code == 404
    assert get(resident, "org:household", pk=world.household_b1.pk).status_code == 404


def test_partner_and_party_member_cannot_open_people_or_households(world):
    for role in (Role.PARTNER_HANDLER, Role.PARTY_MEMBER):
        user = world.users[role]
        assert get(user, "org:person", pk=world.person_a1.pk).status_code == 404
        assert get(user, "org:household", pk=world.household_a1.pk).status_code == 404


def test_resident_sees_household_member_masked_with_masked_name(world):
    spouse = f.PersonFactory(household=world.household_a1, name="李秀英", phone="13700001111")
    response = get(world.users[Role.RESIDENT], "org:person", pk=spouse.pk)
    body = response.content.decode()
    assert response.status_code == 200
    assert "李*英" in body
    assert "13700001111" not in body
    assert reverse("org:person_reveal", kwargs={"pk": spouse.pk}) not in body


def test_person_page_is_masked_with_a_reveal_button_for_revealers(world):
    person = world.person_a1
    response = get(world.users[Role.GRID_WORKER], "org:person", pk=person.pk)
    body = response.content.decode()
    assert "139****0001" in body
    assert "3411**********001X" in body
    assert "幸福里1栋1单***" in body
    assert person.phone not in body and person.id_number not in body
    assert reverse("org:person_reveal", kwargs={"pk": person.pk}) in body
    assert not AuditEvent.objects.filter(action="person.reveal").exists()


def test_person_page_has_no_reveal_button_for_street_supervisor(world):
    response = get(world.users[Role.STREET_SUPERVISOR], "org:person", pk=world.person_a1.pk)
    assert response.status_code == 200
    assert "person_reveal" not in response.content.decode()
    assert reverse("org:person_reveal", kwargs={"pk": world.person_a1.pk}) not in (
        response.content.decode()
    )


def test_person_page_shows_tags_household_link_and_party_membership(world):
    person = world.person_a1
    person.tags.create(tag="veteran")
    f.PartyMemberFactory(
        person=person,
        party_org=world.party_org_a,
        kind=MembershipKind.IN_SERVICE,
        work_unit="区卫健委",
    )
    with_lang = client_for(world.users[Role.COMMUNITY_STAFF])
    body = with_lang.get(reverse("org:person", kwargs={"pk": person.pk})).content.decode()
    assert "退役军人" in body or "Veteran" in body
    assert reverse("org:household", kwargs={"pk": person.household_id}) in body
    assert world.party_org_a.name in body
    assert "区卫健委" in body


def test_reveal_returns_full_details_and_writes_an_audit_row(world):
    person = world.person_a1
    worker = world.users[Role.GRID_WORKER]
    client = client_for(worker)
    response = client.post(reverse("org:person_reveal", kwargs={"pk": person.pk}))
    body = response.content.decode()
    assert response.status_code == 200
    assert person.phone in body and person.id_number in body
    assert world.household_a1.address in body
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="person.reveal")
    assert event.actor == worker
    assert event.object_id == str(person.pk)
    assert event.scope_path == person.region.path


def test_reveal_with_htmx_returns_only_the_card(world):
    client = client_for(world.users[Role.COMMUNITY_STAFF])
    response = client.post(
        reverse("org:person_reveal", kwargs={"pk": world.person_a1.pk}), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="person-card"' in body
    assert world.person_a1.phone in body


def test_reveal_refused_for_supervisor_and_out_of_scope_without_audit(world):
    supervisor = client_for(world.users[Role.STREET_SUPERVISOR])
    url = reverse("org:person_reveal", kwargs={"pk": world.person_a1.pk})
    assert supervisor.post(url).status_code == 403
    worker = client_for(world.users[Role.GRID_WORKER])
    assert (
        worker.post(reverse("org:person_reveal", kwargs={"pk": world.person_a2.pk})).status_code
        == 404
    )
    assert worker.get(url).status_code == 405
    assert not AuditEvent.objects.filter(action="person.reveal").exists()


def test_resident_may_reveal_own_details(world):
    client = client_for(world.users[Role.RESIDENT])
    response = client.post(reverse("org:person_reveal", kwargs={"pk": world.person_a1.pk}))
    assert response.status_code == 200
    assert world.person_a1.phone in response.content.decode()
    assert AuditEvent.objects.filter(action="person.reveal").count() == 1


def test_reveal_needs_csrf_token():
    person = f.PersonFactory()
    worker = f.user_with_role(Role.GRID_WORKER, person.region.parent)
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)
    response = client.post(reverse("org:person_reveal", kwargs={"pk": person.pk}))
    assert response.status_code == 403
    assert not AuditEvent.objects.exists()


# --- Party organisation and partners ----------------------------------------------------------


def _party_tree(world):
    committee = world.party_org_a
    branch = f.PartyOrgFactory(
        region=world.grid_a1, parent=committee, kind=PartyOrgKind.BRANCH, name="一格支部"
    )
    group = f.PartyOrgFactory(
        region=world.building_a1, parent=branch, kind=PartyOrgKind.GROUP, name="1栋小组"
    )
    f.PartyMemberFactory(party_org=branch, kind=MembershipKind.COMMUNITY)
    f.PartyMemberFactory(party_org=group, kind=MembershipKind.IN_SERVICE, work_unit="区税务局")
    f.PartyMemberFactory(
        party_org=group,
        kind=MembershipKind.IN_SERVICE,
        work_unit="市一中",
        person=f.PersonFactory(phone="13612345678", name="陈老师"),
    )
    return committee, branch, group


def test_party_tree_counts_members_and_in_service_members_of_subtrees(world):
    committee, branch, group = _party_tree(world)
    nodes = {n.org.pk: n for n in selectors_browse.party_tree(world.users[Role.COMMUNITY_STAFF])}
    # the committee has the world's party member directly, plus three below
    assert (nodes[committee.pk].n_members, nodes[committee.pk].n_in_service) == (4, 2)
    assert (nodes[branch.pk].n_members, nodes[branch.pk].n_in_service) == (3, 2)
    assert (nodes[group.pk].n_members, nodes[group.pk].n_in_service) == (2, 2)
    assert [nodes[o.pk].level for o in (committee, branch, group)] == [0, 1, 2]
    assert world.party_org_b.pk not in nodes


def test_party_page_for_party_member_shows_only_their_organisation(world):
    _party_tree(world)
    body = get(world.users[Role.PARTY_MEMBER], "org:party").content.decode()
    assert world.party_org_a.name in body
    assert "一格支部" not in body
    assert get(world.users[Role.RESIDENT], "org:party").status_code == 403


def test_party_org_members_list_has_no_phone(world):
    _, _, group = _party_tree(world)
    response = get(world.users[Role.COMMUNITY_SECRETARY], "org:party_org", pk=group.pk)
    body = response.content.decode()
    assert "陈老师" in body
    assert "市一中" in body
    assert "13612345678" not in body and "136****5678" not in body


def test_party_member_sees_fellow_members_names_masked(world):
    fellow = f.PartyMemberFactory(
        party_org=world.party_org_a, person=f.PersonFactory(name="周立波")
    )
    body = get(world.users[Role.PARTY_MEMBER], "org:party_org", pk=world.party_org_a.pk)
    text = body.content.decode()
    assert "周*波" in text
    assert fellow.person.name not in text
    assert f"{Role.PARTY_MEMBER}-person" in text  # their own name in full


def test_grid_worker_sees_party_orgs_of_their_grid_only(world):
    committee, branch, _ = _party_tree(world)
    worker = world.users[Role.GRID_WORKER]
    assert get(worker, "org:party_org", pk=branch.pk).status_code == 200
    assert get(worker, "org:party_org", pk=committee.pk).status_code == 404


def test_partner_handler_sees_only_own_unit_with_masked_contact(world):
    world.partner_a.contact_name = "刘经理"
    world.partner_a.contact_phone = "13812345678"
    world.partner_a.save()
    other = f.PartnerUnitFactory(region=world.comm_a, name="幸福超市")
    member = f.PersonFactory(household=None, region=world.comm_a, name="孙委员")
    CommitteeMember.objects.create(
        party_org=world.party_org_a, person=member, partner=world.partner_a, title="兼职委员"
    )
    body = get(world.users[Role.PARTNER_HANDLER], "org:partners").content.decode()
    assert world.partner_a.name in body
    assert other.name not in body
    assert "138****5678" in body and "13812345678" not in body
    assert "孙委员" in body and "兼职委员" in body
    staff_body = get(world.users[Role.COMMUNITY_STAFF], "org:partners").content.decode()
    assert other.name in staff_body and OUT_MARKER not in staff_body
    assert get(world.users[Role.RESIDENT], "org:partners").status_code == 403


# --- query counts ------------------------------------------------------------------------------


def _big_community():
    comm = f.community()
    for _ in range(4):
        g = f.grid(comm)
        for _ in range(3):
            b = f.building(g)
            for _ in range(4):
                h = f.HouseholdFactory(building=b)
                f.PersonFactory(household=h)
                f.PersonFactory(household=h, relation="spouse").tags.create(tag="veteran")
    return comm


def test_list_pages_use_a_bounded_number_of_queries(django_assert_max_num_queries):
    comm = _big_community()
    grid = comm.children.first()
    building = grid.children.first()
    household = building.households.first()
    committee = f.PartyOrgFactory(region=comm)
    for _ in range(10):
        branch = f.PartyOrgFactory(region=comm, parent=committee, kind=PartyOrgKind.BRANCH)
        f.PartyMemberFactory(party_org=branch)
        partner = f.PartnerUnitFactory(region=comm)
        CommitteeMember.objects.create(
            party_org=committee,
            person=f.PersonFactory(household=None, region=comm),
            partner=partner,
            title="委员",
        )
    client = client_for(f.user_with_role(Role.COMMUNITY_SECRETARY, comm))
    pages = [
        reverse("org:tree"),
        reverse("org:region", kwargs={"pk": comm.pk}),
        reverse("org:region", kwargs={"pk": grid.pk}),
        reverse("org:region", kwargs={"pk": building.pk}),
        reverse("org:household", kwargs={"pk": household.pk}),
        reverse("org:person", kwargs={"pk": household.members.first().pk}),
        reverse("org:party"),
        reverse("org:party_org", kwargs={"pk": committee.pk}),
        reverse("org:partners"),
    ]
    for url in pages:
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200, url


def test_page_text_is_chinese_by_default_and_english_on_request(world):
    client = client_for(world.users[Role.COMMUNITY_STAFF])
    url = reverse("org:region", kwargs={"pk": world.comm_a.pk})
    chinese = client.get(url).content.decode()
    assert "下级区域" in chinese and "Sub-areas" not in chinese
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sub-areas" in english
    assert GRID_OUT_MARKER in english  # community staff see both grids
