"""Incrementally maintained rollups of appeals, and the latest hotspots per place.

Written only by gongzhi.insights.rollups (and hotspots_job for the snapshots); read through
gongzhi.insights.selectors. See docs/insights.md.

* `AppealFact`: each appeal's last contribution to the rollups (its bucket and 0/1 flags as of
  the last refresh), so that a refresh can subtract the old contribution and add the new one;
* `Rollup`: the counters per local day and place, in three dimensions: totals per grid,
  per category and per channel (at grid level and at community level);
* `RollupState`: the refresh watermark, one row, also the lock two refreshers queue on;
* `HotspotSnapshot`: the latest mined hotspots and spikes per place and window.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The 0/1 flags of a fact, summed into the rollup counters of the same name. `counted` is the
# rates' population (not merged, not rejected); the rate counters follow appeals.rates.
FLAGS: tuple[str, ...] = (
    "counted",
    "due_sign",
    "signed_in_time",
    "due_resolve",
    "resolved_in_time",
    "rated",
    "satisfied",
    "basically",
    "dissatisfied",
    "replied",
    "closed",
    "open",
    "overdue",
    "escalated",
    "rejected",
    "merged",
)
COUNTERS: tuple[str, ...] = ("submitted", *FLAGS)


class Dim(models.TextChoices):
    TOTAL = "t", _("Total")
    CATEGORY = "c", _("Category")
    CHANNEL = "h", _("Channel")
    TOP_CATEGORY = "p", _("Top-level category")


class AppealFact(models.Model):
    """One appeal's contribution to the rollups as of the last refresh."""

    appeal_id = models.BigIntegerField(primary_key=True)
    day = models.DateField()
    street_id = models.IntegerField()
    community_id = models.IntegerField()
    grid_id = models.IntegerField()
    category_id = models.IntegerField()
    top_category_id = models.IntegerField()
    channel_key = models.PositiveSmallIntegerField()
    # When a flag may change with no write to the appeal (a deadline passes): the refresh
    # looks again at facts whose time has come.
    next_change_at = models.DateTimeField(null=True, blank=True)
    counted = models.PositiveSmallIntegerField(default=0)
    due_sign = models.PositiveSmallIntegerField(default=0)
    signed_in_time = models.PositiveSmallIntegerField(default=0)
    due_resolve = models.PositiveSmallIntegerField(default=0)
    resolved_in_time = models.PositiveSmallIntegerField(default=0)
    rated = models.PositiveSmallIntegerField(default=0)
    satisfied = models.PositiveSmallIntegerField(default=0)
    basically = models.PositiveSmallIntegerField(default=0)
    dissatisfied = models.PositiveSmallIntegerField(default=0)
    replied = models.PositiveSmallIntegerField(default=0)
    closed = models.PositiveSmallIntegerField(default=0)
    open = models.PositiveSmallIntegerField(default=0)
    overdue = models.PositiveSmallIntegerField(default=0)
    escalated = models.PositiveSmallIntegerField(default=0)
    rejected = models.PositiveSmallIntegerField(default=0)
    merged = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("appeal fact")
        verbose_name_plural = _("appeal facts")
        indexes = [
            models.Index(
                fields=["next_change_at"],
                name="insights_fact_next_change",
                condition=models.Q(next_change_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"fact {self.appeal_id}"


class Rollup(models.Model):
    """Counters of the appeals submitted on one local day in one place, along one dimension.

    Each appeal counts at three levels: its grid, its community (`grid_id` 0) and its street
    (`community_id` and `grid_id` 0). `key` is the category id, the channel's number (see
    rollups.CHANNEL_KEYS) or 0 for totals.
    """

    day = models.DateField()
    street_id = models.IntegerField()
    community_id = models.IntegerField()
    grid_id = models.IntegerField()
    dim = models.CharField(max_length=1, choices=Dim.choices)
    key = models.IntegerField(default=0)
    submitted = models.IntegerField(default=0)
    counted = models.IntegerField(default=0)
    due_sign = models.IntegerField(default=0)
    signed_in_time = models.IntegerField(default=0)
    due_resolve = models.IntegerField(default=0)
    resolved_in_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basically = models.IntegerField(default=0)
    dissatisfied = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["street_id", "community_id", "grid_id", "dim", "key", "day"],
                name="rollup_bucket_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["street_id", "community_id", "grid_id", "dim", "day"],
                name="rollup_street_day",
            ),
            models.Index(fields=["community_id", "grid_id", "dim", "day"], name="rollup_comm_day"),
            models.Index(fields=["grid_id", "dim", "day"], name="rollup_grid_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.community_id}/{self.grid_id} {self.dim}{self.key}"


class RollupState(models.Model):
    """The refresh watermark (one row, pk 1): every AppealEvent up to `last_event_id` has been
    applied, except the ids in `gaps` (ids not yet visible when the range was read: a
    transaction still in flight, or rolled back), which are looked at again until they appear
    or expire. Every refresh first UPDATEs this row, which serialises refreshers."""

    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=list)
    as_of = models.DateTimeField(_("figures as of"), null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    full_rebuild_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return f"rollups as of {self.as_of}"


class HotspotSnapshot(models.Model):
    """The latest hotspots and spikes mined for one place (region path) and window."""

    region_id = models.IntegerField()
    scope_path = models.CharField(max_length=255)
    window = models.CharField(max_length=8)
    payload = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("hotspot snapshot")
        verbose_name_plural = _("hotspot snapshots")
        constraints = [
            models.UniqueConstraint(fields=["scope_path", "window"], name="hotspot_snapshot_once")
        ]

    def __str__(self) -> str:
        return f"{self.scope_path} {self.window}"
