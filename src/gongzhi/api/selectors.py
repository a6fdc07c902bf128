"""What a person sees of API tokens: their own, and nobody else's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.api.models import ApiToken
from gongzhi.core.errors import NotFound


def tokens_of(actor: Any) -> QuerySet[ApiToken]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=actor.pk)


def get_token(actor: Any, pk: int) -> ApiToken:
    token = tokens_of(actor).filter(pk=pk).first()
    if token is None:
        raise NotFound(_("No such token among yours."))
    return token
