import datetime as dt
from decimal import Decimal

import pytest

from gongzhi.appeals import sla
from gongzhi.appeals.config import CategoryInfo, SlaRuleInfo, Span, get_config
from gongzhi.appeals.models import GRID_UNIT, Alarm, Category, SlaRule
from gongzhi.appeals.services_config import delete_sla_rule, set_sla_rule
from gongzhi.appeals.tests.factories import MONDAY, submit
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent, CalendarDay
from gongzhi.core.services_calendar import save_calendar_day

H = dt.timedelta(hours=1)


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def cat(pk=10, sla_class="general"):
    return CategoryInfo(pk, f"c{pk}", "c", 1, sla_class, GRID_UNIT, (), True, True)


def rule(pk, *, community=None, category=None, sla_class="", urgency="normal", hours=1):
    span = Span(Decimal(hours), "hours")
    return SlaRuleInfo(pk, community, category, sla_class, urgency, span, span, span)


# --- choosing the rule (pure) ------------------------------------------------------------------


def test_the_most_specific_rule_wins():
    table = sla.SlaTable(
        [
            rule(1),
            rule(2, sla_class="general"),
            rule(3, category=10),
            rule(4, community=7),
            rule(5, community=7, sla_class="general"),
            rule(6, community=7, category=10),
        ]
    )

    def pick(**kw):
        args = {"community_id": 7, "category": cat(), "urgency": "normal", **kw}
        return table.rule_for(**args).id

    assert pick() == 6
    assert pick(category=cat(11)) == 5
    assert pick(category=cat(11, "complex")) == 4
    assert pick(community_id=8) == 3
    assert pick(community_id=8, category=cat(11)) == 2
    assert pick(community_id=8, category=cat(11, "complex")) == 1


def test_urgent_falls_back_to_normal_and_nothing_to_the_built_in_rule():
    table = sla.SlaTable(
        [rule(1, sla_class="general"), rule(2, sla_class="general", urgency="urgent")]
    )
    assert table.rule_for(community_id=None, category=cat(), urgency="urgent").id == 2
    assert (
        table.rule_for(community_id=None, category=cat(sla_class="complex"), urgency="urgent")
        is sla.BUILT_IN
    )
    assert sla.SlaTable([]).rule_for(community_id=3, category=cat(), urgency="normal") is (
        sla.BUILT_IN
    )


# --- the defaults (12345 practice) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "sign", "contact", "resolve"),
    [
        # Emergency: 2 hours to resolve.
        ("safety.hazard", at(2025, 3, 3, 10, 15), at(2025, 3, 3, 10, 30), at(2025, 3, 3, 12, 0)),
        # Water, power, gas, heating: 24 hours.
        ("utilities.water", at(2025, 3, 3, 11, 0), at(2025, 3, 3, 12, 0), at(2025, 3, 4, 10, 0)),
        # General: 7 working days; sign for within 4 office hours (9-12, 13:30-17:30).
        ("municipal.light", at(2025, 3, 3, 15, 30), at(2025, 3, 4, 10, 0), at(2025, 3, 12, 10, 0)),
        # Complex: 15 working days.
        ("dispute.other", at(2025, 3, 3, 15, 30), at(2025, 3, 4, 10, 0), at(2025, 3, 24, 10, 0)),
    ],
)
def test_default_deadlines(world, code, sign, contact, resolve):
    appeal = submit(world, category_code=code, now=MONDAY)
    assert (appeal.sign_by, appeal.contact_by, appeal.resolve_by) == (sign, contact, resolve)
    assert appeal.due_at == sign


def test_working_days_skip_the_spring_festival_and_count_make_up_days(world):
    # Friday 24 January 2025: the festival runs 28 Jan - 4 Feb; Sunday 26 Jan and Saturday
    # 8 Feb are make-up working days (调休).
    appeal = submit(world, category_code="municipal.light", now=at(2025, 1, 24, 16, 0))
    # 4 office hours from Friday 16:00: 1.5 h on Friday, 2.5 h on make-up Sunday morning.
    assert appeal.sign_by == at(2025, 1, 26, 11, 30)
    assert appeal.contact_by == at(2025, 1, 26, 16, 0)
    # 7 working days: 26 Jan, 27 Jan, 5, 6, 7, 8 (Saturday) and 10 February.
    assert appeal.resolve_by == at(2025, 2, 10, 16, 0)


def test_a_staff_holiday_override_moves_the_deadline(world):
    # Given: the street declares Tuesday 4 March 2025 a local day off.
    save_calendar_day(actor=None, day=dt.date(2025, 3, 4), kind="holiday", name="停工")
    appeal = submit(world, category_code="municipal.light", now=MONDAY)
    # Then: the first contact and the resolution skip it.
    assert appeal.contact_by == at(2025, 3, 5, 10, 0)
    assert appeal.resolve_by == at(2025, 3, 13, 10, 0)
    assert CalendarDay.objects.count() == 1


def test_a_year_without_holiday_data_warns_instead_of_failing(world):
    from gongzhi.appeals import services

    result = services.submit_appeal(
        actor=world.users["resident_a1"],
        text="路灯不亮已经三天了",
        category_code="municipal.light",
        building_id=world.building_a1.pk,
        now=at(2031, 1, 6, 10, 0),
    )
    assert result.created
    assert any("2031" in w for w in result.warnings)
    assert result.appeal.events.get().data["calendar_warnings"]


