"""Masking of personal data for lists and for roles that do not need the full value."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****5678: keep the first three and last four digits."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id_number(id_number: str) -> str:
    """3411**********1234: keep the region prefix and the last four characters."""
    value = id_number.strip()
    if len(value) < 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_name(name: str) -> str:
    """张*明 / 李*: keep the surname and, for longer names, the last character."""
    value = name.strip()
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return f"{value[0]}*"
    return f"{value[0]}{'*' * (len(value) - 2)}{value[-1]}"


def mask_address(address: str) -> str:
    """Keep the building; hide the room: 幸福里3栋2单元***."""
    value = address.strip()
    if len(value) <= 4:
        return "*" * len(value)
    return f"{value[: max(4, len(value) - 4)]}***"
