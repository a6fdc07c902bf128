"""Every GeoReport v2 endpoint in JSON and XML, and every error the spec lists."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.appeals.models import Appeal, Channel
from gongzhi.appeals.tests.factories import submit
from gongzhi.core.models import AuditEvent
from gongzhi.open311.models import Open311Request

BASE = "/open311/v2/"
# Inside grid A1 of the test street (community A spans 118.30-118.32 E, 32.30-32.32 N).
IN_A = {"lat": "32.31", "long": "118.305"}
IN_B = {"lat": "32.31", "long": "118.41"}


def body(response: Any) -> Any:
    return json.loads(response.content.decode("utf-8"))


def xml(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 (our own output)


def post(client: Client, fmt: str = "json", headers: dict[str, str] | None = None, **data: Any):
    return client.post(f"{BASE}requests.{fmt}", data, headers=headers or {})


def new_request(keys: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "api_key": keys.a.key,
        "service_code": "municipal.light",
        "description": "小区门口的路灯坏了好几天，晚上太黑",
        **IN_A,
    }
    data.update(extra)
    return data


# --- discovery and services ---------------------------------------------------------------------


def test_discovery_in_json_and_xml(keys):
    c = Client()
    d = body(c.get(f"{BASE}discovery.json"))
    endpoint = d["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    assert d["changeset"].endswith("+08:00")
    root = xml(c.get(f"{BASE}discovery.xml"))
    assert root.tag == "discovery"
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["application/json", "text/xml"]


def test_services_list_the_leaf_categories_with_their_groups(keys):
    c = Client()
    services = body(c.get(f"{BASE}services.json", {"jurisdiction_id": "anything"}))
    by_code = {s["service_code"]: s for s in services}
    light = by_code["municipal.light"]
    assert light["service_name"] == "路灯照明"
    assert light["group"] == "市政设施"
    assert light["metadata"] is True and light["type"] == "realtime"
    assert "路灯" in light["keywords"].split(",")
    assert "municipal" not in by_code  # a top category is a group, not a service
    root = xml(c.get(f"{BASE}services.xml"))
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert codes == [s["service_code"] for s in services]
    assert root.find("service/metadata").text == "true"


def test_service_definition_in_json_and_xml(keys):
    c = Client()
    d = body(c.get(f"{BASE}services/municipal.light.json"))
    assert d["service_code"] == "municipal.light"
    urgency = d["attributes"][0]
    assert urgency["code"] == "urgency" and urgency["datatype"] == "singlevaluelist"
    assert urgency["required"] is False and urgency["order"] == 1
    assert [v["key"] for v in urgency["values"]] == ["normal", "urgent"]
    root = xml(c.get(f"{BASE}services/municipal.light.xml"))
    assert root.tag == "service_definition"
    keys_ = [v.text for v in root.findall("attributes/attribute/values/value/key")]
    assert keys_ == ["normal", "urgent"]


def test_an_unknown_service_definition_is_404_in_the_spec_format(keys):
    c = Client()
    r = c.get(f"{BASE}services/no.such.json")
    assert r.status_code == 404
    assert body(r)[0]["code"] == 404 and "no.such" in body(r)[0]["description"]
    r = c.get(f"{BASE}services/municipal.xml")  # a group, not a service
    assert r.status_code == 404
    root = xml(r)
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_an_unknown_resource_is_a_404_error_list(keys):
    r = Client().get(f"{BASE}nothing.xml")
    assert r.status_code == 404 and xml(r).findtext("error/code") == "404"
    r = Client().get(f"{BASE}requests.csv")
    assert r.status_code == 404 and body(r)[0]["code"] == 404


# --- POST requests ------------------------------------------------------------------------------


def test_post_request_files_an_open311_appeal_in_the_keys_region(keys):
    c = Client(enforce_csrf_checks=True)  # no CSRF token: the key is the credential
    r = post(
        c,
        **new_request(
            keys,
            **{"attribute[urgency]": "urgent"},
            first_name="建国",
            last_name="王",
            phone="13912345678",
            media_url="https://example.org/p/1.jpg",
        ),
    )
    assert r.status_code == 201
    (answer,) = body(r)
    appeal = Appeal.objects.get(number=answer["service_request_id"])
    assert appeal.channel == Channel.OPEN311
    assert appeal.grid == keys.world.grid_a1
    assert appeal.category.code == "municipal.light"
    assert appeal.urgency == "urgent"
    assert appeal.contact_name == "王建国" and appeal.contact_phone == "13912345678"
    assert appeal.submitter_ref == f"open311:{keys.a.client.pk}"
    link = Open311Request.objects.get(appeal=appeal)
    assert answer["token"] == link.token and link.client == keys.a.client
    assert link.media_url == "https://example.org/p/1.jpg"
    assert AuditEvent.objects.filter(action="open311.request.create", object_id=str(link.pk))


def test_post_request_in_xml_answers_service_requests(keys):
    r = post(Client(), "xml", **new_request(keys))
    assert r.status_code == 201
    root = xml(r)
    assert root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    assert Appeal.objects.filter(number=number).exists()
    assert root.findtext("request/token")


def test_post_by_address_id_and_by_address_string(keys):
    w = keys.world
    data = new_request(keys, address_id=str(w.building_a2.pk))
    del data["lat"], data["long"]
    r = post(Client(), **data)
    assert r.status_code == 201, r.content
    assert Appeal.objects.get(number=body(r)[0]["service_request_id"]).building == w.building_a2
    data = new_request(keys, address_string="幸福里1栋3单元502室")
    del data["lat"], data["long"]
    r = post(Client(), **data)
    assert r.status_code == 201, r.content
    appeal = Appeal.objects.get(number=body(r)[0]["service_request_id"])
    assert appeal.building == w.building_a1
    assert appeal.open311_request.address_string == "幸福里1栋3单元502室"


@pytest.mark.parametrize(
    ("change", "status", "names"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "o311_" + "x" * 43}, 403, "api_key"),
        ({"api_key": "nonsense"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "no.such"}, 400, "service_code"),
        ({"lat": "", "long": ""}, 400, "lat/long"),
        ({"lat": "north", "long": "118.3"}, 400, "lat"),
        ({"lat": "32.31", "long": ""}, 400, "lat/long"),
        ({"lat": "nan", "long": "118.3"}, 400, "lat"),
        ({"lat": "95", "long": "118.3"}, 400, "lat"),
        ({"long": "190"}, 400, "long"),
        ({"description": "灯"}, 400, "description"),
        ({"phone": "12345"}, 400, "phone"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"attribute[urgency]": "whenever"}, 400, "attribute[urgency]"),
        ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
        ({"lat": "", "long": "", "address_id": "abc"}, 400, "address_id"),
        ({"lat": "", "long": "", "address_id": "999999"}, 400, "address_id"),
        ({"lat": "", "long": "", "address_string": "火星基地"}, 400, "address_string"),
        ({"idempotency_key": "bad key with spaces"}, 400, "Idempotency-Key"),
    ],
)
def test_post_errors_name_the_parameter(keys, change, status, names):
    before = Appeal.objects.count()
    data = new_request(keys, **change)
    for fmt in ("json", "xml"):
        r = post(Client(), fmt, **{k: v for k, v in data.items() if v != "" or k == "api_key"})
        assert r.status_code == status, (fmt, r.content)
        if fmt == "json":
            (error,) = body(r)
            assert error["code"] == status
            assert error["description"].startswith(names), error
        else:
            root = xml(r)
            assert root.tag == "errors"
            assert root.findtext("error/code") == str(status)
            assert root.findtext("error/description").startswith(names)
    assert Appeal.objects.count() == before


def test_a_point_outside_the_keys_region_is_a_clear_400(keys):
    r = post(Client(), **new_request(keys, **IN_B))
    assert r.status_code == 400
    assert body(r)[0]["description"].startswith("lat/long")
    r = post(Client(), **new_request(keys, lat="10.0", long="10.0"))
    assert r.status_code == 400
    # key B may file there
    r = post(Client(), **new_request(keys, api_key=keys.b.key, **IN_B))
    assert r.status_code == 201


def test_key_a_cannot_file_into_community_b_by_address(keys):
    w = keys.world
    data = new_request(keys, address_id=str(w.building_b1.pk))
    del data["lat"], data["long"]
    assert post(Client(), **data).status_code == 400
    data = new_request(keys, address_string=w.building_b1.name)
    del data["lat"], data["long"]
    assert post(Client(), **data).status_code == 400
    assert not Appeal.objects.filter(community=w.comm_b).exists()


def test_a_json_body_is_refused_with_a_clear_400(keys):
    r = Client().post(
        f"{BASE}requests.json", json.dumps(new_request(keys)), content_type="application/json"
    )
    assert r.status_code == 400
    assert body(r)[0]["description"].startswith("Content-Type")


def test_a_malformed_form_body_is_a_400_in_the_spec_format(keys):
    r = Client().post(f"{BASE}requests.xml", b"garbage", content_type="multipart/form-data")
    assert r.status_code == 400
    assert xml(r).findtext("error/description").startswith("body")


def test_head_is_answered_like_get(keys):
    r = Client().head(f"{BASE}services.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")


def test_an_inactive_key_is_refused(keys):
    from gongzhi.open311.services import deactivate_client

    deactivate_client(actor=None, client=keys.a.client)
    r = post(Client(), **new_request(keys))
    assert r.status_code == 403
    assert Client().get(f"{BASE}requests.json", {"api_key": keys.a.key}).status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "requests.json"),
        ("delete", "requests.xml"),
        ("post", "services.json"),
        ("post", "discovery.xml"),
        ("patch", "services/municipal.light.json"),
    ],
)
def test_a_wrong_method_is_405_in_the_spec_format(keys, method, path):
    r = getattr(Client(), method)(f"{BASE}{path}")
    assert r.status_code == 405
    assert "GET" in r["Allow"]
    if path.endswith(".json"):
        assert body(r)[0]["code"] == 405
    else:
        assert xml(r).findtext("error/code") == "405"


# --- idempotency --------------------------------------------------------------------------------


def test_a_retried_post_with_the_same_idempotency_key_creates_nothing_twice(keys):
    c = Client()
    first = post(c, headers={"Idempotency-Key": "order-42"}, **new_request(keys))
    again = post(c, headers={"Idempotency-Key": "order-42"}, **new_request(keys))
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert body(first) == body(again)
    assert Appeal.objects.filter(channel=Channel.OPEN311).count() == 1
    assert Open311Request.objects.count() == 1
    # the parameter works the same way as the header
    third = post(c, **new_request(keys, idempotency_key="order-42"))
    assert body(third)[0]["service_request_id"] == body(first)[0]["service_request_id"]
    # another key creates another request
    other = post(c, headers={"Idempotency-Key": "order-43"}, **new_request(keys))
    assert other.status_code == 201
    assert Appeal.objects.filter(channel=Channel.OPEN311).count() == 2


def test_idempotency_keys_are_per_client(keys):
    c = Client()
    a = post(c, headers={"Idempotency-Key": "same"}, **new_request(keys))
    b = post(
        c, headers={"Idempotency-Key": "same"}, **new_request(keys, api_key=keys.b.key, **IN_B)
    )
    assert a.status_code == b.status_code == 201
    assert body(a)[0]["service_request_id"] != body(b)[0]["service_request_id"]


def test_header_and_parameter_must_agree(keys):
    r = post(Client(), headers={"Idempotency-Key": "k1"}, **new_request(keys, idempotency_key="k2"))
    assert r.status_code == 400
    assert not Appeal.objects.exists()


# --- GET requests -------------------------------------------------------------------------------


def filed(keys: Any, key: str = "a", **extra: Any) -> str:
    api_key = keys.a.key if key == "a" else keys.b.key
    point = IN_A if key == "a" else IN_B
    r = post(Client(), **new_request(keys, api_key=api_key, **{**point, **extra}))
    assert r.status_code == 201, r.content
    return str(body(r)[0]["service_request_id"])


def test_get_requests_needs_a_key(keys):
    for fmt in ("json", "xml"):
        r = Client().get(f"{BASE}requests.{fmt}")
        assert r.status_code == 403
    r = Client().get(f"{BASE}requests.json", {"api_key": "o311_wrong"})
    assert r.status_code == 403
    assert body(r)[0]["description"].startswith("api_key")


def test_get_requests_lists_only_the_keys_region_without_personal_data(keys):
    w = keys.world
    mine = filed(
        keys,
        description="路灯坏了，请联系13912345678，身份证430102199001011234",
        phone="13900001111",
        first_name="建国",
        last_name="王",
    )
    theirs = filed(keys, "b")
    recent = submit(w, "resident_a1", now=timezone.now())  # a web appeal in community A
    old = submit(w, "resident_a1")  # filed in March 2025: outside the default 90 days
    c = Client()
    listed = body(c.get(f"{BASE}requests.json", {"api_key": keys.a.key}))
    numbers = {r["service_request_id"] for r in listed}
    assert mine in numbers and theirs not in numbers
    # the region's appeals from every channel are listed, from the last 90 days
    assert recent.number in numbers and old.number not in numbers
    row = next(r for r in listed if r["service_request_id"] == mine)
    text = json.dumps(listed, ensure_ascii=False)
    for secret in ("13912345678", "430102199001011234", "13900001111", "王建国", "建国"):
        assert secret not in text
    assert "TELNO" in row["description"] and "IDNO" in row["description"]
    assert row["status"] == "open"
    assert row["service_code"] == "municipal.light"
    assert row["requested_datetime"].endswith("+08:00")
    assert row["expected_datetime"].endswith("+08:00")
    assert row["lat"] == 32.31 and row["long"] == 118.305
    assert w.grid_a1.name in row["address"]
    # and key B sees its own, not A's
    listed_b = body(c.get(f"{BASE}requests.json", {"api_key": keys.b.key}))
    assert {r["service_request_id"] for r in listed_b} == {theirs}


def test_get_requests_in_xml(keys):
    number = filed(keys, media_url="https://example.org/a.jpg")
    root = xml(Client().get(f"{BASE}requests.xml", {"api_key": keys.a.key}))
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert request.findtext("service_request_id") == number
    assert request.findtext("status") == "open"
    assert request.findtext("media_url") == "https://example.org/a.jpg"
    assert request.findtext("zipcode") == ""


def test_get_requests_filters(keys):
    light = filed(keys)
    road = filed(keys, service_code="municipal.road", description="路面有个大坑洼，很危险")
    c = Client()

    def numbers(**params: Any) -> set[str]:
        r = c.get(f"{BASE}requests.json", {"api_key": keys.a.key, **params})
        assert r.status_code == 200, r.content
        return {x["service_request_id"] for x in body(r)}

    assert numbers() == {light, road}
    assert numbers(service_code="municipal.road") == {road}
    assert numbers(service_code="municipal.road,municipal.light") == {light, road}
    assert numbers(status="open") == {light, road}
    assert numbers(status="closed") == set()
    assert numbers(status="open,closed") == {light, road}
    assert numbers(service_request_id=light) == {light}
    assert numbers(service_request_id=f"{light},{road}", status="closed") == {light, road}
    today = timezone.localdate()
    assert numbers(start_date=f"{today - dt.timedelta(days=1)}T00:00:00+08:00") == {light, road}
    assert numbers(end_date="2020-01-01T00:00:00Z") == set()
    assert numbers(start_date="2020-01-01", end_date="2020-02-01") == set()


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-02-30T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, "start_date"),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "end_date"),
        ({"start_date": "9999-12-31"}, "start_date"),
        ({"end_date": "0001-01-02"}, "end_date"),
        ({"start_date": "0001-01-01T00:00:00+08:00"}, "start_date"),
        ({"start_date": "2026-01-01T00:00:00+25:00"}, "start_date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "no.such"}, "service_code"),
        ({"service_request_id": ",".join(str(i) for i in range(101))}, "service_request_id"),
    ],
)
def test_get_requests_errors_name_the_parameter(keys, params, names):
    for fmt in ("json", "xml"):
        r = Client().get(f"{BASE}requests.{fmt}", {"api_key": keys.a.key, **params})
        assert r.status_code == 400, r.content
        if fmt == "json":
            assert body(r)[0]["description"].startswith(names)
        else:
            assert xml(r).findtext("error/description").startswith(names)


def test_a_closed_appeal_is_closed_with_its_notes(keys):
    from gongzhi.appeals import services as appeal_services

    number = filed(keys)
    appeal = Appeal.objects.get(number=number)
    appeal_services.reject_appeal(
        actor=keys.world.users["staff_a"], appeal=appeal, reason="不属于本社区职责范围"
    )
    (row,) = body(Client().get(f"{BASE}requests/{number}.json", {"api_key": keys.a.key}))
    assert row["status"] == "closed"
    assert row["expected_datetime"] is None
    assert row["status_notes"]


# --- one request, tokens ------------------------------------------------------------------------


def test_get_one_request_in_json_and_xml(keys):
    number = filed(keys)
    c = Client()
    (row,) = body(c.get(f"{BASE}requests/{number}.json", {"api_key": keys.a.key}))
    assert row["service_request_id"] == number
    root = xml(c.get(f"{BASE}requests/{number}.xml", {"api_key": keys.a.key}))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == number


def test_one_request_needs_a_key_and_its_region(keys):
    number = filed(keys)
    c = Client()
    assert c.get(f"{BASE}requests/{number}.json").status_code == 403
    r = c.get(f"{BASE}requests/{number}.json", {"api_key": keys.b.key})
    assert r.status_code == 404
    assert body(r)[0]["description"].startswith("service_request_id")
    r = c.get(f"{BASE}requests/GZ-20990101-000001.xml", {"api_key": keys.a.key})
    assert r.status_code == 404 and xml(r).findtext("error/code") == "404"


def test_tokens_answer_the_request_id_to_the_client_that_filed_it(keys):
    r = post(Client(), **new_request(keys))
    (answer,) = body(r)
    c = Client()
    token = answer["token"]
    (row,) = body(c.get(f"{BASE}tokens/{token}.json", {"api_key": keys.a.key}))
    assert row == {"service_request_id": answer["service_request_id"], "token": token}
    root = xml(c.get(f"{BASE}tokens/{token}.xml", {"api_key": keys.a.key}))
    assert root.findtext("request/service_request_id") == answer["service_request_id"]
    assert c.get(f"{BASE}tokens/{token}.json").status_code == 403
    assert c.get(f"{BASE}tokens/{token}.json", {"api_key": keys.b.key}).status_code == 404
    assert c.get(f"{BASE}tokens/nope.json", {"api_key": keys.a.key}).status_code == 404


def test_a_grid_key_reads_its_grid_and_a_street_key_the_whole_street(keys):
    from gongzhi.open311 import services

    w = keys.world
    in_a1 = filed(keys)  # grid A1
    in_a2 = filed(keys, lat="32.31", long="118.315")  # grid A2
    in_b = filed(keys, "b")
    grid_key = services.create_client(actor=None, name="grid", region=w.grid_a1).key
    street_key = services.create_client(actor=None, name="street", region=w.street).key
    c = Client()

    def numbers(key: str) -> set[str]:
        return {
            r["service_request_id"] for r in body(c.get(f"{BASE}requests.json", {"api_key": key}))
        }

    assert numbers(grid_key) == {in_a1}
    assert numbers(street_key) == {in_a1, in_a2, in_b}
    r = post(c, **new_request(keys, api_key=grid_key, lat="32.31", long="118.315"))
    assert r.status_code == 400  # grid A2 is outside grid A1
    assert post(c, **new_request(keys, api_key=grid_key)).status_code == 201
