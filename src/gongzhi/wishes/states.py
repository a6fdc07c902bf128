"""The one declared state machine of a micro-wish (微心愿).

posted → claimed (one Party member, 认领) → fulfilled (达成, by the claimer) → confirmed (by the
wisher, or staff for them, with a public thank-you). A posted wish may be withdrawn (撤回) by the
wisher or staff; a claimer (or staff) may release a claim with a reason, and the wish goes back
on the wall. Confirmed and withdrawn are ends.

A transition fired from the wrong state raises Conflict (HTTP 409); by someone who may not fire
it, PermissionDenied (HTTP 403); without a required text, ValidationFailed naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed


class State(StrEnum):
    POSTED = "posted"
    CLAIMED = "claimed"
    FULFILLED = "fulfilled"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


STATE_LABELS = {
    State.POSTED: _("Waiting for someone to claim it"),
    State.CLAIMED: _("Claimed"),
    State.FULFILLED: _("Fulfilled, awaiting the wisher"),
    State.CONFIRMED: _("Confirmed"),
    State.WITHDRAWN: _("Withdrawn"),
}


class Actor(StrEnum):
    """Who, relative to the wish, may fire a transition."""

    WISHER = "wisher"  # the resident whose wish it is
    STAFF = "staff"  # grid worker, community staff or secretary over the wish's place (代办)
    CLAIMER = "claimer"  # the Party member who claimed it
    VOLUNTEER = "volunteer"  # a Party member of the wish's community, not the wisher


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[State]
    target: State
    actors: frozenset[Actor]
    # The text the transition needs ("" for none): a reason, a note or the thanks.
    needs_text: str = ""


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("claim", frozenset({State.POSTED}), State.CLAIMED, frozenset({Actor.VOLUNTEER})),
        Transition(
            "release",
            frozenset({State.CLAIMED}),
            State.POSTED,
            frozenset({Actor.CLAIMER, Actor.STAFF}),
            needs_text="reason",
        ),
        Transition(
            "fulfil",
            frozenset({State.CLAIMED}),
            State.FULFILLED,
            frozenset({Actor.CLAIMER}),
            needs_text="note",
        ),
        Transition(
            "confirm",
            frozenset({State.FULFILLED}),
            State.CONFIRMED,
            frozenset({Actor.WISHER, Actor.STAFF}),
        ),
        Transition(
            "withdraw",
            frozenset({State.POSTED}),
            State.WITHDRAWN,
            frozenset({Actor.WISHER, Actor.STAFF}),
        ),
    )
}

OPEN = frozenset({State.POSTED})
ENDS = frozenset({State.CONFIRMED, State.WITHDRAWN})

TEXT_MESSAGES = {
    "reason": _("Give a reason."),
    "note": _("Say briefly how the wish was fulfilled."),
}


def check(
    transition: str, *, current: str, actors: frozenset[Actor], text: str = ""
) -> tuple[Transition, Actor]:
    """The transition and the capacity that allows it; else the domain error naming why.

    Who may fire it is checked before the state: someone who may never fire it learns nothing
    about the wish's state.
    """
    t = TRANSITIONS.get(transition)
    if t is None:
        raise ValidationFailed(_("Unknown action."), field="action")
    allowed = [a for a in Actor if a in actors and a in t.actors]
    if not allowed:
        raise PermissionDenied(_("You cannot take this action on this wish."))
    state = State(current)
    if state not in t.sources:
        raise Conflict(
            _("This wish is now “%(state)s”; that action is not possible.")
            % {"state": STATE_LABELS[state]},
            field="action",
        )
    if t.needs_text and not text.strip():
        raise ValidationFailed(TEXT_MESSAGES[t.needs_text], field="text")
    return t, allowed[0]


def allowed(current: str, actors: frozenset[Actor]) -> list[str]:
    """Every transition `actors` may fire from `current` (for the pages' buttons)."""
    state = State(current)
    return [t.name for t in TRANSITIONS.values() if state in t.sources and actors & t.actors]
