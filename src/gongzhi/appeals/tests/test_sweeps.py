import datetime as dt

import pytest
from huey.contrib.djhuey import HUEY

from gongzhi.appeals import services, sla, tasks
from gongzhi.appeals.models import Alarm, Appeal, AppealEvent, EventKind, Notification
from gongzhi.appeals.services import SWEEP_FIELDS, _fire_alarm, sweep_deadlines
from gongzhi.appeals.states import State
from gongzhi.appeals.tests.factories import MONDAY, build_street, submit
from gongzhi.appeals.tests.threads import postgres_only, run_together
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.models import AuditEvent

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def events(appeal, kind):
    return list(AppealEvent.objects.filter(appeal=appeal, kind=kind).order_by("id"))


def test_warnings_and_escalation_fire_once_each(world, django_capture_on_commit_callbacks):
    # Given: a street-light appeal on Monday 10:00: sign for by 15:30 (4 office hours),
    # first contact by Tuesday 10:00, resolve by 12 March 10:00.
    a = submit(world)
    assert (a.sign_by, a.contact_by) == (at(2025, 3, 3, 15, 30), at(2025, 3, 4, 10, 0))
    assert a.next_check_at == at(2025, 3, 3, 13, 51)  # 70% of 5.5 hours
    assert sweep_deadlines(now=at(2025, 3, 3, 13, 50)).fired == 0

    # 70% of the sign-for time: one warning, to the routed grid worker.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_deadlines(now=at(2025, 3, 3, 14, 0)).fired == 1
        assert sweep_deadlines(now=at(2025, 3, 3, 14, 0)).fired == 0
    (warning,) = events(a, EventKind.WARNING)
    assert warning.data == {"deadline": "sign", "percent": 70} and not warning.public
    assert (
        Notification.objects.filter(recipient=world.users["worker_a1"], kind="warning").count() == 1
    )
    a.refresh_from_db()
    assert a.alarms == Alarm.SIGN_70 and a.next_check_at == at(2025, 3, 3, 14, 57)

    # The sweep was away past 90% and the deadline: only the breach fires; escalated to the
    # community, whose staff are told.
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_deadlines(now=at(2025, 3, 3, 15, 31))
    assert (result.fired, result.escalated) == (1, 1)
    a.refresh_from_db()
    assert a.escalation_level == 1
    assert a.alarms == Alarm.SIGN_70 | Alarm.SIGN_90 | Alarm.SIGN_BREACH
    assert Notification.objects.filter(recipient=world.users["staff_a"], kind="escalated").exists()
    assert not Notification.objects.filter(recipient=world.users["supervisor"]).exists()

    # The first-contact deadline passes too: escalated to the street.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_deadlines(now=at(2025, 3, 4, 10, 1)).escalated == 1
    a.refresh_from_db()
    assert a.escalation_level == 2
    assert Notification.objects.filter(
        recipient=world.users["supervisor"], kind="escalated"
    ).exists()
    # A third breach keeps the top level.
    sweep_deadlines(now=at(2025, 3, 13, 0, 0))
    a.refresh_from_db()
    assert a.escalation_level == 2 and a.next_check_at is None
    assert [e.data["deadline"] for e in events(a, EventKind.ESCALATED)] == [
        "sign",
        "contact",
        "resolve",
    ]
    assert AuditEvent.objects.filter(action="appeal.escalate", actor=None).count() == 3
    # Nothing left to fire, however often the sweep runs.
    assert sweep_deadlines(now=at(2025, 3, 20, 0, 0)).fired == 0


def test_met_deadlines_do_not_warn(world):
    a = services.sign_for_appeal(
        actor=world.users["worker_a1"], appeal=submit(world), now=MONDAY + H
    )
    a = services.start_appeal(actor=world.users["worker_a1"], appeal=a, now=MONDAY + 2 * H)
    # Only the resolve deadline remains: its 70% point is 6.3 days after Monday 10:00.
    assert a.next_check_at == at(2025, 3, 9, 17, 12)
    assert sweep_deadlines(now=at(2025, 3, 4, 12, 0)).fired == 0
    assert not AppealEvent.objects.filter(kind__in=["warning", "escalated"]).exists()


