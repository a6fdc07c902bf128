"""Issuing, revoking and using personal API tokens. The only code that writes ApiToken rows."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import User
from gongzhi.api.models import ApiToken
from gongzhi.core import audit
from gongzhi.core.errors import PermissionDenied, ValidationFailed

TOKEN_PREFIX = "gz_"  # noqa: S105 (a marker that makes leaked tokens easy to scan for)
# A token is "gz_" and 43 URL-safe characters (32 random bytes).
TOKEN_LENGTH = len(TOKEN_PREFIX) + 43
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_ACTIVE_TOKENS = 20
# Writing last_used_at on every request would turn every read into a write; a minute is enough
# to tell a token in use from a forgotten one.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; never stored


@transaction.atomic
def issue_api_token(*, actor: Any, name: str) -> IssuedToken:
    """A new token for the actor themself. The secret is returned once and stored only hashed."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Log in to create an API token."))
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), field="name")
    if len(name) > 100:
        raise ValidationFailed(_("Use at most 100 characters."), field="name")
    # Lock the user's row so that two concurrent requests cannot both pass the limit.
    list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
    active = ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationFailed(
            _("You already have %(n)d active tokens; revoke one first.") % {"n": active},
            field="name",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:DISPLAY_PREFIX_LENGTH],
    )
    audit.record(
        actor=actor,
        action="api_token.issue",
        obj=token,
        after={"name": name, "prefix": token.prefix},
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_api_token(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens. Revoking twice is harmless and audited once."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if actor is None or token.user_id != actor.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="api_token.revoke",
        obj=token,
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at.isoformat()},
    )
    return token


def authenticate_api_token(*, secret: str) -> Any | None:
    """The active user a token secret belongs to, or None. Notes when the token was last used.

    Updating `last_used_at` is bookkeeping, like Django's `last_login`: it is not audited, and it
    is written at most once a minute per token so that reads stay reads.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) != TOKEN_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return token.user
