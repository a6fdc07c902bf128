"""Appeals (诉求) over JSON: file (idempotently), list, inbox, detail, every action, rates.

Reads go through appeals/selectors.py (scoped to the actor), writes through appeals/services.py.
An appeal outside the actor's reach is a 404, exactly like one that does not exist; an action
the actor's relation to the appeal never allows is a 403, one its state does not allow now a
409. The request and answer of POST /appeals are a contract shared with the high-throughput
intake path (docs/api.md, "Filing an appeal"): change them only together.
"""

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from gongzhi.api.models import ApiToken
from gongzhi.api.pagination import Mapped, Pagination
from gongzhi.api.schemas import PathId, error_responses
from gongzhi.api.services import hash_token
from gongzhi.appeals import rates as rates_mod
from gongzhi.appeals import selectors, services
from gongzhi.appeals.access import relation
from gongzhi.appeals.api_schemas import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_PATTERN,
    REPLAYED_HEADER,
    AppealDetailOut,
    AppealFilters,
    AppealIn,
    AppealOut,
    AppealRowOut,
    CategoryOut,
    CoHandlerIn,
    DuplicateOut,
    DuplicatesQuery,
    FollowUpIn,
    InboxOut,
    InboxQuery,
    MergeIn,
    NoteIn,
    RateIn,
    RatesOut,
    RatesQuery,
    ReasonIn,
    RecategoriseIn,
    ReplyIn,
    StartIn,
    TransferIn,
)
from gongzhi.appeals.config import get_config
from gongzhi.appeals.intake import clean_text
from gongzhi.appeals.models import PROXY_CHANNELS, Appeal, Category, CoHandler
from gongzhi.appeals.states import ACTIONS, STATE_LABELS, TRANSITIONS, Actor, State
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from gongzhi.org.models import PartnerUnit, Person, Region
from gongzhi.org.scopes import ACT_FOR_ROLES, scope_for

router = Router(tags=["appeals"])

T = TypeVar("T")

APPEAL_RELATED = ("category", "grid", "owner_person", "assigned_person", "owner_partner")
DEFAULT_RATES_DAYS = 30
MAX_RATES_DAYS = 3700
RATE_GROUPS = {
    "grid": "grid_id",
    "community": "community_id",
    "category": "category_id",
    "partner": "owner_partner_id",
}
# Every channel this API files on: one idempotency key covers them all.
API_CHANNELS = ("api", "desk", "visit", "phone")


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime from a query: naive ones are local (Asia/Shanghai) time."""
    if value is None:
        return None
    return value.replace(tzinfo=SHANGHAI) if timezone.is_naive(value) else value


@contextmanager
def _fields(renames: Mapping[str, str]) -> Iterator[None]:
    """Domain errors name the service's arguments; the API names its own request fields."""
    try:
        yield
    except DomainError as exc:
        if exc.field is not None and exc.field in renames:
            exc.field = renames[exc.field]
        raise


# --- read models ------------------------------------------------------------------------------
# Plain dicts in the shape of the schemas. Who may see whose name and phone is decided by the
# selectors (appeal_row); nothing here unmasks anything.


def _owner(appeal: Appeal) -> dict[str, str]:
    person = appeal.owner_person or appeal.assigned_person
    if person is not None:
        return {"kind": "person", "name": person.name}
    if appeal.owner_partner is not None:
        return {"kind": "partner", "name": appeal.owner_partner.name}
    return {"kind": "none", "name": ""}


def appeal_out(appeal: Appeal) -> dict[str, Any]:
    """The answer of POST /appeals (and the head of every other appeal shape)."""
    return {
        "id": appeal.pk,
        "number": appeal.number,
        "title": appeal.title,
        "state": appeal.state,
        "state_label": str(STATE_LABELS[State(appeal.state)]),
        "urgency": appeal.urgency,
        "channel": appeal.channel,
        "anonymous": appeal.anonymous,
        "category": {"code": appeal.category.code, "name": appeal.category.name},
        "category_source": appeal.category_source,
        "grid": {"id": appeal.grid_id, "name": appeal.grid.name},
        "building_id": appeal.building_id,
        "owner": _owner(appeal),
        "sign_by": _utc(appeal.sign_by),
        "contact_by": _utc(appeal.contact_by),
        "resolve_by": _utc(appeal.resolve_by),
        "due_at": _utc(appeal.due_at),
        "created_at": _utc(appeal.created_at),
    }


