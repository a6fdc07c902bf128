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
        Transition("sign_for", frozenset({State.SUBMITTED, State.REOPENED}), State.SIGNED_FOR,
                   frozenset({Actor.OWNER, Actor.STAFF})),
        Transition("start", frozenset({State.SIGNED_FOR}), State.IN_PROGRESS,
                   frozenset({Actor.OWNER, Actor.STAFF})),
        Transition("reply", frozenset({State.SIGNED_FOR, State.IN_PROGRESS}), State.REPLIED,
                   frozenset({Actor.OWNER, Actor.STAFF}), needs_reason=True),
        Transition("confirm", frozenset({State.REPLIED}), State.CLOSED,
                   frozenset({Actor.RESIDENT, Actor.STAFF})),
        Transition("reopen", frozenset({State.REPLIED}), State.REOPENED,
                   frozenset({Actor.RESIDENT, Actor.STAFF}), needs_reason=True),
        Transition("auto_close", frozenset({State.REPLIED}), State.CLOSED,
                   frozenset({Actor.SYSTEM})),
        Transition("reject", frozenset({State.SUBMITTED, State.SIGNED_FOR, State.REOPENED}),
                   State.REJECTED, frozenset({Actor.STAFF}), needs_reason=True),
        Transition("merge", OPEN, State.MERGED, frozenset({Actor.OWNER, Actor.STAFF})),
    )
}


def check(transition: str, *, current: State, actor: Actor, reason: str = "") -> Transition:
    """The transition if `actor` may fire it from `current`; else a Conflict naming why."""
    t = TRANSITIONS.get(transition)
    if t is None:
        raise Conflict(_("Unknown action."), field="action")
    if current not in t.sources:
        raise Conflict(
            _("This appeal is %(state)s; that action is not possible now.")
            % {"state": STATE_LABELS[current]},
            field="action",
        )
    if actor not in t.actors:
        raise Conflict(_("You cannot take this action on this appeal."), field="action")
    if t.needs_reason and not reason.strip():
        raise Conflict(_("Give a reason."), field="reason")
    return t
