"""Every transition and action, in every state, by every kind of actor: it happens exactly when
the state table (states.py) and the actor's relation to the appeal allow it; otherwise a 404
(cannot see it) or a 409 (sees it, may not do that now), never anything else."""

import datetime as dt

import pytest
from django.db import transaction

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.appeals.states import ACTIONS, TRANSITIONS, Actor, State
from gongzhi.appeals.tests.factories import MONDAY, submit
from gongzhi.core.errors import Conflict, DomainError, NotFound
from gongzhi.core.models import AuditEvent

LATER = MONDAY + dt.timedelta(hours=1)

# What each login is to an appeal of resident_a1 in grid A1, routed to (and signed for by)
# grid worker A1. None: cannot see it at all.
CAPACITIES = {
    "worker_a1": {Actor.OWNER},
    "worker_a2": None,
    "staff_a": {Actor.STAFF},
    "secretary_a": {Actor.STAFF},
    "admin": {Actor.STAFF},
    "supervisor": set(),  # sees the whole street, acts on none of it
    "staff_b": None,
    "partner_a": None,  # not assigned to their unit
    "resident_a1": {Actor.RESIDENT},
    "resident_a2": None,
}


def appeal_in(world, state):
    u = world.users
    a = submit(world)
    if state == State.SUBMITTED:
        return a
    if state == State.REJECTED:
        return services.reject_appeal(actor=u["staff_a"], appeal=a, reason="不属于受理范围")
    if state == State.MERGED:
        survivor = submit(world, text="路灯坏了，晚上看不见路")
        services.merge_appeals(actor=u["staff_a"], into=survivor, duplicates=[a])
        return Appeal.objects.get(pk=a.pk)
    services.sign_for_appeal(actor=u["worker_a1"], appeal=a)
    if state == State.SIGNED_FOR:
        return Appeal.objects.get(pk=a.pk)
    services.start_appeal(actor=u["worker_a1"], appeal=a)
    if state == State.IN_PROGRESS:
        return Appeal.objects.get(pk=a.pk)
    services.reply_appeal(actor=u["worker_a1"], appeal=a, text="已更换灯泡")
    if state == State.REPLIED:
        return Appeal.objects.get(pk=a.pk)
    if state == State.CLOSED:
        return services.rate_appeal(actor=u["resident_a1"], appeal=a, rating="satisfied")
    assert state == State.REOPENED
    return services.rate_appeal(
        actor=u["resident_a1"], appeal=a, rating="dissatisfied", comment="还是不亮"
    )


def _merge(world, user, appeal):
    into = submit(world, text="另一件路灯的事情")
    return services.merge_appeals(actor=user, into=into, duplicates=[appeal], now=LATER)


CALLS = {
    "sign_for": lambda w, u, a: services.sign_for_appeal(actor=u, appeal=a, now=LATER),
    "start": lambda w, u, a: services.start_appeal(actor=u, appeal=a, now=LATER),
    "reply": lambda w, u, a: services.reply_appeal(actor=u, appeal=a, text="已处理", now=LATER),
    "reopen": lambda w, u, a: services.reopen_appeal(actor=u, appeal=a, reason="没修好", now=LATER),
    "reject": lambda w, u, a: services.reject_appeal(actor=u, appeal=a, reason="重复", now=LATER),
    "merge": _merge,
    "transfer": lambda w, u, a: services.transfer_appeal(
        actor=u, appeal=a, to_person=w.person("staff_a"), reason="需要社区协调", now=LATER
    ),
    "add_co_handler": lambda w, u, a: services.add_co_handler(
        actor=u, appeal=a, person=w.person("worker_a2"), now=LATER
    ),
    "recategorise": lambda w, u, a: services.recategorise_appeal(
        actor=u, appeal=a, category_code="municipal.road", now=LATER
    ),
    "note_internal": lambda w, u, a: services.add_note(actor=u, appeal=a, text="内部备注"),
    "note_public": lambda w, u, a: services.add_note(
        actor=u, appeal=a, text="补充说明", public=True
    ),
}
# The rating services narrow "confirm" to one side each.
RATE_CALLS = {
    "rate": (
        lambda w, u, a: services.rate_appeal(actor=u, appeal=a, rating="satisfied", now=LATER),
        frozenset({State.REPLIED}),
        {Actor.RESIDENT},
    ),
    "follow_up": (
        lambda w, u, a: services.record_follow_up(
            actor=u, appeal=a, rating="basically", channel="phone", now=LATER
        ),
        frozenset({State.REPLIED}),  # closed appeals here are already rated
        {Actor.STAFF},
    ),
}


def _entry(name):
    if name in RATE_CALLS:
        _call, sources, actors = RATE_CALLS[name]
        return sources, actors
    entry = TRANSITIONS.get(name) or ACTIONS[name]
    return entry.sources, set(entry.actors)


def expected(name, state, capacities):
    if capacities is None:
        return NotFound
    sources, actors = _entry(name)
    if state not in sources or not (capacities & actors):
        return Conflict
    return None


ACTION_NAMES = [*CALLS, *RATE_CALLS]


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("name", ACTION_NAMES)
def test_each_action_in_each_state_by_each_actor(world, state, name):
    appeal = appeal_in(world, state)
    call = CALLS[name] if name in CALLS else RATE_CALLS[name][0]
    for key, capacities in CAPACITIES.items():
        user = world.users[key]
        want = expected(name, state, capacities)
        before = (
            Appeal.objects.filter(pk=appeal.pk).values().get(),
            AppealEvent.objects.count(),
            AuditEvent.objects.count(),
        )
        with transaction.atomic():
            try:
                call(world, user, appeal.pk)
            except DomainError as err:
                got = type(err)
                assert err.status_code in (404, 409), (key, err)
            else:
                got = None
                events_after = AppealEvent.objects.count()
                assert events_after > before[1], f"{name} by {key}: no timeline event"
                assert AuditEvent.objects.count() > before[2], f"{name} by {key}: no audit"
            transaction.set_rollback(True)
        assert got is want, f"{name} in {state} by {key}: expected {want}, got {got}"
        if got is not None:  # a refusal changes nothing
            assert Appeal.objects.filter(pk=appeal.pk).values().get() == before[0]
            assert AppealEvent.objects.count() == before[1]


def test_the_matrix_covers_every_declared_transition_and_action():
    covered = set(CALLS) | {"confirm"}  # confirm: through rate and follow_up
    assert set(TRANSITIONS) - covered == {"auto_close"}  # the sweep's; see test_sweeps
    assert set(ACTIONS) - covered - {"follow_up"} == {"warn", "escalate"}  # ditto
