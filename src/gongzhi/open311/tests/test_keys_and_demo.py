"""Issuing and switching off keys (service, command, admin), and the demo's key."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.open311 import services
from gongzhi.open311.demo import report_open311_key
from gongzhi.open311.models import Open311Client


def test_a_key_is_stored_only_hashed_and_audited(keys):
    client = keys.a.client
    assert keys.a.key.startswith("o311_") and len(keys.a.key) == services.KEY_LENGTH
    assert client.key_hash == services.hash_key(keys.a.key)
    assert keys.a.key not in json.dumps(list(Open311Client.objects.values()), default=str)
    event = AuditEvent.objects.get(action="open311.client.create", object_id=str(client.pk))
    assert keys.a.key not in json.dumps(event.after)
    assert services.authenticate_key(keys.a.key) == client
    assert services.authenticate_key(keys.a.key[:-1] + "x") is None


def test_only_a_platform_administrator_issues_keys(keys):
    w = keys.world
    with pytest.raises(PermissionDenied):
        services.create_client(actor=w.users["secretary_a"], name="x", region=w.comm_a)
    issued = services.create_client(actor=w.users["admin"], name="x", region=w.comm_a)
    assert issued.client.created_by == w.users["admin"]


def test_a_key_is_bound_to_an_area_not_a_building(keys):
    with pytest.raises(ValidationFailed) as err:
        services.create_client(actor=None, name="x", region=keys.world.building_a1)
    assert err.value.field == "region"
    with pytest.raises(ValidationFailed):
        services.create_client(actor=None, name="  ", region=keys.world.comm_a)


def test_deactivating_is_audited_once(keys):
    services.deactivate_client(actor=None, client=keys.a.client)
    services.deactivate_client(actor=None, client=keys.a.client)
    assert not Open311Client.objects.get(pk=keys.a.client.pk).active
    assert AuditEvent.objects.filter(action="open311.client.deactivate").count() == 1
    assert services.authenticate_key(keys.a.key) is None


def test_the_command_prints_a_working_key_once(keys):
    out = io.StringIO()
    region = keys.world.comm_a.code
    call_command("open311_key", "create", "--region", region, "--name", "App", stdout=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("Open311 API key: "))
    key = line.removeprefix("Open311 API key: ")
    client = services.authenticate_key(key)
    assert client is not None and client.region == keys.world.comm_a
    listing = io.StringIO()
    call_command("open311_key", "list", stdout=listing)
    assert client.prefix in listing.getvalue() and key not in listing.getvalue()
    call_command("open311_key", "deactivate", str(client.pk), stdout=io.StringIO())
    assert services.authenticate_key(key) is None
    with pytest.raises(CommandError):
        call_command("open311_key", "create", "--region", "NO-SUCH", "--name", "x")


def test_the_admin_lists_clients_and_deactivates_them(keys):
    admin = keys.world.users["admin"]
    c = Client()
    c.force_login(admin)
    page = c.get("/admin/open311/open311client/")
    assert page.status_code == 200 and "App A" in page.content.decode()
    assert keys.a.key not in page.content.decode()
    r = c.post(
        "/admin/open311/open311client/",
        {"action": "deactivate", "_selected_action": [keys.a.client.pk]},
    )
    assert r.status_code == 302
    assert not Open311Client.objects.get(pk=keys.a.client.pk).active


def test_the_demo_key_is_derived_from_the_secret_key(keys):
    street = keys.world.street
    assert report_open311_key(street)[0].startswith("Open311: no working demo API key")
    first = services.ensure_demo_client(actor=None, street=street)
    again = services.ensure_demo_client(actor=None, street=street)
    assert first.key == again.key and first.client == again.client
    assert report_open311_key(street) == [f"Open311 API key: {first.key}"]
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-0123456789"):
        assert services.demo_key(street) != first.key


@pytest.mark.django_db
def test_the_demo_prints_the_same_working_key_on_every_run():
    from gongzhi.org.demo import load_demo

    first = load_demo(actor=None, scale=0.01)
    again = load_demo(actor=None, scale=0.01)
    assert first.created and not again.created
    lines = [n for n in first.notes if n.startswith("Open311 API key: ")]
    assert len(lines) == 1 and lines == [n for n in again.notes if n.startswith("Open311 API key")]
    key = lines[0].removeprefix("Open311 API key: ")
    # the key works: it reads the demo's appeals and files a new one
    c = Client()
    august = {"start_date": "2026-08-01", "end_date": "2026-09-01"}
    r = c.get("/open311/v2/requests.json", {"api_key": key, **august})
    assert r.status_code == 200
    listed = json.loads(r.content)
    assert listed, "the demo history has appeals in August 2026"
    building = listed[0]["address_id"]
    r = c.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "municipal.light",
            "description": "小区门口的路灯坏了好几天",
            "address_id": str(building),
        },
    )
    assert r.status_code == 201, r.content
