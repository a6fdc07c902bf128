"""The only code that writes appeals. Each service is atomic, keyword-only, takes the actor,
fires state changes through states.check_any, and writes a timeline event and an AuditEvent in
the same transaction; notifications go out after commit.

Concurrency: a state change locks the row (SELECT ... FOR UPDATE on PostgreSQL; SQLite takes
the write lock at BEGIN IMMEDIATE) and then updates it with a conditional
``UPDATE ... WHERE id = %s AND state = <the state it checked>``: of two people signing for the
same appeal at once exactly one wins, the other gets a Conflict (409). The sweeps fire each
warning and escalation with ``UPDATE ... WHERE alarms & bit = 0``: two workers running the same
sweep fire each exactly once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals import photos as appeal_photos
from gongzhi.appeals import sla
from gongzhi.appeals.access import COMMUNITY_ROLES, HANDLER_ROLES, Relation, relation
from gongzhi.appeals.config import get_config
from gongzhi.appeals.intake import (
    IntakePlan,
    build_appeal,
    build_audit_event,
    build_first_event,
    format_number,
    local_day,
    plan_intake,
)
from gongzhi.appeals.models import (
    PROXY_CHANNELS,
    Appeal,
    AppealEvent,
    AppealPhoto,
    AppealSequence,
    Channel,
    CoHandler,
    EventKind,
    FollowUpChannel,
    Rating,
    RatingSource,
    RatingValue,
)
from gongzhi.appeals.notifications import Recipients, notify
from gongzhi.appeals.routing import Suggestion
from gongzhi.appeals.states import OPEN, STATE_LABELS, Actor, State, check_action, check_any
from gongzhi.core import audit
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.validators import MOBILE_RE, normalise_phone
from gongzhi.org.models import PartnerUnit, Person, Region, Role, RoleAssignment
from gongzhi.org.scopes import ACT_FOR_ROLES, Scope, scope_for

MAX_NOTE = 2000
MAX_COMMENT = 500
MAX_REASON = 1000
MAX_KEY = 64
# A dissatisfied rating reopens the appeal this many times; the next one closes it.
MAX_REOPENS = 1
DEFAULT_AUTO_CLOSE_DAYS = 7
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")

LEVEL_ROLES: dict[int, frozenset[str]] = {
    1: COMMUNITY_ROLES,
    2: frozenset({Role.STREET_SUPERVISOR}),
}


# --- helpers ------------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    value = now or timezone.now()
    if timezone.is_naive(value):
        raise ValueError("aware datetimes only")
    return value


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _load(appeal: Appeal | int, *, lock: bool = True) -> Appeal:
    pk = appeal.pk if isinstance(appeal, Appeal) else int(appeal)
    qs = Appeal.objects.select_for_update() if lock else Appeal.objects
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such appeal."))
    return found


def _relation(
    actor: Any, appeal: Appeal, *, on_behalf_of: Person | None = None
) -> tuple[Scope, Relation]:
    scope = scope_for(actor)
    co: list[int] = []
    if (
        scope.person_id is not None
        and CoHandler.objects.filter(appeal_id=appeal.pk, person_id=scope.person_id).exists()
    ):
        co = [scope.person_id]
    rel = relation(
        scope,
        appeal,
        co_handler_ids=co,
        on_behalf_of_id=on_behalf_of.pk if on_behalf_of is not None else None,
    )
    if not rel.can_view:
        raise NotFound(_("No such appeal in your area."))
    return scope, rel


def _with_schedule(appeal: Appeal, changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` plus the due_at and next_check_at they lead to."""
    progress = dataclasses.replace(
        sla.Progress.of(appeal),
        **{k: v for k, v in changes.items() if k in sla.Progress.__dataclass_fields__},
    )
    return {
        **changes,
        "due_at": sla.due_at(progress),
        "next_check_at": sla.next_alarm_at(progress),
    }


def conditional_update(appeal_id: int, *, expected_state: str, changes: dict[str, Any]) -> int:
    """UPDATE the appeal only if it is still in `expected_state`: the number of rows (0 for
    whoever lost a race)."""
    return Appeal.objects.filter(pk=appeal_id, state=expected_state).update(
        **changes, updated_at=timezone.now()
    )


def _update_or_conflict(current: Appeal, changes: dict[str, Any]) -> None:
    """Apply `changes` if the appeal is still in the state `current` was read in; else a
    Conflict for whoever lost the race. `current` is updated in memory too."""
    if not conditional_update(current.pk, expected_state=current.state, changes=changes):
        raise Conflict(
            _("Someone else changed this appeal just now; reload it and try again."),
            field="action",
        )
    for key, value in changes.items():
        setattr(current, key, value)


def _event(
    appeal: Appeal,
    kind: str,
    *,
    actor: Any,
    now: dt.datetime,
    from_state: str = "",
    to_state: str = "",
    public: bool = True,
    text: str = "",
    data: dict[str, Any] | None = None,
    on_behalf_of: Person | None = None,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        actor=_user(actor),
        on_behalf_of=on_behalf_of,
        from_state=from_state,
        to_state=to_state,
        public=public,
        text=text,
        data=data,
        created_at=now,
    )


def _audit(
    actor: Any,
    action: str,
    appeal: Appeal,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    on_behalf_of: Person | None = None,
) -> None:
    audit.record(
        actor=_user(actor),
        action=action,
        obj=appeal,
        object_repr=appeal.number,  # not the title: it may carry personal data
        scope_path=appeal.scope_path,
        before=before,
        after=after,
        on_behalf_of=on_behalf_of,
    )


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(value) > limit:
        raise ValidationFailed(
            _("This is too long (at most %(n)s characters).") % {"n": limit}, field=field
        )
    return value


def _owner_recipients(appeal: Appeal) -> Recipients:
    """Who owns the appeal now; the community staff when nobody does."""
    person = appeal.owner_person_id or appeal.assigned_person_id
    if person is not None:
        return Recipients(person_ids=(person,))
    if appeal.owner_partner_id is not None:
        return Recipients(partner_ids=(appeal.owner_partner_id,))
    return Recipients(roles_at=((COMMUNITY_ROLES, appeal.community_id),))


