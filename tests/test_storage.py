"""Store: a real SQLite file in tmp_path; migrations, plans, reminders, claiming."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, time
from pathlib import Path

import pytest

from bot import storage
from bot.storage import MIGRATIONS, Planned, Store

NOW = 1_800_000_000  # 2027-01-15 08:00 UTC
DAY = 86_400


@pytest.fixture
async def store(tmp_path: Path):
    s = await Store.open(tmp_path / "bot.sqlite3")
    yield s
    await s.close()


async def add(store: Store, chat_id: int = 1, *, sends=(NOW + 100,), label=None, **kw) -> int:
    reminders = [Planned(t, lead_days=i) for i, t in enumerate(sends)]
    plan_id = await store.add_plan(
        chat_id,
        operator=kw.get("operator", "smart"),
        label=label,
        expiry=kw.get("expiry", date(2027, 2, 1)),
        time_of_day=time(9, 0),
        leads=(3, 1, 0),
        period_days=30,
        reminders=reminders,
        now=NOW,
        **({"max_live": kw["max_live"]} if "max_live" in kw else {}),
    )
    return plan_id


async def states(store: Store, plan_id: int) -> list[str]:
    return [r.state for r in await store.reminders_of_plan(plan_id)]


# --- migrations ------------------------------------------------------------------------


async def test_migrates_from_empty(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    store = await Store.open(path)
    try:
        async with store.db.execute("PRAGMA user_version") as cur:
            assert (await cur.fetchone())[0] == len(MIGRATIONS)
        async with store.db.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
        async with store.db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name"
        ) as cur:
            names = {row[0] for row in await cur.fetchall()}
        assert {"users", "plans", "reminders", "reminders_due"} <= names
        assert await store.migrate() == len(MIGRATIONS)  # idempotent
    finally:
        await store.close()


async def test_migrates_from_version_1_keeping_users(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "old.sqlite3"
    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS[:1])
    old = await Store.open(path)
    await old.set_timezone(42, "Asia/Shanghai")
    await old.close()
    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS)
    store = await Store.open(path)
    try:
        user = await store.get_user(42)
        assert user is not None and user.timezone == "Asia/Shanghai" and user.active
        assert await add(store, 42) is not None
    finally:
        await store.close()


async def test_migrates_populated_version_3_to_4(tmp_path: Path, monkeypatch) -> None:
    """Owners, kinds and end times are derived for every existing row; nothing is lost."""
    path = tmp_path / "v3.sqlite3"
    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS[:3])
    old = await Store.open(path)
    await old.db.executescript(
        f"""
        INSERT INTO users (chat_id, language, tg_language, timezone, active, created_at, updated_at)
        VALUES (42, 'en', 'en', 'Europe/London', 1, {NOW}, {NOW}),
               (43, NULL, 'zh-hans', NULL, 0, {NOW}, {NOW}),
               (-100777, 'zh-hant', NULL, 'Asia/Taipei', 1, {NOW}, {NOW});
        INSERT INTO plans (id, chat_id, operator, label, expiry, time_of_day, leads, period_days,
                           state, created_at, updated_at)
        VALUES (1, 42, 'smart', 'main', '2027-02-01', '09:00', '3,1,0', 30, 'active', {NOW}, {NOW}),
               (2, 42, 'travel', NULL, '2027-03-01', '20:30', '1', NULL, 'stopped',
                {NOW}, {NOW + 50}),
               (3, -100777, 'cellcard', 'group', '2027-02-10', '09:00', '3', 7, 'active',
                {NOW}, {NOW}),
               (4, -100777, 'metfone', NULL, '2027-01-01', '09:00', '0', NULL, 'deleted',
                {NOW}, {NOW + 70}),
               (5, 43, NULL, NULL, '2027-01-20', '08:00', '3,0', NULL, 'expired', {NOW}, {NOW});
        INSERT INTO reminders (id, plan_id, chat_id, kind, lead_days, expiry, due_at, send_at,
                               state, attempts, recovered, sent_at, message_id, last_error)
        VALUES (1, 1, 42, 'lead', 3, '2027-02-01', {NOW}, {NOW}, 'sent', 1, 0, {NOW}, 9, NULL),
               (2, 1, 42, 'lead', 1, '2027-02-01', {NOW + DAY}, {NOW + DAY}, 'pending',
                0, 0, NULL, NULL, NULL),
               (3, 1, 42, 'snooze', NULL, '2027-02-01', {NOW + 10}, {NOW + 10}, 'sending',
                1, 1, NULL, NULL, 'retry'),
               (4, 2, 42, 'lead', 1, '2027-03-01', {NOW + DAY}, {NOW + DAY}, 'cancelled',
                0, 0, NULL, NULL, 'plan stopped'),
               (5, 3, -100777, 'lead', 3, '2027-02-10', {NOW}, {NOW}, 'failed', 3, 0,
                NULL, NULL, 'Forbidden'),
               (6, 5, 43, 'lead', 0, '2027-01-20', {NOW}, {NOW}, 'paused', 0, 0,
                NULL, NULL, 'user blocked the bot');
        """
    )
    await old.close()
    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS)
    store = await Store.open(path)
    try:
        async with store.db.execute("PRAGMA user_version") as cur:
            assert (await cur.fetchone())[0] == len(MIGRATIONS) >= 4
        async with store.db.execute(
            """SELECT id, chat_id, owner_id, thread_id, paused, kind, follow_up, ended_at, state,
                      label, expiry, time_of_day, leads, period_days
               FROM plans ORDER BY id"""
        ) as cur:
            plans = [tuple(row) for row in await cur.fetchall()]
        assert plans == [
            (
                1,
                42,
                42,
                None,
                0,
                "validity",
                0,
                None,
                "active",
                "main",
                "2027-02-01",
                "09:00",
                "3,1,0",
                30,
            ),
            (
                2,
                42,
                42,
                None,
                0,
                "travel",
                0,
                NOW + 50,
                "stopped",
                None,
                "2027-03-01",
                "20:30",
                "1",
                None,
            ),
            (
                3,
                -100777,
                None,
                None,
                0,
                "validity",
                0,
                None,
                "active",
                "group",
                "2027-02-10",
                "09:00",
                "3",
                7,
            ),
            (
                4,
                -100777,
                None,
                None,
                0,
                "validity",
                0,
                NOW + 70,
                "deleted",
                None,
                "2027-01-01",
                "09:00",
                "0",
                None,
            ),
            (
                5,
                43,
                43,
                None,
                0,
                "validity",
                0,
                None,
                "expired",
                None,
                "2027-01-20",
                "08:00",
                "3,0",
                None,
            ),
        ]
        async with store.db.execute(
            """SELECT id, plan_id, chat_id, kind, stage, state, attempts, recovered, sent_at,
                      message_id, last_error FROM reminders ORDER BY id"""
        ) as cur:
            reminders = [tuple(row) for row in await cur.fetchall()]
        assert reminders == [
            (1, 1, 42, "lead", None, "sent", 1, 0, NOW, 9, None),
            (2, 1, 42, "lead", None, "pending", 0, 0, None, None, None),
            (3, 1, 42, "snooze", None, "sending", 1, 1, None, None, "retry"),
            (4, 2, 42, "lead", None, "cancelled", 0, 0, None, None, "plan stopped"),
            (5, 3, -100777, "lead", None, "failed", 3, 0, None, None, "Forbidden"),
            (6, 5, 43, "lead", None, "paused", 0, 0, None, None, "user blocked the bot"),
        ]
        async with store.db.execute(
            "SELECT chat_id, language, tg_language, timezone, active FROM users ORDER BY chat_id"
        ) as cur:
            users = [tuple(row) for row in await cur.fetchall()]
        assert users == [
            (-100777, "zh-hant", None, "Asia/Taipei", 1),
            (42, "en", "en", "Europe/London", 1),
            (43, None, "zh-hans", None, 0),
        ]
        with pytest.raises(sqlite3.IntegrityError):
            await store.db.execute("UPDATE plans SET kind = 'bogus' WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError):
            await store.db.execute("UPDATE plans SET paused = 2 WHERE id = 1")
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        (
            "SELECT send_at FROM reminders WHERE state = 'pending' ORDER BY send_at LIMIT 1",
            "reminders_due",
        ),
        ("UPDATE reminders SET state = 'pending' WHERE state = 'claimed'", "reminders_claimed"),
        (
            "UPDATE reminders SET state = 'failed' WHERE state = 'sending' AND recovered = 1",
            "reminders_sending",
        ),
        (
            "UPDATE reminders SET state = 'paused' WHERE chat_id = 1 AND state = 'pending'",
            "reminders_by_chat",
        ),
        (
            "UPDATE reminders SET state = 'pending' WHERE chat_id = 1 AND state = 'paused'",
            "reminders_by_chat",
        ),
        ("SELECT * FROM reminders WHERE plan_id = 1 AND state = 'pending'", "reminders_by_plan"),
        (
            "SELECT id FROM plans WHERE owner_id = 7 AND state IN ('active', 'expired')",
            "plans_by_owner",
        ),
        ("DELETE FROM plans WHERE ended_at IS NOT NULL AND ended_at < 5", "plans_ended"),
        (
            "DELETE FROM reminders WHERE state IN ('sent', 'skipped', 'cancelled', 'failed')"
            " AND due_at < 5",
            "reminders_finished",
        ),
    ],
)
async def test_hot_queries_use_an_index(store: Store, sql: str, index: str) -> None:
    """Nothing the dispatcher or start-up runs scans the (million-row) reminders table."""
    async with store.db.execute(f"EXPLAIN QUERY PLAN {sql}") as cur:
        plan = " ".join(str(row[3]) for row in await cur.fetchall())
    assert index in plan and not re.search(r"SCAN reminders(?! USING)", plan)


# --- plans ------------------------------------------------------------------------------


async def test_add_and_read_plan(store: Store) -> None:
    plan_id = await add(store, label="月卡 <b>", sends=(NOW + 10, NOW + 20))
    plan = await store.get_plan(plan_id)
    assert plan.label == "月卡 <b>" and plan.expiry == date(2027, 2, 1)
    assert plan.time_of_day == time(9, 0) and plan.leads == (3, 1, 0)
    assert plan.state == "active" and plan.operator == "smart"
    assert [r.send_at for r in await store.pending_reminders(plan_id)] == [NOW + 10, NOW + 20]
    assert [p.id for p in await store.live_plans(1)] == [plan_id]
    assert await store.get_plan(999) is None


async def test_limit_of_live_plans(store: Store) -> None:
    for _ in range(3):
        assert await add(store, max_live=3) is not None
    assert await add(store, max_live=3) is None
    assert await store.count_live_plans(1) == 3
    assert await add(store, chat_id=2, max_live=3) is not None  # per chat


async def test_label_limit_is_enforced(store: Store) -> None:
    with pytest.raises(ValueError):
        await add(store, label="x" * 65)
    with pytest.raises(sqlite3.IntegrityError):
        await store.db.execute(
            "INSERT INTO plans (chat_id, expiry, label, created_at, updated_at) "
            "VALUES (1, '2027-01-01', ?, 0, 0)",
            ("y" * 65,),
        )


async def test_reschedule_replaces_pending(store: Store) -> None:
    plan_id = await add(store, sends=(NOW + 10, NOW + 20))
    ok = await store.reschedule_plan(
        plan_id, expiry=date(2027, 3, 1), reminders=[Planned(NOW + 99, 0)], now=NOW, period_days=28
    )
    assert ok
    plan = await store.get_plan(plan_id)
    assert plan.expiry == date(2027, 3, 1) and plan.period_days == 28
    assert await states(store, plan_id) == ["cancelled", "cancelled", "pending"]
    await store.end_plan(plan_id, "deleted", NOW)
    assert not await store.reschedule_plan(plan_id, expiry=date(2027, 4, 1), reminders=[], now=NOW)


async def test_end_plan_cancels_and_hides(store: Store) -> None:
    plan_id = await add(store, sends=(NOW + 10,))
    assert await store.end_plan(plan_id, "stopped", NOW)
    assert not await store.end_plan(plan_id, "deleted", NOW)
    assert await states(store, plan_id) == ["cancelled"]
    assert await store.live_plans(1) == []
    assert await store.next_due() is None


async def test_snooze_replaces_previous_snooze(store: Store) -> None:
    plan_id = await add(store, sends=(NOW + 10,))
    assert await store.add_snooze(plan_id, NOW + 50)
    assert await store.add_snooze(plan_id, NOW + 60)
    pending = await store.pending_reminders(plan_id)
    assert [(r.kind, r.send_at) for r in pending] == [("lead", NOW + 10), ("snooze", NOW + 60)]


async def test_replace_lead_reminders_keeps_sent_leads_sent(store: Store) -> None:
    plan_id = await add(store, sends=(NOW + 10, NOW + 20, NOW + 30))  # leads 0, 1, 2
    [due] = await store.claim_due(NOW + 10, 10)
    await store.mark_sent(due.reminder.id, NOW + 10, 5)
    new = [Planned(NOW + 15, 0), Planned(NOW + 25, 1), Planned(NOW + 35, 2)]
    await store.replace_lead_reminders(plan_id, new, NOW + 11)
    pending = await store.pending_reminders(plan_id)
    assert [(r.lead_days, r.send_at) for r in pending] == [(1, NOW + 25), (2, NOW + 35)]


# --- dispatch --------------------------------------------------------------------------


async def test_claim_in_send_at_order_in_batches(store: Store) -> None:
    a = await add(store, chat_id=1, sends=(NOW + 30,))
    b = await add(store, chat_id=2, sends=(NOW + 10,))
    c = await add(store, chat_id=3, sends=(NOW + 20,))
    await add(store, chat_id=4, sends=(NOW + 500,))
    assert await store.next_due() == NOW + 10
    first = await store.claim_due(NOW + 100, 2)
    assert [d.plan.id for d in first] == [b, c]
    assert first[0].reminder.state == "claimed" and first[0].reminder.attempts == 1
    second = await store.claim_due(NOW + 100, 2)
    assert [d.plan.id for d in second] == [a]
    assert await store.claim_due(NOW + 100, 2) == []
    assert await store.next_due() == NOW + 500


async def test_claim_carries_user_settings(store: Store) -> None:
    await store.set_language(7, "zh-Hant")
    await store.set_timezone(7, "Asia/Taipei")
    await add(store, chat_id=7, sends=(NOW,))
    [due] = await store.claim_due(NOW, 10)
    assert (due.language, due.timezone, due.user_active) == ("zh-Hant", "Asia/Taipei", True)


async def test_collapse_keeps_most_recent_of_each_plan(store: Store) -> None:
    p1 = await add(store, sends=(NOW - 3 * DAY, NOW - DAY, NOW + DAY))
    p2 = await add(store, chat_id=2, sends=(NOW - DAY,))
    assert await store.collapse_overdue(NOW) == 1
    assert await states(store, p1) == ["skipped", "pending", "pending"]
    assert await states(store, p2) == ["pending"]
    claimed = await store.claim_due(NOW, 10)
    assert sorted(d.plan.id for d in claimed) == [p1, p2]


async def test_recovery_after_crash_sends_at_most_once_more(store: Store) -> None:
    plan_id = await add(store, sends=(NOW, NOW + 1))
    due = await store.claim_due(NOW + 1, 10)
    await store.mark_sending(due[0].reminder.id)  # handed to Telegram, then a crash
    rec = await store.recover_in_flight()
    assert (rec.released, rec.recovered, rec.abandoned) == (1, 1, 0)
    rows = await store.reminders_of_plan(plan_id)
    assert [(r.state, r.recovered) for r in rows] == [("pending", True), ("pending", False)]
    # second crash while sending the recovered row: it is not sent a third time
    due = await store.claim_due(NOW + 1, 10)
    for d in due:
        await store.mark_sending(d.reminder.id)
    rec = await store.recover_in_flight()
    assert (rec.released, rec.recovered, rec.abandoned) == (0, 1, 1)
    rows = await store.reminders_of_plan(plan_id)
    assert [r.state for r in rows] == ["failed", "pending"]


async def test_release_and_finish(store: Store) -> None:
    plan_id = await add(store, sends=(NOW,))
    [due] = await store.claim_due(NOW, 10)
    await store.release(due.reminder.id, send_at=NOW + 60, error="boom", uncertain=True)
    [row] = await store.reminders_of_plan(plan_id)
    assert (row.state, row.send_at, row.due_at, row.recovered, row.last_error) == (
        "pending",
        NOW + 60,
        NOW,
        True,
        "boom",
    )
    assert await store.claim_due(NOW + 59, 10) == []
    [due] = await store.claim_due(NOW + 60, 10)
    await store.finish(due.reminder.id, "failed", "bad request")
    assert await states(store, plan_id) == ["failed"]
    assert (await store.reminder_counts()) == {"failed": 1}


async def test_blocked_user_paused_and_resumed(store: Store) -> None:
    plan_id = await add(store, sends=(NOW + 10, NOW + 20))
    other = await add(store, chat_id=2, sends=(NOW + 10,))
    assert await store.deactivate_user(1, NOW) == 2
    assert not (await store.get_user(1)).active
    assert await states(store, plan_id) == ["paused", "paused"]
    assert [d.plan.id for d in await store.claim_due(NOW + 100, 10)] == [other]
    # a plan added while blocked starts paused
    later = await add(store, sends=(NOW + 30,))
    assert await states(store, later) == ["paused"]
    assert await store.reactivate_user(1, NOW) == 3
    assert (await store.get_user(1)).active
    assert await states(store, plan_id) == ["pending", "pending"]


async def test_collapse_within_a_batch_window_matches_the_full_collapse(store: Store) -> None:
    # plan a: two due rows far apart in send order; plans b..e: one due row each
    a = await add(store, sends=(NOW - 5 * DAY, NOW - DAY))
    singles = [await add(store, chat_id=c, sends=(NOW - 4 * DAY + c,)) for c in range(2, 6)]
    # the window is two surviving rows: a's first row is examined and skipped, then two kept
    assert await store.collapse_overdue(NOW, 2) == 1
    assert await states(store, a) == ["skipped", "pending"]
    claimed = await store.claim_due(NOW, 2)
    assert [d.plan.id for d in claimed] == singles[:2]
    # the rest of the burst, batch by batch: nothing else is superseded
    assert await store.collapse_overdue(NOW, 2) == 0
    assert [d.plan.id for d in await store.claim_due(NOW, 2)] == singles[2:]
    assert await store.collapse_overdue(NOW, 2) == 0
    assert [d.plan.id for d in await store.claim_due(NOW, 2)] == [a]


async def test_collapse_window_looks_past_skipped_rows(store: Store) -> None:
    plans = [await add(store, chat_id=c, sends=(NOW - 3 * DAY + c, NOW - DAY)) for c in (1, 2)]
    # the first two due rows are both superseded: the window goes on to find two to keep
    assert await store.collapse_overdue(NOW, 2) == 2
    assert [await states(store, p) for p in plans] == [["skipped", "pending"]] * 2


async def test_collapse_cost_per_row_does_not_grow_with_the_burst(store: Store) -> None:
    """The SQL a batch runs looks at the batch, not at every due row (no rescans)."""
    await store.db.executemany(
        "INSERT INTO plans (id, chat_id, expiry, created_at, updated_at)"
        " VALUES (?, ?, '2027-02-01', 0, 0)",
        [(p, p) for p in range(1, 5001)],
    )
    await store.db.executemany(
        "INSERT INTO reminders (plan_id, chat_id, expiry, due_at, send_at)"
        " VALUES (?, ?, '2027-02-01', ?, ?)",
        [(p, p, NOW - p, NOW - p) for p in range(1, 5001)],
    )
    steps: list[int] = []
    await store.db.set_progress_handler(lambda: steps.append(1), 100)
    await store.collapse_overdue(NOW, 30)
    windowed, steps[:] = len(steps), []
    await store.collapse_overdue(NOW)
    await store.db.set_progress_handler(None, 100)
    # the unwindowed form visits every due row; the window only its 30 (plus index seeks)
    assert windowed < 100 < len(steps)


async def test_mark_sending_records_the_previous_send_in_the_same_commit(store: Store) -> None:
    plan_id = await add(store, sends=(NOW, NOW + 1))
    first, second = await store.claim_due(NOW + 1, 10)
    await store.mark_sending(first.reminder.id)
    await store.mark_sending(second.reminder.id, (first.reminder.id, NOW + 1, 77))
    rows = await store.reminders_of_plan(plan_id)
    assert [r.state for r in rows] == ["sent", "sending"]
    async with store.db.execute(
        "SELECT sent_at, message_id FROM reminders WHERE id = ?", (first.reminder.id,)
    ) as cur:
        assert tuple(await cur.fetchone()) == (NOW + 1, 77)
    # a crash now repeats only the one in flight
    rec = await store.recover_in_flight()
    assert (rec.released, rec.recovered, rec.abandoned) == (0, 1, 0)


# --- owners, a person's data, retention ------------------------------------------------


async def test_group_plans_are_per_owner(store: Store) -> None:
    group = -100
    a = await store.add_plan(
        group,
        operator="smart",
        label="A",
        expiry=date(2027, 2, 1),
        time_of_day=time(9, 0),
        leads=(0,),
        period_days=None,
        reminders=[],
        now=NOW,
        owner_id=7,
        thread_id=3,
        max_live=1,
    )
    b = await store.add_plan(
        group,
        operator="smart",
        label="B",
        expiry=date(2027, 2, 1),
        time_of_day=time(9, 0),
        leads=(0,),
        period_days=None,
        reminders=[],
        now=NOW,
        owner_id=8,
        max_live=1,
    )
    assert a is not None and b is not None  # the limit is per member, not per group
    plan = await store.get_plan(a)
    assert (plan.owner_id, plan.thread_id, plan.kind, plan.paused) == (7, 3, "validity", False)
    assert [p.label for p in await store.live_plans(group, 7)] == ["A"]
    assert [p.label for p in await store.live_plans(group)] == ["A", "B"]
    assert await store.count_live_plans(group, 8) == 1
    assert [p.id for p in await store.owned_live_plans(7)] == [a]


async def test_claim_uses_the_owners_settings_and_the_chats_reachability(store: Store) -> None:
    await store.set_language(7, "zh-Hant")
    await store.set_timezone(7, "Asia/Taipei")
    await store.add_plan(
        -100,
        operator="smart",
        label=None,
        expiry=date(2027, 2, 1),
        time_of_day=time(9, 0),
        leads=(0,),
        period_days=None,
        reminders=[Planned(NOW - 1, 0)],
        now=NOW,
        owner_id=7,
    )
    [due] = await store.claim_due(NOW, 10)
    assert (due.language, due.timezone, due.user_active) == ("zh-Hant", "Asia/Taipei", True)
    assert due.plan.owner_id == 7


async def test_delete_person_removes_every_row_about_them(store: Store) -> None:
    mine = await add(store, 7)
    await store.set_timezone(7, "Asia/Taipei")
    in_group = await store.add_plan(
        -100,
        operator=None,
        label="mine too",
        expiry=date(2027, 2, 1),
        time_of_day=time(9, 0),
        leads=(0,),
        period_days=None,
        reminders=[Planned(NOW + 5, 0)],
        now=NOW,
        owner_id=7,
    )
    theirs = await store.add_plan(
        -100,
        operator=None,
        label="theirs",
        expiry=date(2027, 2, 1),
        time_of_day=time(9, 0),
        leads=(0,),
        period_days=None,
        reminders=[Planned(NOW + 5, 0)],
        now=NOW,
        owner_id=8,
    )
    other = await add(store, 9)
    assert await store.delete_person(7) == 2
    assert await store.get_plan(mine) is None and await store.get_plan(in_group) is None
    assert await store.get_user(7) is None
    async with store.db.execute(
        "SELECT COUNT(*) FROM reminders WHERE plan_id IN (?, ?) OR chat_id = 7", (mine, in_group)
    ) as cur:
        assert (await cur.fetchone())[0] == 0
    assert await store.get_plan(theirs) is not None and await store.get_plan(other) is not None
    assert await states(store, theirs) == ["pending"]


async def test_purge_old_keeps_what_is_recent_or_still_to_come(store: Store) -> None:
    old_sent = await add(store, 1, sends=(NOW - 40 * DAY, NOW + DAY))
    [first, _] = await store.reminders_of_plan(old_sent)
    await store.db.execute("UPDATE reminders SET state = 'sent' WHERE id = ?", (first.id,))
    stopped_long_ago = await add(store, 2)
    await store.end_plan(stopped_long_ago, "stopped", NOW - 100 * DAY)
    stopped_lately = await add(store, 3)
    await store.end_plan(stopped_lately, "deleted", NOW - 10 * DAY)
    purged = await store.purge_old(finished_before=NOW - 30 * DAY, ended_before=NOW - 90 * DAY)
    assert purged.reminders == 1 and purged.plans == 1
    assert await states(store, old_sent) == ["pending"]
    assert await store.get_plan(stopped_long_ago) is None
    assert (await store.get_plan(stopped_lately)).ended_at == NOW - 10 * DAY