def _row_out(appeal: Appeal, row: selectors.AppealRow) -> dict[str, Any]:
    return {
        **appeal_out(appeal),
        "resident": row.resident,
        "phone": row.phone,
        "overdue": row.overdue,
        "escalation_level": row.escalation_level,
        "supporters_count": row.supporters_count,
        "rating": row.rating,
    }


def _row_mapper(actor: Any) -> Callable[[Appeal], dict[str, Any]]:
    scope = scope_for(actor)
    now = timezone.now()
    return lambda appeal: _row_out(appeal, selectors.appeal_row(scope, appeal, now))


def _detail_out(actor: Any, appeal_id: int) -> dict[str, Any]:
    d = selectors.appeal_detail(actor, appeal_id)
    a = d.appeal
    return {
        **_row_out(a, d.row),
        "text": a.text,
        "result": a.result,
        "latitude": a.latitude,
        "longitude": a.longitude,
        "events": [
            {
                "id": e.pk,
                "kind": e.kind,
                "label": e.label,
                "created_at": _utc(e.created_at),
                "actor": e.actor,
                "on_behalf_of": e.on_behalf_of,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "text": e.text,
                "public": e.public,
            }
            for e in d.events
        ],
        "co_handlers": d.co_handlers,
        "ratings": [
            {
                "rating": r.rating,
                "label": r.label,
                "comment": r.comment,
                "source": r.source,
                "channel": r.channel,
                "created_at": _utc(r.created_at),
            }
            for r in d.ratings
        ],
        "actions": d.actions,
    }


def _visible(actor: Any, appeal_id: int) -> Appeal:
    appeal = selectors.appeals_visible(actor).filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound(_("No such appeal in your area."))
    return appeal


def _require(actor: Any, appeal_id: int, allowed: frozenset[Actor], message: Any = None) -> Appeal:
    """The appeal (404 outside the actor's reach), if the actor is ever someone who may take
    this action on it (403 otherwise). Whether its state allows the action now is the
    service's to decide, under the row lock (409)."""
    appeal = _visible(actor, appeal_id)
    scope = scope_for(actor)
    co = []
    if scope.person_id is not None:
        co = list(
            CoHandler.objects.filter(appeal_id=appeal.pk, person_id=scope.person_id).values_list(
                "person_id", flat=True
            )
        )
    rel = relation(scope, appeal, co_handler_ids=co)
    if not rel.capacities & allowed:
        raise PermissionDenied(
            message or _("You cannot take this action on this appeal."), field="action"
        )
    return appeal


# --- filing -----------------------------------------------------------------------------------


class IdempotencyConflict(Conflict):
    """The key was used before, by this submitter, for a different request."""

    code = "idempotency_conflict"


