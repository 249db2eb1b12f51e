"""Database checks that explain themselves: opening for the bot, integrity for `health`.

Store.open raises whatever SQLite or the file system raise; the bot's start-up turns
that into DatabaseUnusable with the path and the reason, so the operator reads one line
("database /var/lib/... is unusable: file is not a database") and the process exits 2
instead of restarting for ever.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot.exits import DatabaseUnusable
from bot.storage import Store


async def open_store(path: str | Path) -> Store:
    try:
        return await Store.open(path)
    except (sqlite3.Error, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DatabaseUnusable(f"database {path} is unusable: {reason}") from exc


def quick_check(path: str | Path, timeout: float = 2.0) -> list[str]:
    """SQLite's PRAGMA quick_check, read-only: [] when sound, else the problems found.

    Raises sqlite3.Error only when the file cannot be opened at all; a file that opens
    but cannot be read through is reported as damaged."""
    with contextlib.closing(
        sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)
    ) as db:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        try:
            rows = [row[0] for row in db.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
    return [] if rows == ["ok"] else rows
