"""Exactly one claimer wins when Party members claim one wish at the same moment.

The claim is a conditional UPDATE (`... WHERE state = 'posted'`). On PostgreSQL the racing
UPDATEs queue on the row lock and the losers re-check the condition after the winner commits;
on SQLite, BEGIN IMMEDIATE serialises the writers. Both are run here with real threads, each
on its own connection; and the stale-read case is proven directly."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from gongzhi.appeals.tests.threads import run_together
from gongzhi.core.errors import Conflict
from gongzhi.core.models import AuditEvent
from gongzhi.wishes import services
from gongzhi.wishes.models import Wish, WishEvent
from gongzhi.wishes.states import State
from gongzhi.wishes.tests.factories import build_world, party_member, post


def test_a_claim_from_a_stale_read_updates_no_row_and_is_a_conflict(world):
    wish = post(world)
    stale = Wish.objects.get(pk=wish.pk)  # what the second Party member read
    services.claim_wish(actor=world.users["pm_a"], wish=wish.pk)
    # The conditional UPDATE from the state they read matches nothing...
    assert (
        Wish.objects.filter(pk=stale.pk, state=stale.state).update(
            state=State.CLAIMED, claimed_by=world.person("pm_a2")
        )
        == 0
    )
    # ...and their claim is a Conflict with a clear message, and writes nothing.
    with pytest.raises(Conflict) as err:
        services.claim_wish(actor=world.users["pm_a2"], wish=stale)
    assert err.value.status_code == 409
    wish.refresh_from_db()
    assert wish.claimed_by == world.person("pm_a")
    assert WishEvent.objects.filter(wish=wish, kind="claimed").count() == 1


@contextmanager
def racing_database(tmp_path: Path) -> Iterator[None]:
    """Where the racing threads connect. PostgreSQL: the test database. SQLite: the test
    database is in memory with a shared cache, whose table locks fail at once instead of
    waiting; so it is copied to a WAL file and the threads' new connections open that, as the
    embedded deployment does (BEGIN IMMEDIATE, busy timeout)."""
    if connection.vendor != "sqlite":
        yield
        return
    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    settings = connections.settings[DEFAULT_DB_ALIAS]
    before = settings["NAME"]
    settings["NAME"] = str(path)
    try:
        yield
    finally:
        settings["NAME"] = before


def _race(n: int, tmp_path: Path) -> None:
    world = build_world()
    claimers = ["pm_a", "pm_a2", "pm_dual"]
    for i in range(len(claimers), n):
        party_member(world, f"pm_extra{i}", home=world.building_a1, org_region=world.comm_a)
        claimers.append(f"pm_extra{i}")
    wish = post(world)
    users = [world.users[k] for k in claimers[:n]]
    with racing_database(tmp_path):

        def claim(i: int) -> int | None:
            return services.claim_wish(actor=users[i], wish=wish.pk).claimed_by_id

        results, errors = run_together(n, claim)

        def look(_i: int) -> tuple[str, int | None, int, int]:
            w = Wish.objects.get(pk=wish.pk)
            return (
                w.state,
                w.claimed_by_id,
                WishEvent.objects.filter(wish_id=wish.pk, kind="claimed").count(),
                AuditEvent.objects.filter(action="wish.claim").count(),
            )

        after, look_errors = run_together(1, look)
    assert not look_errors
    winners = [r for r in results if r is not None]
    assert len(winners) == 1, (results, errors)
    assert len(errors) == n - 1 and all(isinstance(e, Conflict) for e in errors), errors
    assert after == [(State.CLAIMED, winners[0], 1, 1)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", [2, 10])
def test_concurrent_claims_have_exactly_one_winner(n, tmp_path):
    assert connection.vendor in {"sqlite", "postgresql"}
    _race(n, tmp_path)
