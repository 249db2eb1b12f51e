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