def _resident_recipients(appeal: Appeal, actor: Any) -> Recipients:
    if appeal.resident_id is None:
        return Recipients()
    user = _user(actor)
    return Recipients(
        person_ids=(appeal.resident_id,),
        exclude_user_ids=frozenset({user.pk}) if user is not None else frozenset(),
    )


def _label(appeal: Appeal) -> str:
    return f"{appeal.number}「{appeal.title}」"


# --- numbers ------------------------------------------------------------------------------------


def reserve_numbers(day: dt.date, count: int = 1) -> int:
    """Reserve `count` consecutive public numbers of `day`; the first one. Inside the caller's
    transaction: the counter row stays locked until it commits (numbers have no gaps unless a
    transaction rolls back)."""
    if count < 1:
        raise ValueError("count must be positive")
    if not AppealSequence.objects.filter(day=day).update(last=F("last") + count):
        try:
            with transaction.atomic():
                AppealSequence.objects.create(day=day, last=count)
            return 1
        except IntegrityError:
            AppealSequence.objects.filter(day=day).update(last=F("last") + count)
    last = AppealSequence.objects.filter(day=day).values_list("last", flat=True).get()
    return int(last) - count + 1


# --- intake -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    appeal: Appeal
    created: bool  # False: the idempotency key named an appeal submitted before
    suggestion: Suggestion | None
    warnings: tuple[str, ...] = ()


def clean_phone(value: str, *, field: str = "contact_phone") -> str:
    phone = normalise_phone(value or "")
    if phone and not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise ValidationFailed(
            _("Enter a mobile number (11 digits) or a landline with its area code."), field=field
        )
    return phone


def _home_community_path(scope: Scope) -> str:
    """The community (or village) the person is registered in: the first two path levels."""
    parts = [p for p in scope.home_path.strip("/").split("/") if p]
    return "/" + "/".join(parts[:2]) + "/" if parts else ""


@transaction.atomic
def submit_appeal(
    *,
    actor: Any,
    text: str,
    channel: str = Channel.WEB,
    title: str = "",
    category_code: str | None = None,
    urgency: str = "normal",
    building_id: int | None = None,
    grid_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    within: Region | None = None,
    resident: Person | None = None,
    anonymous: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    idempotency_key: str = "",
    submitter_ref: str = "",
    now: dt.datetime | None = None,
    photos: Sequence[Any] = (),
) -> Submitted:
    """File an appeal on any channel.

    web/api: the actor files their own appeal, somewhere in their home community.
    desk/visit/phone (代办): staff with an act-for role file it for `resident` (or for an
    unregistered caller named in `contact_name`), somewhere in their own area.
    open311: an API client (actor may be None) files it inside `within` (the key's area).
    A repeated `idempotency_key` (per channel and submitter) returns the first appeal.
    `photos` (uploaded files, at most photos.MAX_PHOTOS) are checked before anything is saved.
    """
    now = _now(now)
    user = _user(actor)
    clean = appeal_photos.clean_photos(photos)
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), field="channel")
    idempotency_key = (idempotency_key or "").strip()
    if idempotency_key and not KEY_RE.match(idempotency_key):
        raise ValidationFailed(
            _("An idempotency key is 1 to 64 letters, digits or . _ : -"),
            field="idempotency_key",
        )
    submitter_ref = submitter_ref or (f"user:{user.pk}" if user is not None else "")
    if idempotency_key and not submitter_ref:
        raise ValidationFailed(
            _("An idempotency key needs a known submitter."), field="idempotency_key"
        )
    contact_name = _text(contact_name, field="contact_name", limit=50, required=False)
    phone = clean_phone(contact_phone)

    scope = scope_for(user)
    by_proxy = False
    within_path = within.path if within is not None else ""
    if channel in PROXY_CHANNELS:
        if user is None or not scope.has_any(ACT_FOR_ROLES):
            raise PermissionDenied(_("Only staff can file an appeal on a resident's behalf."))
        if resident is not None:
            resident = Person.objects.select_related("region").get(pk=resident.pk)
            if not scope.covers(resident.region.path, ACT_FOR_ROLES):
                raise PermissionDenied(_("You may not act on behalf of this resident."))
        elif not contact_name:
            raise ValidationFailed(
                _("Choose the resident, or give the caller's name."), field="resident"
            )
        by_proxy = True
    elif channel == Channel.OPEN311:
        if within is None:
            raise ValidationFailed(_("The API key has no area."), field="api_key")
        resident = None
    else:
        if user is None:
            raise PermissionDenied(_("Log in to file an appeal."))
        if resident is not None and resident.pk != scope.person_id:
            raise PermissionDenied(_("Use the service desk channel to file for someone else."))
        resident = user.person
        if not within_path:
            within_path = _home_community_path(scope) if scope.person_id else ""
        if not within_path and not scope.is_admin:
            raise ValidationFailed(
                _("Your login is not registered in a community."), field="location"
            )
    if resident is not None and not phone:
        phone = resident.phone  # kept for whoever must call back; shown masked

    config = get_config()
    plan = plan_intake(
        config,
        text=text,
        title=title,
        category_code=category_code,
        urgency=urgency,
        building_id=building_id,
        grid_id=grid_id,
        latitude=latitude,
        longitude=longitude,
        within_path=within_path,
        now=now,
    )
    if by_proxy and not scope.covers(plan.place.scope_path, ACT_FOR_ROLES):
        raise ValidationFailed(_("This place is outside your area."), field="location")

    day = local_day(now)
    try:
        with transaction.atomic():
            seq = reserve_numbers(day)
            appeal = build_appeal(
                plan,
                number=format_number(day, seq),
                channel=channel,
                now=now,
                resident_id=resident.pk if resident is not None else None,
                submitted_by_id=user.pk if user is not None else None,
                by_proxy=by_proxy,
                submitter_ref=submitter_ref,
                idempotency_key=idempotency_key,
                anonymous=bool(anonymous),
                contact_name=contact_name,
                contact_phone=phone,
                latitude=latitude,
                longitude=longitude,
            )
            appeal.save(force_insert=True)
    except IntegrityError:
        if not idempotency_key:
            raise
        first = Appeal.objects.filter(
            channel=channel, submitter_ref=submitter_ref, idempotency_key=idempotency_key
        ).first()
        if first is None:
            raise
        return Submitted(first, False, None, ())
    on_behalf = resident if by_proxy else None
    build_first_event(
        appeal,
        plan,
        actor_id=user.pk if user is not None else None,
        on_behalf_of_id=on_behalf.pk if on_behalf is not None else None,
    ).save()
    build_audit_event(
        appeal,
        plan,
        actor_id=user.pk if user is not None else None,
        on_behalf_of_id=on_behalf.pk if on_behalf is not None else None,
    ).save()
    notify(
        appeal_id=appeal.pk,
        kind="submitted",
        text=_("New appeal %(appeal)s") % {"appeal": _label(appeal)},
        recipients=_owner_recipients(appeal),
    )
    if clean:
        _store_photos(appeal, clean, user=user, now=now)
    return Submitted(appeal, True, plan.suggestion, plan.warnings)


