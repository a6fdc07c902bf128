from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. Who the user is in the community (household, roles) lives on `person`."""

    phone = models.CharField(_("mobile phone"), max_length=20, unique=True, null=True, blank=True)
    person = models.OneToOneField(
        "org.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
