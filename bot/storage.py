"""All SQL lives here. SQLite through aiosqlite is the source of truth.

One connection is owned by the application (opened in post_init, closed in
post_shutdown). Schema changes are numbered migrations applied in order and
recorded in PRAGMA user_version, so an old database file upgrades itself.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from datetime import time as dtime
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
    # 2: plans and their reminders (one row per planned send)
    """
    CREATE TABLE plans (
        id           INTEGER PRIMARY KEY,
        chat_id      INTEGER NOT NULL,
        operator     TEXT,              -- operator id from codes.yaml, 'travel', 'other' or NULL
        label        TEXT CHECK (label IS NULL OR length(label) <= 64),
        expiry       TEXT NOT NULL,     -- ISO date, in the user's time zone
        time_of_day  TEXT NOT NULL DEFAULT '09:00',  -- HH:MM local time of the reminders
        leads        TEXT NOT NULL DEFAULT '3,1,0',  -- days before expiry, comma separated
        period_days  INTEGER,           -- length of the current period ("same period" renewal)
        state        TEXT NOT NULL DEFAULT 'active',  -- active | expired | stopped | deleted
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
    );
    CREATE INDEX plans_by_chat ON plans (chat_id, state);
    CREATE TABLE reminders (
        id           INTEGER PRIMARY KEY,
        plan_id      INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
        chat_id      INTEGER NOT NULL,
        kind         TEXT NOT NULL DEFAULT 'lead',   -- lead | snooze
        lead_days    INTEGER,
        expiry       TEXT NOT NULL,     -- the plan expiry this reminder was planned for
        due_at       INTEGER NOT NULL,  -- planned time, unix seconds UTC
        send_at      INTEGER NOT NULL,  -- next attempt, unix seconds UTC (due_at or a retry)
        -- pending | claimed | sending | sent | skipped | cancelled | paused | failed
        state        TEXT NOT NULL DEFAULT 'pending',
        attempts     INTEGER NOT NULL DEFAULT 0,
        -- 1 once an attempt may have reached Telegram without being marked sent (a crash
        -- while sending, or a read timeout): such a row is sent at most once more.
        recovered    INTEGER NOT NULL DEFAULT 0,
        claimed_at   INTEGER,
        sent_at      INTEGER,
        message_id   INTEGER,
        last_error   TEXT
    );
    CREATE INDEX reminders_due ON reminders (send_at) WHERE state = 'pending';
    CREATE INDEX reminders_by_plan ON reminders (plan_id, state);
    CREATE INDEX reminders_in_flight ON reminders (state) WHERE state IN ('claimed', 'sending');
    CREATE INDEX reminders_paused ON reminders (chat_id) WHERE state = 'paused';
    """,
    # 3: indexes SQLite can actually use: a partial index on "state IN (a, b)" is not
    # used for "state = a" (start-up recovery scanned every row); pausing a chat's
    # reminders needs (chat_id, state).
    """
    DROP INDEX reminders_in_flight;
    DROP INDEX reminders_paused;
    CREATE INDEX reminders_claimed ON reminders (id) WHERE state = 'claimed';
    CREATE INDEX reminders_sending ON reminders (id) WHERE state = 'sending';
    CREATE INDEX reminders_by_chat ON reminders (chat_id, state);
    """,
    # 4: plans in groups belong to a member; per-plan pause, kind and "keep my number"
    # follow-ups; retention needs to know when a plan ended.
    """
    -- Telegram user id of the member who made the plan. In a private chat that is the
    -- chat id. Group plans made before this migration have no known owner and stay
    -- NULL: the group's admins may manage them.
    ALTER TABLE plans ADD COLUMN owner_id INTEGER;
    UPDATE plans SET owner_id = chat_id WHERE chat_id > 0;
    -- forum topic (message_thread_id) the plan was made in; reminders go back there
    ALTER TABLE plans ADD COLUMN thread_id INTEGER;
    -- 1 while the owner paused the plan (its reminders are held, the plan stays listed)
    ALTER TABLE plans ADD COLUMN paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1));
    -- what expires: the SIM's validity, a data pack, or a travel eSIM
    ALTER TABLE plans ADD COLUMN kind TEXT NOT NULL DEFAULT 'validity'
        CHECK (kind IN ('validity', 'data', 'travel'));
    UPDATE plans SET kind = 'travel' WHERE operator = 'travel';
    -- 1: opt-in "keep my number" lifecycle reminders after the expiry
    ALTER TABLE plans ADD COLUMN follow_up INTEGER NOT NULL DEFAULT 0 CHECK (follow_up IN (0, 1));
    -- unix seconds UTC when the plan was stopped or deleted (retention counts from it)
    ALTER TABLE plans ADD COLUMN ended_at INTEGER;
    UPDATE plans SET ended_at = updated_at WHERE state IN ('stopped', 'deleted');
    -- NULL for kind 'lead' and 'snooze'; for kind 'follow_up' the lifecycle stage name
    ALTER TABLE reminders ADD COLUMN stage TEXT;
    -- a member's own plans in a group (/reminders, /export, /delete_me)
    CREATE INDEX plans_by_owner ON plans (owner_id, state);
    -- the daily retention purge: ended plans, finished reminders by planned time
    CREATE INDEX plans_ended ON plans (ended_at) WHERE ended_at IS NOT NULL;
    CREATE INDEX reminders_finished ON reminders (due_at)
        WHERE state IN ('sent', 'skipped', 'cancelled', 'failed');
    """,
    # 5: usage counts per day (no user ids) and the questions the bot could not answer,
    # kept as masked text only (no user or chat id), purged after UNANSWERED_DAYS.
    """
    CREATE TABLE daily_counts (
        day          TEXT NOT NULL,     -- ISO date in the default time zone
        name         TEXT NOT NULL,     -- e.g. questions_answered, votes_down
        count        INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, name)
    ) WITHOUT ROWID;
    CREATE TABLE unanswered (
        id           INTEGER PRIMARY KEY,
        day          TEXT NOT NULL,     -- ISO date asked, in the default time zone
        lang         TEXT NOT NULL,
        outcome      TEXT NOT NULL,     -- suggest | out_of_scope | voted_down
        nearest      TEXT,              -- the FAQ topic the matcher thought closest
        text         TEXT NOT NULL CHECK (length(text) <= 1000)  -- digit runs masked
    );
    CREATE INDEX unanswered_by_day ON unanswered (day);
    -- the command menu set for this private chat alone (BotCommandScopeChat): a key of
    -- its language and commands, so a start re-sends only menus whose texts changed;
    -- NULL = the chat sees the shared menus
    ALTER TABLE users ADD COLUMN chat_menu TEXT;
    """,
    # 6: "same period as before" must come from a real renewal. Plans saved before the
    # renewal period was learned stored the time from creation to expiry as their period;
    # where that is still what period_days holds (within a day: time zones), forget it.
    """
    UPDATE plans SET period_days = NULL
     WHERE period_days IS NOT NULL
       AND abs(julianday(expiry) - julianday(date(created_at, 'unixepoch')) - period_days) <= 1;
    """,
]

MAX_ACTIVE_PLANS = 20
LIVE_PLAN_STATES = ("active", "expired")  # listed in /reminders, counted against the limit
FINISHED_REMINDER_STATES = ("sent", "skipped", "cancelled", "failed")


@dataclass(frozen=True)
class User:
    chat_id: int
    language: str | None
    tg_language: str | None
    timezone: str | None
    active: bool


@dataclass(frozen=True)
class Plan:
    id: int
    chat_id: int
    operator: str | None
    label: str | None
    expiry: date
    time_of_day: dtime
    leads: tuple[int, ...]
    period_days: int | None
    state: str
    created_at: int
    owner_id: int | None = None  # None: a group plan from before owners were recorded
    thread_id: int | None = None  # forum topic the plan was made in
    paused: bool = False
    kind: str = "validity"  # validity | data | travel
    follow_up: bool = False
    ended_at: int | None = None


@dataclass(frozen=True)
class Purged:
    """What the retention job removed."""

    reminders: int
    plans: int


@dataclass(frozen=True)
class Planned:
    """A reminder to insert: kind 'lead' (lead_days before expiry), 'snooze', or
    'follow_up' (a "keep my number" stage after the expiry, named by `stage`)."""

    send_at: int  # unix seconds UTC
    lead_days: int | None = None
    kind: str = "lead"
    stage: str | None = None


@dataclass(frozen=True)
class ReminderRow:
    id: int
    plan_id: int
    chat_id: int
    kind: str
    lead_days: int | None
    due_at: int
    send_at: int
    state: str
    attempts: int
    recovered: bool
    last_error: str | None
    stage: str | None = None


@dataclass(frozen=True)
class Due:
    """A claimed reminder with what sending it needs: the plan and the user's settings."""

    reminder: ReminderRow
    plan: Plan
    language: str | None
    tg_language: str | None
    timezone: str | None
    user_active: bool


