"""Notifications: in-app rows and e-mail, sent after the service's transaction commits.

Services call `notify(...)` inside their transaction; nothing happens unless it commits. The
on-commit callback resolves the recipients (people, roles at a region, partner handlers) to
logins, writes Notification rows and queues the e-mails as a background task (Huey; inline in
tests). A failure there is logged, never raised into the request that caused it: the appeal
is already saved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipients:
    person_ids: tuple[int, ...] = ()
    # (roles, region id): everyone holding one of the roles exactly at that region.
    roles_at: tuple[tuple[frozenset[str], int], ...] = ()
    partner_ids: tuple[int, ...] = ()  # the handlers of these partner units
    exclude_user_ids: frozenset[int] = field(default_factory=frozenset)


def notify(
    *,
    appeal_id: int | None,
    kind: str,
    text: str | Promise,
    recipients: Recipients,
) -> None:
    """Queue a notice for after commit. `text` is rendered now, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        rendered = str(text)[:300]
    if not (recipients.person_ids or recipients.roles_at or recipients.partner_ids):
        return
    transaction.on_commit(lambda: _deliver(appeal_id, kind, rendered, recipients))


def _users(recipients: Recipients) -> list[tuple[int, str]]:
    from django.db.models import Q

    from gongzhi.accounts.models import User
    from gongzhi.org.models import Role, RoleAssignment

    person_q = Q(pk__in=[])
    if recipients.person_ids:
        person_q |= Q(person_id__in=recipients.person_ids)
    role_q = Q(pk__in=[])
    for roles, region_id in recipients.roles_at:
        role_q |= Q(role__in=roles, region_id=region_id)
    if recipients.partner_ids:
        role_q |= Q(role=Role.PARTNER_HANDLER, partner_id__in=recipients.partner_ids)
    role_people = RoleAssignment.objects.filter(role_q).values("person_id")
    users = (
        User.objects.filter(is_active=True)
        .filter(person_q | Q(person_id__in=role_people))
        .exclude(pk__in=recipients.exclude_user_ids)
        .values_list("pk", "email")
        .distinct()
    )
    return sorted(users)


def _deliver(appeal_id: int | None, kind: str, text: str, recipients: Recipients) -> None:
    from gongzhi.appeals.models import Notification

    try:
        users = _users(recipients)
        if not users:
            return
        now = timezone.now()
        rows = Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=uid, appeal_id=appeal_id, kind=kind, text=text, created_at=now
                )
                for uid, _email in users
            ]
        )
        with_email = {uid for uid, email in users if email}
        ids = [n.pk for n in rows if n.pk is not None and n.recipient_id in with_email]
        if ids:
            from gongzhi.appeals.tasks import send_notification_emails

            send_notification_emails(ids)
    except Exception:  # the appeal is saved; a lost notice must not fail the request
        logger.exception(
            "appeals: could not deliver notification %s for appeal %s", kind, appeal_id
        )


def send_emails(notification_ids: Iterable[int]) -> int:
    """E-mail the given notifications to recipients with an address; mark them sent."""
    from django.core.mail import send_mail

    from gongzhi.appeals.models import Notification

    sent = 0
    pending = Notification.objects.filter(
        pk__in=list(notification_ids), emailed_at__isnull=True
    ).select_related("recipient", "appeal")
    for n in pending:
        email = n.recipient.email
        if not email:
            continue
        # Claim it first: a second worker given the same batch sends nothing twice.
        claimed = Notification.objects.filter(pk=n.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            send_mail(n.text[:78], n.text, settings.DEFAULT_FROM_EMAIL, [email])
        except Exception:
            logger.exception("appeals: could not e-mail notification %s", n.pk)
            Notification.objects.filter(pk=n.pk).update(emailed_at=None)
            continue
        sent += 1
    return sent
