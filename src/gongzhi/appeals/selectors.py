"""Everything a person sees of appeals comes through here, filtered by their scope.

* staff (grid worker, community staff and secretary, street supervisor) see the appeals of
  their area: an indexed equality on the appeal's street / community / grid / building column;
* a partner-unit handler sees only the appeals assigned to their unit, never a phone number;
* a resident sees their own appeals; owners and co-handlers see what they hold;
* an anonymous appeal shows who raised it only to community staff (and the resident).

Rows for lists are `AppealRow`s with the personal data already masked for the viewer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.access import AREA_VIEW_ROLES, COMMUNITY_ROLES, Relation, relation
from gongzhi.appeals.models import (
    OPEN_Q,
    Appeal,
    AppealEvent,
    CoHandler,
    EventKind,
    Rating,
    RatingValue,
)
from gongzhi.appeals.states import STATE_LABELS, Actor, State, allowed
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import NotFound
from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.org.scopes import Scope, scope_for

LEVEL_FIELDS = ("street_id", "community_id", "grid_id", "building_id")
ROW_RELATED = (
    "category",
    "grid",
    "resident",
    "owner_person",
    "assigned_person",
    "owner_partner",
)


def _level_q(path: str) -> Q:
    """The appeals under one region, as an equality on the column of its level."""
    ids = [int(p) for p in path.strip("/").split("/") if p]
    if not ids or len(ids) > len(LEVEL_FIELDS):
        return Q(scope_path__startswith=path)
    return Q(**{LEVEL_FIELDS[len(ids) - 1]: ids[-1]})


@dataclass(frozen=True)
class Reach:
    """What a scope may see, as OR-terms. `primary`: the area and partner-unit terms (each an
    indexed equality, and the bulk of a staff member's appeals); `personal`: what the person
    holds or raised themselves. `everything`: platform administrators."""

    everything: bool = False
    primary: tuple[Q, ...] = ()
    personal: tuple[Q, ...] = ()

    @property
    def terms(self) -> tuple[Q, ...]:
        return self.primary + self.personal


def reach(scope: Scope) -> Reach:
    if scope.user_id is None:
        return Reach()
    if scope.is_admin:
        return Reach(everything=True)
    primary = [_level_q(root) for root in scope.paths(AREA_VIEW_ROLES)]
    partners = scope.partner_ids()
    if partners:
        primary.append(Q(owner_partner_id__in=sorted(partners)))
    personal = []
    if scope.person_id is not None:
        pid = scope.person_id
        personal += [
            Q(resident_id=pid),
            Q(owner_person_id=pid),
            Q(assigned_person_id=pid),
            Q(pk__in=CoHandler.objects.filter(person_id=pid).values("appeal_id")),
        ]
    personal.append(Q(submitted_by_id=scope.user_id, resident__isnull=True))
    return Reach(primary=tuple(primary), personal=tuple(personal))


def visibility_terms(scope: Scope) -> list[Q] | None:
    """The OR-terms of what `scope` may see; None for everything (platform admins)."""
    r = reach(scope)
    return None if r.everything else list(r.terms)


def _any(terms: Iterable[Q], where: Q | None = None) -> Q:
    combined = Q(pk__in=[])
    for term in terms:
        combined |= term & where if where is not None else term
    return combined


def appeals_visible(actor: Any, where: Q | None = None) -> QuerySet[Appeal]:
    """The appeals `actor` may see, optionally narrowed by `where`. `where` is folded into
    every OR-term, so each term can use its own composite index."""
    terms = visibility_terms(scope_for(actor))
    if terms is None:
        return Appeal.objects.filter(where or Q())
    if not terms:
        return Appeal.objects.none()
    return Appeal.objects.filter(_any(terms, where))


def appeals_of_resident(actor: Any) -> QuerySet[Appeal]:
    """A resident's own appeals ("my appeals"), newest first."""
    scope = scope_for(actor)
    if scope.user_id is None:
        return Appeal.objects.none()
    q = Q(submitted_by_id=scope.user_id, by_proxy=False)
    if scope.person_id is not None:
        q |= Q(resident_id=scope.person_id)
    return Appeal.objects.filter(q).select_related(*ROW_RELATED).order_by("-created_at", "-id")


# --- rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealRow:
    pk: int
    number: str
    title: str
    category: str
    state: str
    state_label: str
    urgency: str
    channel: str
    created_at: dt.datetime
    due_at: dt.datetime | None
    sign_by: dt.datetime
    contact_by: dt.datetime
    resolve_by: dt.datetime
    overdue: bool
    escalation_level: int
    supporters_count: int
    grid: str
    owner: str
    partner: str
    resident: str  # masked or withheld for this viewer
    phone: str  # masked, or "" when this viewer may not see it
    anonymous: bool
    rating: str


def _identity(scope: Scope, appeal: Appeal) -> tuple[str, str]:
    """(name, phone) of who raised it, as this viewer may see them."""
    resident = appeal.resident if appeal.resident_id is not None else None
    name = resident.name if resident is not None else appeal.contact_name
    phone = appeal.contact_phone
    own = scope.person_id is not None and scope.person_id == appeal.resident_id
    if own:
        return name, phone
    if appeal.anonymous and not scope.covers(appeal.scope_path, COMMUNITY_ROLES):
        return str(_("Anonymous resident")), ""
    if scope.covers(appeal.scope_path, AREA_VIEW_ROLES):
        return name, mask_phone(phone) if phone else ""
    if scope.person_id is not None and scope.person_id in (
        appeal.owner_person_id,
        appeal.assigned_person_id,
    ):
        return name, mask_phone(phone) if phone else ""
    # Partner handlers and anyone else: a masked name, never the phone.
    return mask_name(name) if name else "", ""


def appeal_row(scope: Scope, appeal: Appeal, now: dt.datetime) -> AppealRow:
    name, phone = _identity(scope, appeal)
    owner = appeal.owner_person or appeal.assigned_person
    return AppealRow(
        pk=appeal.pk,
        number=appeal.number,
        title=appeal.title,
        category=appeal.category.name,
        state=appeal.state,
        state_label=str(STATE_LABELS[State(appeal.state)]),
        urgency=appeal.urgency,
        channel=appeal.channel,
        created_at=appeal.created_at,
        due_at=appeal.due_at,
        sign_by=appeal.sign_by,
        contact_by=appeal.contact_by,
        resolve_by=appeal.resolve_by,
        overdue=appeal.due_at is not None and appeal.due_at < now,
        escalation_level=appeal.escalation_level,
        supporters_count=appeal.supporters_count,
        grid=appeal.grid.name,
        owner=owner.name if owner is not None else "",
        partner=appeal.owner_partner.name if appeal.owner_partner is not None else "",
        resident=name,
        phone=phone,
        anonymous=appeal.anonymous,
        rating=appeal.rating,
    )


def rows_for(actor: Any, appeals: Any, *, now: dt.datetime | None = None) -> list[AppealRow]:
    """Rows of an already-selected queryset or list (select_related(*ROW_RELATED))."""
    scope = scope_for(actor)
    now = now or timezone.now()
    return [appeal_row(scope, a, now) for a in appeals]


# --- the inbox ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inbox:
    rows: list[AppealRow]
    total: int
    due_today: int
    overdue: int


def end_of_local_day(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(SHANGHAI)
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)


def _parts(actor: Any, scope: Scope, mine: bool) -> list[QuerySet[Appeal]]:
    """Disjoint querysets of open appeals whose union is the inbox. The primary part (the
    area, or the partner unit) is one indexed equality on a partial index, so it is read in
    due order without a sort; the personal part (owned, co-handled, raised) outside it is small.
    An OR of both would make the database fetch every open row of the area to sort them."""
    if mine:
        pid = scope.person_id or 0
        terms = [Q(owner_person_id=pid), Q(owner_person__isnull=True, assigned_person_id=pid)]
        if scope.partner_ids():
            terms.append(Q(owner_partner_id__in=sorted(scope.partner_ids())))
        return [Appeal.objects.filter(_any(terms, OPEN_Q))]
    r = reach(scope)
    if r.everything:
        return [Appeal.objects.filter(OPEN_Q)]
    if not r.primary:
        return [Appeal.objects.filter(_any(r.personal, OPEN_Q))] if r.personal else []
    primary = _any(r.primary)
    parts = [Appeal.objects.filter(primary & OPEN_Q)]
    if r.personal:
        parts.append(Appeal.objects.filter(_any(r.personal, OPEN_Q)).exclude(primary))
    return parts


def _open_counts(
    parts: list[QuerySet[Appeal]], now: dt.datetime, eod: dt.datetime
) -> dict[str, int]:
    """total, overdue and due today over the union of `parts`, in one query that reads only
    the due dates (from the partial indexes, without touching the rows)."""
    if not parts:
        return {"total": 0, "overdue": 0, "due_today": 0}
    if len(parts) == 1:
        counts = parts[0].aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=eod)),
        )
        return {k: int(v or 0) for k, v in counts.items()}
    sqls: list[str] = []
    params: list[Any] = []
    for qs in parts:
        sql, p = qs.order_by().values("due_at").query.sql_with_params()
        sqls.append(sql)
        params.extend(p)
    adapt = connection.ops.adapt_datetimefield_value
    # The fragments are Django-compiled SQL with bound parameters; nothing is interpolated.
    query = (
        "SELECT COUNT(*),"  # noqa: S608
        " SUM(CASE WHEN u.due_at < %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN u.due_at >= %s AND u.due_at < %s THEN 1 ELSE 0 END)"
        f" FROM ({' UNION ALL '.join(sqls)}) u"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [adapt(now), adapt(now), adapt(eod), *params])
        total, overdue, due_today = cursor.fetchone()
    return {
        "total": int(total or 0),
        "overdue": int(overdue or 0),
        "due_today": int(due_today or 0),
    }


