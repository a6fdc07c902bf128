"""Exactly one winner: sign-for, idempotent intake and merges under concurrency.

On PostgreSQL (DATABASE_URL=postgres://...) real threads race; on SQLite, whose writers are
serialised by BEGIN IMMEDIATE, the tests prove the conditional UPDATE the services rely on
matches no row for whoever read the appeal before the winner committed."""

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal, AppealEvent, EventKind
from gongzhi.appeals.states import State
from gongzhi.appeals.tests.factories import MONDAY, build_street, submit
from gongzhi.appeals.tests.threads import postgres_only, run_together
from gongzhi.core.errors import Conflict
from gongzhi.core.models import AuditEvent


def test_the_loser_of_a_sign_for_race_updates_no_row(world):
    a = submit(world)
    stale = Appeal.objects.get(pk=a.pk)  # what the second person read
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=a)
    # The conditional UPDATE from the state it read matches nothing...
    assert (
        services.conditional_update(
            stale.pk, expected_state=State.SUBMITTED, changes={"state": State.SIGNED_FOR}
        )
        == 0
    )
    # ...so firing the transition from that stale read is a Conflict and writes nothing.
    events = AppealEvent.objects.count()
    with pytest.raises(Conflict):
        services._fire(
            stale,
            target=State.SIGNED_FOR,
            actor=world.users["staff_a"],
            kind="signed_for",
            now=MONDAY,
            changes={"owner_person_id": world.person("staff_a").pk},
            text="",
            public=True,
            data=None,
            on_behalf_of=None,
            action="appeal.sign_for",
        )
    assert AppealEvent.objects.count() == events
    a.refresh_from_db()
    assert a.owner_person == world.person("worker_a1")


def test_a_second_sign_for_is_a_conflict(world):
    a = submit(world)
    services.sign_for_appeal(actor=world.users["worker_a1"], appeal=a)
    with pytest.raises(Conflict) as err:
        services.sign_for_appeal(actor=world.users["staff_a"], appeal=a)
    assert err.value.status_code == 409


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_for_has_exactly_one_winner():
    world = build_street()
    a = submit(world)
    people = ["worker_a1", "staff_a", "secretary_a", "admin"]

    def sign(i):
        return services.sign_for_appeal(actor=world.users[people[i]], appeal=a.pk).owner_person_id

    results, errors = run_together(len(people), sign)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert len(errors) == len(people) - 1 and all(isinstance(e, Conflict) for e in errors)
    a.refresh_from_db()
    assert a.state == State.SIGNED_FOR and a.owner_person_id == winners[0]
    assert AppealEvent.objects.filter(appeal=a, kind=EventKind.SIGNED_FOR).count() == 1
    assert AuditEvent.objects.filter(action="appeal.sign_for").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_idempotency_key_create_one_appeal():
    world = build_street()

    def send(i):
        return services.submit_appeal(
            actor=world.users["resident_a1"],
            channel="api",
            idempotency_key="retry-1",
            text="路灯不亮很多天了",
            building_id=world.building_a1.pk,
            now=MONDAY,
        ).appeal.pk

    results, errors = run_together(4, send)
    assert not errors
    assert len(set(results)) == 1
    assert Appeal.objects.count() == 1 and AppealEvent.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_merges_into_one_survivor_lose_no_supporter():
    world = build_street()
    survivor = submit(world, text="路灯不亮的汇总诉求")
    dups = [submit(world, text=f"路灯不亮第{i}次反映") for i in range(4)]

    def merge(i):
        return services.merge_appeals(
            actor=world.users["staff_a"], into=survivor.pk, duplicates=[dups[i].pk]
        ).pk

    results, errors = run_together(4, merge)
    assert not errors and results == [survivor.pk] * 4
    survivor.refresh_from_db()
    assert survivor.supporters_count == 5
    assert set(
        Appeal.objects.filter(pk__in=[d.pk for d in dups]).values_list("state", flat=True)
    ) == {State.MERGED}
