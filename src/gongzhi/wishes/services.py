"""Writing micro-wishes. Every change is one transaction with its timeline row and audit event;
notices go out after commit (gongzhi.appeals.notifications, with no appeal).

Claiming is safe under concurrency: every transition is a conditional UPDATE from the state the
wish was read in (`... WHERE id = %s AND state = 'posted'`), so of two (or ten) Party members
claiming at once exactly one updates a row; the others match none and get a Conflict. The
database decides, never a read-check-write in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.notifications import Recipients, notify
from gongzhi.core import audit
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.org.models import Person, Region, RegionKind, Role
from gongzhi.org.scopes import ACT_FOR_ROLES, scope_for
from gongzhi.wishes import selectors, states
from gongzhi.wishes.models import (
    DESCRIPTION_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Category,
    EventKind,
    Wish,
    WishEvent,
)
from gongzhi.wishes.states import Actor, State

AUDITED = [
    "state",
    "claimed_by",
    "claimed_at",
    "fulfilled_at",
    "fulfil_note",
    "confirmed_at",
    "thanks",
]
GRID_ROLES = frozenset({Role.GRID_WORKER})


def _place(region: Region) -> tuple[Region | None, Region]:
    """The grid (if any) and the community (or village) a region lies in."""
    ids = [int(p) for p in region.path.strip("/").split("/") if p.isdigit()]
    above = {
        r.kind: r
        for r in Region.objects.filter(
            pk__in=ids, kind__in=[RegionKind.GRID, *selectors.COMMUNITY_KINDS]
        )
    }
    community = above.get(RegionKind.COMMUNITY) or above.get(RegionKind.VILLAGE)
    if community is None:
        raise ValidationFailed(
            _("This resident is not registered in a community or village."), field="wisher"
        )
    return above.get(RegionKind.GRID), community


def _clean(value: str, *, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(value) > limit:
        raise ValidationFailed(
            _("At most %(limit)s characters, please.") % {"limit": limit}, field=field
        )
    return value


def _notify(wish: Wish, kind: str, text: str | Promise, *, actor: Any, people: list[int]) -> None:
    """The wisher (or claimer) and the grid's workers, who help residents without a phone."""
    roles_at = ((GRID_ROLES, wish.grid_id),) if wish.grid_id is not None else ()
    notify(
        appeal_id=None,
        kind=kind,
        text=text,
        recipients=Recipients(
            person_ids=tuple(p for p in people if p is not None),
            roles_at=roles_at,
            exclude_user_ids=frozenset({actor.pk}) if actor is not None else frozenset(),
        ),
    )


@transaction.atomic
def post_wish(
    *,
    actor: Any,
    title: str,
    description: str = "",
    category: str = "",
    wisher: Person | int | None = None,
    now: datetime | None = None,
) -> Wish:
    """A resident posts a wish for themself; a grid worker or community staff member posts one
    for a resident of their area (代办: `by_proxy`, and the audit row names the resident)."""
    scope = scope_for(actor)
    if wisher is None:
        if scope.person_id is None:
            raise PermissionDenied(_("Only residents can post a wish."))
        wisher = scope.person_id
    pk = wisher.pk if isinstance(wisher, Person) else wisher
    person = Person.objects.select_related("region").filter(pk=pk).first()
    if person is None:
        raise NotFound(_("No such resident in your area."))
    by_proxy = person.pk != scope.person_id
    if by_proxy and not scope.covers(person.region.path, ACT_FOR_ROLES):
        raise NotFound(_("No such resident in your area."))
    if person.household_id is None:
        if by_proxy:
            raise ValidationFailed(
                _("Only a resident with a household in the register can have a wish."),
                field="wisher",
            )
        raise PermissionDenied(_("Only residents can post a wish; staff post one for a resident."))
    title = _clean(title, field="title", limit=TITLE_MAX, required=True)
    description = _clean(description, field="description", limit=DESCRIPTION_MAX)
    category = (category or "").strip()
    if category and category not in Category.values:
        raise ValidationFailed(_("Choose a category from the list."), field="category")
    grid, community = _place(person.region)
    now = now or timezone.now()
    wish = Wish.objects.create(
        wisher=person,
        region=person.region,
        grid=grid,
        community=community,
        scope_path=person.region.path,
        title=title,
        description=description,
        category=category,
        state=State.POSTED,
        posted_by=actor if getattr(actor, "is_authenticated", False) else None,
        by_proxy=by_proxy,
        created_at=now,
        updated_at=now,
    )
    on_behalf_of = person if by_proxy else None
    WishEvent.objects.create(
        wish=wish,
        kind=EventKind.POSTED,
        actor=wish.posted_by,
        on_behalf_of=on_behalf_of,
        to_state=State.POSTED,
        created_at=now,
    )
    audit.record(
        actor=actor,
        action="wish.post",
        obj=wish,
        scope_path=wish.scope_path,
        after={"title": title, "category": category, "by_proxy": by_proxy},
        on_behalf_of=on_behalf_of,
    )
    _notify(
        wish,
        "wish_posted",
        _("A new micro-wish in your grid: %(title)s") % {"title": title},
        actor=actor,
        people=[],
    )
    return wish


