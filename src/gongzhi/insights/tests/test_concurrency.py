"""Two refreshers at once apply each change exactly once (PostgreSQL: real threads; SQLite
serialises its writers, the test then runs them one after the other)."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.tests.factories import MONDAY, build_street, submit
from gongzhi.appeals.tests.threads import postgres_only, run_together
from gongzhi.insights import rollups
from gongzhi.insights.tests.test_rollups import assert_rollups_match


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_apply_each_change_once():
    world = build_street()
    made = [submit(world, who) for who in ("resident_a1", "resident_a2", "resident_b1") * 3]
    rollups.refresh(now=MONDAY, full=True)
    later = MONDAY + dt.timedelta(hours=1)
    for a in made[:5]:
        services.sign_for_appeal(actor=world.users["admin"], appeal=a, now=later)
    made.append(submit(world, "resident_b1", now=later))

    # when four workers refresh at the same moment
    results, errors = run_together(4, lambda i: rollups.refresh(now=later))

    # then all succeed, exactly one of them found the changes, and the totals are right
    assert not errors
    assert sum(r.changed for r in results if r is not None) == 6
    assert_rollups_match(later)


@pytest.mark.django_db(transaction=True)
def test_refreshes_one_after_another_change_nothing_twice():
    world = build_street()
    submit(world)
    rollups.refresh(now=MONDAY, full=True)
    submit(world, "resident_b1")
    first = rollups.refresh(now=MONDAY)
    second = rollups.refresh(now=MONDAY)
    assert (first.changed, second.changed) == (1, 0)
    assert_rollups_match(MONDAY)
