"""Photos of an appeal: checked and re-encoded with Pillow before anything is stored.

Only JPEG, PNG and WebP are accepted, up to ``GONGZHI_APPEAL_PHOTO_MAX_BYTES`` (5 MB by
default) and ``GONGZHI_APPEAL_PHOTO_MAX_PIXELS`` (40 megapixels by default, checked from the
header before the image is decoded). Every photo is decoded and written again: the EXIF data
(the phone's GPS position, its owner's name) is dropped, the orientation applied, and the longer
side brought down to ``MAX_SIDE`` pixels so that a cheap phone can show it.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gongzhi.core.errors import ValidationFailed

MAX_PHOTOS = 3
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
# Pillow format -> (content type, file extension, save options)
FORMATS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "JPEG": ("image/jpeg", ".jpg", {"quality": 85, "optimize": True}),
    "PNG": ("image/png", ".png", {"optimize": True}),
    "WEBP": ("image/webp", ".webp", {"quality": 85}),
}
CONTENT_TYPES = frozenset(ct for ct, _ext, _opts in FORMATS.values())


def max_bytes() -> int:
    return int(getattr(settings, "GONGZHI_APPEAL_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "GONGZHI_APPEAL_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _invalid() -> ValidationFailed:
    return ValidationFailed(
        _("Only photos are accepted (JPEG, PNG or WebP); this file is not one."), field="photos"
    )


def _read(upload: Any) -> bytes:
    if isinstance(upload, bytes):
        return upload
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read()
    return bytes(data)


def clean_photo(upload: Any) -> CleanPhoto:
    """One uploaded file (an UploadedFile, any file-like object or bytes), checked and
    re-encoded; a ValidationFailed on "photos" when it is not an acceptable photo."""
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationFailed(
            _("A photo may be at most %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)},
            field="photos",
        )
    data = _read(upload)
    if len(data) > limit:
        raise ValidationFailed(
            _("A photo may be at most %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)},
            field="photos",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            fmt = image.format or ""
            if fmt not in FORMATS:
                raise _invalid()
            width, height = image.size
            if width * height > max_pixels():
                raise ValidationFailed(
                    _("This photo has too many pixels; send a smaller one."), field="photos"
                )
            image.load()
            image = ImageOps.exif_transpose(image) or image
    except ValidationFailed:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise _invalid() from exc
    content_type, extension, options = FORMATS[fmt]
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    elif fmt == "PNG" and image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image = image.convert("RGBA")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # A fresh save writes no EXIF, XMP or ICC text unless asked: the metadata is gone.
    image.save(out, format=fmt, **options)
    return CleanPhoto(out.getvalue(), content_type, extension, image.width, image.height)


def clean_photos(uploads: Iterable[Any] | None) -> list[CleanPhoto]:
    """Every upload checked (at most MAX_PHOTOS), before anything is written."""
    files = [u for u in (uploads or ()) if u is not None]
    if len(files) > MAX_PHOTOS:
        raise ValidationFailed(
            _("At most %(n)s photos per appeal.") % {"n": MAX_PHOTOS}, field="photos"
        )
    return [clean_photo(f) for f in files]