@dataclass(frozen=True)
class Fired:
    wish: Wish
    capacity: Actor


def _fire(
    *,
    actor: Any,
    wish: Wish | int,
    name: str,
    text: str,
    changes: dict[str, Any],
    kind: str,
    now: datetime,
    lost: str | Promise,
) -> Fired:
    """Check `name` for the actor, apply `changes` if the wish is still in the state it was
    read in, and write its timeline row and audit event; a lost race is a Conflict."""
    current = selectors.get_wish(actor, wish)
    v = selectors.viewer(actor)
    try:
        t, capacity = states.check(
            name, current=current.state, actors=v.actors_for(current), text=text
        )
    except Conflict:
        if name == "claim":  # the loser of a race that was already over when they read
            raise Conflict(lost, field="action") from None
        raise
    before = audit.snapshot(current, AUDITED)
    changes = {"state": t.target, **changes}
    updated = Wish.objects.filter(pk=current.pk, state=current.state).update(
        **changes, updated_at=now
    )
    if not updated:
        raise Conflict(lost, field="action")
    from_state = current.state
    for key, value in changes.items():
        setattr(current, key, value)
    current.updated_at = now
    on_behalf_of = (
        current.wisher if capacity == Actor.STAFF and name in {"confirm", "withdraw"} else None
    )
    WishEvent.objects.create(
        wish=current,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        on_behalf_of=on_behalf_of,
        from_state=from_state,
        to_state=t.target,
        text=text,
        created_at=now,
    )
    audit.record(
        actor=actor,
        action=f"wish.{name}",
        obj=current,
        scope_path=current.scope_path,
        before=before,
        after=audit.snapshot(current, AUDITED),
        on_behalf_of=on_behalf_of,
    )
    return Fired(current, capacity)


CHANGED = _("Someone else changed this wish just now; reload the page and try again.")


@transaction.atomic
def claim_wish(*, actor: Any, wish: Wish | int, now: datetime | None = None) -> Wish:
    """A Party member of the wish's community claims it. Exactly one claimer wins."""
    now = now or timezone.now()
    person_id = scope_for(actor).person_id
    fired = _fire(
        actor=actor,
        wish=wish,
        name="claim",
        text="",
        changes={"claimed_by_id": person_id, "claimed_at": now},
        kind=EventKind.CLAIMED,
        now=now,
        lost=_("Someone else claimed this wish just now. Thank you all the same!"),
    )
    w = fired.wish
    _notify(
        w,
        "wish_claimed",
        _("Your micro-wish “%(title)s” was claimed by a Party member.") % {"title": w.title},
        actor=actor,
        people=[w.wisher_id],
    )
    return w