@dataclass(frozen=True)
class UnansweredRow:
    day: date
    lang: str
    outcome: str
    nearest: str | None
    text: str


@dataclass(frozen=True)
class Recovery:
    released: int  # claimed but never handed to Telegram: back to pending
    recovered: int  # possibly delivered: back to pending once, flagged
    abandoned: int  # possibly delivered twice already: not sent again (failed)


class Store:
    def __init__(self, db: aiosqlite.Connection, path: Path):
        self.db = db
        self.path = path
        # One connection is shared by every coroutine: a multi-statement transaction
        # holds this lock so that two of them never interleave.
        self._tx_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            db.row_factory = aiosqlite.Row
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=5000")
            store = cls(db, path)
            await store.migrate()
        except BaseException:
            await db.close()  # its worker thread is not a daemon: it would keep us alive
            raise
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
        await self._write(
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
        await self._write(
            f"""INSERT INTO users (chat_id, {column}, created_at, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(chat_id) DO UPDATE SET {column} = excluded.{column},
                  updated_at = excluded.updated_at""",
            (chat_id, value, now, now),
        )

    # --- transactions ------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error), one at a time.

        Every write takes this lock (single statements through `_write`): a statement
        run outside it would land in another coroutine's transaction. SQLite rolls a
        transaction back by itself on some errors ("database or disk is full"), so the
        ROLLBACK is issued only while one is open, and a failed COMMIT is rolled back:
        the caller sees the real error and nothing is half-saved.
        """
        async with self._tx_lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                await self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    await self.db.execute("ROLLBACK")
                raise

    async def _write(self, sql: str, parameters: Sequence | dict = ()) -> None:
        """One statement (atomic by itself) under the transaction lock, so that it never
        runs inside, and is never rolled back with, another coroutine's transaction."""
        async with self._tx_lock:
            await self.db.execute(sql, parameters)

    # --- plans -------------------------------------------------------------------

    async def add_plan(
        self,
        chat_id: int,
        *,
        operator: str | None,
        label: str | None,
        expiry: date,
        time_of_day: dtime,
        leads: Sequence[int],
        period_days: int | None,
        reminders: Iterable[Planned],
        now: int,
        max_live: int = MAX_ACTIVE_PLANS,
        owner_id: int | None = None,
        thread_id: int | None = None,
        kind: str = "validity",
        follow_up: bool = False,
    ) -> int | None:
        """Insert a plan and its reminders; None when its owner already has `max_live` live
        plans in this chat (in a group each member has their own limit)."""
        owner_id = chat_id if owner_id is None else owner_id
        if label is not None and len(label) > 64:
            raise ValueError("label longer than 64 characters")
        async with self.transaction() as db:
            await db.execute(  # the owner's settings row (a person, never a group)
                """INSERT INTO users (chat_id, created_at, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT(chat_id) DO NOTHING""",
                (owner_id, now, now),
            )
            async with db.execute(
                f"""SELECT COUNT(*) FROM plans
                    WHERE chat_id = ? AND owner_id = ? AND state IN {LIVE_PLAN_STATES}""",
                (chat_id, owner_id),
            ) as cur:
                (count,) = await cur.fetchone()
            if count >= max_live:
                return None
            async with db.execute(
                """INSERT INTO plans (chat_id, owner_id, thread_id, operator, label, expiry,
                                      time_of_day, leads, period_days, state, created_at,
                                      updated_at, kind, follow_up)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?) RETURNING id""",
                (
                    chat_id,
                    owner_id,
                    thread_id,
                    operator,
                    label,
                    expiry.isoformat(),
                    _hhmm(time_of_day),
                    _leads_text(leads),
                    period_days,
                    now,
                    now,
                    kind,
                    int(follow_up),
                ),
            ) as cur:
                (plan_id,) = await cur.fetchone()
            await self._insert_reminders(db, plan_id, chat_id, expiry, reminders)
            return plan_id

    async def _insert_reminders(
        self,
        db: aiosqlite.Connection,
        plan_id: int,
        chat_id: int,
        expiry: date,
        reminders: Iterable[Planned],
    ) -> None:
        async with db.execute("SELECT active FROM users WHERE chat_id = ?", (chat_id,)) as cur:
            row = await cur.fetchone()
        state = "pending" if row is None or row[0] else "paused"
        await db.executemany(
            """INSERT INTO reminders (plan_id, chat_id, kind, lead_days, expiry, due_at, send_at,
                                      state, stage)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    plan_id,
                    chat_id,
                    r.kind,
                    r.lead_days,
                    expiry.isoformat(),
                    r.send_at,
                    r.send_at,
                    state,
                    r.stage,
                )
                for r in reminders
            ],
        )

    async def get_plan(self, plan_id: int) -> Plan | None:
        async with self.db.execute(
            f"SELECT {PLAN_COLS} FROM plans WHERE id = ?", (plan_id,)
        ) as cur:
            row = await cur.fetchone()
        return _plan(row) if row else None

    async def live_plans(self, chat_id: int, owner_id: int | None = None) -> list[Plan]:
        """The chat's active and expired plans (not stopped or deleted), by expiry; with
        `owner_id`, only that member's (a group's list is per member)."""
        async with self.db.execute(
            f"""SELECT {PLAN_COLS} FROM plans WHERE chat_id = ? AND state IN {LIVE_PLAN_STATES}
                  AND (? IS NULL OR owner_id = ?)
                ORDER BY expiry, id""",
            (chat_id, owner_id, owner_id),
        ) as cur:
            return [_plan(row) for row in await cur.fetchall()]

    async def owned_live_plans(self, owner_id: int) -> list[Plan]:
        """A person's live plans in every chat (their time zone applies to all of them)."""
        async with self.db.execute(
            f"""SELECT {PLAN_COLS} FROM plans WHERE owner_id = ? AND state IN {LIVE_PLAN_STATES}
                ORDER BY expiry, id""",
            (owner_id,),
        ) as cur:
            return [_plan(row) for row in await cur.fetchall()]

    async def count_live_plans(self, chat_id: int, owner_id: int | None = None) -> int:
        owner_id = chat_id if owner_id is None else owner_id
        async with self.db.execute(
            f"""SELECT COUNT(*) FROM plans
                WHERE chat_id = ? AND owner_id = ? AND state IN {LIVE_PLAN_STATES}""",
            (chat_id, owner_id),
        ) as cur:
            return (await cur.fetchone())[0]

    async def reschedule_plan(
        self,
        plan_id: int,
        *,
        expiry: date,
        reminders: Iterable[Planned],
        now: int,
        period_days: int | None = None,
        time_of_day: dtime | None = None,
        leads: Sequence[int] | None = None,
    ) -> bool:
        """New expiry (renewed or corrected): pending reminders are replaced, plan active."""
        async with self.transaction() as db:
            live = await self._live_plan(db, plan_id)
            if live is None:
                return False
            await db.execute(
                """UPDATE plans SET expiry = ?, state = 'active', updated_at = ?,
                     period_days = COALESCE(?, period_days),
                     time_of_day = COALESCE(?, time_of_day), leads = COALESCE(?, leads)
                   WHERE id = ?""",
                (
                    expiry.isoformat(),
                    now,
                    period_days,
                    _hhmm(time_of_day) if time_of_day else None,
                    _leads_text(leads) if leads is not None else None,
                    plan_id,
                ),
            )
            await self._cancel_open(db, plan_id, "rescheduled")
            await self._insert_reminders(db, plan_id, live[0], expiry, reminders)
            return True

    async def replace_lead_reminders(
        self, plan_id: int, reminders: Iterable[Planned], now: int
    ) -> None:
        """Recompute the lead and "keep my number" reminders still to come (time zone
        changed). One already sent (or in flight) for the current expiry is not planned
        again; snoozes keep their moment."""
        async with self.transaction() as db:
            await self._replace_leads(db, plan_id, reminders)

    async def change_timezone(
        self, person_id: int, timezone: str, replans: Mapping[int, Iterable[Planned]], now: int
    ) -> None:
        """A person's new time zone and their plans' lead reminders re-planned in it
        (plan id -> reminders), in one transaction: a full disk leaves neither half done."""
        async with self.transaction() as db:
            await db.execute(
                """INSERT INTO users (chat_id, timezone, created_at, updated_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT(chat_id) DO UPDATE SET timezone = excluded.timezone,
                     updated_at = excluded.updated_at""",
                (person_id, timezone, now, now),
            )
            for plan_id, reminders in replans.items():
                await self._replace_leads(db, plan_id, reminders)

    async def _replace_leads(
        self, db: aiosqlite.Connection, plan_id: int, reminders: Iterable[Planned]
    ) -> None:
        """Inside a transaction: the plan's lead and follow-up reminders still to come
        become `reminders` (what was already sent is not planned again; snoozes stay)."""
        async with db.execute(
            "SELECT chat_id, expiry FROM plans WHERE id = ? AND state = 'active'", (plan_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return
        chat_id, expiry = row[0], date.fromisoformat(row[1])
        async with db.execute(
            """SELECT DISTINCT kind, lead_days, stage FROM reminders
               WHERE plan_id = ? AND kind IN ('lead', 'follow_up') AND expiry = ?
                 AND state IN ('claimed', 'sending', 'sent', 'skipped', 'failed')""",
            (plan_id, expiry.isoformat()),
        ) as cur:
            done = {(r[0], r[1], r[2]) for r in await cur.fetchall()}
        await db.execute(
            """UPDATE reminders SET state = 'cancelled', last_error = 'time zone changed'
               WHERE plan_id = ? AND kind IN ('lead', 'follow_up')
                 AND state IN ('pending', 'paused')""",
            (plan_id,),
        )
        keep = [
            r
            for r in reminders
            if r.kind != "snooze" and (r.kind, r.lead_days, r.stage) not in done
        ]
        await self._insert_reminders(db, plan_id, chat_id, expiry, keep)

    async def end_plan(self, plan_id: int, state: str, now: int) -> bool:
        """Stop or delete a plan: its open reminders are cancelled. False if already ended.

        'expired' (the sender's one expiry notice went out) keeps the plan listed and
        keeps its "keep my number" follow-ups: they are what comes after the expiry."""
        assert state in {"stopped", "deleted", "expired"}
        async with self.transaction() as db:
            async with db.execute(
                """UPDATE plans SET state = ?, updated_at = ?,
                     ended_at = CASE WHEN ? = 'expired' THEN NULL ELSE ? END
                   WHERE id = ? AND state IN ('active', 'expired') RETURNING id""",
                (state, now, state, now, plan_id),
            ) as cur:
                changed = await cur.fetchone() is not None
            if changed:
                await self._cancel_open(
                    db, plan_id, f"plan {state}", keep_follow_ups=state == "expired"
                )
            return changed

    async def _cancel_open(
        self, db: aiosqlite.Connection, plan_id: int, why: str, *, keep_follow_ups: bool = False
    ) -> None:
        await db.execute(
            """UPDATE reminders SET state = 'cancelled', last_error = ?
               WHERE plan_id = ? AND state IN ('pending', 'paused')
                 AND NOT (? AND kind = 'follow_up')""",
            (why, plan_id, int(keep_follow_ups)),
        )

    async def update_plan(
        self,
        plan_id: int,
        *,
        reminders: Iterable[Planned],
        now: int,
        why: str,
        **fields: object,
    ) -> bool:
        """Change a live plan's settings (name, operator, kind, time, leads, pause,
        follow-up): its open reminders are replaced by `reminders`, planned from the
        new settings. False when the plan is no longer live."""
        assert fields and set(fields) <= _EDITABLE, fields
        values = {k: _column_value(k, v) for k, v in fields.items()}
        if isinstance(values.get("label"), str) and len(values["label"]) > 64:
            raise ValueError("label longer than 64 characters")
        sets = ", ".join(f"{k} = :{k}" for k in values)
        async with self.transaction() as db:
            live = await self._live_plan(db, plan_id)
            if live is None:
                return False
            await db.execute(
                f"UPDATE plans SET {sets}, updated_at = :now WHERE id = :id",
                {**values, "now": now, "id": plan_id},
            )
            await self._cancel_open(db, plan_id, why)
            await self._insert_reminders(db, plan_id, live[0], live[1], reminders)
            return True

    async def restore_deleted(
        self, plan_id: int, *, deleted_since: int, reminders: Iterable[Planned], now: int
    ) -> bool:
        """Undo a delete made at or after `deleted_since`: the plan is active again with
        `reminders` (its reminders still to come). False when the undo window has passed,
        the plan is not deleted, or its owner already has the limit of live plans in that
        chat (the same count add_plan makes: per member, not per group)."""
        async with self.transaction() as db:
            async with db.execute(
                """SELECT chat_id, expiry, owner_id FROM plans
                   WHERE id = ? AND state = 'deleted' AND ended_at >= ?""",
                (plan_id, deleted_since),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            async with db.execute(
                f"""SELECT COUNT(*) FROM plans WHERE chat_id = ? AND owner_id IS ?
                      AND state IN {LIVE_PLAN_STATES}""",
                (row[0], row[2]),
            ) as cur:
                if (await cur.fetchone())[0] >= MAX_ACTIVE_PLANS:
                    return False
            await db.execute(
                """UPDATE plans SET state = 'active', ended_at = NULL, updated_at = ?
                   WHERE id = ?""",
                (now, plan_id),
            )
            await self._insert_reminders(db, plan_id, row[0], date.fromisoformat(row[1]), reminders)
            return True

    @staticmethod
    async def _live_plan(db: aiosqlite.Connection, plan_id: int) -> tuple[int, date] | None:
        """(chat_id, expiry) of a plan that can still be changed (active or expired)."""
        async with db.execute(
            "SELECT chat_id, expiry FROM plans WHERE id = ? AND state IN ('active', 'expired')",
            (plan_id,),
        ) as cur:
            row = await cur.fetchone()
        return None if row is None else (row[0], date.fromisoformat(row[1]))

    async def add_snooze(self, plan_id: int, send_at: int) -> bool:
        """A one-off extra reminder ("⏰ Tomorrow"); earlier pending snoozes are dropped."""
        async with self.transaction() as db:
            live = await self._live_plan(db, plan_id)
            if live is None:
                return False
            await db.execute(
                """UPDATE reminders SET state = 'cancelled', last_error = 'snoozed again'
                   WHERE plan_id = ? AND kind = 'snooze' AND state IN ('pending', 'paused')""",
                (plan_id,),
            )
            await db.execute("UPDATE plans SET state = 'active' WHERE id = ?", (plan_id,))
            await self._insert_reminders(
                db, plan_id, live[0], live[1], [Planned(send_at, kind="snooze")]
            )
            return True

    async def pending_reminders(self, plan_id: int) -> list[ReminderRow]:
        """Reminders still to be sent for a plan (pending or paused), by time."""
        async with self.db.execute(
            f"""SELECT {REM_COLS} FROM reminders
                WHERE plan_id = ? AND state IN ('pending', 'paused') ORDER BY send_at, id""",
            (plan_id,),
        ) as cur:
            return [_reminder(row) for row in await cur.fetchall()]

    async def reminders_of_plan(self, plan_id: int) -> list[ReminderRow]:
        async with self.db.execute(
            f"SELECT {REM_COLS} FROM reminders WHERE plan_id = ? ORDER BY due_at, id", (plan_id,)
        ) as cur:
            return [_reminder(row) for row in await cur.fetchall()]

    # --- users: blocked / back -------------------------------------------------

    async def deactivate_user(self, chat_id: int, now: int) -> int:
        """The user blocked the bot: inactive, their pending reminders paused (count)."""
        async with self.transaction() as db:
            await db.execute(
                """INSERT INTO users (chat_id, active, created_at, updated_at) VALUES (?, 0, ?, ?)
                   ON CONFLICT(chat_id) DO UPDATE SET active = 0,
                     updated_at = excluded.updated_at""",
                (chat_id, now, now),
            )
            async with db.execute(
                """UPDATE reminders SET state = 'paused', last_error = 'user blocked the bot'
                   WHERE chat_id = ? AND state = 'pending' RETURNING id""",
                (chat_id,),
            ) as cur:
                return len(await cur.fetchall())

    async def reactivate_user(self, chat_id: int, now: int) -> int:
        """The user is back (/start, unblocked): active again, paused reminders pending."""
        async with self.transaction() as db:
            await db.execute(
                """UPDATE users SET active = 1, updated_at = ? WHERE chat_id = ? AND active = 0""",
                (now, chat_id),
            )
            async with db.execute(
                """UPDATE reminders SET state = 'pending', last_error = NULL
                   WHERE chat_id = ? AND state = 'paused' RETURNING id""",
                (chat_id,),
            ) as cur:
                return len(await cur.fetchall())

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> int:
        """A group became a supergroup (Telegram's ChatMigrated): its plans, unfinished
        reminders and settings now live under the new chat id. One transaction, so a
        reminder is never left pointing at a chat that no longer exists; returns the
        number of plans moved (0 when it ran before, e.g. for the service message).
        """
        now = int(time.time())
        async with self.transaction() as db:
            async with db.execute(
                "UPDATE plans SET chat_id = ?, updated_at = ? WHERE chat_id = ? RETURNING id",
                (new_chat_id, now, old_chat_id),
            ) as cur:
                moved = len(await cur.fetchall())
            await db.execute(
                f"""UPDATE reminders SET chat_id = ?
                    WHERE chat_id = ? AND state NOT IN {FINISHED_REMINDER_STATES}""",
                (new_chat_id, old_chat_id),
            )
            # The group's settings: kept if the supergroup has none yet.
            await db.execute(
                """UPDATE OR IGNORE users SET chat_id = ?, updated_at = ? WHERE chat_id = ?""",
                (new_chat_id, now, old_chat_id),
            )
            await db.execute("DELETE FROM users WHERE chat_id = ?", (old_chat_id,))
        return moved

    # --- dispatch ----------------------------------------------------------------

    async def recover_in_flight(self) -> Recovery:
        """At start-up, before any dispatch: reminders a crash left claimed or sending.

        'claimed' never reached Telegram: back to pending. 'sending' may have been
        delivered: back to pending once, flagged `recovered`; one that was already
        recovered is not sent a third time (failed, and the caller logs it).
        """
        async with self.transaction() as db:
            async with db.execute(
                """UPDATE reminders SET state = 'pending', claimed_at = NULL
                   WHERE state = 'claimed' RETURNING id"""
            ) as cur:
                released = len(await cur.fetchall())
            async with db.execute(
                """UPDATE reminders SET state = 'failed',
                     last_error = 'interrupted while sending twice; not sent again'
                   WHERE state = 'sending' AND recovered = 1 RETURNING id"""
            ) as cur:
                abandoned = len(await cur.fetchall())
            async with db.execute(
                """UPDATE reminders SET state = 'pending', recovered = 1, claimed_at = NULL,
                     last_error = 'interrupted while sending; may repeat once'
                   WHERE state = 'sending' RETURNING id"""
            ) as cur:
                recovered = len(await cur.fetchall())
        return Recovery(released, recovered, abandoned)

    async def next_due(self) -> int | None:
        """send_at of the earliest pending reminder (partial index: O(log n))."""
        async with self.db.execute(
            "SELECT send_at FROM reminders WHERE state = 'pending' ORDER BY send_at LIMIT 1"
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def collapse_overdue(self, now: int, limit: int | None = None) -> int:
        """Several due reminders of one plan: keep only the most recent (skip the rest).

        With `limit`, only the rows the next ``claim_due(now, limit)`` takes are looked
        at: due rows in claim order until `limit` of them survive. A burst then costs the
        same per reminder however many are due (each row is examined once, through the
        due and per-plan indexes), instead of rescanning every due row per batch.
        """
        if limit is None:
            async with (
                self.transaction() as db,
                db.execute(
                    f"""UPDATE reminders SET state = 'skipped', last_error = '{SUPERSEDED}'
                   WHERE state = 'pending' AND send_at <= :now AND {_SUPERSEDED_BY_LATER}
                   RETURNING id""",
                    {"now": now},
                ) as cur,
            ):
                return len(await cur.fetchall())
        skipped: list[int] = []
        async with self.transaction() as db:
            after = (-1, -1)  # (send_at, id) of the last row examined
            kept = 0
            while kept < limit:
                async with db.execute(
                    f"""SELECT id, send_at, {_SUPERSEDED_BY_LATER} FROM reminders
                        WHERE state = 'pending' AND send_at <= :now
                          AND (send_at > :at OR (send_at = :at AND id > :id))
                        ORDER BY send_at, id LIMIT :window""",
                    {"now": now, "at": after[0], "id": after[1], "window": limit - kept},
                ) as cur:
                    rows = await cur.fetchall()
                if not rows:
                    break
                for reminder_id, _send_at, superseded in rows:
                    if superseded:
                        skipped.append(reminder_id)
                    else:
                        kept += 1
                after = (rows[-1][1], rows[-1][0])
            if skipped:
                await db.execute(
                    f"""UPDATE reminders SET state = 'skipped', last_error = '{SUPERSEDED}'
                        WHERE id IN ({",".join("?" * len(skipped))}) AND state = 'pending'""",
                    skipped,
                )
        return len(skipped)

    async def claim_due(self, now: int, limit: int) -> list[Due]:
        """Claim up to `limit` due reminders, earliest first, with their plan and user."""
        async with self.transaction() as db:
            async with db.execute(
                """UPDATE reminders SET state = 'claimed', claimed_at = :now,
                     attempts = attempts + 1
                   WHERE id IN (SELECT id FROM reminders
                                WHERE state = 'pending' AND send_at <= :now
                                ORDER BY send_at, id LIMIT :limit)
                   RETURNING id""",
                {"now": now, "limit": limit},
            ) as cur:
                ids = [row[0] for row in await cur.fetchall()]
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            async with db.execute(
                f"""SELECT {", ".join("r." + c for c in REM_COLS.split(", "))},
                           {", ".join("p." + c for c in PLAN_COLS.split(", "))},
                           u.language, u.tg_language, u.timezone,
                           (SELECT COALESCE(MIN(c.active), 1) FROM users c
                            WHERE c.chat_id = r.chat_id)
                    FROM reminders r JOIN plans p ON p.id = r.plan_id
                    LEFT JOIN users u ON u.chat_id = COALESCE(p.owner_id, r.chat_id)
                    WHERE r.id IN ({marks}) ORDER BY r.send_at, r.id""",
                ids,
            ) as cur:
                rows = await cur.fetchall()
        n = len(REM_COLS.split(", "))
        m = len(PLAN_COLS.split(", "))
        return [
            Due(
                _reminder(row[:n]),
                _plan(row[n : n + m]),
                row[n + m],
                row[n + m + 1],
                row[n + m + 2],
                bool(row[n + m + 3]),
            )
            for row in rows
        ]

    async def mark_sending(
        self, reminder_id: int, sent: tuple[int, int, int | None] | None = None
    ) -> None:
        """About to hand `reminder_id` to Telegram; `sent`: (id, sent_at, message_id) of the
        previous reminder, delivered since, marked sent in the same commit.

        One commit per reminder instead of two, and still at most one row is ``sending``
        (possibly delivered, unrecorded) at any moment: a crash repeats at most one.
        """
        if sent is None:
            await self._write(
                "UPDATE reminders SET state = 'sending' WHERE id = ? AND state = 'claimed'",
                (reminder_id,),
            )
            return
        await self._write(
            """UPDATE reminders SET
                 state = CASE WHEN id = :next THEN 'sending' ELSE 'sent' END,
                 sent_at = CASE WHEN id = :next THEN sent_at ELSE :at END,
                 message_id = CASE WHEN id = :next THEN message_id ELSE :message END
               WHERE (id = :next AND state = 'claimed')
                  OR (id = :prev AND state IN ('claimed', 'sending'))""",
            {"next": reminder_id, "prev": sent[0], "at": sent[1], "message": sent[2]},
        )

    async def mark_sent(self, reminder_id: int, now: int, message_id: int | None) -> None:
        await self._write(
            """UPDATE reminders SET state = 'sent', sent_at = ?, message_id = ?
               WHERE id = ? AND state IN ('claimed', 'sending')""",
            (now, message_id, reminder_id),
        )

    async def release(
        self,
        reminder_id: int,
        *,
        send_at: int,
        error: str | None = None,
        uncertain: bool = False,
    ) -> None:
        """Back to pending (retry at send_at); `uncertain`: the attempt may have arrived."""
        await self._write(
            """UPDATE reminders SET state = 'pending', send_at = ?, claimed_at = NULL,
                 last_error = COALESCE(?, last_error), recovered = MAX(recovered, ?)
               WHERE id = ? AND state IN ('claimed', 'sending')""",
            (send_at, error, int(uncertain), reminder_id),
        )

    async def finish(self, reminder_id: int, state: str, error: str) -> None:
        """A claimed reminder that will not be sent: skipped, paused, cancelled or failed."""
        assert state in {"skipped", "paused", "cancelled", "failed"}
        await self._write(
            """UPDATE reminders SET state = ?, last_error = ?
               WHERE id = ? AND state IN ('claimed', 'sending')""",
            (state, error, reminder_id),
        )

    # --- a person's data: /export, /delete_me, retention ------------------------------

    async def owned_plans(self, owner_id: int) -> list[Plan]:
        """Every plan a person made, in any chat and any state (their /export)."""
        async with self.db.execute(
            f"SELECT {PLAN_COLS} FROM plans WHERE owner_id = ? ORDER BY id", (owner_id,)
        ) as cur:
            return [_plan(row) for row in await cur.fetchall()]

    async def person_data(self, user_id: int) -> dict[str, object]:
        """Every row about a person, every column, as stored (their /export): their
        settings row, the plans they own or that live in their private chat, and those
        plans' reminders."""
        async with self.db.execute("SELECT * FROM users WHERE chat_id = ?", (user_id,)) as cur:
            user = await cur.fetchone()
        async with self.db.execute(
            "SELECT * FROM plans WHERE owner_id = ? OR chat_id = ? ORDER BY id",
            (user_id, user_id),
        ) as cur:
            plans = [dict(row) for row in await cur.fetchall()]
        for plan in plans:
            async with self.db.execute(
                "SELECT * FROM reminders WHERE plan_id = ? ORDER BY id", (plan["id"],)
            ) as cur:
                plan["reminders"] = [dict(row) for row in await cur.fetchall()]
        return {"user": dict(user) if user else None, "plans": plans}

    async def delete_person(self, user_id: int) -> int:
        """Forget a person: the plans they own (with their reminders, by cascade), every
        row keyed by their id (their settings; their private chat's plans and reminders).
        Group plans without a known owner are the group's and stay. Returns plans removed."""
        async with self.transaction() as db:
            async with db.execute(
                "DELETE FROM plans WHERE owner_id = ? OR chat_id = ? RETURNING id",
                (user_id, user_id),
            ) as cur:
                plans = len(await cur.fetchall())
            await db.execute("DELETE FROM reminders WHERE chat_id = ?", (user_id,))
            await db.execute("DELETE FROM users WHERE chat_id = ?", (user_id,))
            return plans

    async def purge_old(self, *, finished_before: int, ended_before: int) -> Purged:
        """Retention: finished reminders planned before `finished_before`, and plans that
        were stopped or deleted before `ended_before` (their reminders go with them)."""
        async with self.transaction() as db:
            async with db.execute(
                f"""DELETE FROM reminders WHERE state IN {FINISHED_REMINDER_STATES}
                      AND due_at < ? RETURNING id""",
                (finished_before,),
            ) as cur:
                reminders = len(await cur.fetchall())
            async with db.execute(
                """DELETE FROM plans WHERE ended_at IS NOT NULL AND ended_at < ?
                     AND state IN ('stopped', 'deleted') RETURNING id""",
                (ended_before,),
            ) as cur:
                plans = len(await cur.fetchall())
        return Purged(reminders, plans)

    async def reminders_due_between(self, start: int, end: int) -> dict[str, int]:
        """Reminders planned for [start, end) (unix seconds) by state: sent, failed, paused..."""
        async with self.db.execute(
            """SELECT state, COUNT(*) FROM reminders WHERE due_at >= ? AND due_at < ?
               GROUP BY state""",
            (start, end),
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    # --- per-chat command menus ---------------------------------------------------------

    async def chat_menu(self, chat_id: int) -> str | None:
        async with self.db.execute(
            "SELECT chat_menu FROM users WHERE chat_id = ?", (chat_id,)
        ) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def set_chat_menu(self, chat_id: int, key: str | None) -> None:
        await self._write("UPDATE users SET chat_menu = ? WHERE chat_id = ?", (key, chat_id))

    async def chat_menu_candidates(self) -> list[tuple[int, str | None, str | None]]:
        """(chat_id, language, tg_language) of people who may need a menu of their own
        (Chinese readers) or have one: the start-up check goes through these only."""
        async with self.db.execute(
            """SELECT chat_id, language, tg_language FROM users
               WHERE chat_id > 0 AND active = 1 AND (
                 chat_menu IS NOT NULL OR language = 'zh-Hant'
                 OR (language IS NULL AND lower(tg_language) LIKE 'zh%'))
               ORDER BY chat_id"""
        ) as cur:
            return [(r[0], r[1], r[2]) for r in await cur.fetchall()]

    # --- usage: counts per day, unanswered questions --------------------------------

    async def bump(self, day: date, name: str, by: int = 1) -> None:
        await self._write(
            """INSERT INTO daily_counts (day, name, count) VALUES (?, ?, ?)
               ON CONFLICT(day, name) DO UPDATE SET count = count + excluded.count""",
            (day.isoformat(), name, by),
        )

    async def counts_between(self, first: date, last: date) -> dict[str, int]:
        """Totals per counter name over the days first..last (inclusive)."""
        async with self.db.execute(
            """SELECT name, SUM(count) FROM daily_counts WHERE day >= ? AND day <= ?
               GROUP BY name""",
            (first.isoformat(), last.isoformat()),
        ) as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}

    async def count_users(self) -> tuple[int, int]:
        """(people, people who have not blocked the bot): private chats only (ids > 0;
        groups have negative ids)."""
        async with self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(active), 0) FROM users WHERE chat_id > 0"
        ) as cur:
            total, active = await cur.fetchone()
        return total, active

    async def count_active_plans(self) -> int:
        async with self.db.execute("SELECT COUNT(*) FROM plans WHERE state = 'active'") as cur:
            return (await cur.fetchone())[0]

    async def add_unanswered(
        self, day: date, lang: str, outcome: str, nearest: str | None, text: str
    ) -> None:
        """A question kept for the report; the caller has masked it. No user is recorded."""
        await self._write(
            "INSERT INTO unanswered (day, lang, outcome, nearest, text) VALUES (?, ?, ?, ?, ?)",
            (day.isoformat(), lang, outcome, nearest, text[:1000]),
        )

    async def unanswered_since(self, first: date) -> list[UnansweredRow]:
        async with self.db.execute(
            """SELECT day, lang, outcome, nearest, text FROM unanswered WHERE day >= ?
               ORDER BY day, id""",
            (first.isoformat(),),
        ) as cur:
            return [
                UnansweredRow(date.fromisoformat(r[0]), r[1], r[2], r[3], r[4])
                for r in await cur.fetchall()
            ]

    async def purge_unanswered(self, before: date) -> int:
        """Forget questions asked before `before`; returns how many."""
        async with (
            self.transaction() as db,
            db.execute(
                "DELETE FROM unanswered WHERE day < ? RETURNING id", (before.isoformat(),)
            ) as cur,
        ):
            return len(await cur.fetchall())

    async def reminder_counts(self) -> dict[str, int]:
        async with self.db.execute("SELECT state, COUNT(*) FROM reminders GROUP BY state") as cur:
            return {row[0]: row[1] for row in await cur.fetchall()}


SUPERSEDED = "superseded by a later one"
# A later reminder of the same plan is also due (uses the reminders_by_plan index).
_SUPERSEDED_BY_LATER = """EXISTS (
    SELECT 1 FROM reminders AS later
    WHERE later.plan_id = reminders.plan_id AND later.state = 'pending'
      AND later.send_at <= :now
      AND (later.due_at > reminders.due_at
           OR (later.due_at = reminders.due_at AND later.id > reminders.id)))"""

PLAN_COLS = (
    "id, chat_id, operator, label, expiry, time_of_day, leads, period_days, state, created_at,"
    " owner_id, thread_id, paused, kind, follow_up, ended_at"
)
REM_COLS = (
    "id, plan_id, chat_id, kind, lead_days, due_at, send_at, state, attempts, recovered,"
    " last_error, stage"
)


_EDITABLE = {"label", "operator", "kind", "time_of_day", "leads", "paused", "follow_up"}


def _column_value(column: str, value: object) -> object:
    if column == "time_of_day":
        assert isinstance(value, dtime)
        return _hhmm(value)
    if column == "leads":
        return _leads_text(value)  # type: ignore[arg-type]
    if column in {"paused", "follow_up"}:
        return int(bool(value))
    return value


def _hhmm(t: dtime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _leads_text(leads: Sequence[int]) -> str:
    return ",".join(str(n) for n in sorted(set(leads), reverse=True))


def _plan(row: Sequence) -> Plan:
    hh, mm = row[5].split(":")
    return Plan(
        id=row[0],
        chat_id=row[1],
        operator=row[2],
        label=row[3],
        expiry=date.fromisoformat(row[4]),
        time_of_day=dtime(int(hh), int(mm)),
        leads=tuple(int(x) for x in row[6].split(",") if x != ""),
        period_days=row[7],
        state=row[8],
        created_at=row[9],
        owner_id=row[10],
        thread_id=row[11],
        paused=bool(row[12]),
        kind=row[13],
        follow_up=bool(row[14]),
        ended_at=row[15],
    )


def _reminder(row: Sequence) -> ReminderRow:
    return ReminderRow(
        id=row[0],
        plan_id=row[1],
        chat_id=row[2],
        kind=row[3],
        lead_days=row[4],
        due_at=row[5],
        send_at=row[6],
        state=row[7],
        attempts=row[8],
        recovered=bool(row[9]),
        last_error=row[10],
        stage=row[11],
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
