"""The resident's pages: my appeals, the form (with the live hint) and 代办 entry by staff."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from gongzhi.appeals.models import Appeal, AppealPhoto, Channel, EventKind
from gongzhi.appeals.states import State
from gongzhi.appeals.tests.factories import Street, submit
from gongzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png(size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile("门口.png", buf.getvalue(), content_type="image/png")


def form_data(world: Street, **kw: Any) -> dict[str, Any]:
    data = {
        "text": "小区门口的路灯坏了好几天，晚上太黑",
        "title": "",
        "category": "",
        "urgency": "normal",
        "place": f"b:{world.building_a1.pk}",
        "latitude": "",
        "longitude": "",
    }
    data.update(kw)
    return data


# --- the form -----------------------------------------------------------------------------------


def test_resident_files_an_appeal_in_the_form_and_sees_it_in_mine(world: Street):
    # given a resident of building A1 on the form
    client = client_for(world.users["resident_a1"])
    page = client.get(reverse("appeals:new"))
    assert page.status_code == 200
    html = page.content.decode()
    # their own building is pre-selected, the community's other grid is offered, B is not
    assert f'value="b:{world.building_a1.pk}" selected' in html
    assert world.building_a2.name in html
    assert world.building_b1.name not in html
    # when they describe the problem and send it with a photo
    response = client.post(
        reverse("appeals:new"), {**form_data(world, urgency="urgent"), "photos": [png()]}
    )
    # then the appeal is filed on the web channel, routed by its text, and they see its page
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:detail", kwargs={"pk": appeal.pk})
    assert appeal.channel == Channel.WEB
    assert appeal.resident_id == world.person("resident_a1").pk
    assert appeal.building_id == world.building_a1.pk
    assert appeal.category.code == "municipal.light"
    assert appeal.urgency == "urgent"
    assert appeal.title.startswith("小区门口的路灯")
    assert AppealPhoto.objects.filter(appeal=appeal).count() == 1
    detail = client.get(response["Location"])
    assert appeal.number in detail.content.decode()
    assert "已提交" in detail.content.decode() or "Submitted" in detail.content.decode()
    # and in "my appeals", with who owns it and by when
    mine = client.get(reverse("appeals:mine")).content.decode()
    assert appeal.number in mine
    assert "网格员甲" in mine


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": ""}, "请描述"),
        ({"text": "灯坏"}, "至少"),
        ({"category": "no.such"}, "分类不存在"),
        ({"place": "b:999999"}, "社区"),
    ],
)
def test_bad_input_rerenders_in_chinese_keeps_what_was_typed_and_saves_nothing(
    world: Street, change: dict[str, str], message: str
):
    client = client_for(world.users["resident_a1"])
    data = form_data(world, title="门口路灯", **change)
    response = client.post(reverse("appeals:new"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="门口路灯"' in html  # what was typed is kept
    assert not Appeal.objects.exists()


def test_a_building_outside_the_home_community_is_refused(world: Street):
    client = client_for(world.users["resident_a1"])
    response = client.post(
        reverse("appeals:new"), form_data(world, place=f"b:{world.building_b1.pk}")
    )
    assert response.status_code == 200
    assert "社区" in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_map_point_alone_places_the_appeal_in_its_grid(world: Street):
    client = client_for(world.users["resident_a1"])
    response = client.post(
        reverse("appeals:new"),
        form_data(world, place="", latitude="32.31", longitude="118.315"),
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.grid_id == world.grid_a2.pk
    assert appeal.latitude == pytest.approx(32.31)


def test_a_wrong_type_photo_is_refused_and_nothing_is_saved(world: Street, settings: Any):
    client = client_for(world.users["resident_a1"])
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client.post(reverse("appeals:new"), {**form_data(world), "photos": [fake]})
    assert response.status_code == 200
    assert "只接受照片" in response.content.decode()
    assert not Appeal.objects.exists()
    assert not AppealPhoto.objects.exists()


def test_an_oversize_photo_is_refused_and_nothing_is_saved(world: Street, settings: Any):
    settings.GONGZHI_APPEAL_PHOTO_MAX_BYTES = 1000
    client = client_for(world.users["resident_a1"])
    response = client.post(
        reverse("appeals:new"), {**form_data(world), "photos": [png((400, 400))]}
    )
    assert response.status_code == 200
    assert "MB" in response.content.decode()
    assert not Appeal.objects.exists()


def test_four_photos_are_too_many(world: Street):
    client = client_for(world.users["resident_a1"])
    response = client.post(
        reverse("appeals:new"), {**form_data(world), "photos": [png(), png(), png(), png()]}
    )
    assert response.status_code == 200
    assert "最多" in response.content.decode()
    assert not Appeal.objects.exists()


def test_anonymous_option_is_recorded(world: Street):
    client = client_for(world.users["resident_a1"])
    client.post(reverse("appeals:new"), form_data(world, anonymous="on"))
    assert Appeal.objects.get().anonymous is True


def test_the_form_speaks_english_when_chosen(world: Street):
    client = client_for(world.users["resident_a1"])
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("appeals:new")).content.decode()
    assert "Tell us about a problem" in html
    response = client.post(reverse("appeals:new"), form_data(world, text=""))
    assert "Describe the problem." in response.content.decode()
    translation.activate("zh-hans")


def test_the_form_is_in_chinese_by_default(world: Street):
    html = client_for(world.users["resident_a1"]).get(reverse("appeals:new")).content.decode()
    assert "反映问题" in html or "告诉我们" in html


# --- the live hint ------------------------------------------------------------------------------


def test_suggest_names_the_category_and_similar_open_appeals_of_the_grid(world: Street):
    first = submit(world)
    client = client_for(world.users["resident_a1"])
    response = client.post(
        reverse("appeals:suggest"),
        {"text": "门口路灯坏了，晚上太黑", "place": f"b:{world.building_a1.pk}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "路灯照明" in html
    assert first.number in html
    assert 'hx-swap-oob="true"' in html  # the category is pre-selected


def test_suggest_keeps_a_category_the_resident_chose(world: Street):
    client = client_for(world.users["resident_a1"])
    response = client.post(
        reverse("appeals:suggest"),
        {"text": "门口路灯坏了", "category": "municipal.road", "suggested": ""},
    )
    assert "hx-swap-oob" not in response.content.decode()


def test_suggest_shows_no_one_elses_appeals_to_a_resident(world: Street):
    other = submit(world, "resident_a2", building_id=world.building_a1.pk)
    client = client_for(world.users["resident_a1"])
    html = client.post(
        reverse("appeals:suggest"),
        {"text": "小区门口的路灯坏了好几天", "place": f"b:{world.building_a1.pk}"},
    ).content.decode()
    assert other.number not in html


# --- my appeals ---------------------------------------------------------------------------------


def test_mine_lists_only_the_residents_own_appeals_newest_first(world: Street):
    old = submit(world)
    new = submit(world, text="楼道里的灯不亮了，晚上看不见台阶")
    theirs = submit(world, "resident_a2")
    html = client_for(world.users["resident_a1"]).get(reverse("appeals:mine")).content.decode()
    assert html.index(new.number) < html.index(old.number)
    assert theirs.number not in html


def test_mine_is_paginated(world: Street):
    for _i in range(21):
        submit(world)
    client = client_for(world.users["resident_a1"])
    first = client.get(reverse("appeals:mine")).content.decode()
    second = client.get(reverse("appeals:mine"), {"page": "2"}).content.decode()
    assert first.count("appeal-item") == 20
    assert second.count("appeal-item") == 1


def test_mine_query_count_does_not_grow_with_the_list(world: Street, django_assert_max_num_queries):
    for _i in range(15):
        submit(world)
    client = client_for(world.users["resident_a1"])
    client.get(reverse("appeals:mine"))  # warm the session and caches
    with django_assert_max_num_queries(8):
        response = client.get(reverse("appeals:mine"))
    assert response.status_code == 200


# --- 代办 ---------------------------------------------------------------------------------------


def test_grid_worker_files_an_appeal_for_a_resident_found_by_phone(world: Street):
    client = client_for(world.users["worker_a1"])
    assert client.get(reverse("appeals:proxy_new")).status_code == 200
    response = client.post(
        reverse("appeals:proxy_new"),
        {**form_data(world), "channel": "visit", "resident_phone": "139 0000 0001"},
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.by_proxy is True
    assert appeal.channel == Channel.VISIT
    assert appeal.resident_id == world.person("resident_a1").pk
    assert appeal.submitted_by_id == world.users["worker_a1"].pk
    first = appeal.events.get(kind=EventKind.SUBMITTED)
    assert first.on_behalf_of_id == world.person("resident_a1").pk
    assert AuditEvent.objects.filter(action="appeal.submit", object_id=str(appeal.pk)).exists()
    # and the resident sees it in their own list
    mine = client_for(world.users["resident_a1"]).get(reverse("appeals:mine")).content.decode()
    assert appeal.number in mine


def test_proxy_for_an_unregistered_caller_by_name_and_phone(world: Street):
    client = client_for(world.users["staff_a"])
    response = client.post(
        reverse("appeals:proxy_new"),
        {
            **form_data(world),
            "channel": "phone",
            "contact_name": "路过的张师傅",
            "contact_phone": "13800001111",
        },
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.resident_id is None
    assert appeal.contact_name == "路过的张师傅"
    assert appeal.channel == Channel.PHONE


def test_proxy_resident_outside_the_area_is_not_found(world: Street):
    client = client_for(world.users["worker_a1"])
    response = client.post(
        reverse("appeals:proxy_new"),
        {**form_data(world), "channel": "desk", "resident_phone": "13900000003"},
    )
    assert response.status_code == 200
    assert "没有" in response.content.decode()
    assert not Appeal.objects.exists()


def test_proxy_place_outside_the_grid_workers_grid_is_refused(world: Street):
    client = client_for(world.users["worker_a1"])
    response = client.post(
        reverse("appeals:proxy_new"),
        {
            **form_data(world, place=f"b:{world.building_a2.pk}"),
            "channel": "desk",
            "resident_phone": "13900000001",
        },
    )
    assert response.status_code == 200
    assert not Appeal.objects.exists()


def test_proxy_needs_a_resident_or_a_caller(world: Street):
    client = client_for(world.users["worker_a1"])
    response = client.post(reverse("appeals:proxy_new"), {**form_data(world), "channel": "desk"})
    assert response.status_code == 200
    assert "姓名" in response.content.decode()
    assert not Appeal.objects.exists()


def test_proxy_entry_is_only_for_staff_who_act_for_residents(world: Street):
    for key in ("resident_a1", "partner_a", "supervisor"):
        assert client_for(world.users[key]).get(reverse("appeals:proxy_new")).status_code == 403


def test_residents_state_after_filing_is_submitted(world: Street):
    client = client_for(world.users["resident_a1"])
    client.post(reverse("appeals:new"), form_data(world))
    assert Appeal.objects.get().state == State.SUBMITTED


def test_proxy_entry_files_for_the_resident_staff_are_acting_for(world: Street):
    client = client_for(world.users["worker_a1"])
    resident = world.person("resident_a1")
    client.post(reverse("org:act_for_start", kwargs={"pk": resident.pk}))
    page = client.get(reverse("appeals:proxy_new")).content.decode()
    assert "王建国" in page
    assert f'name="resident" value="{resident.pk}"' in page
    response = client.post(
        reverse("appeals:proxy_new"),
        {**form_data(world), "channel": "desk", "resident": str(resident.pk)},
    )
    assert response.status_code == 302
    assert Appeal.objects.get().resident_id == resident.pk


def test_proxy_several_residents_with_one_name_are_offered_to_choose(world: Street):
    from gongzhi.appeals.tests.factories import resident

    twin = resident(world.building_a1, name="王建国", phone="13900000009").person
    client = client_for(world.users["worker_a1"])
    data = {**form_data(world), "channel": "desk", "resident_name": "王建国"}
    response = client.post(reverse("appeals:proxy_new"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "139****0009" in html
    assert "13900000009" not in html
    assert not Appeal.objects.exists()
    response = client.post(reverse("appeals:proxy_new"), {**data, "resident": str(twin.pk)})
    assert response.status_code == 302
    assert Appeal.objects.get().resident_id == twin.pk