@transaction.atomic
def release_wish(*, actor: Any, wish: Wish | int, reason: str, now: datetime | None = None) -> Wish:
    """The claimer (or staff) gives a claimed wish back to the wall, saying why."""
    now = now or timezone.now()
    reason = _clean(reason, field="text", limit=TEXT_MAX)
    current = selectors.get_wish(actor, wish)
    claimer_id = current.claimed_by_id
    fired = _fire(
        actor=actor,
        wish=current,
        name="release",
        text=reason,
        changes={"claimed_by_id": None, "claimed_at": None},
        kind=EventKind.RELEASED,
        now=now,
        lost=CHANGED,
    )
    w = fired.wish
    _notify(
        w,
        "wish_released",
        _("The micro-wish “%(title)s” is back on the wall: %(reason)s")
        % {"title": w.title, "reason": reason},
        actor=actor,
        people=[w.wisher_id, *([claimer_id] if claimer_id else [])],
    )
    return w


@transaction.atomic
def fulfil_wish(*, actor: Any, wish: Wish | int, note: str, now: datetime | None = None) -> Wish:
    """The claimer says the wish is fulfilled, and how; the wisher then confirms."""
    now = now or timezone.now()
    note = _clean(note, field="text", limit=TEXT_MAX)
    fired = _fire(
        actor=actor,
        wish=wish,
        name="fulfil",
        text=note,
        changes={"fulfilled_at": now, "fulfil_note": note},
        kind=EventKind.FULFILLED,
        now=now,
        lost=CHANGED,
    )
    w = fired.wish
    _notify(
        w,
        "wish_fulfilled",
        _("Your micro-wish “%(title)s” has been fulfilled; please confirm it.")
        % {"title": w.title},
        actor=actor,
        people=[w.wisher_id],
    )
    return w


@transaction.atomic
def confirm_wish(
    *, actor: Any, wish: Wish | int, thanks: str = "", now: datetime | None = None
) -> Wish:
    """The wisher (or staff for them) confirms; the thanks are shown publicly, without names."""
    now = now or timezone.now()
    thanks = _clean(thanks, field="text", limit=TEXT_MAX)
    fired = _fire(
        actor=actor,
        wish=wish,
        name="confirm",
        text=thanks,
        changes={"confirmed_at": now, "thanks": thanks},
        kind=EventKind.CONFIRMED,
        now=now,
        lost=CHANGED,
    )
    w = fired.wish
    _notify(
        w,
        "wish_confirmed",
        _("The wisher confirmed “%(title)s”. Thank you!") % {"title": w.title},
        actor=actor,
        people=[w.claimed_by_id] if w.claimed_by_id else [],
    )
    return w


@transaction.atomic
def withdraw_wish(
    *, actor: Any, wish: Wish | int, reason: str = "", now: datetime | None = None
) -> Wish:
    """The wisher (or staff for them) takes an unclaimed wish off the wall."""
    now = now or timezone.now()
    reason = _clean(reason, field="text", limit=TEXT_MAX)
    return _fire(
        actor=actor,
        wish=wish,
        name="withdraw",
        text=reason,
        changes={},
        kind=EventKind.WITHDRAWN,
        now=now,
        lost=CHANGED,
    ).wish


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    address: str


@transaction.atomic
def reveal_wisher_contact(*, actor: Any, wish: Wish | int) -> Contact:
    """The claimer (while the wish is claimed) or staff over it read the wisher's phone and
    address, to arrange the help. Every such read is an audit event."""
    current = selectors.get_wish(actor, wish)
    actors = selectors.viewer(actor).actors_for(current)
    claimer_now = Actor.CLAIMER in actors and current.state == State.CLAIMED
    if not (claimer_now or Actor.STAFF in actors):
        raise PermissionDenied(_("Only the Party member who claimed the wish can see this."))
    person = Person.objects.select_related("household").get(pk=current.wisher_id)
    audit.record(
        actor=actor,
        action="wish.contact_reveal",
        obj=current,
        scope_path=current.scope_path,
        after={"wisher": person.pk},
        on_behalf_of=None,
    )
    return Contact(
        name=person.name,
        phone=person.phone,
        address=person.household.address if person.household else "",
    )
