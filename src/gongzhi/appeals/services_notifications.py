"""Writes on a person's own in-app notifications (marking them read)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Notification
from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied, ValidationFailed

AUDIT_ACTION = "appeals.notifications_read"
MAX_IDS = 200


@transaction.atomic
def mark_notifications_read(
    *, actor: Any, ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Mark the actor's own unread notifications read: the given ones, or all of them.
    One conditional UPDATE (a notice read twice, or someone else's, is left alone); returns
    how many changed."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Log in to read your notifications."))
    qs = Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True)
    wanted: list[int] | None = None
    if ids is not None:
        wanted = sorted({int(i) for i in ids})
        if len(wanted) > MAX_IDS:
            raise ValidationFailed(_("Too many notifications at once."), field="pk")
        qs = qs.filter(pk__in=wanted)
    changed = qs.update(read_at=now or timezone.now())
    if changed:
        audit.record(
            actor=actor,
            action=AUDIT_ACTION,
            object_type="appeals.notification",
            object_id="all" if wanted is None else ",".join(map(str, wanted[:20])),
            after={"read": changed},
        )
    return changed
