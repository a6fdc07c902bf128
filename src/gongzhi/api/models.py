"""Personal API tokens for scripts and integrations.

Only a SHA-256 digest of the secret is stored; the secret itself is shown once, when issued.
The first characters (`prefix`) are kept in clear so that a person can tell their tokens apart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    # hex SHA-256 of the whole secret ("gz_" + random part): what a request is matched by.
    token_hash = models.CharField(_("token digest"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=16)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
