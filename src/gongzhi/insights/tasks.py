"""Background jobs (Huey): the rollups every minute, the hotspot snapshots every 15 minutes.

Safe with any number of consumers: the rollup refresh serialises on its state row (see
rollups.refresh) and a snapshot is one row per place and window. The task locks only save
the work.
"""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@HUEY.lock_task("insights-refresh-rollups")
def refresh_rollups_task() -> Any:
    from gongzhi.insights.rollups import refresh

    result = refresh()
    if result.changed:
        logger.info("insights: rollups refreshed, %s appeals changed", result.changed)
    return result.changed


@db_periodic_task(crontab(minute="*/15"))
@HUEY.lock_task("insights-refresh-hotspots")
def refresh_hotspots_task() -> Any:
    from gongzhi.insights.hotspots_job import refresh_hotspots

    return refresh_hotspots()
