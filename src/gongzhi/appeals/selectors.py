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
from collections.abc import Iterable, Mapping
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
from gongzhi.appeals.rates import Rates, rates, rates_by, rates_multi
from gongzhi.appeals.states import STATE_LABELS, Actor, State, allowed
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import NotFound
from gongzhi.core.masking import mask_name, mask_phone
from gongzhi.intel.duplicates import similar
from gongzhi.org.models import PartnerUnit, Region, RegionKind, Role
from gongzhi.org.scopes import Scope, scope_for

LEVEL_FIELDS = ("street_id", "community_id", "grid_id", "building_id")
REGION_FIELDS = ("id", "kind", "name", "code", "parent_id", "path")
ROW_RELATED = (
    "category",
    "grid",
    "resident",
    "owner_person",
    "assigned_person",
    "owner_partner",
)


# The columns an AppealRow reads (lists: no description text, no other person fields).
ROW_ONLY = (
    "id",
    "number",
    "title",
    "state",
    "urgency",
    "channel",
    "created_at",
    "due_at",
    "sign_by",
    "contact_by",
    "resolve_by",
    "escalation_level",
    "supporters_count",
    "scope_path",
    "anonymous",
    "contact_name",
    "contact_phone",
    "rating",
    "category__name",
    "grid__name",
    "resident__name",
    "owner_person__name",
    "assigned_person__name",
    "owner_partner__name",
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


# --- the inbox page: filters and keyset pages ---------------------------------------------------

# Who has an inbox: staff over an area, partner-unit handlers (platform admins too).
INBOX_ROLES = AREA_VIEW_ROLES | {Role.PARTNER_HANDLER}


def has_inbox(actor: Any) -> bool:
    return scope_for(actor).has_any(INBOX_ROLES)


@dataclass(frozen=True)
class InboxPage:
    rows: list[AppealRow]
    total: int  # the open appeals of the inbox (mine / all), before the filters
    due_today: int
    overdue: int
    next_cursor: str  # "" on the last page


def encode_cursor(due_at: dt.datetime, pk: int) -> str:
    return f"{int(due_at.timestamp() * 1_000_000)}.{pk}"


def decode_cursor(value: str) -> tuple[dt.datetime, int] | None:
    """(due_at, id) of the last row of the previous page; None for anything malformed."""
    micros, _dot, pk = (value or "").strip().partition(".")
    if not (micros.isascii() and micros.lstrip("-").isdigit() and pk.isascii() and pk.isdigit()):
        return None
    try:
        moment = dt.datetime.fromtimestamp(int(micros) / 1_000_000, tz=dt.UTC)
        return moment, int(pk)
    except (OverflowError, OSError, ValueError):
        return None


def inbox_page(
    actor: Any,
    *,
    now: dt.datetime | None = None,
    mine: bool = False,
    state: str = "",
    category_id: int | None = None,
    overdue_only: bool = False,
    after: tuple[dt.datetime, int] | None = None,
    limit: int = 50,
) -> InboxPage:
    """One page of the inbox, nearest deadline first, after the keyset `after` (due_at, id).

    Two queries whatever the size of the area: the counts (total, due today, overdue of the
    unfiltered inbox, read from the partial indexes only) and the page (each part read in due
    order from its partial index, at most limit + 1 rows, to know whether a next page exists)."""
    now = now or timezone.now()
    scope = scope_for(actor)
    parts = _parts(actor, scope, mine)
    counts = _open_counts(parts, now, end_of_local_day(now))
    limit = max(1, min(limit, 200))
    where = Q()
    if state:
        where &= Q(state=state)
    if category_id is not None:
        where &= Q(category_id=category_id)
    if overdue_only:
        where &= Q(due_at__lt=now)
    if after is not None:
        due, pk = after
        where &= Q(due_at__gt=due) | Q(due_at=due, pk__gt=pk)
    order = ("due_at", "id")
    narrowed = [qs.filter(where) for qs in parts]
    rows: list[Appeal] = []
    if len(narrowed) == 1:
        rows = list(
            narrowed[0].select_related(*ROW_RELATED).only(*ROW_ONLY).order_by(*order)[: limit + 1]
        )
    elif narrowed:
        ids = Q(pk__in=[])
        for qs in narrowed:
            ids |= Q(pk__in=qs.order_by(*order).values("pk")[: limit + 1])
        rows = list(
            Appeal.objects.filter(ids)
            .select_related(*ROW_RELATED)
            .only(*ROW_ONLY)
            .order_by(*order)[: limit + 1]
        )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return InboxPage(
        rows=[appeal_row(scope, a, now) for a in rows],
        total=counts["total"],
        due_today=counts["due_today"],
        overdue=counts["overdue"],
        next_cursor=encode_cursor(last.due_at, last.pk)
        if more and last is not None and last.due_at is not None
        else "",
    )


# --- overviews: a community per grid, a street per community ------------------------------------

OVERVIEW_ROLES: dict[str, frozenset[str]] = {
    RegionKind.COMMUNITY: COMMUNITY_ROLES | {Role.STREET_SUPERVISOR},
    RegionKind.VILLAGE: COMMUNITY_ROLES | {Role.STREET_SUPERVISOR},
    RegionKind.STREET: frozenset({Role.STREET_SUPERVISOR}),
}
# Who sees the league table of the three rates.
RANKING_ROLES = COMMUNITY_ROLES | {Role.STREET_SUPERVISOR}
OLDEST_OVERDUE = 10


def can_see_overview(actor: Any, kind: str) -> bool:
    return scope_for(actor).has_any(OVERVIEW_ROLES.get(kind, frozenset()))


def can_see_ranking(actor: Any) -> bool:
    return scope_for(actor).has_any(RANKING_ROLES)


@dataclass(frozen=True)
class LoadRow:
    """A child area (or partner unit) with its open work and its rates for the period."""

    pk: int
    name: str
    open: int
    overdue: int
    escalated: int
    rates: Rates | None


@dataclass(frozen=True)
class Overview:
    region: Region
    total: LoadRow
    children: list[LoadRow]
    partners: list[LoadRow]
    oldest_overdue: list[AppealRow]


def overview_region(actor: Any, pk: int, kinds: Iterable[str]) -> Region:
    """The community / village or street `pk`, if the actor oversees it (else NotFound)."""
    kinds = tuple(kinds)
    region = Region.objects.filter(pk=pk, kind__in=kinds).only(*REGION_FIELDS).first()
    if region is None or not scope_for(actor).covers(
        region.path, OVERVIEW_ROLES.get(region.kind, frozenset())
    ):
        raise NotFound(_("No such area in your scope."))
    return region


def _child_level(region: Region) -> str:
    return "community_id" if region.kind == RegionKind.STREET else "grid_id"


def _period_q(region: Region) -> Q:
    """The appeals of `region` as a condition the (community, created_at) index serves: a
    street becomes the list of its communities."""
    if region.kind == RegionKind.STREET:
        return Q(
            community_id__in=Region.objects.filter(
                parent_id=region.pk, kind__in=(RegionKind.COMMUNITY, RegionKind.VILLAGE)
            ).values("pk")
        )
    return _level_q(region.path)


def overview(
    actor: Any,
    region: Region,
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
    weights_: Mapping[str, float] | None = None,
) -> Overview:
    """Open, overdue and escalated appeals per child area now, the three rates per child area
    and partner unit for [start, end), and the oldest overdue appeals. Five queries whatever
    the number of appeals, children or partner units. `region` comes from overview_region."""
    now = now or timezone.now()
    scope = scope_for(actor)
    level = _child_level(region)
    area = _level_q(region.path)
    load = {
        row[level]: row
        for row in Appeal.objects.filter(area & OPEN_Q)
        .order_by()
        .values(level)
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            escalated=Count("pk", filter=Q(escalation_level__gt=0)),
        )
    }
    total_rates, grouped = rates_multi(
        Appeal.objects.filter(_period_q(region)),
        [level, "owner_partner_id"],
        start=start,
        end=end,
        now=now,
        weights_=weights_,
    )
    children = list(
        Region.objects.filter(parent_id=region.pk).only(*REGION_FIELDS).order_by("code", "pk")
    )
    partner_rates = {k: v for k, v in grouped["owner_partner_id"].items() if k is not None}
    partner_names = dict(
        PartnerUnit.objects.filter(pk__in=sorted(partner_rates)).values_list("pk", "name")
    )
    oldest = list(
        Appeal.objects.filter(area & Q(due_at__lt=now))
        .select_related(*ROW_RELATED)
        .only(*ROW_ONLY)
        .order_by("due_at", "id")[:OLDEST_OVERDUE]
    )

    def row(pk: int, name: str) -> LoadRow:
        counts = load.get(pk, {})
        return LoadRow(
            pk=pk,
            name=name,
            open=int(counts.get("n", 0)),
            overdue=int(counts.get("overdue", 0)),
            escalated=int(counts.get("escalated", 0)),
            rates=grouped[level].get(pk),
        )

    return Overview(
        region=region,
        total=LoadRow(
            pk=region.pk,
            name=region.name,
            open=sum(int(r["n"]) for r in load.values()),
            overdue=sum(int(r["overdue"]) for r in load.values()),
            escalated=sum(int(r["escalated"]) for r in load.values()),
            rates=total_rates,
        ),
        children=[row(c.pk, c.name) for c in children],
        partners=sorted(
            (
                LoadRow(
                    pk=pk, name=partner_names.get(pk, ""), open=0, overdue=0, escalated=0, rates=r
                )
                for pk, r in partner_rates.items()
            ),
            key=lambda r: r.name,
        ),
        oldest_overdue=[appeal_row(scope, a, now) for a in oldest],
    )


