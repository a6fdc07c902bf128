import pytest
from django.test import Client

from gongzhi.core.models import AuditEvent
from gongzhi.core.testing.scope_matrix import build_world
from gongzhi.org.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_secretary_gives_a_grid_worker_role_by_phone_number():
    # given a secretary of community A and a resident of grid A1
    w = build_world()
    client = _client(w.users[Role.COMMUNITY_SECRETARY])
    # when they give the resident the grid-worker role at grid A1
    response = client.post(
        "/org/roles/",
        {"person": "139 0000 0001", "role": Role.GRID_WORKER, "region": w.grid_a1.pk},
    )
    # then the role exists, is audited, and the list shows it
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(
        person=w.person_a1, role=Role.GRID_WORKER, region=w.grid_a1
    ).exists()
    assert AuditEvent.objects.filter(action="role.assign").count() == 1
    assert "王建国" in client.get("/org/roles/").content.decode()


def test_secretary_cannot_place_a_role_in_another_community():
    w = build_world()
    client = _client(w.users[Role.COMMUNITY_SECRETARY])
    response = client.post(
        "/org/roles/",
        {"person": "13900000001", "role": Role.GRID_WORKER, "region": w.grid_b1.pk},
    )
    # the other community's grid is not even a choice: the form re-renders with an error
    assert response.status_code == 400
    assert not RoleAssignment.objects.filter(region=w.grid_b1, role=Role.GRID_WORKER).exists()


def test_unknown_person_and_platform_admin_role_are_refused_in_chinese():
    w = build_world()
    client = _client(w.users[Role.COMMUNITY_SECRETARY])
    unknown = client.post(
        "/org/roles/", {"person": "13711112222", "role": Role.GRID_WORKER, "region": w.grid_a1.pk}
    )
    assert unknown.status_code == 400
    assert "您的社区没有" in unknown.content.decode()
    admin_role = client.post(
        "/org/roles/",
        {"person": "13900000001", "role": Role.PLATFORM_ADMIN, "region": w.comm_a.pk},
    )
    assert admin_role.status_code == 400
    assert not RoleAssignment.objects.filter(role=Role.PLATFORM_ADMIN, person=w.person_a1).exists()


def test_revoke_removes_the_role_and_is_audited():
    w = build_world()
    assignment = RoleAssignment.objects.create(
        person=w.person_a1, role=Role.GRID_WORKER, region=w.grid_a1
    )
    client = _client(w.users[Role.COMMUNITY_SECRETARY])
    response = client.post(f"/org/roles/{assignment.pk}/revoke/")
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke").count() == 1


def test_community_staff_cannot_manage_roles():
    w = build_world()
    client = _client(w.users[Role.COMMUNITY_STAFF])
    assert client.get("/org/roles/").status_code == 403
