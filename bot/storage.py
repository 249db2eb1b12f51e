"""All SQL lives here. SQLite through aiosqlite is the source of truth.

One connection is owned by the application (opened in post_init, closed in
post_shutdown). Schema changes are numbered migrations applied in order and
recorded in PRAGMA user_version, so an old database file upgrades itself.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

# Each entry upgrades the schema from version i to i + 1. Never edit a released
# migration: append a new one.
MIGRATIONS: list[str] = [
    # 1: users and their preferences
    """
    CREATE TABLE users (
        chat_id      INTEGER PRIMARY KEY,
        language     TEXT,              -- chosen with /language; NULL = follow Telegram
        tg_language  TEXT,              -- Telegram's language_code, last seen
        timezone     TEXT,              -- IANA name chosen with /timezone; NULL = default
        active       INTEGER NOT NULL DEFAULT 1,  -- 0 once the user blocked the bot
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
    );
    """,
]


@dataclass(frozen=True)
class User:
    chat_id: int
    language: str | None
    tg_language: str | None
    timezone: str | None
    active: bool


class Store:
    def __init__(self, db: aiosqlite.Connection, path: Path):
        self.db = db
        self.path = path

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        store = cls(db, path)
        await store.migrate()
        return store

    async def close(self) -> None:
        await self.db.close()

    async def migrate(self) -> int:
        """Apply pending migrations, each in its own transaction; returns the version."""
        async with self.db.execute("PRAGMA user_version") as cur:
            (version,) = await cur.fetchone()
        for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(sql):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version = {number}")
                await self.db.execute("COMMIT")
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            version = number
        return version

    async def ping(self) -> bool:
        async with self.db.execute("SELECT 1") as cur:
            return (await cur.fetchone())[0] == 1

    # --- users -----------------------------------------------------------------

    async def get_user(self, chat_id: int) -> User | None:
        async with self.db.execute(
            "SELECT chat_id, language, tg_language, timezone, active FROM users WHERE chat_id = ?",
            (chat_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return User(row[0], row[1], row[2], row[3], bool(row[4]))

    async def touch_user(self, chat_id: int, tg_language: str | None) -> None:
        """Record that a user wrote to us (creating them on first contact)."""
        now = int(time.time())
        await self.db.execute(
            """INSERT INTO users (chat_id, tg_language, created_at, updated_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT(chat_id) DO UPDATE SET
                 tg_language = COALESCE(excluded.tg_language, users.tg_language),
                 updated_at = excluded.updated_at
               WHERE users.tg_language IS NOT excluded.tg_language""",
            (chat_id, tg_language, now, now),
        )

    async def set_language(self, chat_id: int, language: str | None) -> None:
        await self._set_user_field(chat_id, "language", language)

    async def set_timezone(self, chat_id: int, timezone: str | None) -> None:
        await self._set_user_field(chat_id, "timezone", timezone)

    async def _set_user_field(self, chat_id: int, column: str, value: object) -> None:
        assert column in {"language", "timezone"}
        now = int(time.time())
        await self.db.execute(
            f"""INSERT INTO users (chat_id, {column}, created_at, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(chat_id) DO UPDATE SET {column} = excluded.{column},
                  updated_at = excluded.updated_at""",
            (chat_id, value, now, now),
        )


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (semicolons inside comments or strings are fine)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:60]}")
    return statements
