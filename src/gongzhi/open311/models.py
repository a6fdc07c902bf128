"""Open311 API clients and what they filed.

A client holds one API key (only its SHA-256 digest is stored; the key is shown once when it is
issued) and the region it may file into and read from: a street, a community (or village) or
a grid. Written only by gongzhi.open311.services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Client(models.Model):
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The area the key may file appeals into and read appeals from."),
    )
    # hex SHA-256 of the whole key ("o311_" + random part): what a request is matched by.
    key_hash = models.CharField(_("key digest"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=16)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def submitter_ref(self) -> str:
        """Whose idempotency keys these are (Appeal.submitter_ref)."""
        return f"open311:{self.pk}"


class Open311Request(models.Model):
    """An appeal filed through Open311: its token and the Open311 fields an appeal lacks."""

    appeal = models.OneToOneField(
        "appeals.Appeal",
        verbose_name=_("appeal"),
        on_delete=models.PROTECT,
        related_name="open311_request",
    )
    client = models.ForeignKey(
        Open311Client,
        verbose_name=_("Open311 client"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    token = models.CharField(_("token"), max_length=40, unique=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    address_string = models.CharField(_("address as submitted"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.token
