"""How long rows are kept, and the daily job that enforces it.

Finished reminders (sent, skipped, cancelled, failed) are kept REMINDER_DAYS after
their planned time, so a late "Renewed" or "Stop" press still finds its plan's
history; stopped and deleted plans are kept PLAN_DAYS after they ended. Live plans
and reminders still to come are kept while they are live. The job reads only the
database and the clock: nothing is pickled, a restart loses nothing, and missing a
day only means the next run removes more. /privacy states these periods.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.storage import Purged, Store

__all__ = ["PLAN_DAYS", "REMINDER_DAYS", "Purged", "purge", "schedule_purge"]

log = logging.getLogger(__name__)

REMINDER_DAYS = 30
PLAN_DAYS = 90
EVERY = timedelta(days=1)
FIRST_RUN = timedelta(minutes=5)  # after start-up, out of the way of the first updates
JOB_NAME = "retention:purge"


async def purge(store: Store, now: datetime) -> Purged:
    """Delete what the retention periods say has been kept long enough."""
    ts = int(now.timestamp())
    purged = await store.purge_old(
        finished_before=ts - REMINDER_DAYS * 86_400, ended_before=ts - PLAN_DAYS * 86_400
    )
    if purged.reminders or purged.plans:
        log.info("retention: %d reminder(s), %d plan(s) deleted", purged.reminders, purged.plans)
    return purged


async def _run(context: Any) -> None:
    svc = context.application.bot_data["services"]
    if svc.store is None:
        return
    try:
        await purge(svc.store, svc.clock())
    except Exception:  # the next run tries again; nothing is lost by waiting a day
        log.exception("retention purge failed")


def schedule_purge(application: Any) -> None:
    """The daily job on the application's JobQueue (none without a job queue)."""
    if application.job_queue is not None:
        application.job_queue.run_repeating(_run, interval=EVERY, first=FIRST_RUN, name=JOB_NAME)