def _submitter_ref(request: HttpRequest, user: Any) -> str:
    """Whose idempotency keys these are: the API token the request came with, else the user
    (a session). See docs/api.md."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() == "bearer" and secret:
        token_id = (
            ApiToken.objects.filter(
                token_hash=hash_token(secret), user_id=user.pk, revoked_at__isnull=True
            )
            .values_list("pk", flat=True)
            .first()
        )
        if token_id is not None:
            return f"token:{token_id}"
    return f"user:{user.pk}"


def _resident(actor: Any, payload: AppealIn) -> Person | None:
    if payload.resident_id is None:
        return None
    unknown = ValidationFailed(_("No such resident in your area."), field="resident_id")
    if payload.channel not in PROXY_CHANNELS:
        raise ValidationFailed(
            _("Only staff filing on a resident's behalf (desk, visit, phone) name a resident."),
            field="resident_id",
        )
    person = Person.objects.select_related("region").filter(pk=payload.resident_id).first()
    if person is None or not scope_for(actor).covers(person.region.path, ACT_FOR_ROLES):
        raise unknown
    return person


def _place_renames(payload: AppealIn) -> dict[str, str]:
    if payload.building_id is not None:
        place = "building_id"
    elif payload.grid_id is not None:
        place = "grid_id"
    elif payload.latitude is not None and payload.longitude is not None:
        place = "latitude"
    else:
        place = "building_id"
    return {
        "building": "building_id",
        "grid": "grid_id",
        "location": place,
        "resident": "resident_id",
        "idempotency_key": IDEMPOTENCY_HEADER,
    }


def _same_request(appeal: Appeal, payload: AppealIn) -> bool:
    """Whether `payload` is the request that filed `appeal` (for an idempotent replay)."""
    try:
        text, title = clean_text(payload.text, payload.title)
        phone = services.clean_phone(payload.contact_phone) if payload.contact_phone else ""
    except ValidationFailed:
        return False
    if payload.category is not None:
        same_category = appeal.category_source == "staff" or (
            appeal.category_source == "resident" and appeal.category.code == payload.category
        )
    else:
        same_category = appeal.category_source != "resident"
    if payload.building_id is not None:
        same_place = appeal.building_id == payload.building_id
    elif payload.grid_id is not None:
        same_place = appeal.building_id is None and appeal.grid_id == payload.grid_id
    else:
        same_place = True
    proxy = payload.channel in PROXY_CHANNELS
    return (
        same_category
        and same_place
        and appeal.channel == payload.channel
        and appeal.text == text
        and appeal.title == title
        and appeal.urgency == payload.urgency
        and appeal.latitude == payload.latitude
        and appeal.longitude == payload.longitude
        and appeal.anonymous == payload.anonymous
        and appeal.contact_name == payload.contact_name.strip()
        and (not phone or appeal.contact_phone == phone)
        and (not proxy or appeal.resident_id == payload.resident_id)
    )


def _replay(appeal: Appeal, payload: AppealIn, response: HttpResponse) -> Status[dict[str, Any]]:
    if not _same_request(appeal, payload):
        raise IdempotencyConflict(
            _("This Idempotency-Key was already used for a different appeal."),
            field=IDEMPOTENCY_HEADER,
        )
    response[REPLAYED_HEADER] = "true"
    return Status(200, appeal_out(appeal))


def _load(pk: int) -> Appeal:
    return Appeal.objects.select_related(*APPEAL_RELATED).get(pk=pk)


# --- operations -------------------------------------------------------------------------------
# Fixed paths before "/appeals/{appeal_id}": ninja matches in order.


@router.get(
    "/appeals/inbox",
    response={200: InboxOut, **error_responses()},
    url_name="appeals_inbox",
    summary="Open appeals in your reach, nearest deadline first, with counts",
)
def appeals_inbox(request: HttpRequest, params: Query[InboxQuery]) -> dict[str, Any]:
    actor = _actor(request)
    box = selectors.inbox(actor, mine=params.mine, limit=params.limit, offset=params.offset)
    by_pk = {
        a.pk: a
        for a in Appeal.objects.filter(pk__in=[r.pk for r in box.rows]).select_related(
            *APPEAL_RELATED
        )
    }
    return {
        "total": box.total,
        "due_today": box.due_today,
        "overdue": box.overdue,
        "items": [_row_out(by_pk[r.pk], r) for r in box.rows if r.pk in by_pk],
    }


@router.get(
    "/appeals",
    response={200: list[AppealRowOut], **error_responses()},
    url_name="appeals_list",
    summary="Appeals you may see, newest first",
)
@paginate(Pagination)
def appeals_list(request: HttpRequest, filters: Query[AppealFilters]) -> Any:
    actor = _actor(request)
    now = timezone.now()
    where = Q()
    if filters.state is not None:
        where &= Q(state=filters.state)
    if filters.category is not None:
        where &= Q(category__code=filters.category) | Q(category__parent__code=filters.category)
    if filters.grid is not None:
        where &= Q(grid_id=filters.grid)
    if filters.overdue is True:
        where &= Q(due_at__lt=now)
    elif filters.overdue is False:
        where &= Q(due_at__isnull=True) | Q(due_at__gte=now)
    if filters.created_after is not None:
        where &= Q(created_at__gte=_aware(filters.created_after))
    if filters.created_before is not None:
        where &= Q(created_at__lt=_aware(filters.created_before))
    if filters.mine:
        where &= _mine(actor)
    qs = (
        selectors.appeals_visible(actor, where if where else None)
        .select_related(*selectors.ROW_RELATED)
        .order_by("-created_at", "-id")
    )
    return Mapped(qs, _row_mapper(actor))


def _mine(actor: Any) -> Q:
    scope = scope_for(actor)
    q = Q(submitted_by_id=scope.user_id, by_proxy=False)
    if scope.person_id is not None:
        pid = scope.person_id
        q |= (
            Q(owner_person_id=pid)
            | Q(owner_person__isnull=True, assigned_person_id=pid)
            | Q(resident_id=pid)
            | Q(pk__in=CoHandler.objects.filter(person_id=pid).values("appeal_id"))
        )
    partners = scope.partner_ids()
    if partners:
        q |= Q(owner_partner_id__in=sorted(partners))
    return q


@router.post(
    "/appeals",
    response={200: AppealOut, 201: AppealOut, **error_responses(400, 403, 409)},
    url_name="appeals_submit",
    summary="File an appeal (idempotent with an Idempotency-Key header)",
)
def appeals_submit(
    request: HttpRequest,
    response: HttpResponse,
    payload: AppealIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=IDEMPOTENCY_HEADER,
            pattern=IDEMPOTENCY_KEY_PATTERN,
            max_length=64,
            description="Makes a retry safe: the same key and body file the appeal once.",
        ),
    ] = None,
) -> Status[dict[str, Any]]:
    actor = _actor(request)
    key = idempotency_key or ""
    ref = ""
    if key:
        ref = _submitter_ref(request, actor)
        first = (
            Appeal.objects.filter(submitter_ref=ref, idempotency_key=key, channel__in=API_CHANNELS)
            .exclude(idempotency_key="")  # lets SQLite use the partial unique index
            .select_related(*APPEAL_RELATED)
            .first()
        )
        if first is not None:
            return _replay(first, payload, response)
    resident = _resident(actor, payload)
    renames = _place_renames(payload)
    with _fields(renames):
        try:
            submitted = services.submit_appeal(
                actor=actor,
                text=payload.text,
                channel=payload.channel,
                title=payload.title,
                category_code=payload.category,
                urgency=payload.urgency,
                building_id=payload.building_id,
                grid_id=payload.grid_id,
                latitude=payload.latitude,
                longitude=payload.longitude,
                resident=resident,
                anonymous=payload.anonymous,
                contact_name=payload.contact_name,
                contact_phone=payload.contact_phone,
                idempotency_key=key,
                submitter_ref=ref,
            )
        except PermissionDenied as exc:
            if payload.channel in PROXY_CHANNELS and exc.field is None:
                exc.field = "resident_id" if resident is not None else "channel"
            raise
    appeal = _load(submitted.appeal.pk)
    if not submitted.created:
        # A concurrent request with the same key won the race: this one is its replay.
        return _replay(appeal, payload, response)
    return Status(201, appeal_out(appeal))


@router.get(
    "/appeals/{appeal_id}",
    response={200: AppealDetailOut, **error_responses(404)},
    url_name="appeals_detail",
    summary="One appeal with the timeline you may see",
)
def appeals_detail(request: HttpRequest, appeal_id: PathId) -> dict[str, Any]:
    return _detail_out(_actor(request), appeal_id)


@router.get(
    "/appeals/{appeal_id}/duplicates",
    response={200: list[DuplicateOut], **error_responses(404)},
    url_name="appeals_duplicates",
    summary="Similar open appeals of the same grid",
)
def appeals_duplicates(
    request: HttpRequest, appeal_id: PathId, params: Query[DuplicatesQuery]
) -> list[dict[str, Any]]:
    actor = _actor(request)
    appeal = _visible(actor, appeal_id)
    return [
        {
            "id": d.pk,
            "number": d.number,
            "title": d.title,
            "similarity": d.similarity,
            "supporters_count": d.supporters_count,
            "created_at": _utc(d.created_at),
        }
        for d in selectors.duplicates_for(actor, appeal, limit=params.limit)
    ]


# --- actions ----------------------------------------------------------------------------------

ACTION_ERRORS = error_responses(400, 403, 404, 409)


def _act(
    request: HttpRequest,
    appeal_id: int,
    allowed: frozenset[Actor],
    call: Callable[[Any, Appeal], object],
    *,
    renames: Mapping[str, str] | None = None,
    message: Any = None,
    may_lose_sight: bool = False,
) -> Any:
    """Check who may act (404/403), call the service (domain errors name the request's
    fields), answer the appeal as it is now. `may_lose_sight`: after this action the actor
    may no longer see the appeal (a partner handler transferring it back): then 204."""
    actor = _actor(request)
    appeal = _require(actor, appeal_id, allowed, message)
    with _fields(renames or {}):
        call(actor, appeal)
    try:
        return _detail_out(actor, appeal_id)
    except NotFound:
        if not may_lose_sight:
            raise
        return Status(204, None)


@router.post(
    "/appeals/{appeal_id}/sign-for",
    response={200: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_sign_for",
    summary="签收: take the appeal",
)
def appeals_sign_for(request: HttpRequest, appeal_id: PathId) -> dict[str, Any]:
    return _act(
        request,
        appeal_id,
        TRANSITIONS["sign_for"].actors,
        lambda actor, a: services.sign_for_appeal(actor=actor, appeal=a.pk),
    )


@router.post(
    "/appeals/{appeal_id}/start",
    response={200: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_start",
    summary="First contact; work starts",
)
def appeals_start(request: HttpRequest, appeal_id: PathId, payload: StartIn) -> dict[str, Any]:
    return _act(
        request,
        appeal_id,
        TRANSITIONS["start"].actors,
        lambda actor, a: services.start_appeal(actor=actor, appeal=a.pk, text=payload.text),
    )


@router.post(
    "/appeals/{appeal_id}/reply",
    response={200: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_reply",
    summary="办结: reply with the result",
)
def appeals_reply(request: HttpRequest, appeal_id: PathId, payload: ReplyIn) -> dict[str, Any]:
    return _act(
        request,
        appeal_id,
        TRANSITIONS["reply"].actors,
        lambda actor, a: services.reply_appeal(actor=actor, appeal=a.pk, text=payload.text),
        renames={"reason": "text"},
    )


@router.post(
    "/appeals/{appeal_id}/reject",
    response={200: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_reject",
    summary="不予受理: decline the appeal, with a reason",
)
def appeals_reject(request: HttpRequest, appeal_id: PathId, payload: ReasonIn) -> dict[str, Any]:
    return _act(
        request,
        appeal_id,
        TRANSITIONS["reject"].actors,
        lambda actor, a: services.reject_appeal(actor=actor, appeal=a.pk, reason=payload.reason),
    )


@router.post(
    "/appeals/{appeal_id}/reopen",
    response={200: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_reopen",
    summary="Send a replied appeal back to its owner",
)
def appeals_reopen(request: HttpRequest, appeal_id: PathId, payload: ReasonIn) -> dict[str, Any]:
    return _act(
        request,
        appeal_id,
        TRANSITIONS["reopen"].actors,
        lambda actor, a: services.reopen_appeal(actor=actor, appeal=a.pk, reason=payload.reason),
    )


@router.post(
    "/appeals/{appeal_id}/rate",
    response={200: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_rate",
    summary="The resident confirms and rates the reply",
)
def appeals_rate(request: HttpRequest, appeal_id: PathId, payload: RateIn) -> dict[str, Any]:
    return _act(
        request,
        appeal_id,
        frozenset({Actor.RESIDENT}),
        lambda actor, a: services.rate_appeal(
            actor=actor, appeal=a.pk, rating=payload.rating, comment=payload.comment
        ),
        message=_("Only the resident can rate this appeal; staff record a follow-up."),
    )


@router.post(
    "/appeals/{appeal_id}/follow-ups",
    response={200: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_follow_up",
    summary="回访: record the rating of a resident reached offline",
)
def appeals_follow_up(
    request: HttpRequest, appeal_id: PathId, payload: FollowUpIn
) -> dict[str, Any]:
    return _act(
        request,
        appeal_id,
        ACTIONS["follow_up"].actors,
        lambda actor, a: services.record_follow_up(
            actor=actor,
            appeal=a.pk,
            rating=payload.rating,
            comment=payload.comment,
            channel=payload.channel,
        ),
    )


@router.post(
    "/appeals/{appeal_id}/transfer",
    response={200: AppealDetailOut, 204: None, **ACTION_ERRORS},
    url_name="appeals_transfer",
    summary="Hand the appeal to another person or a partner unit",
)
def appeals_transfer(request: HttpRequest, appeal_id: PathId, payload: TransferIn) -> Any:
    if (payload.to_person_id is None) == (payload.to_partner_id is None):
        raise ValidationFailed(_("Choose one person or one partner unit."), field="to_person_id")

    def call(actor: Any, appeal: Appeal) -> object:
        person = partner = None
        if payload.to_person_id is not None:
            person = Person.objects.filter(pk=payload.to_person_id).first()
            if person is None:
                raise ValidationFailed(
                    _("This person does not handle appeals in this area."), field="to_person_id"
                )
        elif payload.to_partner_id is not None:
            partner = PartnerUnit.objects.filter(pk=payload.to_partner_id).first()
            if partner is None:
                raise ValidationFailed(
                    _("This partner unit does not serve this area."), field="to_partner_id"
                )
        return services.transfer_appeal(
            actor=actor,
            appeal=appeal.pk,
            reason=payload.reason,
            to_person=person,
            to_partner=partner,
        )

    return _act(
        request,
        appeal_id,
        ACTIONS["transfer"].actors,
        call,
        renames={"to_person": "to_person_id", "to_partner": "to_partner_id"},
        may_lose_sight=True,
    )


@router.post(
    "/appeals/{appeal_id}/co-handlers",
    response={201: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_co_handler_add",
    summary="Add a co-handler",
)
def appeals_co_handler_add(
    request: HttpRequest, appeal_id: PathId, payload: CoHandlerIn
) -> Status[dict[str, Any]]:
    def call(actor: Any, appeal: Appeal) -> object:
        person = Person.objects.filter(pk=payload.person_id).first()
        if person is None:
            raise ValidationFailed(
                _("This person does not handle appeals in this area."), field="person_id"
            )
        return services.add_co_handler(actor=actor, appeal=appeal.pk, person=person)

    body = _act(
        request, appeal_id, ACTIONS["add_co_handler"].actors, call, renames={"person": "person_id"}
    )
    return Status(201, body)


@router.post(
    "/appeals/{appeal_id}/notes",
    response={201: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_note_add",
    summary="Add a note to the timeline (internal, or public)",
)
def appeals_note_add(
    request: HttpRequest, appeal_id: PathId, payload: NoteIn
) -> Status[dict[str, Any]]:
    action = ACTIONS["note_public" if payload.public else "note_internal"]
    body = _act(
        request,
        appeal_id,
        action.actors,
        lambda actor, a: services.add_note(
            actor=actor, appeal=a.pk, text=payload.text, public=payload.public
        ),
    )
    return Status(201, body)


@router.post(
    "/appeals/{appeal_id}/recategorise",
    response={200: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_recategorise",
    summary="Correct the category",
)
def appeals_recategorise(
    request: HttpRequest, appeal_id: PathId, payload: RecategoriseIn
) -> dict[str, Any]:
    return _act(
        request,
        appeal_id,
        ACTIONS["recategorise"].actors,
        lambda actor, a: services.recategorise_appeal(
            actor=actor, appeal=a.pk, category_code=payload.category, reason=payload.reason
        ),
    )


@router.post(
    "/appeals/{appeal_id}/merge",
    response={200: AppealDetailOut, **ACTION_ERRORS},
    url_name="appeals_merge",
    summary="Merge duplicates into this appeal",
)
def appeals_merge(request: HttpRequest, appeal_id: PathId, payload: MergeIn) -> dict[str, Any]:
    def call(actor: Any, appeal: Appeal) -> object:
        ids = sorted(set(payload.duplicate_ids))
        found = selectors.appeals_visible(actor, Q(pk__in=ids)).count()
        if found != len(ids):
            raise ValidationFailed(_("No such appeal in your area."), field="duplicate_ids")
        return services.merge_appeals(actor=actor, into=appeal.pk, duplicates=ids)

    return _act(
        request,
        appeal_id,
        TRANSITIONS["merge"].actors,
        call,
        renames={"duplicates": "duplicate_ids", "into": "action"},
    )


# --- categories and rates ---------------------------------------------------------------------


@router.get(
    "/appeal-categories",
    response={200: list[CategoryOut], **error_responses()},
    url_name="appeal_categories",
    summary="The categories you may file an appeal under",
)
@paginate(Pagination)
def appeal_categories(request: HttpRequest) -> Any:
    config = get_config()
    categories = sorted(
        (c for c in config.categories.values() if c.active), key=lambda c: (c.code, c.id)
    )
    codes = {c.id: c.code for c in config.categories.values()}
    return [
        {
            "code": c.code,
            "name": c.name,
            "parent": codes.get(c.parent_id) if c.parent_id is not None else None,
            "is_leaf": c.is_leaf,
        }
        for c in categories
    ]


def _rates_values(r: rates_mod.Rates) -> dict[str, Any]:
    return {
        "appeals": r.appeals,
        "due_sign": r.due_sign,
        "signed_in_time": r.signed_in_time,
        "due_resolve": r.due_resolve,
        "resolved_in_time": r.resolved_in_time,
        "rated": r.rated,
        "satisfied": r.satisfied,
        "basically": r.basically,
        "dissatisfied": r.dissatisfied,
        "response": r.response,
        "resolution": r.resolution,
        "satisfaction": r.satisfaction,
        "composite": r.composite,
    }


def _region_q(region: Region) -> Q:
    ids = [int(p) for p in region.path.strip("/").split("/") if p]
    if not ids or len(ids) > len(selectors.LEVEL_FIELDS):
        return Q(scope_path__startswith=region.path)
    return Q(**{selectors.LEVEL_FIELDS[len(ids) - 1]: ids[-1]})


def _group_names(group: str, ids: list[Any]) -> dict[Any, str]:
    keys = [i for i in ids if i is not None]
    model: type[Region] | type[Category] | type[PartnerUnit]
    if group in ("grid", "community"):
        model = Region
    elif group == "category":
        model = Category
    else:
        model = PartnerUnit
    return dict(model.objects.filter(pk__in=keys).values_list("pk", "name"))


@router.get(
    "/appeal-rates",
    response={200: RatesOut, **error_responses(400, 404)},
    url_name="appeal_rates",
    summary="The three rates (三率) for a region and a period",
)
def appeal_rates(request: HttpRequest, params: Query[RatesQuery]) -> dict[str, Any]:
    actor = _actor(request)
    now = timezone.now()
    end = _aware(params.end) or now
    start = _aware(params.start) or end - dt.timedelta(days=DEFAULT_RATES_DAYS)
    if start >= end:
        raise ValidationFailed(_("The end must be after the start."), field="end")
    if end - start > dt.timedelta(days=MAX_RATES_DAYS):
        raise ValidationFailed(
            _("Choose a period of at most %(n)s days.") % {"n": MAX_RATES_DAYS}, field="start"
        )
    where = None
    if params.region is not None:
        from gongzhi.org import selectors as org_selectors

        try:
            region = org_selectors.get_region(actor, params.region)
        except NotFound as exc:
            raise NotFound(exc.message, field="region") from exc
        where = _region_q(region)
    qs = selectors.appeals_visible(actor, where)
    out: dict[str, Any] = {
        **_rates_values(rates_mod.rates(qs, start=start, end=end, now=now)),
        "region_id": params.region,
        "start": _utc(start),
        "end": _utc(end),
        "groups": None,
    }
    if params.group is not None:
        by = rates_mod.rates_by(qs, RATE_GROUPS[params.group], start=start, end=end, now=now)
        names = _group_names(params.group, list(by))
        out["groups"] = [
            {"id": key, "name": names.get(key, ""), **_rates_values(r)}
            for key, r in sorted(by.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ]
    return out