# --- the league table ---------------------------------------------------------------------------

RANK_LEVELS: dict[str, tuple[str, Any]] = {
    "grid": ("grid_id", _("Grid")),
    "community": ("community_id", _("Community")),
    "partner": ("owner_partner_id", _("Partner unit")),
}


@dataclass(frozen=True)
class RankRow:
    rank: int | None  # None: no rate yet, listed after the ranked
    pk: int
    name: str
    parent: str  # the community of a grid, the area a partner unit serves
    rates: Rates


def _ranking_q(scope: Scope) -> Q | None:
    """The actor's rates population, as conditions the (community, created_at) index serves;
    None when the actor may see no ranking."""
    if scope.is_admin:
        return Q(
            community_id__in=Region.objects.filter(
                kind__in=(RegionKind.COMMUNITY, RegionKind.VILLAGE)
            ).values("pk")
        )
    roots = scope.paths(RANKING_ROLES)
    if not roots:
        return None
    q = Q(pk__in=[])
    for root in roots:
        ids = [int(p) for p in root.strip("/").split("/") if p]
        if len(ids) == 1:
            q |= Q(
                community_id__in=Region.objects.filter(
                    parent_id=ids[0], kind__in=(RegionKind.COMMUNITY, RegionKind.VILLAGE)
                ).values("pk")
            )
        else:
            q |= Q(community_id=ids[1]) & _level_q(root)
    return q


