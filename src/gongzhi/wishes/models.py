"""Micro-wishes (微心愿): a resident's small wish, claimed by one Party member, fulfilled and
confirmed, with a public thank-you.

`community` and `grid` are denormalised from the wisher's region when the wish is posted: the
wall is an indexed equality on `community_id`, staff scoping a `scope_path__startswith`. The
timeline (`WishEvent`) is append-only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.wishes.states import STATE_LABELS, State


class Category(models.TextChoices):
    DAILY_GOODS = "daily_goods", _("Daily goods")
    STUDY_HELP = "study_help", _("Study help")
    COMPANIONSHIP = "companionship", _("Companionship")
    REPAIR = "repair", _("Small repairs")
    HEALTH = "health", _("Health and medicine")
    ERRANDS = "errands", _("Errands")
    OTHER = "other", _("Other")


TITLE_MAX = 60
DESCRIPTION_MAX = 500
TEXT_MAX = 300

_CLAIMED = ["claimed", "fulfilled", "confirmed"]


class Wish(models.Model):
    wisher = models.ForeignKey(
        "org.Person", verbose_name=_("wisher"), on_delete=models.PROTECT, related_name="wishes"
    )
    # Where the wisher lives (their building, or grid); grid and community are copies of its
    # ancestors, and scope_path of its path.
    region = models.ForeignKey(
        "org.Region", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "org.Region",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    community = models.ForeignKey(
        "org.Region",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    scope_path = models.CharField(_("scope"), max_length=255, db_index=True)
    title = models.CharField(_("wish"), max_length=TITLE_MAX)
    description = models.TextField(_("details"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=[(s.value, STATE_LABELS[s]) for s in State],
        default=State.POSTED.value,
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_proxy = models.BooleanField(_("entered on behalf of the resident"), default=False)
    claimed_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_wishes",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    fulfil_note = models.CharField(_("how it was fulfilled"), max_length=TEXT_MAX, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    thanks = models.CharField(_("thanks (public)"), max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "state", "created_at"], name="wish_wall"),
            models.Index(fields=["wisher", "created_at"], name="wish_wisher"),
            models.Index(fields=["claimed_by", "state"], name="wish_claimer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="wish_state_known"
            ),
            # Claimed, fulfilled and confirmed wishes have a claimer; posted and withdrawn
            # wishes have none (a release clears it).
            models.CheckConstraint(
                condition=(
                    Q(state__in=_CLAIMED, claimed_by__isnull=False, claimed_at__isnull=False)
                    | (~Q(state__in=_CLAIMED) & Q(claimed_by__isnull=True))
                ),
                name="wish_claimer_matches_state",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["fulfilled", "confirmed"]) | Q(fulfilled_at__isnull=False),
                name="wish_fulfilled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(confirmed_at__isnull=False),
                name="wish_confirmed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True) | ~Q(claimed_by=F("wisher")),
                name="wish_not_claimed_by_wisher",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[State(self.state)])


class EventKind(models.TextChoices):
    POSTED = "posted", _("Posted")
    CLAIMED = "claimed", _("Claimed")
    RELEASED = "released", _("Released")
    FULFILLED = "fulfilled", _("Fulfilled")
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WishEvent(models.Model):
    """The append-only timeline of a wish: one row per transition; corrections are new rows."""

    wish = models.ForeignKey(
        Wish, verbose_name=_("micro-wish"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        "org.Person",
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_state = models.CharField(_("from"), max_length=12, blank=True)
    to_state = models.CharField(_("to"), max_length=12, blank=True)
    text = models.CharField(_("text"), max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("micro-wish event")
        verbose_name_plural = _("micro-wish events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["wish", "created_at"], name="wish_event_timeline")]

    def __str__(self) -> str:
        return f"{self.wish_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("WishEvent rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("WishEvent rows are append-only")
