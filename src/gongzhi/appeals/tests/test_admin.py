"""The appeals admin: rules through services (audited), appeals read-only and masked."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gongzhi.appeals.models import Appeal, AppealEvent, Category, ResponsibilityRule, SlaRule
from gongzhi.appeals.tests.factories import Street, submit
from gongzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def admin_client(world: Street) -> Client:
    client = Client()
    client.force_login(world.users["admin"])
    return client


def test_appeal_list_masks_name_and_phone(world: Street):
    appeal = submit(world)
    anonymous = submit(world, "resident_a2", anonymous=True)
    html = admin_client(world).get("/admin/appeals/appeal/").content.decode()
    assert appeal.number in html
    assert "139****0001" in html
    assert "13900000001" not in html
    assert "王建国" not in html
    assert "王*" in html or "王*国" in html
    assert "李秀英" not in html
    assert anonymous.number in html


def test_appeal_change_page_is_read_only_and_masked(world: Street):
    appeal = submit(world)
    client = admin_client(world)
    response = client.get(f"/admin/appeals/appeal/{appeal.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "13900000001" not in html
    # a post changes nothing
    client.post(f"/admin/appeals/appeal/{appeal.pk}/change/", {"title": "改了"})
    assert Appeal.objects.get(pk=appeal.pk).title == appeal.title


def test_appeals_and_events_cannot_be_deleted_or_added(world: Street):
    appeal = submit(world)
    client = admin_client(world)
    assert client.get(f"/admin/appeals/appeal/{appeal.pk}/delete/").status_code == 403
    assert client.get("/admin/appeals/appeal/add/").status_code == 403
    client.post(
        "/admin/appeals/appeal/",
        {"action": "delete_selected", "_selected_action": [appeal.pk], "post": "yes"},
    )
    assert Appeal.objects.filter(pk=appeal.pk).exists()
    assert AppealEvent.objects.filter(appeal=appeal).exists()


def test_category_is_added_through_the_service(world: Street):
    client = admin_client(world)
    response = client.post(
        "/admin/appeals/category/add/",
        {
            "code": "test.dogs",
            "name": "犬只管理",
            "sla_class": "general",
            "responsible": "grid",
            "keywords": "狗 犬 遛狗",
            "sort_order": "0",
        },
    )
    assert response.status_code == 302
    category = Category.objects.get(code="test.dogs")
    assert AuditEvent.objects.filter(action="category.create", object_id=str(category.pk)).exists()
    assert client.get(f"/admin/appeals/category/{category.pk}/delete/").status_code == 403


def test_sla_rule_is_set_through_the_service_and_deleted_audited(world: Street):
    client = admin_client(world)
    category = Category.objects.get(code="municipal.light")
    response = client.post(
        "/admin/appeals/slarule/add/",
        {
            "community": world.comm_a.pk,
            "category": category.pk,
            "sla_class": "",
            "urgency": "normal",
            "sign_amount": "2",
            "sign_unit": "hours",
            "contact_amount": "4",
            "contact_unit": "hours",
            "resolve_amount": "3",
            "resolve_unit": "working_days",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = SlaRule.objects.get(community=world.comm_a, category=category)
    assert AuditEvent.objects.filter(action="sla_rule.set", object_id=str(rule.pk)).exists()
    response = client.post(f"/admin/appeals/slarule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SlaRule.objects.filter(pk=rule.pk).exists()
    assert AuditEvent.objects.filter(action="sla_rule.delete").exists()


def test_responsibility_rule_is_set_through_the_service(world: Street):
    client = admin_client(world)
    category = Category.objects.get(code="municipal.light")
    response = client.post(
        "/admin/appeals/responsibilityrule/add/",
        {"community": world.comm_a.pk, "category": category.pk, "unit_type": "property"},
    )
    assert response.status_code == 302
    rule = ResponsibilityRule.objects.get(community=world.comm_a, category=category)
    assert rule.unit_type == "property"
    assert AuditEvent.objects.filter(action="responsibility_rule.set").exists()


def test_non_admins_cannot_open_the_admin(world: Street):
    client = Client()
    client.force_login(world.users["staff_a"])
    response: Any = client.get("/admin/appeals/appeal/")
    assert response.status_code == 302