def ranking(
    actor: Any,
    level: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
    weights_: Mapping[str, float] | None = None,
) -> list[RankRow]:
    """The three rates and the composite per grid, community or partner unit of the actor's
    area for [start, end), best composite first: two queries (the grouped rates, the names)."""
    if level not in RANK_LEVELS:
        raise ValueError(f"no ranking by {level!r}")
    q = _ranking_q(scope_for(actor))
    if q is None:
        return []
    column = RANK_LEVELS[level][0]
    by = rates_by(
        Appeal.objects.filter(q), column, start=start, end=end, now=now, weights_=weights_
    )
    by.pop(None, None)
    names: dict[int, tuple[str, str]] = {}
    if level == "partner":
        names = {
            pk: (name, region)
            for pk, name, region in PartnerUnit.objects.filter(pk__in=sorted(by)).values_list(
                "pk", "name", "region__name"
            )
        }
    else:
        names = {
            pk: (name, parent or "")
            for pk, name, parent in Region.objects.filter(pk__in=sorted(by)).values_list(
                "pk", "name", "parent__name"
            )
        }
    ordered = sorted(
        by.items(),
        key=lambda kv: (
            kv[1].composite is None,
            -(kv[1].composite or 0.0),
            names.get(kv[0], ("", ""))[0],
        ),
    )
    rows: list[RankRow] = []
    for i, (pk, r) in enumerate(ordered, start=1):
        name, parent = names.get(pk, ("", ""))
        rows.append(
            RankRow(
                rank=i if r.composite is not None else None,
                pk=pk,
                name=name,
                parent=parent,
                rates=r,
            )
        )
    return rows


# --- home pages ---------------------------------------------------------------------------------


def open_counts(
    actor: Any, *, now: dt.datetime | None = None, mine: bool = False
) -> dict[str, int]:
    """total, due_today and overdue of the actor's inbox: one index-only query."""
    now = now or timezone.now()
    scope = scope_for(actor)
    return _open_counts(_parts(actor, scope, mine), now, end_of_local_day(now))


def resident_open_count(actor: Any) -> int:
    """How many of the resident's own appeals are still open: one query."""
    return appeals_of_resident(actor).filter(OPEN_Q).order_by().count()


@dataclass(frozen=True)
class AreaFigures:
    """A home page's appeal figures for one grid, community, street or partner unit."""

    open: int
    due_today: int
    overdue: int
    rates: Rates | None  # communities and streets only


