"""Shapes of the appeals API (see docs/api.md, "Appeals"). `AppealIn` and `AppealOut` are a
contract shared with the high-throughput intake path: change them only together with it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from gongzhi.api.schemas import Id
from gongzhi.appeals.intake import MAX_TEXT, MAX_TITLE

# What the API accepts as an idempotency key (services.KEY_RE, as a JSON Schema pattern).
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:\-]{1,64}$"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
# Category codes are dotted ASCII words ("municipal.light").
CATEGORY_PATTERN = r"^[A-Za-z0-9._\-]{1,40}$"
# Datetimes in a query or body: a plausible range, so that no conversion overflows.
MIN_YEAR = 2000
MAX_YEAR = 2100

StateName = Literal[
    "submitted",
    "signed_for",
    "in_progress",
    "replied",
    "closed",
    "reopened",
    "rejected",
    "merged",
]

UrgencyName = Literal["normal", "urgent"]
ApiChannel = Literal["api", "desk", "visit", "phone"]
RatingName = Literal["satisfied", "basically", "dissatisfied"]
FollowUpChannelName = Literal["phone", "visit", "desk"]
CategoryCode = Annotated[str, Field(pattern=CATEGORY_PATTERN, max_length=40)]
Reason = Annotated[str, Field(max_length=1000)]
NoteText = Annotated[str, Field(min_length=1, max_length=2000)]


def _plausible(value: dt.datetime) -> dt.datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(
            str(_("Enter a date between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR})
        )
    return value


Moment = Annotated[dt.datetime, AfterValidator(_plausible)]


# --- filing an appeal (the contract) ------------------------------------------------------


class AppealIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] = Field(
        description="What is wrong, at least 5 characters."
    )
    title: Annotated[str, Field(max_length=MAX_TITLE)] = Field(
        "", description="Empty: the start of the text."
    )
    category: CategoryCode | None = Field(
        None, description="A category code; null: suggested from the text."
    )
    urgency: UrgencyName = "normal"
    building_id: Id | None = Field(None, description="A building in your community.")
    grid_id: Id | None = Field(None, description="A grid in your community (without a building).")
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    anonymous: bool = Field(False, description="Show who raised it only to community staff.")
    contact_name: Annotated[str, Field(max_length=50)] = ""
    contact_phone: Annotated[str, Field(max_length=20)] = Field(
        "", description="Empty: the resident's registered phone."
    )
    channel: ApiChannel = Field(
        "api", description="desk, visit or phone: staff filing for a resident (代办)."
    )
    resident_id: Id | None = Field(
        None, description="代办 only: the person the appeal is filed for."
    )


class CategoryRef(Schema):
    code: str
    name: str


class GridRef(Schema):
    id: int
    name: str


class OwnerOut(Schema):
    kind: Literal["person", "partner", "none"]
    name: str


class AppealOut(Schema):
    """An appeal as filed and as listed: the answer of POST /appeals."""

    id: int
    number: str
    title: str
    state: StateName
    state_label: str
    urgency: UrgencyName
    channel: str
    anonymous: bool
    category: CategoryRef
    category_source: Literal["resident", "router", "staff"]
    grid: GridRef
    building_id: int | None
    owner: OwnerOut = Field(description="Who must act now.")
    sign_by: dt.datetime
    contact_by: dt.datetime
    resolve_by: dt.datetime
    due_at: dt.datetime | None = Field(description="The nearest pending deadline; null if closed.")
    created_at: dt.datetime


# --- lists and detail ---------------------------------------------------------------------


class AppealRowOut(AppealOut):
    resident: str = Field(description="Who raised it, as you may see them (masked or withheld).")
    phone: str = Field(description="Masked; empty when you may not see it.")
    overdue: bool
    escalation_level: int
    supporters_count: int
    rating: str


class EventOut(Schema):
    id: int
    kind: str
    label: str
    created_at: dt.datetime
    actor: str
    on_behalf_of: str
    from_state: str
    to_state: str
    text: str
    public: bool


class RatingOut(Schema):
    rating: str
    label: str
    comment: str
    source: str
    channel: str
    created_at: dt.datetime


class AppealDetailOut(AppealRowOut):
    text: str
    result: str
    latitude: float | None
    longitude: float | None
    events: list[EventOut]
    co_handlers: list[str]
    ratings: list[RatingOut]
    actions: list[str] = Field(description="What you may do now.")


class AppealFilters(Schema):
    state: StateName | None = None
    category: CategoryCode | None = Field(None, description="A category and its sub-categories.")
    grid: Id | None = None
    overdue: bool | None = Field(None, description="true: a deadline has passed.")
    created_after: Moment | None = None
    created_before: Moment | None = None
    mine: bool = Field(False, description="Only what you own, hold or raised.")


class InboxQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)
    mine: bool = False


class InboxOut(Schema):
    total: int
    due_today: int
    overdue: int
    items: list[AppealRowOut]


class DuplicateOut(Schema):
    id: int
    number: str
    title: str
    similarity: float
    supporters_count: int
    created_at: dt.datetime


class DuplicatesQuery(Schema):
    limit: int = Field(5, ge=1, le=20)


class CategoryOut(Schema):
    code: str
    name: str
    parent: str | None = Field(description="The code of the top category, if any.")
    is_leaf: bool


# --- actions ------------------------------------------------------------------------------


class StartIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(max_length=2000)] = ""


class ReplyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: NoteText = Field(description="The result, for the resident.")


class ReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class RateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    rating: RatingName
    comment: Annotated[str, Field(max_length=500)] = Field(
        "", description="Required when dissatisfied."
    )


class FollowUpIn(RateIn):
    channel: FollowUpChannelName = "phone"


class TransferIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=1000)]
    to_person_id: Id | None = None
    to_partner_id: Id | None = None


class CoHandlerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_id: Id


class NoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: NoteText
    public: bool = Field(False, description="false: internal, staff only.")


class RecategoriseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    category: CategoryCode
    reason: Reason = ""


class MergeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    duplicate_ids: list[Id] = Field(min_length=1, max_length=50)


# --- rates --------------------------------------------------------------------------------

RateGroup = Literal["grid", "community", "category", "partner"]


class RatesQuery(Schema):
    region: Id | None = Field(None, description="A region in your area; default: all of it.")
    start: Moment | None = Field(None, description="Default: 30 days before `end`.")
    end: Moment | None = Field(None, description="Default: now.")
    group: RateGroup | None = None


class RatesValues(Schema):
    appeals: int
    due_sign: int
    signed_in_time: int
    due_resolve: int
    resolved_in_time: int
    rated: int
    satisfied: int
    basically: int
    dissatisfied: int
    response: float | None
    resolution: float | None
    satisfaction: float | None
    composite: float | None


class RatesGroupOut(RatesValues):
    id: int | None
    name: str


class RatesOut(RatesValues):
    region_id: int | None
    start: dt.datetime
    end: dt.datetime
    groups: list[RatesGroupOut] | None
