"""The one declared state machine of an appeal (诉求).

submitted → signed_for (签收) → in_progress → replied (办结, awaiting the resident) → closed
(confirmed and rated); a dissatisfied rating reopens once; rejected (不予受理) and merged are ends.
Every firing is a timeline entry; an illegal one raises Conflict (HTTP 409), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import Conflict


class State(StrEnum):
    SUBMITTED = "submitted"
    SIGNED_FOR = "signed_for"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    CLOSED = "closed"
    REOPENED = "reopened"
    REJECTED = "rejected"
    MERGED = "merged"


STATE_LABELS = {
    State.SUBMITTED: _("Submitted"),
    State.SIGNED_FOR: _("Signed for"),
    State.IN_PROGRESS: _("In progress"),
    State.REPLIED: _("Replied, awaiting the resident"),
    State.CLOSED: _("Closed"),
    State.REOPENED: _("Reopened"),
    State.REJECTED: _("Not accepted"),
    State.MERGED: _("Merged as a duplicate"),
}


class Actor(StrEnum):
    """Who, relative to the appeal, may fire a transition."""

    OWNER = "owner"  # the first responder, a co-handler, or the assigned partner unit's handler
    STAFF = "staff"  # community staff or secretary in scope
    RESIDENT = "resident"  # the resident who raised it (or staff acting on their behalf)
    SYSTEM = "system"  # sweeps: auto-close, escalation


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[State]
    target: State
    actors: frozenset[Actor]
    needs_reason: bool = False


OPEN = frozenset({State.SUBMITTED, State.SIGNED_FOR, State.IN_PROGRESS, State.REOPENED})

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "sign_for",
            frozenset({State.SUBMITTED, State.REOPENED}),
            State.SIGNED_FOR,
            frozenset({Actor.OWNER, Actor.STAFF}),
        ),
        Transition(
            "start",
            frozenset({State.SIGNED_FOR}),
            State.IN_PROGRESS,
            frozenset({Actor.OWNER, Actor.STAFF}),
        ),
        Transition(
            "reply",
            frozenset({State.SIGNED_FOR, State.IN_PROGRESS}),
            State.REPLIED,
            frozenset({Actor.OWNER, Actor.STAFF}),
            needs_reason=True,
        ),
        Transition(
            "confirm",
            frozenset({State.REPLIED}),
            State.CLOSED,
            frozenset({Actor.RESIDENT, Actor.STAFF}),
        ),
        Transition(
            "reopen",
            frozenset({State.REPLIED}),
            State.REOPENED,
            frozenset({Actor.RESIDENT, Actor.STAFF}),
            needs_reason=True,
        ),
        Transition(
            "auto_close", frozenset({State.REPLIED}), State.CLOSED, frozenset({Actor.SYSTEM})
        ),
        Transition(
            "reject",
            frozenset({State.SUBMITTED, State.SIGNED_FOR, State.REOPENED}),
            State.REJECTED,
            frozenset({Actor.STAFF}),
            needs_reason=True,
        ),
        Transition("merge", OPEN, State.MERGED, frozenset({Actor.OWNER, Actor.STAFF})),
    )
}


@dataclass(frozen=True)
class Action:
    """Something done to an appeal that does not change its state (a transfer, a note...)."""

    name: str
    sources: frozenset[State]
    actors: frozenset[Actor]
    needs_reason: bool = False


ALL_STATES = frozenset(State)
# Ends: nothing moves an appeal out of these.
ENDS = frozenset({State.CLOSED, State.REJECTED, State.MERGED})
# Pending on the resident (or the auto-close sweep), no longer on a handler.
AWAITING_RESIDENT = frozenset({State.REPLIED})

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        # Hand the appeal to another owner (a person or a partner unit): on the record.
        Action("transfer", OPEN, frozenset({Actor.OWNER, Actor.STAFF}), needs_reason=True),
        Action("add_co_handler", OPEN, frozenset({Actor.OWNER, Actor.STAFF})),
        # Correct the category chosen at intake (the router may not have been sure).
        Action("recategorise", OPEN, frozenset({Actor.OWNER, Actor.STAFF})),
        Action("note_internal", ALL_STATES, frozenset({Actor.OWNER, Actor.STAFF})),
        Action("note_public", ALL_STATES, frozenset({Actor.OWNER, Actor.STAFF, Actor.RESIDENT})),
        # 回访: staff record the rating of an offline resident; on a closed appeal that was
        # auto-closed unrated, the rating is recorded without a change of state.
        Action("follow_up", frozenset({State.REPLIED, State.CLOSED}), frozenset({Actor.STAFF})),
        # Sweeps: deadline warnings and escalation.
        Action("warn", OPEN, frozenset({Actor.SYSTEM})),
        Action("escalate", OPEN, frozenset({Actor.SYSTEM})),
    )
}


def _check(
    entry: Transition | Action, current: State, actors: frozenset[Actor], reason: str
) -> Actor:
    if current not in entry.sources:
        raise Conflict(
            _("This appeal is %(state)s; that action is not possible now.")
            % {"state": STATE_LABELS[current]},
            field="action",
        )
    allowed = [a for a in Actor if a in actors and a in entry.actors]
    if not allowed:
        raise Conflict(_("You cannot take this action on this appeal."), field="action")
    if entry.needs_reason and not reason.strip():
        raise Conflict(_("Give a reason."), field="reason")
    return allowed[0]


def check(transition: str, *, current: State, actor: Actor, reason: str = "") -> Transition:
    """The transition if `actor` may fire it from `current`; else a Conflict naming why."""
    t = TRANSITIONS.get(transition)
    if t is None:
        raise Conflict(_("Unknown action."), field="action")
    _check(t, State(current), frozenset({actor}), reason)
    return t


def check_any(
    transition: str, *, current: State, actors: frozenset[Actor], reason: str = ""
) -> tuple[Transition, Actor]:
    """As `check`, for a person who may be several things to the appeal at once (the owner
    and community staff, say): the transition and the first capacity that allows it."""
    t = TRANSITIONS.get(transition)
    if t is None:
        raise Conflict(_("Unknown action."), field="action")
    return t, _check(t, State(current), actors, reason)


def check_action(
    action: str, *, current: State, actors: frozenset[Actor], reason: str = ""
) -> tuple[Action, Actor]:
    """The action if one of `actors` may take it in `current`; else a Conflict naming why."""
    a = ACTIONS.get(action)
    if a is None:
        raise Conflict(_("Unknown action."), field="action")
    return a, _check(a, State(current), actors, reason)


def allowed(current: State, actors: frozenset[Actor]) -> list[str]:
    """Every transition and action `actors` may take in `current` (for the pages' buttons)."""
    out = [t.name for t in TRANSITIONS.values() if current in t.sources and actors & t.actors]
    out += [a.name for a in ACTIONS.values() if current in a.sources and actors & a.actors]
    return out
