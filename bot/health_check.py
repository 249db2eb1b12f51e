"""`renewal-bot health`: reads the heartbeat file the running bot writes, checks the database.

Imports neither Telegram nor the bot's content: a health probe should cost little.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.db_checks import quick_check

if TYPE_CHECKING:
    from bot.config import Settings

HEARTBEAT_SECONDS = 15.0
HEARTBEAT_STALE = 3 * HEARTBEAT_SECONDS + 5  # no heartbeat for this long: not running
POLL_STALE = 120.0  # polling, no successful getUpdates for this long: unhealthy


def heartbeat_path(settings: Settings) -> Path:
    db = Path(settings.database_path)
    return db.with_name(db.name + ".health.json")


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
