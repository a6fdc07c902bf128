"""The audit page: scoped, filtered, paginated, newest first, masked, localised; 403 for others."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from gongzhi.core import audit
from gongzhi.core.models import AuditEvent
from gongzhi.core.testing.scope_matrix import OUT_MARKER, build_world
from gongzhi.org import services
from gongzhi.org.models import Role

pytestmark = pytest.mark.django_db

URL = "/core/audit/"


@pytest.fixture
def world():
    return build_world()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _event(world, *, action="person.update", path=None, actor=None, **kw):
    return audit.record(
        actor=actor or world.users[Role.GRID_WORKER],
        action=action,
        obj=kw.pop("obj", world.person_a1),
        scope_path=path or world.person_a1.region.path,
        **kw,
    )


def test_url_name():
    assert reverse("core:audit") == URL


def test_secretary_sees_own_community_supervisor_sees_street(world):
    # given a change in community A (by a service) and one in community B
    services.update_person(
        actor=world.users[Role.GRID_WORKER], person=world.person_a1, name="王建华"
    )
    _event(world, obj=world.person_b1, path=world.person_b1.region.path)
    secretary = client_for(world.users[Role.COMMUNITY_SECRETARY]).get(URL)
    body = secretary.content.decode()
    assert secretary.status_code == 200
    assert "王建华" in body
    assert OUT_MARKER not in body
    supervisor = client_for(world.users[Role.STREET_SUPERVISOR]).get(URL).content.decode()
    assert OUT_MARKER in supervisor
    admin = client_for(world.users[Role.PLATFORM_ADMIN]).get(URL)
    assert len(admin.context["rows"]) == 2


@pytest.mark.parametrize(
    "role",
    [
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.RESIDENT,
        Role.PARTNER_HANDLER,
        Role.PARTY_MEMBER,
    ],
)
def test_everyone_else_gets_403(world, role):
    assert client_for(world.users[role]).get(URL).status_code == 403


def test_anonymous_is_sent_to_login():
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_row_shows_actor_on_behalf_of_label_object_change_and_request_id(world):
    worker = world.users[Role.GRID_WORKER]
    services.update_person(
        actor=worker, person=world.person_a1, on_behalf_of=world.person_a1, phone="13912345678"
    )
    client = client_for(world.users[Role.COMMUNITY_SECRETARY])
    client.cookies["django_language"] = "en"
    response = client.get(URL, HTTP_X_REQUEST_ID="req-abc-123")
    body = response.content.decode()
    row = response.context["rows"][0]
    assert row.event.actor == worker
    assert row.event.on_behalf_of == world.person_a1
    assert "Person changed" in body
    assert worker.person.name in body
    # personal data is masked in the list
    assert "139****0001" in body and "139****5678" in body
    assert "13912345678" not in body and "13900000001" not in body
    assert reverse("org:person", kwargs={"pk": world.person_a1.pk}) in body


def test_request_id_is_shown(world):
    from gongzhi.core.context import reset_request_id, set_request_id

    token = set_request_id("req-xyz-789")
    try:
        _event(world)
    finally:
        reset_request_id(token)
    body = client_for(world.users[Role.COMMUNITY_SECRETARY]).get(URL).content.decode()
    assert "req-xyz-789" in body


def test_labels_are_chinese_by_default(world):
    _event(world, action="person.reveal")
    body = client_for(world.users[Role.COMMUNITY_SECRETARY]).get(URL).content.decode()
    with translation.override("zh-hans"):
        label = translation.gettext("Personal data revealed")
    assert label != "Personal data revealed"
    assert label in body


def test_household_address_object_is_masked(world):
    _event(world, action="household.create", obj=world.household_a1)
    body = client_for(world.users[Role.COMMUNITY_SECRETARY]).get(URL).content.decode()
    assert world.household_a1.address not in body
    assert "幸福里1栋1单***" in body


def test_filters_by_action_actor_and_dates(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    _event(world, action="person.update")
    _event(world, action="person.reveal", actor=staff)
    old = _event(world, action="person.create")
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    client = client_for(world.users[Role.COMMUNITY_SECRETARY])

    def actions(**params):
        return [r.event.action for r in client.get(URL, params).context["rows"]]

    assert actions() == ["person.reveal", "person.update", "person.create"]  # newest first
    assert actions(action="person.reveal") == ["person.reveal"]
    assert actions(actor=staff.username) == ["person.reveal"]
    assert actions(actor=staff.person.name[:6]) == ["person.reveal"]
    today = timezone.localdate()
    assert actions(date_to=(today - timedelta(days=5)).isoformat()) == ["person.create"]
    assert actions(date_from=today.isoformat()) == ["person.reveal", "person.update"]


def test_bad_dates_are_a_localised_error_not_a_500(world):
    _event(world)
    client = client_for(world.users[Role.COMMUNITY_SECRETARY])
    response = client.get(URL, {"date_from": "2024-13-45", "action": "nope"})
    assert response.status_code == 200
    error = str(response.context["form"].errors["date_from"][0])
    assert "有效" in error and "日期" in error  # Django's own Chinese message
    assert error in response.content.decode()
    assert response.context["rows"] == []
    english = client.get(URL, {"date_to": "yesterday"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert "Enter a valid date." in english.content.decode()


def test_paginated_fifty_a_page(world, django_assert_max_num_queries):
    for i in range(120):
        _event(
            world,
            after={"i": i},
            actor=world.users[Role.COMMUNITY_STAFF if i % 2 else Role.GRID_WORKER],
        )
    client = client_for(world.users[Role.COMMUNITY_SECRETARY])
    with django_assert_max_num_queries(12):
        first = client.get(URL)
    assert len(first.context["rows"]) == 50
    assert first.context["rows"][0].event.after == {"i": 119}
    last = client.get(URL, {"page": 3, "action": "person.update"})
    assert len(last.context["rows"]) == 20
    assert "action=person.update" in last.content.decode()  # filters kept in the page links
    assert client.get(URL, {"page": "x"}).status_code == 200
