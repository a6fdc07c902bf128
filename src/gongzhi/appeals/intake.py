"""The pure half of intake: from what was submitted to the rows to insert, with no query.

`plan_intake` chooses the category, the place, the owner and the deadlines over the cached
configuration; `build_appeal` and `build_first_event` make the (unsaved) rows. The service
`services.submit_appeal` validates the actor and inserts one appeal; a batched intake path can
plan many and insert them with bulk_create in one small transaction, reserving their numbers
with `services.reserve_numbers(day, count)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from gongzhi.appeals import sla
from gongzhi.appeals.config import AppealsConfig, CategoryInfo
from gongzhi.appeals.models import Appeal, AppealEvent, EventKind, Urgency
from gongzhi.appeals.routing import (
    Owner,
    Place,
    Suggestion,
    choose_category,
    locate,
    route_owner,
)
from gongzhi.appeals.states import State
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.context import current_request_id
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.models import AuditEvent

MIN_TEXT = 5
MAX_TEXT = 2000
MAX_TITLE = 100
TITLE_FROM_TEXT = 30


@dataclass(frozen=True)
class IntakePlan:
    category: CategoryInfo
    category_source: str
    suggestion: Suggestion | None
    place: Place
    owner: Owner
    deadlines: sla.Deadlines
    urgency: str
    title: str
    text: str

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w.message for w in self.deadlines.warnings)


def clean_text(text: str, title: str = "") -> tuple[str, str]:
    """The description and the title, checked; the title defaults to the text's start."""
    text = (text or "").strip()
    if len(text) < MIN_TEXT:
        raise ValidationFailed(
            _("Describe the problem in at least %(n)s characters.") % {"n": MIN_TEXT},
            field="text",
        )
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("The description is too long (at most %(n)s characters).") % {"n": MAX_TEXT},
            field="text",
        )
    title = " ".join((title or "").split())
    if len(title) > MAX_TITLE:
        raise ValidationFailed(
            _("The title is too long (at most %(n)s characters).") % {"n": MAX_TITLE},
            field="title",
        )
    if not title:
        first_line = " ".join(text.split())
        title = first_line[:TITLE_FROM_TEXT] + ("…" if len(first_line) > TITLE_FROM_TEXT else "")
    return text, title


def plan_intake(
    config: AppealsConfig,
    *,
    text: str,
    title: str = "",
    category_code: str | None = None,
    urgency: str = Urgency.NORMAL,
    building_id: int | None = None,
    grid_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    within_path: str = "",
    now: dt.datetime,
) -> IntakePlan:
    if urgency not in Urgency.values:
        raise ValidationFailed(_("Choose normal or urgent."), field="urgency")
    text, title = clean_text(text, title)
    place = locate(
        config,
        building_id=building_id,
        grid_id=grid_id,
        latitude=latitude,
        longitude=longitude,
        within_path=within_path,
    )
    choice = choose_category(config, text=f"{title} {text}", category_code=category_code)
    owner = route_owner(config, place, choice.category)
    deadlines = sla.compute(
        config,
        start=now,
        community_id=place.community_id,
        category=choice.category,
        urgency=urgency,
    )
    return IntakePlan(
        category=choice.category,
        category_source=choice.source,
        suggestion=choice.suggestion,
        place=place,
        owner=owner,
        deadlines=deadlines,
        urgency=urgency,
        title=title,
        text=text,
    )


def format_number(day: dt.date, seq: int) -> str:
    return f"GZ-{day:%Y%m%d}-{seq:06d}"


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def build_appeal(
    plan: IntakePlan, *, number: str, channel: str, now: dt.datetime, **fields: Any
) -> Appeal:
    """The unsaved Appeal for a plan. `fields`: resident_id, submitted_by_id, by_proxy,
    submitter_ref, idempotency_key, anonymous, contact_name, contact_phone, latitude,
    longitude."""
    d = plan.deadlines
    progress = sla.Progress(
        state=State.SUBMITTED,
        cycle_started_at=now,
        sign_by=d.sign_by,
        contact_by=d.contact_by,
        resolve_by=d.resolve_by,
        signed_at=None,
        first_contact_at=None,
        replied_at=None,
        alarms=0,
    )
    place = plan.place
    return Appeal(
        number=number,
        channel=channel,
        title=plan.title,
        text=plan.text,
        category_id=plan.category.id,
        category_source=plan.category_source,
        urgency=plan.urgency,
        state=State.SUBMITTED,
        street_id=place.street_id,
        community_id=place.community_id,
        grid_id=place.grid_id,
        building_id=place.building_id,
        scope_path=place.scope_path,
        assigned_person_id=plan.owner.person_id,
        owner_partner_id=plan.owner.partner_id,
        cycle_started_at=now,
        sign_by=d.sign_by,
        contact_by=d.contact_by,
        resolve_by=d.resolve_by,
        due_at=sla.due_at(progress),
        next_check_at=sla.next_alarm_at(progress),
        created_at=now,
        **fields,
    )


def build_first_event(
    appeal: Appeal, plan: IntakePlan, *, actor_id: int | None, on_behalf_of_id: int | None
) -> AppealEvent:
    data: dict[str, Any] = {
        "channel": appeal.channel,
        "category": plan.category.code,
        "category_source": plan.category_source,
        "routed_to": plan.owner.unit_type,
        "rule": plan.deadlines.rule_id,
    }
    if plan.suggestion is not None:
        data["confidence"] = plan.suggestion.confidence
        data["needs_person"] = plan.suggestion.needs_person
        data["reasons"] = list(plan.suggestion.reasons)
    if plan.warnings:
        data["calendar_warnings"] = list(plan.warnings)
    return AppealEvent(
        appeal=appeal,
        kind=EventKind.SUBMITTED,
        actor_id=actor_id,
        on_behalf_of_id=on_behalf_of_id,
        to_state=State.SUBMITTED,
        public=True,
        data=data,
        created_at=appeal.created_at,
    )


def build_audit_event(
    appeal: Appeal, plan: IntakePlan, *, actor_id: int | None, on_behalf_of_id: int | None
) -> AuditEvent:
    """The unsaved AuditEvent of a submission (what services.submit_appeal records), for a
    batched intake that bulk-creates appeals, their first events and their audit rows."""
    return AuditEvent(
        actor_id=actor_id,
        on_behalf_of_id=on_behalf_of_id,
        action="appeal.submit",
        object_type=Appeal._meta.label_lower,
        object_id=str(appeal.pk) if appeal.pk is not None else "",
        object_repr=appeal.number,
        scope_path=appeal.scope_path,
        after={
            "channel": appeal.channel,
            "category": plan.category.code,
            "grid": appeal.grid_id,
            "routed_to": plan.owner.unit_type,
        },
        request_id=current_request_id(),
    )
