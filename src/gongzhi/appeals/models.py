"""Appeals (诉求): categories, deadline and responsibility rules, the appeal and its timeline.

Written only by gongzhi.appeals.services (and services_config for the rules); read through
gongzhi.appeals.selectors. The state machine is declared in gongzhi.appeals.states.

Scoping: an appeal carries its street, community, grid and (optional) building, so a scoped
list is an integer equality on an indexed column (see selectors.scope_filter), and a
denormalised `scope_path` (the grid's or the building's region path) for `Scope.covers()`
checks in Python and for the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.states import OPEN, STATE_LABELS, State
from gongzhi.core.calendar import UNIT_LABELS, Unit
from gongzhi.core.models import TimeStamped
from gongzhi.org.models import PartnerKind


class SlaClass(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    UTILITY = "utility", _("Water, power, gas and heating")
    GENERAL = "general", _("General")
    COMPLEX = "complex", _("Complex")


GRID_UNIT = "grid"
# Who is responsible for a category: the grid (its grid worker) or a kind of partner unit.
UNIT_TYPE_CHOICES: list[tuple[str, Any]] = [
    (GRID_UNIT, _("Grid worker")),
    *PartnerKind.choices,
]
UNIT_TYPES = frozenset(v for v, _label in UNIT_TYPE_CHOICES)


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    DESK = "desk", _("Service desk (on behalf)")
    VISIT = "visit", _("Home visit (on behalf)")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")
    PHONE = "phone", _("Phone")


# Channels on which staff enter the appeal for a resident (代办).
PROXY_CHANNELS = frozenset({Channel.DESK, Channel.VISIT, Channel.PHONE})


class CategorySource(models.TextChoices):
    RESIDENT = "resident", _("Chosen at intake")
    ROUTER = "router", _("Suggested from the text")
    STAFF = "staff", _("Corrected by staff")


class RatingValue(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class RatingSource(models.TextChoices):
    RESIDENT = "resident", _("By the resident")
    FOLLOW_UP = "follow_up", _("Follow-up by staff")


class FollowUpChannel(models.TextChoices):
    WEB = "web", _("Online")
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Home visit")
    DESK = "desk", _("Service desk")


class Category(TimeStamped):
    """Two levels: a top category (市政设施) and its children (路灯照明)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sla_class = models.CharField(
        _("deadline class"), max_length=16, choices=SlaClass.choices, default=SlaClass.GENERAL
    )
    responsible = models.CharField(
        _("responsible unit"), max_length=24, choices=UNIT_TYPE_CHOICES, default=GRID_UNIT
    )
    # Words that point to this category for the keyword router, separated by spaces.
    keywords = models.TextField(_("keywords"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("appeal category")
        verbose_name_plural = _("appeal categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sla_class__in=SlaClass.values), name="category_sla_class"
            )
        ]

    def __str__(self) -> str:
        return self.name


UNIT_CHOICES: list[tuple[str, Any]] = [(u.value, UNIT_LABELS[u]) for u in Unit]


class SlaRule(TimeStamped):
    """Deadlines to sign for, to first contact the resident and to resolve.

    The most specific rule wins (see sla.SlaTable): a community's rule over the platform
    default (community NULL); a category over a deadline class over any category.
    """

    community = models.ForeignKey(
        "org.Region",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_rules",
    )
    sla_class = models.CharField(
        _("deadline class"), max_length=16, choices=SlaClass.choices, blank=True
    )
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    sign_amount = models.DecimalField(_("sign for within"), max_digits=7, decimal_places=2)
    sign_unit = models.CharField(_("unit"), max_length=16, choices=UNIT_CHOICES)
    contact_amount = models.DecimalField(_("first contact within"), max_digits=7, decimal_places=2)
    contact_unit = models.CharField(_("unit"), max_length=16, choices=UNIT_CHOICES)
    resolve_amount = models.DecimalField(_("resolve within"), max_digits=7, decimal_places=2)
    resolve_unit = models.CharField(_("unit"), max_length=16, choices=UNIT_CHOICES)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["community_id", "category_id", "sla_class", "urgency"]
        constraints = [
            models.UniqueConstraint(
                Coalesce("community", 0),
                Coalesce("category", 0),
                "sla_class",
                "urgency",
                name="sla_rule_once",
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=Urgency.values), name="sla_rule_urgency"
            ),
        ]

    def __str__(self) -> str:
        return f"SLA {self.community_id or '*'}/{self.category_id or self.sla_class or '*'}"


