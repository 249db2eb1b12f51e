"""Is the bot alive? A heartbeat file, `renewal-bot health`, and GET /healthz.

A job-queue job rewrites a heartbeat file next to the database (so a fresh file
proves the scheduler runs), holding the time of the last successful getUpdates
and of the last update; `renewal-bot health` reads it and checks the database.
In webhook mode the same report is served at /healthz by bot.service's server.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tornado.web
from telegram.ext import Application, ContextTypes
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.context import Services
from bot.db_checks import quick_check
from bot.reminders.sender import BOT_DATA_KEY as SENDER_KEY
from bot.reminders.sender import POLL_JOB

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
HEARTBEAT_STALE = 3 * HEARTBEAT_SECONDS + 5  # no heartbeat for this long: not running
POLL_STALE = 120.0  # polling, no successful getUpdates for this long: unhealthy


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


def heartbeat_path(settings: Settings) -> Path:
    db = Path(settings.database_path)
    return db.with_name(db.name + ".health.json")


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


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: 200 and the report when the database and scheduler are fine, else 503."""

    def initialize(self, bot_application: Application) -> None:
        self.bot_application = bot_application

    async def get(self) -> None:
        report = await heartbeat_report(self.bot_application)
        healthy = bool(report["db_ok"] and report["scheduler"])
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"healthy": healthy, **report}))


# --- `renewal-bot health` ---------------------------------------------------------------


def check_health(settings: Settings, now: float | None = None) -> tuple[bool, dict[str, Any]]:
    """DB reachable, bot running (fresh heartbeat), scheduler running, last poll recent."""
    now = time.time() if now is None else now
    result: dict[str, Any] = {"database": str(settings.database_path)}
    problems: list[str] = []
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{settings.database_path}?mode=ro", uri=True, timeout=2)
        ) as db:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            result["schema_version"] = db.execute("PRAGMA user_version").fetchone()[0]
        result["db_ok"] = True
        if damage := quick_check(settings.database_path):
            result["db_ok"] = False
            problems.append(f"database damaged (quick_check): {'; '.join(damage[:3])}")
    except sqlite3.Error as exc:
        result["db_ok"] = False
        problems.append(f"database not reachable: {exc}")
    path = heartbeat_path(settings)
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        beat = None
        problems.append(f"no heartbeat at {path}: the bot is not running")
    if beat is not None:
        result.update(
            mode=beat.get("mode"),
            pid=beat.get("pid"),
            started_at=_iso(beat.get("started_at")),
            heartbeat_age_s=round(now - beat.get("written_at", 0), 1),
            scheduler=bool(beat.get("scheduler")),
            last_poll_at=_iso(beat.get("last_poll_at")),
            last_update_at=_iso(beat.get("last_update_at")),
            updates=beat.get("updates", 0),
        )
        if beat.get("stopped_at"):
            problems.append(f"the bot stopped at {_iso(beat['stopped_at'])}")
        elif now - beat.get("written_at", 0) > HEARTBEAT_STALE:
            problems.append(f"heartbeat is {result['heartbeat_age_s']} s old: bot hung or gone")
        else:
            if not beat.get("scheduler"):
                problems.append("the scheduler is not running")
            if not beat.get("db_ok"):
                problems.append("the bot cannot reach its database")
            if beat.get("mode") == "polling":
                # Just started: the first long poll may still be open.
                last = beat.get("last_poll_at") or beat.get("started_at") or 0
                if now - last > POLL_STALE:
                    problems.append("no successful getUpdates in the last 2 minutes")
    result["problems"] = problems
    result["healthy"] = not problems
    return not problems, result


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def format_health(result: dict[str, Any]) -> str:
    lines = [f"status: {'healthy' if result['healthy'] else 'UNHEALTHY'}"]
    db = "ok" if result.get("db_ok") else "NOT reachable"
    lines.append(f"database: {db} ({result['database']}, schema {result.get('schema_version')})")
    if "pid" in result:
        lines.append(
            f"bot: pid {result['pid']}, {result['mode']} mode, since {result['started_at']}"
        )
        lines.append(f"heartbeat: {result['heartbeat_age_s']} s ago")
        lines.append(f"scheduler: {'running' if result['scheduler'] else 'NOT running'}")
        lines.append(f"last successful poll: {result['last_poll_at'] or 'never'}")
        lines.append(
            f"last update: {result['last_update_at'] or 'never'} ({result['updates']} total)"
        )
    lines += [f"problem: {p}" for p in result["problems"]]
    return "\n".join(lines)