def _store_photos(
    appeal: Appeal, clean: Sequence[appeal_photos.CleanPhoto], *, user: Any, now: dt.datetime
) -> list[AppealPhoto]:
    """Write checked photos to the default storage and their rows. Called last in the
    transaction, after every check, so that a refusal writes no file."""
    saved = []
    for photo in clean:
        row = AppealPhoto(
            appeal=appeal,
            content_type=photo.content_type,
            size=len(photo.content),
            width=photo.width,
            height=photo.height,
            uploaded_by=user,
            created_at=now,
        )
        row.image.save(f"photo{photo.extension}", ContentFile(photo.content), save=False)
        row.save(force_insert=True)
        saved.append(row)
    return saved


@transaction.atomic
def add_appeal_photos(
    *,
    actor: Any,
    appeal: Appeal | int,
    photos: Sequence[Any],
    now: dt.datetime | None = None,
) -> list[AppealPhoto]:
    """Add photos to an open (or replied) appeal: its resident, its owner or community staff.
    At most photos.MAX_PHOTOS per appeal in all."""
    now = _now(now)
    clean = appeal_photos.clean_photos(photos)
    if not clean:
        raise ValidationFailed(_("Choose at least one photo."), field="photos")
    current = _load(appeal)  # the row lock serialises the count below
    _scope, rel = _relation(actor, current)
    if not rel.capacities & {Actor.RESIDENT, Actor.OWNER, Actor.STAFF}:
        raise PermissionDenied(_("You cannot add photos to this appeal."))
    if current.state not in OPEN | {State.REPLIED}:
        raise Conflict(_("This appeal is finished; photos can no longer be added."), field="photos")
    have = AppealPhoto.objects.filter(appeal_id=current.pk).count()
    if have + len(clean) > appeal_photos.MAX_PHOTOS:
        raise ValidationFailed(
            _("At most %(n)s photos per appeal.") % {"n": appeal_photos.MAX_PHOTOS},
            field="photos",
        )
    saved = _store_photos(current, clean, user=_user(actor), now=now)
    _audit(actor, "appeal.add_photos", current, after={"photos": [p.pk for p in saved]})
    return saved


def plan_for(**kwargs: Any) -> IntakePlan:
    """`intake.plan_intake` over the cached configuration (for previews and batch intake)."""
    return plan_intake(get_config(), **kwargs)


# --- the lifecycle ------------------------------------------------------------------------------


def _transition(
    *,
    actor: Any,
    appeal: Appeal | int,
    name: str,
    kind: str,
    now: dt.datetime,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    text: str = "",
    public: bool = True,
    data: dict[str, Any] | None = None,
    on_behalf_of: Person | None = None,
    only: frozenset[Actor] | None = None,
    locked: Appeal | None = None,
    rel: Relation | None = None,
) -> Appeal:
    """Check and fire one transition of the state table, with its event and audit row."""
    current = locked if locked is not None else _load(appeal)
    if rel is None:
        _scope, rel = _relation(actor, current, on_behalf_of=on_behalf_of)
    capacities = rel.capacities if only is None else rel.capacities & only
    t, capacity = check_any(name, current=State(current.state), actors=capacities, reason=reason)
    return _fire(
        current,
        target=t.target,
        actor=actor,
        kind=kind,
        now=now,
        changes=changes or {},
        text=text,
        public=public,
        data={**(data or {}), "as": capacity.value},
        on_behalf_of=on_behalf_of if capacity == Actor.RESIDENT else None,
        action=f"appeal.{name}",
    )


def _fire(
    current: Appeal,
    *,
    target: State,
    actor: Any,
    kind: str,
    now: dt.datetime,
    changes: dict[str, Any],
    text: str,
    public: bool,
    data: dict[str, Any] | None,
    on_behalf_of: Person | None,
    action: str,
) -> Appeal:
    from_state = current.state
    full = _with_schedule(current, {"state": target, **changes})
    before = audit.snapshot(current, [k for k in full if k not in ("due_at", "next_check_at")])
    _update_or_conflict(current, full)
    _event(
        current,
        kind,
        actor=actor,
        now=now,
        from_state=from_state,
        to_state=target,
        public=public,
        text=text,
        data=data,
        on_behalf_of=on_behalf_of,
    )
    _audit(
        actor,
        action,
        current,
        before=before,
        after=audit.snapshot(current, list(before)),
        on_behalf_of=on_behalf_of,
    )
    return current


def _acting_person_id(actor: Any) -> int:
    person_id = scope_for(actor).person_id
    if person_id is None:
        raise PermissionDenied(_("Your login is not linked to a person, so it cannot own appeals."))
    return person_id


@transaction.atomic
def sign_for_appeal(*, actor: Any, appeal: Appeal | int, now: dt.datetime | None = None) -> Appeal:
    """签收: take the appeal. The first to sign for it becomes its first responder (首问负责人)
    and stays so (a reopened appeal is signed for again by its first responder's side)."""
    now = _now(now)
    current = _load(appeal)
    _scope, rel = _relation(actor, current)
    changes: dict[str, Any] = {"signed_at": now}
    if current.owner_person_id is None:
        changes["owner_person_id"] = _acting_person_id(actor)
    result = _transition(
        actor=actor,
        appeal=current,
        locked=current,
        rel=rel,
        name="sign_for",
        kind=EventKind.SIGNED_FOR,
        now=now,
        changes=changes,
    )
    notify(
        appeal_id=result.pk,
        kind="signed_for",
        text=_("Your appeal %(appeal)s has been signed for.") % {"appeal": _label(result)},
        recipients=_resident_recipients(result, actor),
    )
    return result