def test_a_community_rule_applies_in_that_community_only(world):
    light = Category.objects.get(code="municipal.light")
    set_sla_rule(
        actor=world.users["secretary_a"],
        community=world.comm_a,
        category=light,
        sign=(1, "hours"),
        contact=(2, "hours"),
        resolve=(3, "days"),
    )
    a = submit(world, category_code="municipal.light")
    b = submit(world, "resident_b1", category_code="municipal.light")
    assert a.resolve_by == MONDAY + dt.timedelta(days=3)
    assert a.sign_by == MONDAY + H
    assert b.resolve_by == at(2025, 3, 12, 10, 0)
    assert AuditEvent.objects.filter(action="sla_rule.set", scope_path=world.comm_a.path).exists()


def test_rule_changes_are_picked_up_at_once_and_audited(world):
    config = get_config()
    light = Category.objects.get(code="municipal.light")
    rule_ = set_sla_rule(
        actor=world.users["admin"],
        community=None,
        category=light,
        sign=(2, "hours"),
        contact=(3, "hours"),
        resolve=(1, "working_days"),
    )
    assert get_config() is not config
    assert submit(world).resolve_by == at(2025, 3, 4, 10, 0)
    # Replacing keeps one rule and records before and after.
    set_sla_rule(
        actor=world.users["admin"],
        community=None,
        category=light,
        sign=(2, "hours"),
        contact=(3, "hours"),
        resolve=(2, "working_days"),
    )
    assert SlaRule.objects.filter(category=light).count() == 1
    event = AuditEvent.objects.filter(action="sla_rule.set").latest("id")
    assert event.before["resolve_amount"] == "1.00" and event.after["resolve_amount"] == "2.00"
    delete_sla_rule(actor=world.users["admin"], rule=rule_)
    assert submit(world).resolve_by == at(2025, 3, 12, 10, 0)


def test_who_may_change_rules_and_what_is_accepted(world):
    light = Category.objects.get(code="municipal.light")
    ok = {"sign": (1, "hours"), "contact": (2, "hours"), "resolve": (3, "days")}
    with pytest.raises(PermissionDenied):
        set_sla_rule(actor=world.users["staff_a"], community=None, category=light, **ok)
    with pytest.raises(PermissionDenied):
        set_sla_rule(actor=world.users["staff_b"], community=world.comm_a, category=light, **ok)
    with pytest.raises(PermissionDenied):
        set_sla_rule(actor=world.users["worker_a1"], community=world.comm_a, category=light, **ok)
    for bad, field in [
        ({"sign": (0, "hours")}, "sign_amount"),
        ({"contact": ("x", "hours")}, "contact_amount"),
        ({"resolve": (1.5, "working_days")}, "resolve_amount"),
        ({"resolve": (1, "weeks")}, "resolve_unit"),
        ({"resolve": (10**6, "hours")}, "resolve_amount"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            set_sla_rule(
                actor=world.users["staff_a"],
                community=world.comm_a,
                category=light,
                **{**ok, **bad},
            )
        assert err.value.field == field
    with pytest.raises(ValidationFailed) as err:
        set_sla_rule(actor=None, community=world.grid_a1, category=light, **ok)
    assert err.value.field == "community"


# --- alarms (pure) ------------------------------------------------------------------------------


def progress(**kw):
    start = at(2025, 3, 3, 0, 0)
    base = dict(
        state="submitted",
        cycle_started_at=start,
        sign_by=start + 10 * H,
        contact_by=start + 20 * H,
        resolve_by=start + 100 * H,
        signed_at=None,
        first_contact_at=None,
        replied_at=None,
        alarms=0,
    )
    return sla.Progress(**{**base, **kw})


def test_alarm_points_are_at_70_and_90_percent_and_at_the_deadline():
    p = progress()
    points = [(a.deadline, a.percent, a.at) for a in sla.alarm_schedule(p)]
    start = p.cycle_started_at
    assert points[:3] == [
        ("sign", 70, start + 7 * H),
        ("sign", 90, start + 9 * H),
        ("sign", 100, start + 10 * H),
    ]
    assert ("contact", 70, start + 14 * H) in points
    assert ("resolve", 90, start + 90 * H) in points
    assert sla.next_alarm_at(p) == start + 7 * H
    assert sla.due_at(p) == start + 10 * H


def test_met_deadlines_and_closed_appeals_have_no_alarms():
    start = at(2025, 3, 3, 0, 0)
    signed = progress(state="signed_for", signed_at=start + H)
    assert {a.deadline for a in sla.alarm_schedule(signed)} == {"contact", "resolve"}
    assert sla.due_at(signed) == start + 20 * H
    assert sla.alarm_schedule(progress(state="replied")) == []
    assert sla.due_at(progress(state="closed")) is None
    fired = progress(alarms=Alarm.SIGN_70 | Alarm.SIGN_90)
    assert sla.next_alarm_at(fired) == start + 10 * H


def test_a_late_sweep_fires_only_the_most_advanced_point_of_each_deadline():
    start = at(2025, 3, 3, 0, 0)
    due = sla.alarms_due(progress(), start + 15 * H)
    assert [(a.deadline, a.percent) for a in due] == [("sign", 100), ("contact", 70)]
    assert sla.lesser_bits(due[0]) == Alarm.SIGN_70 | Alarm.SIGN_90 | Alarm.SIGN_BREACH
