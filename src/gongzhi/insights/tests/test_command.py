"""`gongzhi insights_refresh [--full]` and the periodic task."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from gongzhi.appeals.tests.factories import submit
from gongzhi.insights.models import AppealFact, Rollup, RollupState
from gongzhi.insights.tasks import refresh_rollups_task


def test_the_command_builds_then_refreshes(world):
    submit(world)
    out = StringIO()
    call_command("insights_refresh", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert AppealFact.objects.count() == 1
    submit(world, "resident_b1")
    out = StringIO()
    call_command("insights_refresh", stdout=out)
    assert "refreshed: 1 appeals changed" in out.getvalue()
    assert sum(r.submitted for r in Rollup.objects.filter(dim="t", community_id=0)) == 2
    call_command("insights_refresh", "--full", stdout=StringIO())
    assert RollupState.objects.get(pk=1).full_rebuild_at is not None


def test_the_periodic_task_refreshes(world):
    submit(world)
    refresh_rollups_task.call_local()
    assert AppealFact.objects.count() == 1