@transaction.atomic
def start_appeal(
    *, actor: Any, appeal: Appeal | int, text: str = "", now: dt.datetime | None = None
) -> Appeal:
    """First contact with the resident; work starts."""
    now = _now(now)
    text = _text(text, field="text", limit=MAX_NOTE, required=False)
    current = _load(appeal)
    changes = {} if current.first_contact_at else {"first_contact_at": now}
    return _transition(
        actor=actor,
        appeal=current,
        locked=current,
        name="start",
        kind=EventKind.STARTED,
        now=now,
        changes=changes,
        text=text,
    )


@transaction.atomic
def reply_appeal(
    *, actor: Any, appeal: Appeal | int, text: str, now: dt.datetime | None = None
) -> Appeal:
    """办结: the result, for the resident to confirm and rate. A reply counts as a contact."""
    now = _now(now)
    text = _text(text, field="text", limit=MAX_NOTE, required=False)
    current = _load(appeal)
    changes: dict[str, Any] = {"replied_at": now, "result": text}
    if current.first_contact_at is None:
        changes["first_contact_at"] = now
    result = _transition(
        actor=actor,
        appeal=current,
        locked=current,
        name="reply",
        kind=EventKind.REPLIED,
        now=now,
        reason=text,
        changes=changes,
        text=text,
    )
    notify(
        appeal_id=result.pk,
        kind="replied",
        text=_("Your appeal %(appeal)s has a reply: please confirm and rate it.")
        % {"appeal": _label(result)},
        recipients=_resident_recipients(result, actor),
    )
    return result


def _reopen_changes(appeal: Appeal, now: dt.datetime) -> dict[str, Any]:
    config = get_config()
    category = config.categories.get(appeal.category_id)
    if category is None:  # pragma: no cover - categories are never deleted while in use
        raise Conflict(_("The category of this appeal no longer exists."), field="category")
    d = sla.compute(
        config,
        start=now,
        community_id=appeal.community_id,
        category=category,
        urgency=appeal.urgency,
    )
    return {
        "reopened_at": now,
        "reopened_count": appeal.reopened_count + 1,
        "cycle_started_at": now,
        "sign_by": d.sign_by,
        "contact_by": d.contact_by,
        "resolve_by": d.resolve_by,
        "alarms": 0,
        "escalation_level": 0,
        "signed_at": None,
        "first_contact_at": None,
        "replied_at": None,
        "rating": "",
        "rated_at": None,
    }


def _reopen(
    current: Appeal,
    *,
    actor: Any,
    reason: str,
    now: dt.datetime,
    on_behalf_of: Person | None,
    only: frozenset[Actor] | None = None,
) -> Appeal:
    if current.reopened_count >= MAX_REOPENS and current.state == State.REPLIED:
        raise Conflict(
            _("This appeal has already been reopened once; rate it to close it."), field="action"
        )
    result = _transition(
        actor=actor,
        appeal=current,
        locked=current,
        name="reopen",
        kind=EventKind.REOPENED,
        now=now,
        reason=reason,
        changes=_reopen_changes(current, now),
        text=reason,
        on_behalf_of=on_behalf_of,
        only=only,
    )
    notify(
        appeal_id=result.pk,
        kind="reopened",
        text=_("Appeal %(appeal)s was reopened: the resident is not satisfied.")
        % {"appeal": _label(result)},
        recipients=_owner_recipients(result),
    )
    return result


@transaction.atomic
def reopen_appeal(
    *,
    actor: Any,
    appeal: Appeal | int,
    reason: str,
    on_behalf_of: Person | None = None,
    now: dt.datetime | None = None,
) -> Appeal:
    """Send a replied appeal back to its owner (once): new deadlines from now."""
    now = _now(now)
    reason = _text(reason, field="reason", limit=MAX_REASON, required=False)
    return _reopen(_load(appeal), actor=actor, reason=reason, now=now, on_behalf_of=on_behalf_of)


def _clean_rating(rating: str, comment: str) -> tuple[str, str]:
    if rating not in RatingValue.values:
        raise ValidationFailed(
            _("Choose satisfied, basically satisfied or dissatisfied."), field="rating"
        )
    comment = _text(comment, field="comment", limit=MAX_COMMENT, required=False)
    if rating == RatingValue.DISSATISFIED and not comment:
        raise ValidationFailed(_("Tell us what is still wrong."), field="comment")
    return rating, comment


def _rate(
    current: Appeal,
    *,
    actor: Any,
    rating: str,
    comment: str,
    source: str,
    channel: str,
    now: dt.datetime,
    on_behalf_of: Person | None,
    only: frozenset[Actor],
) -> Appeal:
    Rating.objects.create(
        appeal=current,
        rating=rating,
        comment=comment,
        source=source,
        channel=channel,
        by_person_id=current.resident_id,
        recorded_by=_user(actor),
        created_at=now,
    )
    data = {"rating": rating, "source": source, "channel": channel}
    if rating == RatingValue.DISSATISFIED and current.reopened_count < MAX_REOPENS:
        return _reopen(
            current, actor=actor, reason=comment, now=now, on_behalf_of=on_behalf_of, only=only
        )
    result = _transition(
        actor=actor,
        appeal=current,
        locked=current,
        name="confirm",
        kind=EventKind.CONFIRMED,
        now=now,
        changes={"closed_at": now, "rating": rating, "rated_at": now},
        text=comment,
        data=data,
        on_behalf_of=on_behalf_of,
        only=only,
    )
    notify(
        appeal_id=result.pk,
        kind="rated",
        text=_("Appeal %(appeal)s was rated: %(rating)s.")
        % {"appeal": _label(result), "rating": RatingValue(rating).label},
        recipients=_owner_recipients(result),
    )
    return result


