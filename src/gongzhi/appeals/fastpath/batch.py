"""Many submissions, one transaction: what POST /api/v1/appeals (appeals/api.py, which calls
`services.submit_appeal`) does for a new appeal on the "api" channel, done for a batch.

For each submission: the token's user (cached a few seconds), the checks of submit_appeal for
the "api" channel, and `intake.plan_intake` over the cached configuration. A submission that
fails a check, or whose Idempotency-Key was used before (a replay, or a conflict), is answered
`FALLBACK`: the normal endpoint takes it and answers as it always does. The rest are inserted
in one transaction: the numbers (`services.reserve_numbers(day, n)`), the appeals, their first
timeline events and their audit events (bulk inserts). After the commit: the answers (the
API's `appeal_out`, the shape of docs/api.md), then the notifications (`notifications.notify`'s
delivery, grouped). Nothing is answered before the commit, and an answered appeal is committed.

Two server processes may insert the same new key at the same moment: the loser's batch hits
the unique constraint, rolls back, and is planned again; it then finds the winner's row, and
that submission goes to the normal endpoint as a replay.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    language_code_re,
    parse_accept_lang_header,
)

from gongzhi.appeals.config import AppealsConfig, get_config
from gongzhi.appeals.intake import (
    IntakePlan,
    build_appeal,
    build_audit_event,
    build_first_event,
    format_number,
    local_day,
    plan_intake,
)
from gongzhi.appeals.models import Appeal, AppealEvent, Category, Channel, Notification
from gongzhi.appeals.notifications import Recipients
from gongzhi.appeals.services import (
    _home_community_path,
    _label,
    _owner_recipients,
    clean_phone,
    reserve_numbers,
)
from gongzhi.core.context import reset_request_id, set_request_id
from gongzhi.core.errors import DomainError
from gongzhi.core.models import AuditEvent
from gongzhi.org.models import PartnerUnit, Person, Region

from . import rows
from .parse import Submission

logger = logging.getLogger(__name__)

CHANNEL = Channel.API
# The channels whose keys the API looks up for a replay (appeals/api.py API_CHANNELS).
API_CHANNELS = ("api", "desk", "visit", "phone")
# How long a token's user is trusted without asking the database again. A revoked token or a
# deactivated login stops working on the fast path within this time (the normal endpoint, at
# once); api.services.authenticate_api_token notes last_used_at at most once a minute anyway.
AUTH_TTL_SECONDS = 5.0
RETRIES = 3
MAX_CONTACT_NAME = 50


@dataclass(frozen=True)
class Caller:
    """What intake needs to know about a token and its user."""

    user_id: int
    token_id: int
    person_id: int | None
    phone: str
    within_path: str

    @property
    def submitter_ref(self) -> str:
        return f"token:{self.token_id}"  # whose idempotency keys these are (docs/api.md)


@dataclass(frozen=True)
class Answer:
    """201 and the API's answer (appeal_out, unserialised), or `FALLBACK`: Django's turn."""

    status: int = 0
    body: dict[str, Any] | None = None
    language: str = ""

    @property
    def fallback(self) -> bool:
        return self.body is None


FALLBACK = Answer()


@dataclass
class _Planned:
    index: int
    sub: Submission
    caller: Caller
    plan: IntakePlan
    phone: str
    received_at: dt.datetime
    appeal: Appeal | None = None


@dataclass
class AuthCache:
    """Token secret → Caller (or None), for AUTH_TTL_SECONDS. Used by one thread only."""

    ttl: float = AUTH_TTL_SECONDS
    entries: dict[str, tuple[float, Caller | None]] = field(default_factory=dict)

    def get(self, secret: str) -> Caller | None:
        now = time.monotonic()
        hit = self.entries.get(secret)
        if hit is not None and hit[0] > now:
            return hit[1]
        caller = resolve_caller(secret)
        if len(self.entries) > 10_000:
            self.entries.clear()
        self.entries[secret] = (now + self.ttl, caller)
        return caller


def resolve_caller(secret: str) -> Caller | None:
    """The token and its user as intake sees them, or None (the normal endpoint answers)."""
    from gongzhi.api.models import ApiToken
    from gongzhi.api.services import authenticate_api_token, hash_token
    from gongzhi.org.scopes import scope_for

    user = authenticate_api_token(secret=secret)
    if user is None:
        return None
    token_id = (
        ApiToken.objects.filter(
            token_hash=hash_token(secret), user_id=user.pk, revoked_at__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )
    scope = scope_for(user)
    within = _home_community_path(scope) if scope.person_id else ""
    if token_id is None or (not within and not scope.is_admin):
        return None
    person = user.person
    return Caller(
        user_id=user.pk,
        token_id=token_id,
        person_id=person.pk if person is not None else None,
        phone=person.phone if person is not None else "",
        within_path=within,
    )


@functools.lru_cache(maxsize=512)
def language_for(accept_language: str) -> str:
    """The language LocaleMiddleware activates for this Accept-Language (and no cookie):
    django.utils.translation.trans_real.get_language_from_request without the request."""
    for code, _q in parse_accept_lang_header(accept_language):
        if code == "*":
            break
        if not language_code_re.search(code):
            continue
        try:
            return str(get_supported_language_variant(code))
        except LookupError:
            continue
    try:
        return str(get_supported_language_variant(settings.LANGUAGE_CODE))
    except LookupError:
        return str(settings.LANGUAGE_CODE)


@contextlib.contextmanager
def write_lock() -> Iterator[None]:
    """On SQLite, the intake threads of all server processes take turns through a file lock
    before BEGIN IMMEDIATE: a waiting process wakes the moment the other commits, instead of
    sleeping in SQLite's busy handler (1, 2, 5, 10... ms), which would ruin the latency.
    PostgreSQL needs nothing: its row locks queue without polling."""
    if connection.vendor != "sqlite" or not isinstance(connection.settings_dict["NAME"], str):
        yield
        return
    name = connection.settings_dict["NAME"]
    if name == ":memory:" or name.startswith("file:"):  # tests: one process
        yield
        return
    with open(f"{name}.intake-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def warm_up() -> None:
    """Load what the first submission would otherwise wait seconds for: the configuration,
    the router (a trained model imports scikit-learn and SciPy; the keyword router its word
    lists), the token tables, the answer's schema."""
    from gongzhi.appeals import routing
    from gongzhi.appeals.api import appeal_out  # noqa: F401
    from gongzhi.appeals.api_schemas import AppealOut  # noqa: F401

    config = get_config()
    routing.suggest(config, "路灯不亮，晚上很黑。")
    resolve_caller("gz_" + "0" * 43)
    language_for("")


