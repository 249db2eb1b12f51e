"""Is the bot alive? A heartbeat file, `renewal-bot health`, and GET /healthz.

A job-queue job rewrites a heartbeat file next to the database (so a fresh file
proves the scheduler runs), holding the time of the last successful getUpdates
and of the last update; `renewal-bot health` (bot.health_check) reads it and checks
the database.
In webhook mode the same report is served at /healthz (bot.webserver).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram.ext import Application, ContextTypes
from telegram.request import HTTPXRequest

from bot.context import Services
from bot.health_check import (  # noqa: F401  (the CLI side, importable from here too)
    HEARTBEAT_SECONDS,
    HEARTBEAT_STALE,
    POLL_STALE,
    check_health,
    format_health,
    heartbeat_path,
)
from bot.reminders.sender import BOT_DATA_KEY as SENDER_KEY
from bot.reminders.sender import POLL_JOB

log = logging.getLogger(__name__)


@dataclass
class Health:
    """Cheap in-memory stamps, written to the heartbeat file.

    The heartbeat job (every HEARTBEAT_SECONDS, on the job queue) pings the database and
    rewrites the file; arriving updates rewrite it too, at most once a second, so the
    file follows the bot closely without a write per update.
    """

    mode: str = "polling"
    pid: int = field(default_factory=os.getpid)
    started_at: float = field(default_factory=time.time)
    last_poll_at: float | None = None  # last getUpdates answered 200
    last_update_at: float | None = None  # last update handed to the handlers
    updates: int = 0
    db_ok: bool = False  # as of the last heartbeat job
    scheduler: bool = False  # as of the last heartbeat job
    written_at: float = 0.0


class PollStampRequest(HTTPXRequest):
    """The getUpdates connection; notes the time of every successful long poll."""

    def __init__(self, health: Health, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=1, **kwargs)
        self.health = health

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == 200 and url.endswith("/getUpdates"):
            self.health.last_poll_at = time.time()
        return code, payload


def health_of(application: Application) -> Health:
    return application.bot_data["health"]


def scheduler_running(application: Application) -> bool:
    """The job queue runs, and so does the reminder dispatcher's job when there is one."""
    jq = application.job_queue
    if jq is None or not jq.scheduler.running:
        return False
    if application.bot_data.get(SENDER_KEY) is not None:
        return bool(jq.get_jobs_by_name(POLL_JOB))
    return True


async def heartbeat_report(application: Application) -> dict[str, Any]:
    """Ping the database, look at the scheduler, and return the whole state."""
    svc: Services = application.bot_data["services"]
    health = health_of(application)
    health.db_ok = False
    if svc.store is not None:
        try:
            health.db_ok = await svc.store.ping()
        except Exception:
            log.warning("database ping failed", exc_info=True)
    health.scheduler = scheduler_running(application)
    return asdict(health)


def write_heartbeat(path: Path, report: dict[str, Any]) -> None:
    """Atomically: the health CLI never reads half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report), encoding="utf-8")
    os.replace(tmp, path)


def _write_now(application: Application, report: dict[str, Any]) -> None:
    try:
        now = time.time()
        write_heartbeat(application.bot_data["heartbeat_path"], {**report, "written_at": now})
        health_of(application).written_at = now
    except OSError:
        log.warning("could not write the heartbeat file", exc_info=True)


async def beat(application: Application) -> None:
    """Check the database and scheduler and write the heartbeat file now."""
    _write_now(application, await heartbeat_report(application))


async def _heartbeat_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await beat(context.application)


async def stamp_update(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -100: runs before every handler, never stops the update."""
    health = health_of(context.application)
    health.last_update_at = now = time.time()
    health.updates += 1
    if health.written_at and now - health.written_at >= 1.0:
        _write_now(context.application, asdict(health))


def schedule_heartbeat(application: Application) -> None:
    """Every HEARTBEAT_SECONDS, the first as soon as the scheduler starts.

    Added before the scheduler runs (post_init), APScheduler would compute the first run
    as the next interval after start (`first=0` is lost); an explicit next_run_time with
    no misfire grace keeps it.
    """
    if application.job_queue is None:
        return
    application.job_queue.run_repeating(
        _heartbeat_job,
        interval=HEARTBEAT_SECONDS,
        name="heartbeat",
        job_kwargs={
            "next_run_time": datetime.now(UTC),
            "misfire_grace_time": None,
            "coalesce": True,
        },
    )


async def write_stopped(application: Application) -> None:
    """Before the database closes: a last heartbeat saying the bot stopped."""
    if application.bot_data["services"].store is None:
        return  # never started (the database could not be opened): nothing to report
    report = await heartbeat_report(application)
    _write_now(application, {**report, "stopped_at": time.time()})
