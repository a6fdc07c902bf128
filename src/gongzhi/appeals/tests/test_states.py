import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongzhi.appeals.states import OPEN, TRANSITIONS, Actor, State, check
from gongzhi.core.errors import Conflict


def test_happy_path_is_legal():
    state = State.SUBMITTED
    for name, actor, reason in [
        ("sign_for", Actor.OWNER, ""),
        ("start", Actor.OWNER, ""),
        ("reply", Actor.OWNER, "已修复"),
        ("confirm", Actor.RESIDENT, ""),
    ]:
        state = check(name, current=state, actor=actor, reason=reason).target
    assert state is State.CLOSED


def test_reject_needs_reason_and_staff():
    with pytest.raises(Conflict) as err:
        check("reject", current=State.SUBMITTED, actor=Actor.STAFF)
    assert err.value.field == "reason"
    with pytest.raises(Conflict):
        check("reject", current=State.SUBMITTED, actor=Actor.RESIDENT, reason="x")


def test_closed_rejected_and_merged_are_ends():
    for end in (State.CLOSED, State.REJECTED, State.MERGED):
        for name in TRANSITIONS:
            with pytest.raises(Conflict):
                check(name, current=end, actor=Actor.STAFF, reason="r")


@given(
    st.sampled_from(list(State)), st.sampled_from(list(TRANSITIONS)), st.sampled_from(list(Actor))
)
def test_check_either_returns_a_declared_transition_or_raises_conflict(state, name, actor):
    try:
        t = check(name, current=state, actor=actor, reason="理由")
    except Conflict:
        return
    assert state in t.sources
    assert actor in t.actors


def test_open_states_are_the_ones_that_can_merge():
    assert TRANSITIONS["merge"].sources == OPEN
