"""Bad input never makes a 500: every 4xx is JSON with a localised message and the field."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gongzhi.org.models import Role
from gongzhi.org.tests import factories as f

pytestmark = pytest.mark.django_db

INT64_MAX = 2**63 - 1


@pytest.fixture
def staff_client():
    building = f.building(f.grid(f.community()))
    client = Client()
    client.force_login(f.user_with_role(Role.COMMUNITY_STAFF, building.parent.parent))
    client.building = building  # type: ignore[attr-defined]
    return client


def _post(client: Client, url: str, body: object, **extra: str):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def _assert_error(response, status: int, field: str | None = None, code: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert isinstance(data["detail"], str) and data["detail"]
    if field is not None:
        assert data["field"] == field
    if code is not None:
        assert data["code"] == code
    return data


def test_unauthenticated_is_401_json_with_a_challenge():
    response = Client().get("/api/v1/people")
    _assert_error(response, 401, code="not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "raw",
    ["abc", "-1", "0", "1.5", str(INT64_MAX + 1), str(2**80), "9" * 400, "%E4%BD%A0%E5%A5%BD"],
)
def test_bad_path_ids_are_422_naming_the_field(staff_client, raw):
    for url in (f"/api/v1/regions/{raw}", f"/api/v1/people/{raw}", f"/api/v1/households/{raw}"):
        data = _assert_error(staff_client.get(url), 422, code="invalid")
        assert data["field"] in {"region_id", "person_id", "household_id"}
        assert data["errors"][0]["field"] == data["field"]


def test_unknown_and_largest_ids_are_404_json(staff_client):
    for raw in ("999999", str(INT64_MAX)):
        _assert_error(staff_client.get(f"/api/v1/people/{raw}"), 404, code="not_found")
        _assert_error(staff_client.get(f"/api/v1/regions/{raw}/children"), 404)
        _assert_error(staff_client.delete(f"/api/v1/tokens/{raw}"), 404)


def test_bad_query_parameters_name_the_field(staff_client):
    cases = {
        "/api/v1/regions?kind=planet": "kind",
        "/api/v1/regions?parent=x": "parent",
        f"/api/v1/households?region={INT64_MAX + 1}": "region",
        "/api/v1/people?tag=rich": "tag",
        "/api/v1/people?limit=0": "limit",
        "/api/v1/people?limit=101": "limit",
        "/api/v1/people?offset=-1": "offset",
        f"/api/v1/people?offset={2**70}": "offset",
    }
    for url, field in cases.items():
        _assert_error(staff_client.get(url), 422, field=field, code="invalid")


def test_malformed_json_is_400(staff_client):
    for body in ("{not json", "", "\x00", '{"room": "1"'):
        response = staff_client.post("/api/v1/households", body, content_type="application/json")
        if body == "":
            # No body at all: the whole object is missing.
            assert _assert_error(response, 422)["field"] is None
        else:
            _assert_error(response, 400, code="malformed_json")
    not_utf8 = staff_client.post(
        "/api/v1/households", b'{"room": "\xff\xfe"}', content_type="application/json"
    )
    assert not_utf8.status_code in {400, 422}
    assert not_utf8.json()["detail"]


def test_wrong_types_and_shapes_name_the_field(staff_client):
    building = staff_client.building.pk
    cases = [
        ({"building": "one", "room": "1"}, "building"),
        ({"building": building, "room": 101}, "room"),
        ({"building": building, "room": None}, "room"),
        ({"building": building, "room": "1", "floor_area": "big"}, "floor_area"),
        ({"building": building, "room": "1", "floor_area": -3}, "floor_area"),
        ({"building": building, "room": "1", "floor_area": 1e308}, "floor_area"),
        ({"building": building, "room": "1", "ownership": "stolen"}, "ownership"),
        ({"building": building, "room": "1", "colour": "red"}, "colour"),
        ({"building": [building], "room": "1"}, "building"),
        ({"building": -building, "room": "1"}, "building"),
        ({"building": 2**64, "room": "1"}, "building"),
        ({"room": "1"}, "building"),
    ]
    for body, field in cases:
        _assert_error(_post(staff_client, "/api/v1/households", body), 422, field=field)
    for body in ([1, 2], "text", 3, None):
        _assert_error(_post(staff_client, "/api/v1/households", body), 422)


def test_huge_strings_are_refused_not_stored(staff_client):
    building = staff_client.building.pk
    huge = "楼" * 100_000
    _assert_error(
        _post(staff_client, "/api/v1/households", {"building": building, "room": huge}),
        422,
        field="room",
    )
    _assert_error(staff_client.get(f"/api/v1/regions?kind={huge}"), 422, field="kind")
    _assert_error(staff_client.get(f"/api/v1/people/{huge}"), 422, field="person_id")


def test_unicode_and_blank_input_reach_the_service_rules(staff_client):
    building = staff_client.building.pk
    ok = _post(
        staff_client, "/api/v1/households", {"building": building, "room": "😀甲-١٢", "unit": "东"}
    )
    blank = _post(staff_client, "/api/v1/households", {"building": building, "room": "   "})
    assert ok.status_code == 201, ok.content
    _assert_error(blank, 400, field="room", code="invalid")


def test_domain_errors_keep_their_status_and_field(staff_client):
    building = staff_client.building.pk
    first = _post(staff_client, "/api/v1/households", {"building": building, "room": "8"})
    again = _post(staff_client, "/api/v1/households", {"building": building, "room": "8"})
    not_a_building = _post(
        staff_client,
        "/api/v1/households",
        {"building": staff_client.building.parent_id, "room": "9"},
    )
    assert first.status_code == 201
    _assert_error(again, 409, field="room", code="conflict")
    _assert_error(not_a_building, 400, field="building")


def test_wrong_method_and_unknown_paths_are_json(staff_client):
    _assert_error(staff_client.put("/api/v1/people"), 405, code="method_not_allowed")
    _assert_error(staff_client.post("/api/v1/"), 405, code="method_not_allowed")
    _assert_error(staff_client.get("/api/v1/no/such/thing"), 404, code="not_found")
    _assert_error(staff_client.get("/api/v1/me/"), 404, code="not_found")


def test_too_large_a_body_is_json(staff_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _post(
        staff_client,
        "/api/v1/households",
        {"building": staff_client.building.pk, "room": "x" * 5000},
    )
    _assert_error(response, 413, code="too_large")


def test_messages_follow_accept_language_chinese_by_default(staff_client):
    default = staff_client.get("/api/v1/people?limit=0").json()
    english = staff_client.get("/api/v1/people?limit=0", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = staff_client.get("/api/v1/people?limit=0", HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    anonymous = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()

    assert english["detail"] == "Enter a value of at least 1."
    assert default["detail"] == chinese["detail"] != english["detail"]
    assert "1" in default["detail"]
    assert anonymous["detail"].startswith("Log in")


def test_text_no_database_can_store_is_400_naming_the_field(staff_client):
    building = staff_client.building.pk
    raw = {
        "nul": '{"building": B, "room": "1\\u0000"}',
        "surrogate": '{"building": B, "room": "1", "unit": "\\ud800"}',
        "nested": '{"building": B, "room": "1", "x": ["ok", "\\udfff"]}',
    }
    fields = {"nul": "room", "surrogate": "unit", "nested": "x.1"}
    for name, body in raw.items():
        body = body.replace("B", str(building))
        response = staff_client.post("/api/v1/households", body, content_type="application/json")
        _assert_error(response, 400, field=fields[name], code="invalid_text")
    nan = staff_client.post(
        "/api/v1/households",
        '{"building": B, "room": "1", "floor_area": NaN}'.replace("B", str(building)),
        content_type="application/json",
    )
    _assert_error(nan, 400, code="malformed_json")