@transaction.atomic
def rate_appeal(
    *,
    actor: Any,
    appeal: Appeal | int,
    rating: str,
    comment: str = "",
    on_behalf_of: Person | None = None,
    now: dt.datetime | None = None,
) -> Appeal:
    """The resident confirms and rates the reply. Satisfied or basically satisfied closes it;
    dissatisfied (with a comment) reopens it once, and closes it the second time."""
    now = _now(now)
    rating, comment = _clean_rating(rating, comment)
    current = _load(appeal)
    _scope, rel = _relation(actor, current, on_behalf_of=on_behalf_of)
    if Actor.RESIDENT not in rel.capacities:
        raise Conflict(
            _("Only the resident can rate this appeal; staff record a follow-up."),
            field="action",
        )
    if current.state != State.REPLIED:
        raise Conflict(
            _("This appeal is %(state)s; that action is not possible now.")
            % {"state": STATE_LABELS[State(current.state)]},
            field="action",
        )
    return _rate(
        current,
        actor=actor,
        rating=rating,
        comment=comment,
        source=RatingSource.RESIDENT,
        channel=FollowUpChannel.WEB,
        now=now,
        on_behalf_of=on_behalf_of,
        only=frozenset({Actor.RESIDENT}),
    )


@transaction.atomic
def record_follow_up(
    *,
    actor: Any,
    appeal: Appeal | int,
    rating: str,
    comment: str = "",
    channel: str = FollowUpChannel.PHONE,
    now: dt.datetime | None = None,
) -> Appeal:
    """回访: community staff record the rating of a resident reached by phone, at home or at
    the desk. On a replied appeal it confirms (or reopens) as the resident's rating would; on
    an appeal auto-closed without a rating it records the rating and changes nothing else."""
    now = _now(now)
    rating, comment = _clean_rating(rating, comment)
    if channel not in FollowUpChannel.values or channel == FollowUpChannel.WEB:
        raise ValidationFailed(_("Choose phone, home visit or service desk."), field="channel")
    current = _load(appeal)
    _scope, rel = _relation(actor, current)
    check_action("follow_up", current=State(current.state), actors=rel.capacities)
    if current.state == State.REPLIED:
        return _rate(
            current,
            actor=actor,
            rating=rating,
            comment=comment,
            source=RatingSource.FOLLOW_UP,
            channel=channel,
            now=now,
            on_behalf_of=None,
            only=frozenset({Actor.STAFF}),
        )
    # Closed: only one that closed unrated may get its rating late.
    if current.rating:
        raise Conflict(_("This appeal has already been rated."), field="rating")
    n = Appeal.objects.filter(pk=current.pk, state=State.CLOSED, rating="").update(
        rating=rating, rated_at=now, updated_at=timezone.now()
    )
    if not n:
        raise Conflict(_("This appeal has already been rated."), field="rating")
    Rating.objects.create(
        appeal=current,
        rating=rating,
        comment=comment,
        source=RatingSource.FOLLOW_UP,
        channel=channel,
        by_person_id=current.resident_id,
        recorded_by=_user(actor),
        created_at=now,
    )
    current.rating, current.rated_at = rating, now
    _event(
        current,
        EventKind.FOLLOW_UP,
        actor=actor,
        now=now,
        text=comment,
        data={"rating": rating, "channel": channel},
    )
    _audit(actor, "appeal.follow_up", current, after={"rating": rating, "channel": channel})
    return current


@transaction.atomic
def reject_appeal(
    *, actor: Any, appeal: Appeal | int, reason: str, now: dt.datetime | None = None
) -> Appeal:
    """不予受理: community staff decline it, with a reason the resident is told."""
    now = _now(now)
    reason = _text(reason, field="reason", limit=MAX_REASON, required=False)
    result = _transition(
        actor=actor,
        appeal=appeal,
        name="reject",
        kind=EventKind.REJECTED,
        now=now,
        reason=reason,
        changes={"closed_at": now, "result": reason},
        text=reason,
    )
    notify(
        appeal_id=result.pk,
        kind="rejected",
        text=_("Your appeal %(appeal)s was not accepted: %(reason)s")
        % {"appeal": _label(result), "reason": reason},
        recipients=_resident_recipients(result, actor),
    )
    return result


@transaction.atomic
def merge_appeals(
    *,
    actor: Any,
    into: Appeal | int,
    duplicates: Sequence[Appeal | int],
    now: dt.datetime | None = None,
) -> Appeal:
    """Merge duplicates into a surviving appeal of the same community: each duplicate ends
    as merged, the survivor counts their residents as supporters, both timelines say so."""
    now = _now(now)
    into_id = into.pk if isinstance(into, Appeal) else int(into)
    dup_ids = sorted({d.pk if isinstance(d, Appeal) else int(d) for d in duplicates})
    if not dup_ids:
        raise ValidationFailed(_("Choose the duplicates to merge."), field="duplicates")
    if into_id in dup_ids:
        raise ValidationFailed(_("An appeal cannot be merged into itself."), field="duplicates")
    # Lock in id order, so that two merges never wait on each other in a circle.
    locked = {
        a.pk: a
        for a in Appeal.objects.select_for_update()
        .filter(pk__in=[into_id, *dup_ids])
        .order_by("pk")
    }
    survivor = locked.get(into_id)
    if survivor is None or any(d not in locked for d in dup_ids):
        raise NotFound(_("No such appeal."))
    _scope, rel = _relation(actor, survivor)
    if not rel.capacities & {Actor.OWNER, Actor.STAFF}:
        raise Conflict(_("You cannot take this action on this appeal."), field="action")
    if survivor.state not in OPEN | {State.REPLIED}:
        raise Conflict(_("Merge into an appeal that is still open."), field="into")
    for dup_id in dup_ids:
        dup = locked[dup_id]
        if dup.community_id != survivor.community_id:
            raise ValidationFailed(
                _("Only appeals of the same community can be merged."), field="duplicates"
            )
        _transition(
            actor=actor,
            appeal=dup,
            locked=dup,
            name="merge",
            kind=EventKind.MERGED,
            now=now,
            changes={"merged_into_id": survivor.pk, "closed_at": now},
            text=str(_("Merged into %(number)s.") % {"number": survivor.number}),
            data={"into": survivor.pk},
        )
        Appeal.objects.filter(pk=survivor.pk).update(
            supporters_count=F("supporters_count") + dup.supporters_count,
            updated_at=timezone.now(),
        )
        survivor.refresh_from_db(fields=["supporters_count"])
        _event(
            survivor,
            EventKind.MERGED_IN,
            actor=actor,
            now=now,
            text=str(
                _("%(number)s merged in: %(n)s residents have raised this.")
                % {"number": dup.number, "n": survivor.supporters_count}
            ),
            data={"duplicate": dup.pk, "supporters": survivor.supporters_count},
        )
        notify(
            appeal_id=dup.pk,
            kind="merged",
            text=_("Your appeal %(appeal)s was merged into %(number)s, which is being handled.")
            % {"appeal": _label(dup), "number": survivor.number},
            recipients=_resident_recipients(dup, actor),
        )
    _audit(
        actor,
        "appeal.merge_in",
        survivor,
        after={"duplicates": dup_ids, "supporters": survivor.supporters_count},
    )
    return survivor


