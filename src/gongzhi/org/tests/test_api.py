"""The organisation API: scoped lists, masked cards, audited reveals, writes through services.

The scope matrix (core/tests/test_scope_matrix.py, cases in api/tests/scope_cases_api.py)
checks every endpoint × role for status and leaks; these tests check what the answers contain.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gongzhi.core.models import AuditEvent
from gongzhi.core.testing.scope_matrix import GRID_OUT_MARKER, OUT_MARKER, World, build_world
from gongzhi.org.models import Household, PersonTag, Role, Tag
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _send(client: Client, method: str, url: str, body: dict[str, Any]):
    return client.generic(method, url, json.dumps(body), content_type="application/json")


# --- me ----------------------------------------------------------------------------------------


def test_me_names_the_user_their_person_unmasked_and_their_roles(world):
    data = _get(_client(world, Role.PARTNER_HANDLER), "/api/v1/me")

    person = world.users[Role.PARTNER_HANDLER].person
    assert data["user"]["username"] == Role.PARTNER_HANDLER
    assert data["person"]["id"] == person.pk
    assert data["person"]["phone"] == person.phone  # one's own data is not masked
    assert data["person"]["masked"] is False
    assert data["roles"] == [
        {
            "role": "partner_handler",
            "role_label": data["roles"][0]["role_label"],
            "region": {"id": world.comm_a.pk, "name": world.comm_a.name, "kind": "community"},
            "partner": {"id": world.partner_a.pk, "name": world.partner_a.name},
        }
    ]
    assert data["is_admin"] is False


def test_me_for_a_login_without_a_person():
    client = Client()
    client.force_login(f.UserFactory())
    data = _get(client, "/api/v1/me")
    assert data["person"] is None and data["roles"] == []


# --- regions -------------------------------------------------------------------------------------


def test_regions_list_only_the_callers_subtree_paginated(world):
    grid = _get(_client(world, Role.GRID_WORKER), "/api/v1/regions?limit=100")
    staff = _get(_client(world, Role.COMMUNITY_STAFF), "/api/v1/regions?limit=2")
    resident = _get(_client(world, Role.RESIDENT), "/api/v1/regions")

    assert {r["id"] for r in grid["items"]} == {world.grid_a1.pk, world.building_a1.pk}
    assert staff["count"] == 5  # community A, its two grids, their two buildings
    assert len(staff["items"]) == 2
    assert resident == {"items": [], "count": 0}


def test_regions_filter_by_kind_and_parent(world):
    client = _client(world, Role.STREET_SUPERVISOR)
    communities = _get(client, "/api/v1/regions?kind=community")
    grids_of_a = _get(client, f"/api/v1/regions?parent={world.comm_a.pk}")

    assert {r["id"] for r in communities["items"]} == {world.comm_a.pk, world.comm_b.pk}
    assert {r["id"] for r in grids_of_a["items"]} == {world.grid_a1.pk, world.grid_a2.pk}
    assert all(r["kind"] == "grid" for r in grids_of_a["items"])


def test_region_detail_and_children_with_household_counts(world):
    client = _client(world, Role.COMMUNITY_STAFF)
    region = _get(client, f"/api/v1/regions/{world.grid_a1.pk}")
    children = _get(client, f"/api/v1/regions/{world.grid_a1.pk}/children")

    assert region["name"] == world.grid_a1.name and region["parent_id"] == world.comm_a.pk
    assert children["items"][0]["id"] == world.building_a1.pk
    assert children["items"][0]["n_households"] == 1
    assert client.get(f"/api/v1/regions/{world.comm_b.pk}").status_code == 404
    assert client.get(f"/api/v1/regions/{world.comm_b.pk}/children").status_code == 404


# --- households ----------------------------------------------------------------------------------


def test_households_list_is_scoped_and_masks_the_room(world):
    grid = _get(_client(world, Role.GRID_WORKER), "/api/v1/households")
    staff = _get(_client(world, Role.COMMUNITY_STAFF), "/api/v1/households")
    resident = _get(_client(world, Role.RESIDENT), "/api/v1/households")
    street = _get(_client(world, Role.STREET_SUPERVISOR), "/api/v1/households")

    assert [h["id"] for h in grid["items"]] == [world.household_a1.pk]
    assert {h["id"] for h in staff["items"]} == {world.household_a1.pk, world.household_a2.pk}
    assert [h["id"] for h in resident["items"]] == [world.household_a1.pk]
    assert street["count"] == 3
    item = grid["items"][0]
    assert item["address"].endswith("***") and "101" not in item["address"]
    assert "room" not in item
    assert item["n_members"] == 1


def test_households_filter_by_region_subtree(world):
    client = _client(world, Role.STREET_SUPERVISOR)
    in_b = _get(client, f"/api/v1/households?region={world.comm_b.pk}")
    in_a2 = _get(client, f"/api/v1/households?region={world.grid_a2.pk}")
    # A grid worker asking for community B gets nothing, not B's households.
    grid_b = _get(_client(world, Role.GRID_WORKER), f"/api/v1/households?region={world.comm_b.pk}")

    assert [h["id"] for h in in_b["items"]] == [world.household_b1.pk]
    assert [h["id"] for h in in_a2["items"]] == [world.household_a2.pk]
    assert grid_b["count"] == 0


def test_household_detail_lists_members_as_masked_cards(world):
    f.PersonFactory(household=world.household_a1, name="王小明", phone="13712345678")
    data = _get(_client(world, Role.GRID_WORKER), f"/api/v1/households/{world.household_a1.pk}")

    assert data["n_members"] == 2
    phones = {m["phone"] for m in data["members"]}
    assert phones == {"139****0001", "137****5678"}
    assert all(m["masked"] and m["can_reveal"] for m in data["members"])
    assert all("*" in m["id_number"] for m in data["members"])


def test_create_household_through_the_service_audited(world):
    client = _client(world, Role.GRID_WORKER)
    response = _send(
        client,
        "POST",
        "/api/v1/households",
        {
            "building": world.building_a1.pk,
            "room": "502",
            "unit": "3",
            "floor_area": "76.50",
            "ownership": "tenant",
        },
    )

    assert response.status_code == 201, response.content
    created = Household.objects.get(pk=response.json()["id"])
    assert (created.unit, created.room, created.ownership) == ("3", "502", "tenant")
    assert str(created.floor_area) == "76.50"
    assert response.json()["members"] == []
    assert AuditEvent.objects.filter(
        action="household.create",
        object_id=str(created.pk),
        actor=world.users[Role.GRID_WORKER],
    ).exists()


def test_create_household_outside_scope_or_role_is_refused(world):
    body = {"room": "1"}
    grid_in_other_grid = _send(
        _client(world, Role.GRID_WORKER),
        "POST",
        "/api/v1/households",
        {**body, "building": world.building_a2.pk},
    )
    street = _send(
        _client(world, Role.STREET_SUPERVISOR),
        "POST",
        "/api/v1/households",
        {**body, "building": world.building_a1.pk},
    )
    staff_in_b = _send(
        _client(world, Role.COMMUNITY_STAFF),
        "POST",
        "/api/v1/households",
        {**body, "building": world.building_b1.pk},
    )

    assert grid_in_other_grid.status_code == 404
    assert grid_in_other_grid.json()["field"] == "building"
    assert street.status_code == 403  # sees the building, may not register households
    assert staff_in_b.status_code == 404
    assert not Household.objects.filter(room="1").exists()


# --- people --------------------------------------------------------------------------------------


def test_people_list_is_scoped_and_masked(world):
    grid = _get(_client(world, Role.GRID_WORKER), "/api/v1/people?limit=100")
    staff = _get(_client(world, Role.COMMUNITY_STAFF), "/api/v1/people?limit=100")
    resident = _get(_client(world, Role.RESIDENT), "/api/v1/people")

    grid_ids = {p["id"] for p in grid["items"]}
    assert world.person_a1.pk in grid_ids and world.person_a2.pk not in grid_ids
    assert world.person_b1.pk not in {p["id"] for p in staff["items"]}
    assert [p["id"] for p in resident["items"]] == [world.person_a1.pk]
    for body in (grid, staff):
        text = json.dumps(body, ensure_ascii=False)
        assert OUT_MARKER not in text
        assert "13900000001" not in text  # person A1's phone, only ever masked in lists
    # Everyone is masked but the caller themself (staff are registered people too).
    for role, body in ((Role.GRID_WORKER, grid), (Role.COMMUNITY_STAFF, staff)):
        own = world.users[role].person.pk
        assert all(p["masked"] == (p["id"] != own) for p in body["items"])
    assert GRID_OUT_MARKER not in json.dumps(grid, ensure_ascii=False)


def test_people_filter_by_region_and_tag(world):
    PersonTag.objects.create(person=world.person_a2, tag=Tag.ELDERLY_ALONE)
    client = _client(world, Role.COMMUNITY_STAFF)
    tagged = _get(client, "/api/v1/people?tag=elderly_alone")
    in_building = _get(client, f"/api/v1/people?region={world.building_a1.pk}")
    in_grid = _get(client, f"/api/v1/people?region={world.grid_a1.pk}")

    assert [p["id"] for p in tagged["items"]] == [world.person_a2.pk]
    assert [p["id"] for p in in_building["items"]] == [world.person_a1.pk]
    # the grid's subtree: its building's residents and the grid worker registered at the grid
    assert {p["id"] for p in in_grid["items"]} == {
        world.person_a1.pk,
        world.users[Role.GRID_WORKER].person.pk,
    }


def test_person_detail_is_masked_for_staff_and_plain_for_oneself(world):
    staff = _get(_client(world, Role.COMMUNITY_STAFF), f"/api/v1/people/{world.person_a1.pk}")
    own = _get(_client(world, Role.RESIDENT), f"/api/v1/people/{world.person_a1.pk}")

    assert staff["phone"] == "139****0001" and staff["masked"] is True
    assert staff["household_id"] == world.household_a1.pk
    assert staff["region"]["id"] == world.building_a1.pk
    assert own["phone"] == "13900000001" and own["masked"] is False


def test_reveal_returns_the_full_data_and_is_audited(world):
    response = _send(
        _client(world, Role.GRID_WORKER), "POST", f"/api/v1/people/{world.person_a1.pk}/reveal", {}
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": world.person_a1.pk,
        "phone": "13900000001",
        "id_number": world.person_a1.id_number,
        "address": world.household_a1.address,
    }
    event = AuditEvent.objects.get(action="person.reveal")
    assert event.actor == world.users[Role.GRID_WORKER]
    assert event.object_id == str(world.person_a1.pk)


def test_reveal_is_refused_to_the_street_supervisor_and_outside_scope(world):
    street = _send(
        _client(world, Role.STREET_SUPERVISOR),
        "POST",
        f"/api/v1/people/{world.person_a1.pk}/reveal",
        {},
    )
    grid = _send(
        _client(world, Role.GRID_WORKER), "POST", f"/api/v1/people/{world.person_a2.pk}/reveal", {}
    )

    assert street.status_code == 403 and street.json()["code"] == "forbidden"
    assert grid.status_code == 404
    assert "13900000001" not in street.content.decode()
    assert not AuditEvent.objects.filter(action="person.reveal").exists()


def test_patch_person_updates_through_the_service_audited(world):
    client = _client(world, Role.COMMUNITY_STAFF)
    response = _send(
        client,
        "PATCH",
        f"/api/v1/people/{world.person_a1.pk}",
        {
            "name": "王建华",
            "phone": "+86 139-0000-0099",
            "birth_year": None,
            "tags": ["veteran", "low_income"],
            "relation": "spouse",
        },
    )

    assert response.status_code == 200, response.content
    world.person_a1.refresh_from_db()
    assert world.person_a1.name == "王建华"
    assert world.person_a1.phone == "13900000099"
    assert world.person_a1.birth_year is None
    assert world.person_a1.relation == "spouse"
    assert set(world.person_a1.tags.values_list("tag", flat=True)) == {"veteran", "low_income"}
    assert response.json()["phone"] == "139****0099"  # the answer is masked too
    event = AuditEvent.objects.get(action="person.update")
    assert event.before["name"] == "王建国" and event.after["name"] == "王建华"


def test_patch_person_moves_between_households_in_scope_only(world):
    target = f.HouseholdFactory(building=world.building_a1, room="102")
    client = _client(world, Role.GRID_WORKER)
    moved = _send(client, "PATCH", f"/api/v1/people/{world.person_a1.pk}", {"household": target.pk})
    refused = _send(
        client,
        "PATCH",
        f"/api/v1/people/{world.person_a1.pk}",
        {"household": world.household_a2.pk},
    )

    assert moved.status_code == 200 and moved.json()["household_id"] == target.pk
    assert refused.status_code == 404 and refused.json()["field"] == "household"


def test_patch_person_validation_names_the_field(world):
    client = _client(world, Role.COMMUNITY_STAFF)
    url = f"/api/v1/people/{world.person_a1.pk}"
    cases = [
        ({"phone": "12345"}, 400, "phone"),
        ({"id_number": "110101199003070000"}, 400, "id_number"),
        ({"name": ""}, 422, "name"),
        ({"name": None}, 422, "name"),
        ({"name": "名" * 51}, 422, "name"),
        ({"birth_year": 1800}, 422, "birth_year"),
        ({"gender": "x"}, 422, "gender"),
        ({"tags": ["rich"]}, 422, "tags.0"),
        ({"nickname": "x"}, 422, "nickname"),
    ]
    for body, status, field in cases:
        response = _send(client, "PATCH", url, body)
        assert response.status_code == status, (body, response.content)
        assert response.json()["field"] == field, body
    world.person_a1.refresh_from_db()
    assert world.person_a1.name == "王建国"


def test_patch_person_by_a_street_supervisor_or_out_of_scope_is_refused(world):
    street = _send(
        _client(world, Role.STREET_SUPERVISOR),
        "PATCH",
        f"/api/v1/people/{world.person_a1.pk}",
        {"name": "改名"},
    )
    staff_b = _send(
        _client(world, Role.COMMUNITY_STAFF),
        "PATCH",
        f"/api/v1/people/{world.person_b1.pk}",
        {"name": "改名"},
    )
    assert street.status_code == 403
    assert staff_b.status_code == 404
    world.person_a1.refresh_from_db()
    world.person_b1.refresh_from_db()
    assert "改名" not in {world.person_a1.name, world.person_b1.name}


def test_a_resident_may_correct_their_own_phone_but_not_move_household(world):
    client = _client(world, Role.RESIDENT)
    url = f"/api/v1/people/{world.person_a1.pk}"
    phone = _send(client, "PATCH", url, {"phone": "13911112222"})
    move = _send(client, "PATCH", url, {"relation": "child"})

    assert phone.status_code == 200 and phone.json()["phone"] == "13911112222"
    assert move.status_code == 403


# --- partners and Party organisations -----------------------------------------------------


def test_partners_are_scoped_and_contact_phones_masked(world):
    world.partner_a.contact_phone = "13812345678"
    world.partner_a.save()
    staff = _get(_client(world, Role.COMMUNITY_STAFF), "/api/v1/partners")
    handler = _get(_client(world, Role.PARTNER_HANDLER), "/api/v1/partners")
    member = _get(_client(world, Role.PARTY_MEMBER), "/api/v1/partners")

    assert [p["id"] for p in staff["items"]] == [world.partner_a.pk]
    assert staff["items"][0]["contact_phone"] == "138****5678"
    assert [p["id"] for p in handler["items"]] == [world.partner_a.pk]
    assert member["count"] == 0


def test_party_orgs_are_scoped_with_member_counts(world):
    staff = _get(_client(world, Role.COMMUNITY_STAFF), "/api/v1/party-orgs")
    member = _get(_client(world, Role.PARTY_MEMBER), "/api/v1/party-orgs")
    street = _get(_client(world, Role.STREET_SUPERVISOR), "/api/v1/party-orgs")

    assert [o["id"] for o in staff["items"]] == [world.party_org_a.pk]
    assert staff["items"][0]["n_members"] == 1
    assert [o["id"] for o in member["items"]] == [world.party_org_a.pk]
    assert street["count"] == 2


def test_list_endpoints_use_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for i in range(15):
        person = f.PersonFactory(household=world.household_a1, name=f"成员{i}")
        PersonTag.objects.create(person=person, tag=Tag.VETERAN)
    client = _client(world, Role.COMMUNITY_STAFF)
    client.get("/api/v1/me")  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/people?limit=100").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/v1/households/{world.household_a1.pk}").status_code == 200
