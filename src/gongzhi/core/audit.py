"""Writing audit events. Called by services inside their transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from gongzhi.core.context import current_request_id
from gongzhi.core.models import AuditEvent

if TYPE_CHECKING:
    from gongzhi.accounts.models import User
    from gongzhi.org.models import Person


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe dict of the named fields, for before/after."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, str | int | float | bool | list | dict):
            value = str(value)
        out[name] = value
    return out


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    scope_path: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    on_behalf_of: Person | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        scope_path=scope_path,
        before=before,
        after=after,
        request_id=current_request_id(),
    )
