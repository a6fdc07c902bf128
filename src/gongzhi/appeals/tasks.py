"""Background jobs (Huey): the deadline sweep every minute, auto-close every hour, e-mails.

Safe with any number of consumers: the sweeps fire each warning, escalation and auto-close
through a conditional UPDATE, so a second consumer running the same sweep at the same time
finds nothing left to do (see services.sweep_deadlines). The task lock only saves the work.
"""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@HUEY.lock_task("appeals-sweep-deadlines")
def sweep_deadlines_task() -> Any:
    from gongzhi.appeals.services import sweep_deadlines

    result = sweep_deadlines()
    if result.fired:
        logger.info("appeals: deadline sweep fired %s alarms", result.fired)
    return result.fired


@db_periodic_task(crontab(minute="7"))
@HUEY.lock_task("appeals-auto-close")
def auto_close_unrated_task() -> Any:
    from gongzhi.appeals.services import auto_close_unrated

    return auto_close_unrated()


@db_task(retries=2, retry_delay=60)
def send_notification_emails(notification_ids: list[int]) -> int:
    from gongzhi.appeals.notifications import send_emails

    return send_emails(notification_ids)
