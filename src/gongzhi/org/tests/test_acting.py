"""代办: staff acting on behalf of a resident, and the audit trail it leaves."""

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.testing.scope_matrix import build_world
from gongzhi.org import services_acting
from gongzhi.org.models import Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start(client, person):
    return client.post(reverse("org:act_for_start", kwargs={"pk": person.pk}))


def test_start_stores_the_resident_in_the_session_and_is_audited(world):
    worker = world.users[Role.GRID_WORKER]
    client = client_for(worker)
    response = start(client, world.person_a1)
    assert response.status_code == 302
    assert client.session["acting_for_person_id"] == world.person_a1.pk
    assert client.session["acting_for_name"] == world.person_a1.name
    event = AuditEvent.objects.get(action="acting.start")
    assert event.actor == worker
    assert event.on_behalf_of == world.person_a1
    assert event.scope_path == world.person_a1.region.path
    # and every page then says so
    page = client.get(reverse("org:person", kwargs={"pk": world.person_a1.pk}))
    assert world.person_a1.name in page.content.decode()
    assert page.context["acting_for_name"] == world.person_a1.name


def test_edit_while_acting_records_actor_and_on_behalf_of(world):
    worker = world.users[Role.GRID_WORKER]
    resident = world.person_a1
    client = client_for(worker)
    start(client, resident)
    response = client.post(
        reverse("org:person_edit", kwargs={"pk": resident.pk}),
        {
            "name": resident.name,
            "phone": "13911112222",
            "birth_year": resident.birth_year,
            "gender": resident.gender,
            "relation": resident.relation,
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="person.update")
    assert event.actor == worker
    assert event.on_behalf_of == resident
    assert event.after == {"phone": "13911112222"}


def test_edit_of_someone_else_while_acting_is_not_on_their_behalf(world):
    worker = world.users[Role.GRID_WORKER]
    other = f.PersonFactory(household=world.household_a1, relation="spouse")
    client = client_for(worker)
    start(client, world.person_a1)
    client.post(
        reverse("org:person_edit", kwargs={"pk": other.pk}),
        {
            "name": "新名字",
            "gender": other.gender,
            "relation": other.relation,
            "birth_year": other.birth_year,
        },
    )
    event = AuditEvent.objects.get(action="person.update")
    assert event.on_behalf_of is None


def test_stop_clears_the_session_and_is_audited(world):
    worker = world.users[Role.COMMUNITY_STAFF]
    client = client_for(worker)
    start(client, world.person_a1)
    response = client.post(reverse("org:act_for_stop"))
    assert response.status_code == 302
    assert response["Location"] == reverse("org:person", kwargs={"pk": world.person_a1.pk})
    assert "acting_for_person_id" not in client.session
    assert "acting_for_name" not in client.session
    event = AuditEvent.objects.get(action="acting.stop")
    assert event.actor == worker and event.on_behalf_of == world.person_a1


def test_stop_follows_a_safe_next_only(world):
    client = client_for(world.users[Role.COMMUNITY_STAFF])
    start(client, world.person_a1)
    response = client.post(reverse("org:act_for_stop"), {"next": "https://evil.example/"})
    assert "evil" not in response["Location"]
    start(client, world.person_a1)
    response = client.post(reverse("org:act_for_stop"), {"next": "/org/"})
    assert response["Location"] == "/org/"


def test_stop_without_acting_does_nothing(world):
    client = client_for(world.users[Role.RESIDENT])
    assert client.post(reverse("org:act_for_stop")).status_code == 302
    assert not AuditEvent.objects.exists()


def test_switching_residents_ends_the_previous_one(world):
    client = client_for(world.users[Role.COMMUNITY_STAFF])
    other = f.PersonFactory(household=world.household_a1)
    start(client, world.person_a1)
    start(client, other)
    assert client.session["acting_for_person_id"] == other.pk
    stop = AuditEvent.objects.get(action="acting.stop")
    assert stop.on_behalf_of == world.person_a1
    assert AuditEvent.objects.filter(action="acting.start").count() == 2


def test_start_refused_for_supervisor_resident_and_out_of_scope(world):
    assert (
        start(client_for(world.users[Role.STREET_SUPERVISOR]), world.person_a1).status_code == 403
    )
    assert start(client_for(world.users[Role.RESIDENT]), world.person_a1).status_code == 403
    worker = client_for(world.users[Role.GRID_WORKER])
    assert start(worker, world.person_a2).status_code == 404
    assert (
        worker.get(reverse("org:act_for_start", kwargs={"pk": world.person_a1.pk})).status_code
        == 405
    )
    assert "acting_for_person_id" not in worker.session
    assert not AuditEvent.objects.exists()


def test_staff_cannot_act_for_themself(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    client = client_for(staff)
    response = start(client, staff.person)
    assert response.status_code == 302
    assert "acting_for_person_id" not in client.session
    assert not AuditEvent.objects.exists()


def test_services_check_scope_and_self(world):
    worker = world.users[Role.GRID_WORKER]
    with pytest.raises(PermissionDenied):
        services_acting.begin_acting_for(actor=worker, person=world.person_a2)
    with pytest.raises(ValidationFailed):
        services_acting.begin_acting_for(actor=worker, person=worker.person)
    assert services_acting.begin_acting_for(actor=worker, person=world.person_a1) == world.person_a1
    services_acting.end_acting_for(actor=worker, person_id=world.person_a1.pk)
    services_acting.end_acting_for(actor=worker, person_id=999999)  # gone: still recorded
    assert list(AuditEvent.objects.order_by("id").values_list("action", "object_id")) == [
        ("acting.start", str(world.person_a1.pk)),
        ("acting.stop", str(world.person_a1.pk)),
        ("acting.stop", "999999"),
    ]