def inbox(
    actor: Any,
    *,
    now: dt.datetime | None = None,
    mine: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Inbox:
    """Open appeals in the actor's reach, nearest deadline first, with the counts due today and
    overdue: one count query and one page query. `mine`: only what the actor owns."""
    now = now or timezone.now()
    scope = scope_for(actor)
    parts = _parts(actor, scope, mine)
    counts = _open_counts(parts, now, end_of_local_day(now))
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    order = ("due_at", "id")  # open appeals always have one: the partial indexes' order
    rows: list[Appeal] = []
    if len(parts) == 1:
        rows = list(parts[0].select_related(*ROW_RELATED).order_by(*order)[offset : offset + limit])
    elif parts:
        # The first offset+limit of each part (each read in due order from its index), then
        # the page of their union.
        ids = Q(pk__in=[])
        for qs in parts:
            ids |= Q(pk__in=qs.order_by(*order).values("pk")[: offset + limit])
        rows = list(
            Appeal.objects.filter(ids)
            .select_related(*ROW_RELATED)
            .order_by(*order)[offset : offset + limit]
        )
    return Inbox(
        rows=[appeal_row(scope, a, now) for a in rows],
        total=counts["total"],
        due_today=counts["due_today"],
        overdue=counts["overdue"],
    )


# --- detail -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    pk: int
    kind: str
    label: str
    created_at: dt.datetime
    actor: str
    on_behalf_of: str
    from_state: str
    to_state: str
    text: str
    public: bool


@dataclass(frozen=True)
class RatingRow:
    rating: str
    label: str
    comment: str
    source: str
    channel: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AppealDetail:
    appeal: Appeal
    row: AppealRow
    events: list[EventRow]
    co_handlers: list[str]
    ratings: list[RatingRow]
    actions: list[str]
    relation: Relation


DEADLINE_NAMES = {"sign": _("sign for"), "contact": _("first contact"), "resolve": _("resolution")}


def _event_text(event: AppealEvent) -> str:
    """System events are rendered in the viewer's language from their data."""
    data = event.data or {}
    if event.kind == EventKind.WARNING and "deadline" in data:
        return gettext("%(percent)s%% of the time to %(what)s has passed.") % {
            "percent": data.get("percent"),
            "what": DEADLINE_NAMES.get(data["deadline"], data["deadline"]),
        }
    if event.kind == EventKind.ESCALATED and "deadline" in data:
        return gettext("The %(what)s deadline has passed: escalated.") % {
            "what": DEADLINE_NAMES.get(data["deadline"], data["deadline"])
        }
    return event.text


def _actor_name(event: AppealEvent, appeal: Appeal, scope: Scope, resident_name: str) -> str:
    if event.actor_id is None:
        return str(_("System"))
    person = event.actor.person if event.actor is not None else None
    if person is not None and person.pk == appeal.resident_id:
        return resident_name
    if appeal.resident_id is None and event.kind == EventKind.SUBMITTED and not appeal.by_proxy:
        return resident_name
    if person is not None:
        return person.name
    return event.actor.get_username() if event.actor is not None else ""


def appeal_detail(
    actor: Any, pk: int, *, on_behalf_of_id: int | None = None, now: dt.datetime | None = None
) -> AppealDetail:
    """One appeal with its timeline (internal events only for staff and owners), co-handlers,
    ratings, and the actions the actor may take now."""
    now = now or timezone.now()
    scope = scope_for(actor)
    appeal = appeals_visible(actor).select_related(*ROW_RELATED).filter(pk=pk).first()
    acting = False
    if appeal is None and on_behalf_of_id is not None:
        # 代办: staff acting for the resident see the resident's own appeal.
        appeal = Appeal.objects.select_related(*ROW_RELATED).filter(pk=pk).first()
        acting = True
    if appeal is None:
        raise NotFound(_("No such appeal in your area."))
    co_handlers = list(
        CoHandler.objects.filter(appeal=appeal).select_related("person").order_by("id")
    )
    rel = relation(
        scope,
        appeal,
        co_handler_ids=[c.person_id for c in co_handlers],
        on_behalf_of_id=on_behalf_of_id,
    )
    if not rel.can_view or (acting and not rel.is_resident):
        raise NotFound(_("No such appeal in your area."))
    row = appeal_row(scope, appeal, now)
    sees_internal = rel.is_area_staff or (Actor.OWNER in rel.capacities and not rel.is_partner)
    events_qs = AppealEvent.objects.filter(appeal=appeal).select_related(
        "actor__person", "on_behalf_of"
    )
    if not sees_internal:
        events_qs = events_qs.filter(Q(public=True) | Q(actor_id=scope.user_id))
    events = [
        EventRow(
            pk=e.pk,
            kind=e.kind,
            label=str(EventKind(e.kind).label),
            created_at=e.created_at,
            actor=_actor_name(e, appeal, scope, row.resident),
            on_behalf_of=row.resident if e.on_behalf_of_id else "",
            from_state=str(STATE_LABELS[State(e.from_state)]) if e.from_state else "",
            to_state=str(STATE_LABELS[State(e.to_state)]) if e.to_state else "",
            text=_event_text(e),
            public=e.public,
        )
        for e in events_qs.order_by("created_at", "id")
    ]
    ratings = [
        RatingRow(
            rating=r.rating,
            label=str(RatingValue(r.rating).label),
            comment=r.comment,
            source=r.source,
            channel=r.channel,
            created_at=r.created_at,
        )
        for r in Rating.objects.filter(appeal=appeal).order_by("created_at", "id")
    ]
    return AppealDetail(
        appeal=appeal,
        row=row,
        events=events,
        co_handlers=[c.person.name for c in co_handlers],
        ratings=ratings,
        actions=allowed(State(appeal.state), rel.capacities),
        relation=rel,
    )


# --- duplicates ---------------------------------------------------------------------------------

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> frozenset[str]:
    clean = _NOISE.sub("", text.lower())
    if len(clean) < 2:
        return frozenset({clean}) if clean else frozenset()
    return frozenset(clean[i : i + 2] for i in range(len(clean) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class Duplicate:
    pk: int
    number: str
    title: str
    similarity: float
    supporters_count: int
    created_at: dt.datetime


DUPLICATE_CANDIDATES = 200


def duplicates_for_text(
    actor: Any,
    *,
    text: str,
    grid_id: int,
    exclude_pk: int | None = None,
    limit: int = 5,
    threshold: float = 0.25,
) -> list[Duplicate]:
    """Open appeals of the same grid whose text is similar (character-bigram Jaccard over the
    title and text; the intelligence issue replaces this). One query over the grid's most
    recent open appeals."""
    target = bigrams(text)
    qs = appeals_visible(actor, Q(grid_id=grid_id) & OPEN_Q)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    candidates = qs.order_by("-created_at").values(
        "pk", "number", "title", "text", "supporters_count", "created_at"
    )[:DUPLICATE_CANDIDATES]
    found = []
    for c in candidates:
        score = jaccard(target, bigrams(f"{c['title']} {c['text']}"))
        if score >= threshold:
            found.append(
                Duplicate(
                    c["pk"],
                    c["number"],
                    c["title"],
                    round(score, 3),
                    c["supporters_count"],
                    c["created_at"],
                )
            )
    found.sort(key=lambda d: (-d.similarity, -d.created_at.timestamp()))
    return found[:limit]


def duplicates_for(
    actor: Any, appeal: Appeal, *, limit: int = 5, threshold: float = 0.25
) -> list[Duplicate]:
    return duplicates_for_text(
        actor,
        text=f"{appeal.title} {appeal.text}",
        grid_id=appeal.grid_id,
        exclude_pk=appeal.pk,
        limit=limit,
        threshold=threshold,
    )


def notifications_for(actor: Any, *, unread_only: bool = False, limit: int = 50) -> list[Any]:
    """The actor's own in-app notifications, newest first."""
    from gongzhi.appeals.models import Notification

    if not getattr(actor, "is_authenticated", False):
        return []
    qs = Notification.objects.filter(recipient_id=actor.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return list(qs.order_by("-created_at", "-id")[:limit])


# The three rates live in gongzhi.appeals.rates; re-exported for the pages.
from gongzhi.appeals.rates import Rates, rates, rates_by  # noqa: E402

__all__ = [
    "AppealDetail",
    "AppealRow",
    "Duplicate",
    "Inbox",
    "Rates",
    "appeal_detail",
    "appeals_of_resident",
    "appeals_visible",
    "duplicates_for",
    "duplicates_for_text",
    "inbox",
    "notifications_for",
    "rates",
    "rates_by",
    "rows_for",
]