def _person_handles(person: Person, appeal: Appeal) -> bool:
    """Whether `person` may be given this appeal: staff who handle appeals in its community
    (any of its grids, for an appeal routed to the wrong one), or a handler of the partner
    unit it is assigned to."""
    community = _community_prefix(appeal.scope_path)
    for ra in RoleAssignment.objects.filter(person=person).select_related("region"):
        path = ra.region.path
        if ra.role in HANDLER_ROLES and (
            path.startswith(community) or appeal.scope_path.startswith(path)
        ):
            return True
        if ra.role == Role.PARTNER_HANDLER and ra.partner_id == appeal.owner_partner_id:
            return True
    return False


def _community_prefix(path: str) -> str:
    return "/".join(path.split("/")[:3]) + "/"


def _partner_serves(partner: PartnerUnit, appeal: Appeal) -> bool:
    path = partner.region.path
    return partner.is_active and (
        appeal.scope_path.startswith(path) or path.startswith(_community_prefix(appeal.scope_path))
    )


@transaction.atomic
def transfer_appeal(
    *,
    actor: Any,
    appeal: Appeal | int,
    reason: str,
    to_person: Person | None = None,
    to_partner: PartnerUnit | None = None,
    now: dt.datetime | None = None,
) -> Appeal:
    """Hand the appeal to another owner (a handler in its area, or a partner unit serving
    it), with a reason, on the record. Before sign-for this re-routes it; after, the new
    owner becomes the first responder."""
    now = _now(now)
    reason = _text(reason, field="reason", limit=MAX_REASON, required=False)
    if (to_person is None) == (to_partner is None):
        raise ValidationFailed(_("Choose one person or one partner unit."), field="to_person")
    current = _load(appeal)
    _scope, rel = _relation(actor, current)
    check_action("transfer", current=State(current.state), actors=rel.capacities, reason=reason)
    before = audit.snapshot(current, ["assigned_person", "owner_person", "owner_partner"])
    changes: dict[str, Any]
    if to_person is not None:
        to_person = Person.objects.get(pk=to_person.pk)
        if not _person_handles(to_person, current):
            raise ValidationFailed(
                _("This person does not handle appeals in this area."), field="to_person"
            )
        if current.owner_person_id is not None:
            changes = {"owner_person_id": to_person.pk}
        else:
            changes = {"assigned_person_id": to_person.pk}
        if current.owner_partner_id is not None and not _person_is_partner_of(
            to_person, current.owner_partner_id
        ):
            changes["owner_partner_id"] = None
        target_name = to_person.name
        recipients = Recipients(person_ids=(to_person.pk,))
    elif to_partner is not None:
        to_partner = PartnerUnit.objects.select_related("region").get(pk=to_partner.pk)
        if not _partner_serves(to_partner, current):
            raise ValidationFailed(
                _("This partner unit does not serve this area."), field="to_partner"
            )
        changes = {
            "owner_partner_id": to_partner.pk,
            "owner_person_id": None,
            "assigned_person_id": None,
        }
        target_name = to_partner.name
        recipients = Recipients(partner_ids=(to_partner.pk,))
    _update_or_conflict(current, changes)
    _event(
        current,
        EventKind.TRANSFERRED,
        actor=actor,
        now=now,
        text=reason,
        data={"to": target_name, **{k: v for k, v in changes.items()}},
    )
    _audit(
        actor,
        "appeal.transfer",
        current,
        before=before,
        after={**audit.snapshot(current, list(before)), "reason": reason},
    )
    notify(
        appeal_id=current.pk,
        kind="transferred",
        text=_("Appeal %(appeal)s was transferred to you: %(reason)s")
        % {"appeal": _label(current), "reason": reason},
        recipients=recipients,
    )
    return current


def _person_is_partner_of(person: Person, partner_id: int) -> bool:
    return RoleAssignment.objects.filter(
        person=person, role=Role.PARTNER_HANDLER, partner_id=partner_id
    ).exists()


@transaction.atomic
def add_co_handler(
    *, actor: Any, appeal: Appeal | int, person: Person, now: dt.datetime | None = None
) -> CoHandler:
    """A co-handler helps the owner; the first responder stays the owner."""
    now = _now(now)
    current = _load(appeal)
    _scope, rel = _relation(actor, current)
    check_action("add_co_handler", current=State(current.state), actors=rel.capacities)
    person = Person.objects.get(pk=person.pk)
    if person.pk == current.owner_person_id:
        raise ValidationFailed(_("This person already owns the appeal."), field="person")
    handles = (
        _person_handles(person, current)
        or RoleAssignment.objects.filter(
            person=person,
            role=Role.PARTNER_HANDLER,
            partner__region__path__in=_ancestor_paths(current.scope_path),
        ).exists()
    )
    if not handles:
        raise ValidationFailed(
            _("This person does not handle appeals in this area."), field="person"
        )
    try:
        with transaction.atomic():
            co = CoHandler.objects.create(
                appeal=current, person=person, added_by=_user(actor), created_at=now
            )
    except IntegrityError as exc:
        raise Conflict(_("This person is already a co-handler."), field="person") from exc
    _event(
        current,
        EventKind.CO_HANDLER,
        actor=actor,
        now=now,
        text=person.name,
        data={"person": person.pk},
    )
    _audit(actor, "appeal.add_co_handler", current, after={"person": person.pk})
    notify(
        appeal_id=current.pk,
        kind="co_handler",
        text=_("You were added as a co-handler of appeal %(appeal)s.")
        % {"appeal": _label(current)},
        recipients=Recipients(person_ids=(person.pk,)),
    )
    return co


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