def test_a_reply_stops_the_clock_and_a_reopen_restarts_it(world):
    u = world.users
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=submit(world), now=MONDAY + H)
    a = services.reply_appeal(actor=u["worker_a1"], appeal=a, text="已修复", now=MONDAY + 2 * H)
    assert a.next_check_at is None
    assert sweep_deadlines(now=at(2025, 3, 20, 0, 0)).fired == 0
    reopened_at = at(2025, 3, 5, 9, 0)
    a = services.rate_appeal(
        actor=u["resident_a1"], appeal=a, rating="dissatisfied", comment="没修好", now=reopened_at
    )
    assert a.next_check_at is not None and a.next_check_at > reopened_at
    assert sweep_deadlines(now=a.sign_by + M).escalated == 1


def test_a_stale_second_sweeper_fires_nothing(world):
    """What a second worker sees when the first has already fired: every conditional UPDATE
    matches no row, so no event, audit row or notice is written twice."""
    submit(world)
    submit(world, text="另一盏路灯也不亮了")
    now = at(2025, 3, 3, 15, 31)
    stale = list(Appeal.objects.filter(next_check_at__lte=now).values(*SWEEP_FIELDS))
    assert len(stale) == 2
    assert sweep_deadlines(now=now).fired == 2  # the first worker
    before = AppealEvent.objects.count(), AuditEvent.objects.count()
    for row in stale:  # the second worker, with what it read before the first committed
        progress = sla.Progress(**{k: row[k] for k in sla.Progress.__dataclass_fields__})
        for point in sla.alarms_due(progress, now):
            assert _fire_alarm(row, point, now) is False
    assert (AppealEvent.objects.count(), AuditEvent.objects.count()) == before


def test_auto_close_unrated_after_n_days(world, settings):
    settings.GONGZHI_APPEAL_AUTO_CLOSE_DAYS = 5
    u = world.users
    a = services.sign_for_appeal(actor=u["worker_a1"], appeal=submit(world), now=MONDAY)
    a = services.reply_appeal(actor=u["worker_a1"], appeal=a, text="好了", now=MONDAY)
    rated = services.sign_for_appeal(actor=u["worker_a1"], appeal=submit(world), now=MONDAY)
    rated = services.reply_appeal(actor=u["worker_a1"], appeal=rated, text="好了", now=MONDAY)
    services.rate_appeal(actor=u["resident_a1"], appeal=rated, rating="satisfied")
    assert services.auto_close_unrated(now=MONDAY + dt.timedelta(days=4)) == 0
    assert services.auto_close_unrated(now=MONDAY + dt.timedelta(days=5, minutes=1)) == 1
    assert services.auto_close_unrated(now=MONDAY + dt.timedelta(days=6)) == 0
    a.refresh_from_db()
    assert a.state == State.CLOSED and a.rating == ""
    (closed,) = events(a, EventKind.AUTO_CLOSED)
    assert closed.public and closed.actor is None
    assert AuditEvent.objects.filter(action="appeal.auto_close").count() == 1


def test_the_periodic_tasks(world):
    submit(world)

    def due(minute):
        # Huey's scheduler passes naive local times.
        moment = dt.datetime(2025, 3, 3, 10, minute, tzinfo=SHANGHAI).replace(tzinfo=None)
        return {t.name for t in HUEY.read_periodic(moment)}

    assert "sweep_deadlines_task" in due(5) and "auto_close_unrated_task" not in due(5)
    assert {"sweep_deadlines_task", "auto_close_unrated_task"} <= due(7)
    # They run the services (fired now: the appeal's deadlines lie in 2025).
    assert tasks.sweep_deadlines_task.call_local() == 3
    assert tasks.auto_close_unrated_task.call_local() == 0


# --- two workers at once (PostgreSQL) ---------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_fire_each_alarm_once():
    world = build_street()
    for i in range(20):
        submit(world, text=f"路灯不亮第{i}号灯杆")
    now = at(2025, 3, 4, 10, 1)  # sign-for and first-contact deadlines both passed
    results, errors = run_together(3, lambda i: sweep_deadlines(now=now, batch_size=7))
    assert not errors
    assert sum(r.fired for r in results) == 40
    assert AppealEvent.objects.filter(kind=EventKind.ESCALATED).count() == 40
    assert set(Appeal.objects.values_list("escalation_level", flat=True)) == {2}
