"""Photos: checked and re-encoded without EXIF, stored, and served only to who may see them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from gongzhi.appeals import photos, services
from gongzhi.appeals.models import AppealPhoto
from gongzhi.appeals.tests.factories import Street, submit
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (32, 24), **save: Any) -> bytes:
    buf = io.BytesIO()
    mode = "RGB" if fmt != "GIF" else "P"
    Image.new(mode, size, 128).save(buf, format=fmt, **save)
    return buf.getvalue()


def upload(data: bytes, name: str = "p.png", ct: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=ct)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- checking -----------------------------------------------------------------------------------


def test_jpeg_exif_with_gps_is_stripped_and_orientation_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the stored image is landscape, shown portrait
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (32.0, 18.0, 0.0)}  # GPS IFD
    raw = image_bytes("JPEG", (40, 20), exif=exif.tobytes())
    assert Image.open(io.BytesIO(raw)).getexif()
    clean = photos.clean_photo(upload(raw, "x.jpg", "image/jpeg"))
    out = Image.open(io.BytesIO(clean.content))
    assert clean.content_type == "image/jpeg"
    assert not out.getexif()
    assert b"PhoneMaker" not in clean.content
    assert (clean.width, clean.height) == (20, 40)


@pytest.mark.parametrize(("fmt", "ct"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_are_accepted(fmt: str, ct: str):
    clean = photos.clean_photo(upload(image_bytes(fmt)))
    assert clean.content_type == ct
    assert Image.open(io.BytesIO(clean.content)).format == fmt


@pytest.mark.parametrize(
    "data",
    [image_bytes("GIF"), image_bytes("BMP"), b"<svg xmlns='http://www.w3.org/2000/svg'/>", b""],
)
def test_other_files_are_refused_with_a_clear_message(data: bytes):
    with pytest.raises(ValidationFailed) as exc:
        photos.clean_photo(upload(data))
    assert exc.value.field == "photos"
    assert "JPEG" in str(exc.value.message)


def test_a_truncated_photo_is_refused():
    data = image_bytes("JPEG", (200, 200))
    with pytest.raises(ValidationFailed):
        photos.clean_photo(upload(data[: len(data) // 2]))


def test_size_and_pixel_limits_come_from_settings(settings: Any):
    settings.GONGZHI_APPEAL_PHOTO_MAX_BYTES = 100
    with pytest.raises(ValidationFailed, match="MB"):
        photos.clean_photo(upload(image_bytes("PNG", (200, 200))))
    settings.GONGZHI_APPEAL_PHOTO_MAX_BYTES = 5 * 1024 * 1024
    settings.GONGZHI_APPEAL_PHOTO_MAX_PIXELS = 100
    with pytest.raises(ValidationFailed):
        photos.clean_photo(upload(image_bytes("PNG", (20, 20))))


def test_large_photos_are_scaled_down():
    clean = photos.clean_photo(upload(image_bytes("JPEG", (4000, 1000))))
    assert max(clean.width, clean.height) == photos.MAX_SIDE


# --- storing ------------------------------------------------------------------------------------


def test_submit_appeal_stores_photos_and_stays_compatible(world: Street):
    without = submit(world)
    assert not AppealPhoto.objects.filter(appeal=without).exists()
    appeal = submit(world, photos=[upload(image_bytes()), upload(image_bytes("JPEG"))])
    rows = list(AppealPhoto.objects.filter(appeal=appeal).order_by("id"))
    assert [r.content_type for r in rows] == ["image/png", "image/jpeg"]
    assert rows[0].uploaded_by_id == world.users["resident_a1"].pk
    assert "p.png" not in rows[0].image.name  # never the uploaded name
    assert rows[0].image.storage.exists(rows[0].image.name)


def test_a_bad_photo_saves_no_appeal(world: Street):
    from gongzhi.appeals.models import Appeal

    with pytest.raises(ValidationFailed):
        submit(world, photos=[upload(image_bytes()), upload(b"nope")])
    assert not Appeal.objects.exists()


def test_add_photos_through_the_page_up_to_three(world: Street):
    appeal = submit(world, photos=[upload(image_bytes()), upload(image_bytes())])
    client = client_for(world.users["resident_a1"])
    url = reverse("appeals:act", kwargs={"pk": appeal.pk, "action": "photos"})
    response = client.post(url, {"photos": [upload(image_bytes()), upload(image_bytes())]})
    assert response.status_code == 400
    assert AppealPhoto.objects.filter(appeal=appeal).count() == 2
    assert client.post(url, {"photos": [upload(image_bytes())]}).status_code == 302
    assert AppealPhoto.objects.filter(appeal=appeal).count() == 3
    assert AuditEvent.objects.filter(action="appeal.add_photos").exists()
    # full: no more upload button
    html = client.get(reverse("appeals:detail", kwargs={"pk": appeal.pk})).content.decode()
    assert '/photos/"' not in html.replace(f"/appeals/{appeal.pk}/photos/", "")
    assert f"/appeals/{appeal.pk}/photos/" not in html


def test_add_photos_service_refuses_viewers_without_a_capacity(world: Street):
    appeal = submit(world)
    with pytest.raises(PermissionDenied):
        services.add_appeal_photos(
            actor=world.users["supervisor"], appeal=appeal, photos=[upload(image_bytes())]
        )


# --- serving ------------------------------------------------------------------------------------


def test_photo_is_served_only_to_those_who_may_see_the_appeal(world: Street):
    appeal = submit(world, photos=[upload(image_bytes())])
    photo = AppealPhoto.objects.get(appeal=appeal)
    url = reverse("appeals:photo", kwargs={"pk": photo.pk})
    response = client_for(world.users["resident_a1"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client_for(world.users["worker_a1"]).get(url).status_code == 200
    for who in ("resident_a2", "worker_a2", "partner_a", "staff_b", "partner_b"):
        assert client_for(world.users[who]).get(url).status_code == 404, who
    assert Client().get(url).status_code == 302  # to the login page
    detail = client_for(world.users["resident_a1"]).get(
        reverse("appeals:detail", kwargs={"pk": appeal.pk})
    )
    assert url in detail.content.decode()


def test_a_missing_photo_file_is_404_not_500(world: Street):
    appeal = submit(world, photos=[upload(image_bytes())])
    photo = AppealPhoto.objects.get(appeal=appeal)
    photo.image.storage.delete(photo.image.name)
    url = reverse("appeals:photo", kwargs={"pk": photo.pk})
    assert client_for(world.users["resident_a1"]).get(url).status_code == 404