@transaction.atomic
def add_note(
    *,
    actor: Any,
    appeal: Appeal | int,
    text: str,
    public: bool = False,
    on_behalf_of: Person | None = None,
    now: dt.datetime | None = None,
) -> AppealEvent:
    """A note on the timeline: internal (staff only) or public (the resident sees it). The
    resident may add public notes (more details) to their own appeal."""
    now = _now(now)
    text = _text(text, field="text", limit=MAX_NOTE)
    current = _load(appeal, lock=False)
    _scope, rel = _relation(actor, current, on_behalf_of=on_behalf_of)
    _action, capacity = check_action(
        "note_public" if public else "note_internal",
        current=State(current.state),
        actors=rel.capacities,
    )
    acting_for = on_behalf_of if capacity == Actor.RESIDENT else None
    event = _event(
        current,
        EventKind.NOTE,
        actor=actor,
        now=now,
        public=public,
        text=text,
        on_behalf_of=acting_for,
    )
    _audit(
        actor,
        "appeal.note",
        current,
        after={"public": public, "event": event.pk},
        on_behalf_of=acting_for,
    )
    if capacity == Actor.RESIDENT:
        notify(
            appeal_id=current.pk,
            kind="note",
            text=_("The resident added to appeal %(appeal)s.") % {"appeal": _label(current)},
            recipients=_owner_recipients(current),
        )
    return event


