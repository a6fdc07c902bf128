import pytest
from django.test import Client

from gongzhi.core.models import AuditEvent
from gongzhi.org.models import Region, Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db


def test_platform_admin_adds_region_through_the_service():
    st = f.street()
    admin_user = f.user_with_role(Role.PLATFORM_ADMIN, st)
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/org/region/add/",
        {
            "kind": "community",
            "name": "新社区",
            "code": "NEW-1",
            "parent": st.pk,
            "geometry": "null",
        },
    )
    assert response.status_code == 302
    created = Region.objects.get(code="NEW-1")
    assert created.path == f"{st.path}{created.pk}/"
    assert AuditEvent.objects.filter(action="region.create", actor=admin_user).exists()


def test_admin_person_list_masks_phone():
    st = f.street()
    admin_user = f.user_with_role(Role.PLATFORM_ADMIN, st)
    f.PersonFactory(phone="13912345678")
    client = Client()
    client.force_login(admin_user)
    body = client.get("/admin/org/person/").content.decode()
    assert "139****5678" in body
    assert "13912345678" not in body


def test_staff_without_admin_flag_cannot_open_admin():
    worker = f.user_with_role(Role.GRID_WORKER, f.grid())
    client = Client()
    client.force_login(worker)
    assert client.get("/admin/").status_code == 302
