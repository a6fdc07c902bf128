"""Editing a person: staff in scope, a resident for their own phone; errors localised, never 500."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from gongzhi.core.models import AuditEvent
from gongzhi.core.testing.scope_matrix import build_world
from gongzhi.org.models import Person, Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"
PHONE_ERROR = "Enter an 11-digit mobile number starting with 1."
ID_ERROR = "Enter a valid 18-character resident ID number (the check digit does not match)."


def zh(message: str) -> str:
    """Django's own message in Chinese (whichever app's catalogue provides it)."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    assert text != message
    return text


@pytest.fixture
def world():
    return build_world()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_url(person) -> str:
    return reverse("org:person_edit", kwargs={"pk": person.pk})


def full_form(person, **changes):
    data = {
        "name": person.name,
        "phone": "",
        "id_number": "",
        "birth_year": person.birth_year or "",
        "gender": person.gender,
        "relation": person.relation,
    }
    data.update(changes)
    return data


def test_staff_edit_changes_only_what_was_changed_and_is_audited(world):
    person = world.person_a1
    worker = world.users[Role.GRID_WORKER]
    response = client_for(worker).post(
        edit_url(person), full_form(person, name="王建华", phone="139 0000 0099", tags=["veteran"])
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "王建华"
    assert person.phone == "13900000099"
    assert person.id_number == "34110219800101001X"  # empty input keeps the value
    assert {t.tag for t in person.tags.all()} == {"veteran"}
    event = AuditEvent.objects.get(action="person.update")
    assert event.actor == worker
    assert event.on_behalf_of is None
    assert event.before == {"name": "王建国", "phone": "13900000001"}
    assert event.after == {"name": "王建华", "phone": "13900000099"}


def test_new_id_number_sets_birth_year_and_gender(world):
    person = world.person_a1
    client_for(world.users[Role.COMMUNITY_STAFF]).post(
        edit_url(person), full_form(person, id_number=VALID_ID.lower())
    )
    person.refresh_from_db()
    assert person.id_number == VALID_ID
    assert person.birth_year == 1949
    assert person.gender == "f"


def test_unchanged_form_writes_nothing(world):
    person = world.person_a1
    response = client_for(world.users[Role.GRID_WORKER]).post(edit_url(person), full_form(person))
    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


def test_edit_form_never_shows_full_phone_or_id(world):
    response = client_for(world.users[Role.GRID_WORKER]).get(edit_url(world.person_a1))
    body = response.content.decode()
    assert response.status_code == 200
    assert "139****0001" in body
    assert "13900000001" not in body
    assert world.person_a1.id_number not in body


def test_bad_phone_is_a_chinese_form_error_that_keeps_the_input(world):
    person = world.person_a1
    response = client_for(world.users[Role.GRID_WORKER]).post(
        edit_url(person), full_form(person, name="王建华", phone="12345")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "phone" in form.errors
    body = response.content.decode()
    assert zh(PHONE_ERROR) in body
    assert 'value="12345"' in body
    assert 'value="王建华"' in body
    person.refresh_from_db()
    assert person.name == "王建国"  # nothing half-saved
    assert not AuditEvent.objects.exists()


def test_bad_phone_error_in_english_with_language_cookie_or_header(world):
    person = world.person_a1
    client = client_for(world.users[Role.GRID_WORKER])
    client.cookies["django_language"] = "en"
    response = client.post(edit_url(person), full_form(person, phone="12345"))
    assert PHONE_ERROR in response.content.decode()
    other = client_for(world.users[Role.GRID_WORKER])
    response = other.post(edit_url(person), full_form(person, name=""), HTTP_ACCEPT_LANGUAGE="en")
    assert "This field is required." in response.content.decode()


def test_bad_id_number_and_birth_year_are_form_errors_not_500(world):
    person = world.person_a1
    client = client_for(world.users[Role.COMMUNITY_STAFF])
    response = client.post(edit_url(person), full_form(person, id_number="110105194912310021"))
    assert response.status_code == 200
    assert "id_number" in response.context["form"].errors
    assert zh(ID_ERROR) in response.content.decode()
    response = client.post(edit_url(person), full_form(person, birth_year="1850"))
    assert response.status_code == 200
    assert "birth_year" in response.context["form"].errors
    response = client.post(edit_url(person), full_form(person, birth_year="abc"))
    assert response.status_code == 200
    assert zh("Enter a whole number.") in response.content.decode()
    response = client.post(edit_url(person), full_form(person, name="", gender="x", tags=["no"]))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "gender", "tags"}
    body = response.content.decode()
    assert zh("This field is required.") in body
    assert "This field is required." not in body


def test_resident_may_change_only_their_own_phone(world):
    resident = world.users[Role.RESIDENT]
    person = world.person_a1
    client = client_for(resident)
    page = client.get(edit_url(person))
    assert page.status_code == 200
    assert set(page.context["form"].fields) == {"phone"}
    response = client.post(edit_url(person), {"phone": "13700000000", "name": "改名"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13700000000"
    assert person.name == "王建国"
    event = AuditEvent.objects.get(action="person.update")
    assert event.actor == resident
    assert event.after == {"phone": "13700000000"}


def test_resident_cannot_edit_another_household_member(world):
    spouse = f.PersonFactory(household=world.household_a1, relation="spouse")
    client = client_for(world.users[Role.RESIDENT])
    assert client.get(edit_url(spouse)).status_code == 403
    assert client.post(edit_url(spouse), {"phone": "13700000000"}).status_code == 403


def test_edit_refused_for_supervisor_and_out_of_scope(world):
    supervisor = client_for(world.users[Role.STREET_SUPERVISOR])
    assert supervisor.get(edit_url(world.person_a1)).status_code == 403
    worker = client_for(world.users[Role.GRID_WORKER])
    assert worker.get(edit_url(world.person_a2)).status_code == 404
    assert worker.post(edit_url(world.person_b1), {"name": "x"}).status_code == 404
    assert Person.objects.get(pk=world.person_b1.pk).name == world.person_b1.name