class ResponsibilityRule(TimeStamped):
    """权责清单: in this community, appeals of this category go to this kind of unit.

    Overrides the category's own `responsible`; community NULL is a platform-wide rule.
    """

    community = models.ForeignKey(
        "org.Region",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="responsibility_rules",
    )
    unit_type = models.CharField(_("responsible unit"), max_length=24, choices=UNIT_TYPE_CHOICES)

    class Meta:
        verbose_name = _("responsibility rule")
        verbose_name_plural = _("responsibility list")
        ordering = ["community_id", "category__code"]
        constraints = [
            models.UniqueConstraint(
                Coalesce("community", 0), "category", name="responsibility_rule_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community_id or '*'}/{self.category_id} → {self.unit_type}"


class AppealSequence(models.Model):
    """The last public number issued on a local day (GZ-20261124-000123)."""

    day = models.DateField(_("day"), unique=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("appeal number sequence")
        verbose_name_plural = _("appeal number sequences")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


# The open states in a fixed order (constraints and migrations must not depend on set order).
OPEN_STATES = [s.value for s in State if s in OPEN]
# Open appeals, as the partial indexes see them: only they have a pending deadline.
OPEN_Q = Q(due_at__isnull=False)


# Bits of Appeal.alarms: each deadline warns at 70% and 90% of its span and escalates on
# breach, each exactly once per cycle (a reopen starts a new cycle).
class Alarm:
    SIGN_70 = 1 << 0
    SIGN_90 = 1 << 1
    SIGN_BREACH = 1 << 2
    CONTACT_70 = 1 << 3
    CONTACT_90 = 1 << 4
    CONTACT_BREACH = 1 << 5
    RESOLVE_70 = 1 << 6
    RESOLVE_90 = 1 << 7
    RESOLVE_BREACH = 1 << 8


class Appeal(models.Model):
    number = models.CharField(_("number"), max_length=24, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("description"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="appeals"
    )
    category_source = models.CharField(
        _("category from"),
        max_length=16,
        choices=CategorySource.choices,
        default=CategorySource.RESIDENT,
    )
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    state = models.CharField(
        _("state"), max_length=16, choices=[(s.value, STATE_LABELS[s]) for s in State]
    )

    # Place. The level columns make scoped lists an indexed equality (selectors.scope_filter).
    street = models.ForeignKey(
        "org.Region",
        verbose_name=_("street"),
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
    grid = models.ForeignKey(
        "org.Region",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    building = models.ForeignKey(
        "org.Region",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_path = models.CharField(_("scope"), max_length=255)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    # Who. `submitted_by` is the login that entered it: the resident, or the staff member who
    # filed it for them (代办, then `by_proxy`); `resident` is whose appeal it is.
    resident = models.ForeignKey(
        "org.Person",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
        db_index=False,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_proxy = models.BooleanField(_("entered on behalf of the resident"), default=False)
    # Who the idempotency key belongs to: "user:<id>", "token:<id>", "open311:<key id>".
    submitter_ref = models.CharField(_("submitter"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)

    # Owner. Routing sets `assigned_person` (the grid worker) or `owner_partner`; the first
    # to sign for it becomes `owner_person` (首问负责人) and stays so until a transfer.
    assigned_person = models.ForeignKey(
        "org.Person",
        verbose_name=_("routed to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_person = models.ForeignKey(
        "org.Person",
        verbose_name=_("first responder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    owner_partner = models.ForeignKey(
        "org.PartnerUnit",
        verbose_name=_("partner unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        db_index=False,
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)

    # Deadlines of the current cycle (from submission, or from the last reopen).
    cycle_started_at = models.DateTimeField(_("cycle started at"))
    sign_by = models.DateTimeField(_("sign for by"))
    contact_by = models.DateTimeField(_("first contact by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    # The nearest deadline still pending (NULL once nothing is pending): inbox order.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # When the deadline sweep must next look at this appeal (NULL: never).
    next_check_at = models.DateTimeField(null=True, blank=True)
    alarms = models.PositiveIntegerField(default=0)

    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    supporters_count = models.PositiveIntegerField(_("residents who raised it"), default=1)
    result = models.TextField(_("result"), blank=True)
    rating = models.CharField(_("rating"), max_length=16, choices=RatingValue.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]
        # Open appeals are a small fraction of all: the inbox indexes are partial (open rows
        # only, `due_at IS NOT NULL`), which keeps them small, cheap to write and gives the
        # planner true statistics. Queries for open appeals filter on `due_at__isnull=False`.
        indexes = [
            models.Index(fields=["grid", "due_at"], name="appeal_grid_open", condition=OPEN_Q),
            models.Index(
                fields=["community", "due_at"], name="appeal_community_open", condition=OPEN_Q
            ),
            models.Index(fields=["street", "due_at"], name="appeal_street_open", condition=OPEN_Q),
            models.Index(
                fields=["owner_person", "due_at"], name="appeal_owner_open", condition=OPEN_Q
            ),
            models.Index(
                fields=["owner_partner", "due_at"], name="appeal_partner_open", condition=OPEN_Q
            ),
            # A grid worker's own inbox: open appeals routed to them (of ~100,000 ever routed).
            models.Index(
                fields=["assigned_person", "due_at"], name="appeal_assigned_open", condition=OPEN_Q
            ),
            # Rates and history by period.
            models.Index(fields=["community", "created_at"], name="appeal_community_created"),
            models.Index(fields=["resident", "created_at"], name="appeal_resident_created"),
            # The sweeps: deadlines to check, replies awaiting a rating.
            models.Index(
                fields=["next_check_at"],
                name="appeal_next_check",
                condition=Q(next_check_at__isnull=False),
            ),
            models.Index(
                fields=["replied_at"], name="appeal_awaiting_rating", condition=Q(state="replied")
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "submitter_ref", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="appeal_idempotency_once",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="appeal_state"
            ),
            # An appeal has a pending deadline exactly while it is open (see OPEN_Q).
            models.CheckConstraint(
                condition=Q(state__in=OPEN_STATES, due_at__isnull=False)
                | (~Q(state__in=OPEN_STATES) & Q(due_at__isnull=True)),
                name="appeal_due_iff_open",
            ),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="appeal_urgency"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="appeal_channel"),
            models.CheckConstraint(condition=Q(escalation_level__lte=2), name="appeal_escalation"),
            models.CheckConstraint(condition=Q(supporters_count__gte=1), name="appeal_supporters"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SIGNED_FOR = "signed_for", _("Signed for")
    STARTED = "started", _("First contact; work started")
    REPLIED = "replied", _("Replied")
    CONFIRMED = "confirmed", _("Confirmed and rated")
    REOPENED = "reopened", _("Reopened")
    AUTO_CLOSED = "auto_closed", _("Closed without a rating")
    REJECTED = "rejected", _("Not accepted")
    MERGED = "merged", _("Merged")
    MERGED_IN = "merged_in", _("Duplicate merged in")
    TRANSFERRED = "transferred", _("Transferred")
    CO_HANDLER = "co_handler", _("Co-handler added")
    RECATEGORISED = "recategorised", _("Category changed")
    NOTE = "note", _("Note")
    FOLLOW_UP = "follow_up", _("Follow-up")
    WARNING = "warning", _("Deadline warning")
    ESCALATED = "escalated", _("Escalated")


class AppealEvent(models.Model):
    """The append-only timeline of an appeal. Internal events (`public` False) are shown to
    staff only; corrections are new rows."""

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
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
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, blank=True)
    public = models.BooleanField(_("visible to the resident"), default=True)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("details"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["appeal", "created_at"], name="appeal_event_timeline")]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("AppealEvent rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("AppealEvent rows are append-only")


class CoHandler(models.Model):
    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="co_handlers"
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("co-handler")
        verbose_name_plural = _("co-handlers")
        constraints = [models.UniqueConstraint(fields=["appeal", "person"], name="co_handler_once")]
        indexes = [models.Index(fields=["person", "appeal"], name="co_handler_person")]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.person_id}"


class Rating(models.Model):
    """A rating of a reply: by the resident, or recorded by staff on a follow-up (回访)."""

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="ratings"
    )
    rating = models.CharField(_("rating"), max_length=16, choices=RatingValue.choices)
    comment = models.TextField(_("comment"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=RatingSource.choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=FollowUpChannel.choices, default=FollowUpChannel.WEB
    )
    by_person = models.ForeignKey(
        "org.Person",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__in=RatingValue.values), name="rating_value")
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.rating}"


class Notification(models.Model):
    """An in-app notice for one login (also e-mailed when the login has an address)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="appeal_notifications",
    )
    appeal = models.ForeignKey(
        Appeal,
        verbose_name=_("appeal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=24)
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return self.text


def photo_upload_to(instance: AppealPhoto, filename: str) -> str:
    """Where a photo is stored under MEDIA_ROOT: never the uploaded name (it may carry personal
    data), a random one in a folder per month."""
    import uuid
    from pathlib import PurePosixPath

    ext = PurePosixPath(filename).suffix.lower()[:6] or ".jpg"
    return f"appeals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class AppealPhoto(models.Model):
    """A photo of the problem, re-encoded without its EXIF data (appeals.photos), served only
    to those who may see the appeal (views_detail.photo), never under MEDIA_URL."""

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="photos"
    )
    image = models.FileField(_("image"), upload_to=photo_upload_to, max_length=200)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("appeal photo")
        verbose_name_plural = _("appeal photos")
        ordering = ["appeal_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png", "image/webp"]),
                name="appeal_photo_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.pk}"