@transaction.atomic
def recategorise_appeal(
    *,
    actor: Any,
    appeal: Appeal | int,
    category_code: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Appeal:
    """Correct the category. Deadlines of the cycle are recomputed from its start for the new
    category; alarms that now lie in the future are cleared so that they fire on time. The
    owner stays (transfer the appeal to change it)."""
    now = _now(now)
    reason = _text(reason, field="reason", limit=MAX_REASON, required=False)
    config = get_config()
    category = config.category(category_code)
    if category is None:
        raise ValidationFailed(_("Unknown category."), field="category")
    current = _load(appeal)
    _scope, rel = _relation(actor, current)
    check_action("recategorise", current=State(current.state), actors=rel.capacities)
    if category.id == current.category_id:
        raise ValidationFailed(_("The appeal already has this category."), field="category")
    d = sla.compute(
        config,
        start=current.cycle_started_at,
        community_id=current.community_id,
        category=category,
        urgency=current.urgency,
    )
    progress = dataclasses.replace(
        sla.Progress.of(current),
        sign_by=d.sign_by,
        contact_by=d.contact_by,
        resolve_by=d.resolve_by,
    )
    alarms = current.alarms
    for point in sla.alarm_schedule(dataclasses.replace(progress, alarms=0)):
        if point.at > now and alarms & point.bit:
            alarms &= ~point.bit
    changes = _with_schedule(
        current,
        {
            "category_id": category.id,
            "category_source": "staff",
            "sign_by": d.sign_by,
            "contact_by": d.contact_by,
            "resolve_by": d.resolve_by,
            "alarms": alarms,
        },
    )
    before = audit.snapshot(current, ["category", "sign_by", "contact_by", "resolve_by"])
    _update_or_conflict(current, changes)
    _event(
        current,
        EventKind.RECATEGORISED,
        actor=actor,
        now=now,
        text=reason,
        data={"category": category.code, "name": category.name},
    )
    _audit(
        actor,
        "appeal.recategorise",
        current,
        before=before,
        after=audit.snapshot(current, list(before)),
    )
    return current


@transaction.atomic
def reveal_appeal_contact(*, actor: Any, appeal: Appeal | int) -> dict[str, str]:
    """The resident's name and full phone number, for whoever must call them: the owner (not
    a partner unit), grid and community staff in the area; an anonymous appeal's identity
    only to community staff. Audited."""
    current = _load(appeal, lock=False)
    scope, rel = _relation(actor, current)
    may = rel.is_community_staff or rel.is_resident
    if not current.anonymous and not may:
        may = (Actor.OWNER in rel.capacities and not rel.is_partner) or scope.covers(
            current.scope_path, {Role.GRID_WORKER}
        )
    if not may:
        raise PermissionDenied(_("You may not see this resident's contact details."))
    name = current.contact_name
    if current.resident_id is not None:
        resident = Person.objects.filter(pk=current.resident_id).first()
        name = resident.name if resident is not None else name
    _audit(actor, "appeal.reveal", current, after={"fields": ["name", "phone"]})
    return {"name": name, "phone": current.contact_phone}


# --- sweeps -------------------------------------------------------------------------------------

SWEEP_FIELDS = (
    "id",
    "number",
    "title",
    "state",
    "scope_path",
    "community_id",
    "street_id",
    "owner_person_id",
    "assigned_person_id",
    "owner_partner_id",
    "cycle_started_at",
    "sign_by",
    "contact_by",
    "resolve_by",
    "signed_at",
    "first_contact_at",
    "replied_at",
    "alarms",
)


@dataclass(frozen=True)
class SweepResult:
    examined: int = 0
    fired: int = 0
    escalated: int = 0


DEADLINE_LABELS = {
    "sign": _("sign for"),
    "contact": _("first contact"),
    "resolve": _("resolution"),
}


def _fire_alarm(row: dict[str, Any], point: sla.AlarmPoint, now: dt.datetime) -> bool:
    """Fire one alarm point exactly once: the conditional UPDATE that sets its bit decides
    which of several concurrent sweeps does it; the loser changes nothing."""
    with transaction.atomic():
        updates: dict[str, Any] = {
            "alarms": F("alarms").bitor(sla.lesser_bits(point)),
            "updated_at": timezone.now(),
        }
        if point.is_breach:
            updates["escalation_level"] = Least(F("escalation_level") + Value(1), Value(2))
        n = Appeal.objects.filter(
            Exact(F("alarms").bitand(point.bit), 0), pk=row["id"], state__in=list(OPEN)
        ).update(**updates)
        if not n:
            return False
        appeal = Appeal.objects.get(pk=row["id"])
        check_action(
            "escalate" if point.is_breach else "warn",
            current=State(appeal.state),
            actors=frozenset({Actor.SYSTEM}),
        )
        what = DEADLINE_LABELS[point.deadline]
        local_due = timezone.localtime(point.due).strftime("%Y-%m-%d %H:%M")
        if point.is_breach:
            level = appeal.escalation_level
            text = _(
                "The %(what)s deadline (%(due)s) has passed: escalated to level %(level)s."
            ) % {
                "what": what,
                "due": local_due,
                "level": level,
            }
            kind = EventKind.ESCALATED
            roles = LEVEL_ROLES[max(1, level)]
            region = appeal.community_id if level <= 1 else appeal.street_id
            recipients = Recipients(
                person_ids=tuple(
                    p for p in (appeal.owner_person_id or appeal.assigned_person_id,) if p
                ),
                roles_at=((roles, region),),
                partner_ids=(appeal.owner_partner_id,) if appeal.owner_partner_id else (),
            )
        else:
            text = _("%(percent)s%% of the time to %(what)s has passed (due %(due)s).") % {
                "percent": point.percent,
                "what": what,
                "due": local_due,
            }
            kind = EventKind.WARNING
            recipients = _owner_recipients(appeal)
        _event(
            appeal,
            kind,
            actor=None,
            now=now,
            public=False,
            text=str(text),
            data={"deadline": point.deadline, "percent": point.percent},
        )
        _audit(
            None,
            "appeal.escalate" if point.is_breach else "appeal.warn",
            appeal,
            after={
                "deadline": point.deadline,
                "percent": point.percent,
                "level": appeal.escalation_level,
            },
        )
        notify(
            appeal_id=appeal.pk,
            kind=kind,
            text=_("Appeal %(appeal)s: %(text)s") % {"appeal": _label(appeal), "text": text},
            recipients=recipients,
        )
    return True


def sweep_deadlines(
    *, now: dt.datetime | None = None, batch_size: int = 500, max_batches: int = 20
) -> SweepResult:
    """Warn at 70% and 90% of each pending deadline and escalate on breach (grid → community →
    street), each exactly once even with several workers sweeping at the same time.

    Looks only at appeals whose `next_check_at` has come (an indexed range); each alarm is its
    own small transaction (see _fire_alarm), then the appeal's next check time is moved on.
    """
    now = _now(now)
    examined = fired = escalated = 0
    for _batch in range(max_batches):
        rows = list(
            Appeal.objects.filter(next_check_at__lte=now)
            .order_by("next_check_at", "id")
            .values(*SWEEP_FIELDS)[:batch_size]
        )
        for row in rows:
            examined += 1
            progress = sla.Progress(
                state=row["state"],
                cycle_started_at=row["cycle_started_at"],
                sign_by=row["sign_by"],
                contact_by=row["contact_by"],
                resolve_by=row["resolve_by"],
                signed_at=row["signed_at"],
                first_contact_at=row["first_contact_at"],
                replied_at=row["replied_at"],
                alarms=row["alarms"],
            )
            bits = 0
            for point in sla.alarms_due(progress, now):
                if _fire_alarm(row, point, now):
                    fired += 1
                    escalated += int(point.is_breach)
                bits |= sla.lesser_bits(point)
            after = dataclasses.replace(progress, alarms=progress.alarms | bits)
            # Only if nothing else moved the appeal meanwhile (that service set its own).
            Appeal.objects.filter(
                pk=row["id"],
                state=row["state"],
                cycle_started_at=row["cycle_started_at"],
                sign_by=row["sign_by"],
                contact_by=row["contact_by"],
                resolve_by=row["resolve_by"],
            ).update(next_check_at=sla.next_alarm_at(after))
        if len(rows) < batch_size:
            break
    return SweepResult(examined, fired, escalated)


def auto_close_days() -> int:
    return int(getattr(settings, "GONGZHI_APPEAL_AUTO_CLOSE_DAYS", DEFAULT_AUTO_CLOSE_DAYS))


def auto_close_unrated(
    *, now: dt.datetime | None = None, days: int | None = None, batch_size: int = 500
) -> int:
    """Close replied appeals the resident has not rated within `days` (setting
    GONGZHI_APPEAL_AUTO_CLOSE_DAYS, 7 by default) as unrated. Each close is a conditional
    UPDATE: safe with several workers."""
    now = _now(now)
    cutoff = now - dt.timedelta(days=auto_close_days() if days is None else days)
    closed = 0
    while True:
        ids = list(
            Appeal.objects.filter(state=State.REPLIED, replied_at__lte=cutoff)
            .order_by("replied_at", "id")
            .values_list("pk", flat=True)[:batch_size]
        )
        for pk in ids:
            with transaction.atomic():
                n = Appeal.objects.filter(pk=pk, state=State.REPLIED).update(
                    state=State.CLOSED,
                    closed_at=now,
                    due_at=None,
                    next_check_at=None,
                    updated_at=timezone.now(),
                )
                if not n:
                    continue
                appeal = Appeal.objects.get(pk=pk)
                check_any(
                    "auto_close",
                    current=State.REPLIED,
                    actors=frozenset({Actor.SYSTEM}),
                )
                _event(
                    appeal,
                    EventKind.AUTO_CLOSED,
                    actor=None,
                    now=now,
                    from_state=State.REPLIED,
                    to_state=State.CLOSED,
                    text=str(
                        _("Closed without a rating after %(n)s days.") % {"n": (now - cutoff).days}
                    ),
                )
                _audit(None, "appeal.auto_close", appeal, after={"state": State.CLOSED})
                closed += 1
        if len(ids) < batch_size:
            return closed


__all__ = [
    "Submitted",
    "SweepResult",
    "add_appeal_photos",
    "add_co_handler",
    "add_note",
    "auto_close_unrated",
    "conditional_update",
    "merge_appeals",
    "plan_for",
    "rate_appeal",
    "recategorise_appeal",
    "record_follow_up",
    "reject_appeal",
    "reopen_appeal",
    "reply_appeal",
    "reserve_numbers",
    "reveal_appeal_contact",
    "sign_for_appeal",
    "start_appeal",
    "submit_appeal",
    "sweep_deadlines",
    "transfer_appeal",
]