def _plan_one(
    config: AppealsConfig, auth: AuthCache, sub: Submission, index: int, now: dt.datetime
) -> _Planned | None:
    caller = auth.get(sub.secret)
    if caller is None:
        return None
    if len(sub.contact_name.strip()) > MAX_CONTACT_NAME:
        return None  # submit_appeal's ValidationFailed: the endpoint words it
    try:
        phone = clean_phone(sub.contact_phone) or caller.phone
        plan = plan_intake(
            config,
            text=sub.text,
            title=sub.title,
            category_code=sub.category_code,
            urgency=sub.urgency,
            building_id=sub.building_id,
            grid_id=sub.grid_id,
            latitude=sub.latitude,
            longitude=sub.longitude,
            within_path=caller.within_path,
            now=now,
        )
    except DomainError:
        return None
    return _Planned(index, sub, caller, plan, phone, now)


def _key_of(p: _Planned) -> tuple[str, str] | None:
    if not p.sub.idempotency_key:
        return None
    return (p.caller.submitter_ref, p.sub.idempotency_key)


def _in(values: Sequence[Any]) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _used_keys(keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The keys an appeal was already filed with on an API channel (as api.py looks them up).
    One query per batch; `NOT (idempotency_key = '')` repeats the condition of the partial
    unique index so that SQLite searches that index instead of scanning the table."""
    if not keys:
        return set()
    refs = sorted({ref for ref, _key in keys})
    values = sorted({key for _ref, key in keys})
    found = rows.query(
        f"SELECT submitter_ref, idempotency_key FROM {Appeal._meta.db_table}"  # noqa: S608
        f" WHERE channel IN {_in(API_CHANNELS)} AND submitter_ref IN {_in(refs)}"
        f" AND idempotency_key IN {_in(values)} AND NOT (idempotency_key = '')",
        [*API_CHANNELS, *refs, *values],
    )
    return {(ref, key) for ref, key in found if (ref, key) in keys}


def _names(model: type[Person] | type[PartnerUnit], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    wanted = sorted(ids)
    table = model._meta.db_table
    found = rows.query(f"SELECT id, name FROM {table} WHERE id IN {_in(wanted)}", wanted)  # noqa: S608
    return {int(pk): str(name) for pk, name in found}


def _insert(fresh: list[_Planned]) -> None:
    by_day: dict[dt.date, list[_Planned]] = defaultdict(list)
    for p in fresh:
        by_day[local_day(p.received_at)].append(p)
    appeals: list[Appeal] = []
    for day, group in sorted(by_day.items()):
        first = reserve_numbers(day, len(group))
        for offset, p in enumerate(group):
            p.appeal = build_appeal(
                p.plan,
                number=format_number(day, first + offset),
                channel=CHANNEL,
                now=p.received_at,
                resident_id=p.caller.person_id,
                submitted_by_id=p.caller.user_id,
                by_proxy=False,
                # as api.py and submit_appeal: the token with a key, else the user
                submitter_ref=(
                    p.caller.submitter_ref if p.sub.idempotency_key else f"user:{p.caller.user_id}"
                ),
                idempotency_key=p.sub.idempotency_key,
                anonymous=p.sub.anonymous,
                contact_name=p.sub.contact_name.strip(),
                contact_phone=p.phone,
                latitude=p.sub.latitude,
                longitude=p.sub.longitude,
            )
            appeals.append(p.appeal)
    rows.insert(appeals)
    events: list[AppealEvent] = []
    audits: list[AuditEvent] = []
    for p in fresh:
        appeal = p.appeal
        if appeal is None or appeal.pk is None:  # bulk_create returns ids on both backends
            raise RuntimeError("bulk_create returned no id")
        uid = p.caller.user_id
        events.append(build_first_event(appeal, p.plan, actor_id=uid, on_behalf_of_id=None))
        token = set_request_id(p.sub.request_id or None)
        try:
            audits.append(build_audit_event(appeal, p.plan, actor_id=uid, on_behalf_of_id=None))
        finally:
            reset_request_id(token)
    rows.insert(events)
    rows.insert(audits)


def _attach_related(appeals: Sequence[Appeal], config: AppealsConfig) -> None:
    """Give the new appeals what appeal_out reads (category, grid, owner) without a query per
    appeal: one for the owners' names, one for the partner units'. The instances are shared
    within the batch (appeal_out only reads them)."""
    person_ids = {a.assigned_person_id for a in appeals if a.assigned_person_id is not None}
    partner_ids = {a.owner_partner_id for a in appeals if a.owner_partner_id is not None}
    people = {pk: Person(pk=pk, name=name) for pk, name in _names(Person, person_ids).items()}
    partners = {
        pk: PartnerUnit(pk=pk, name=name) for pk, name in _names(PartnerUnit, partner_ids).items()
    }
    categories: dict[int, Category] = {}
    grids: dict[int, Region] = {}
    for a in appeals:
        category = categories.get(a.category_id)
        if category is None:
            info = config.categories[a.category_id]
            category = categories[a.category_id] = Category(
                pk=info.id, code=info.code, name=info.name
            )
        a.category = category
        if a.grid_id is not None:
            grid = grids.get(a.grid_id)
            if grid is None:
                grid = grids[a.grid_id] = Region(pk=a.grid_id, name=config.regions[a.grid_id].name)
            a.grid = grid
        a.owner_person = None
        if a.assigned_person_id is not None:
            a.assigned_person = people[a.assigned_person_id]
        if a.owner_partner_id is not None:
            a.owner_partner = partners[a.owner_partner_id]


def submit_batch(
    subs: Sequence[Submission],
    *,
    auth: AuthCache | None = None,
    now: Callable[[], dt.datetime] = timezone.now,
    received: Sequence[dt.datetime] | None = None,
) -> tuple[list[Answer], list[tuple[Appeal, str]]]:
    """Plan and insert `subs` in one transaction. The answers (in order) and the appeals
    created with their request's language (for `notify_created`, after the commit)."""
    from gongzhi.appeals.api import appeal_out

    auth = auth or AuthCache()
    config = get_config()
    answers: list[Answer] = [FALLBACK] * len(subs)
    stamp = now()
    planned: list[_Planned] = []
    for index, sub in enumerate(subs):
        at = received[index] if received is not None else stamp
        p = _plan_one(config, auth, sub, index, at)
        if p is not None:
            planned.append(p)
    fresh: list[_Planned] = []
    for attempt in range(RETRIES):
        fresh = []
        try:
            with write_lock(), transaction.atomic():
                keys = {k for p in planned if (k := _key_of(p)) is not None}
                taken = _used_keys(keys)
                for p in planned:
                    p.appeal = None
                    key = _key_of(p)
                    if key is not None:
                        if key in taken:
                            continue  # a replay, or a conflict: the endpoint decides
                        taken.add(key)  # a repeat later in this batch is a replay of this one
                    fresh.append(p)
                if fresh:
                    _insert(fresh)
            break
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise
            logger.info("appeals fast path: a key raced another process; planning again")
    created = [p.appeal for p in fresh if p.appeal is not None]
    _attach_related(created, config)
    languages = []
    for p, appeal in zip(fresh, created, strict=True):
        language = language_for(p.sub.accept_language)
        languages.append(language)
        with translation.override(language):
            answers[p.index] = Answer(201, appeal_out(appeal), language)
    return answers, list(zip(created, languages, strict=True))


def notify_created(appeals: Sequence[tuple[Appeal, str]]) -> None:
    """What `notify(kind="submitted")` delivers after submit_appeal commits, for many appeals:
    one recipients query per distinct owner and one bulk insert. The text is in the request's
    language, as submit_appeal renders it. Logged, never raised."""
    from gongzhi.appeals.notifications import _users

    if not appeals:
        return
    try:
        groups: dict[Recipients, list[tuple[Appeal, str]]] = defaultdict(list)
        for appeal, language in appeals:
            recipients = _owner_recipients(appeal)
            if recipients.person_ids or recipients.roles_at or recipients.partner_ids:
                groups[recipients].append((appeal, language))
        notices: list[Notification] = []
        emails: set[int] = set()
        now = timezone.now()
        for recipients, group in groups.items():
            users = _users(recipients)
            emails.update(uid for uid, email in users if email)
            for appeal, language in group:
                with translation.override(language):
                    text = str(_("New appeal %(appeal)s") % {"appeal": _label(appeal)})[:300]
                notices.extend(
                    Notification(
                        recipient_id=uid,
                        appeal_id=appeal.pk,
                        kind="submitted",
                        text=text,
                        created_at=now,
                    )
                    for uid, _email in users
                )
        if not notices:
            return
        rows.insert(notices)
        ids = [n.pk for n in notices if n.pk is not None and n.recipient_id in emails]
        if ids:
            from gongzhi.appeals.tasks import send_notification_emails

            send_notification_emails(ids)
    except Exception:  # the appeals are saved; a lost notice must not fail them
        logger.exception("appeals fast path: could not deliver notifications")
