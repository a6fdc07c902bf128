"""Validation of Chinese personal identifiers, shared by forms, the API and imports."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ValidationFailed

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalise_phone(value: str) -> str:
    """Strip spaces, dashes and a +86 prefix; full-width digits become ASCII."""
    text = value.strip().translate({0xFF10 + i: ord("0") + i for i in range(10)})
    text = re.sub(r"[\s-]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    return text


def validate_mobile(value: str, *, field: str = "phone") -> str:
    phone = normalise_phone(value)
    if phone and not MOBILE_RE.match(phone):
        raise ValidationFailed(_("Enter an 11-digit mobile number starting with 1."), field=field)
    return phone


def id_number_checksum_ok(value: str) -> bool:
    if not re.match(r"^\d{17}[\dX]$", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def validate_id_number(value: str, *, field: str = "id_number") -> str:
    id_number = value.strip().upper()
    if id_number and not id_number_checksum_ok(id_number):
        raise ValidationFailed(
            _("Enter a valid 18-character resident ID number (the check digit does not match)."),
            field=field,
        )
    return id_number


def birth_year_from_id(id_number: str) -> int | None:
    if len(id_number) == 18 and id_number[6:10].isdigit():
        return int(id_number[6:10])
    return None


def gender_from_id(id_number: str) -> str:
    if len(id_number) == 18 and id_number[16].isdigit():
        return "m" if int(id_number[16]) % 2 else "f"
    return ""