def area_figures(
    actor: Any,
    *,
    regions: Iterable[Region] = (),
    partners: Iterable[int] = (),
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
) -> dict[tuple[str, int], AreaFigures]:
    """Open / due today / overdue per grid, community, street and partner unit, and the three
    rates for [start, end) per community and street, keyed ("grid", pk), ("community", pk),
    ("street", pk), ("partner", pk). Two queries whatever the number of areas: one grouped
    count over the open rows, one grouped rates query. Areas outside the actor's reach are
    left out."""
    now = now or timezone.now()
    eod = end_of_local_day(now)
    scope = scope_for(actor)
    column_of: dict[str, str] = {
        RegionKind.GRID: "grid_id",
        RegionKind.COMMUNITY: "community_id",
        RegionKind.VILLAGE: "community_id",
        RegionKind.STREET: "street_id",
    }
    wanted: dict[str, set[int]] = {
        "grid_id": set(),
        "community_id": set(),
        "street_id": set(),
        "owner_partner_id": set(partners),
    }
    for region in regions:
        column = column_of.get(region.kind)
        if column is not None and scope.covers(region.path, AREA_VIEW_ROLES):
            wanted[column].add(region.pk)
    if not scope.is_admin:
        wanted["owner_partner_id"] &= scope.partner_ids()
    if not any(wanted.values()):
        return {}
    names = {
        "grid_id": "grid",
        "community_id": "community",
        "street_id": "street",
        "owner_partner_id": "partner",
    }
    where = Q(pk__in=[])
    for column, ids in wanted.items():
        if ids:
            where |= Q(**{f"{column}__in": sorted(ids)})
    counts: dict[tuple[str, int], list[int]] = {}
    grouped = (
        Appeal.objects.filter(where & OPEN_Q)
        .order_by()
        .values(*names)
        .annotate(
            n=Count("pk"),
            due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=eod)),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
        )
    )
    for row in grouped:
        for column, kind in names.items():
            if row[column] in wanted[column]:
                c = counts.setdefault((kind, row[column]), [0, 0, 0])
                c[0] += row["n"]
                c[1] += row["due_today"]
                c[2] += row["overdue"]
    area_rates: dict[tuple[str, int], Rates] = {}
    if wanted["community_id"] or wanted["street_id"]:
        population = Q(community_id__in=sorted(wanted["community_id"]))
        if wanted["street_id"]:
            population |= Q(
                community_id__in=Region.objects.filter(
                    parent_id__in=sorted(wanted["street_id"]),
                    kind__in=(RegionKind.COMMUNITY, RegionKind.VILLAGE),
                ).values("pk")
            )
        _total, by = rates_multi(
            Appeal.objects.filter(population),
            ["street_id", "community_id"],
            start=start,
            end=end,
            now=now,
        )
        for column in ("street_id", "community_id"):
            for pk, r in by[column].items():
                if pk in wanted[column]:
                    area_rates[(names[column], pk)] = r
    out: dict[tuple[str, int], AreaFigures] = {}
    for column, ids in wanted.items():
        for pk in ids:
            key = (names[column], pk)
            n, due_today, overdue = counts.get(key, [0, 0, 0])
            has_rates = column in ("community_id", "street_id")
            out[key] = AreaFigures(
                open=n,
                due_today=due_today,
                overdue=overdue,
                rates=area_rates.get(key) if has_rates else None,
            )
    return out


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


@dataclass(frozen=True)
class Duplicate:
    pk: int
    number: str
    title: str
    similarity: float
    supporters_count: int
    created_at: dt.datetime


DUPLICATE_CANDIDATES = 200
# Cosine similarity from which an open appeal is shown as probably the same problem.
DUPLICATE_THRESHOLD = 0.5


def duplicates_for_text(
    actor: Any,
    *,
    text: str,
    grid_id: int,
    exclude_pk: int | None = None,
    limit: int = 5,
    threshold: float = DUPLICATE_THRESHOLD,
) -> list[Duplicate]:
    """Open appeals of the same grid whose text is similar: the duplicate finder of
    `gongzhi.intel.duplicates` (TF-IDF cosine over words and character bigrams, idf from the
    candidates themselves) over the grid's most recent open appeals, one query."""
    qs = appeals_visible(actor, Q(grid_id=grid_id) & OPEN_Q)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    candidates = {
        c["pk"]: c
        for c in qs.order_by("-created_at").values(
            "pk", "number", "title", "text", "supporters_count", "created_at"
        )[:DUPLICATE_CANDIDATES]
    }
    matches = similar(
        text, [(pk, f"{c['title']} {c['text']}") for pk, c in candidates.items()], k=limit
    )
    return [
        Duplicate(
            m.id,
            candidates[m.id]["number"],
            candidates[m.id]["title"],
            round(m.score, 3),
            candidates[m.id]["supporters_count"],
            candidates[m.id]["created_at"],
        )
        for m in matches
        if m.score >= threshold
    ]


def duplicates_for(
    actor: Any, appeal: Appeal, *, limit: int = 5, threshold: float = DUPLICATE_THRESHOLD
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
    "inbox_page",
    "notifications_for",
    "open_counts",
    "overview",
    "ranking",
    "rates",
    "rates_by",
    "rows_for",
]
