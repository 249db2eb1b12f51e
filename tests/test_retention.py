"""Retention: the daily purge deletes finished reminders after REMINDER_DAYS and ended
plans after PLAN_DAYS, judged by the injectable clock, and keeps everything live."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from helpers import FakeClock, harness

from bot import retention
from bot.storage import Planned, Store

T0 = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
DAY = 86_400


async def add(store: Store, chat_id: int, *sends: int) -> int:
    plan_id = await store.add_plan(
        chat_id,
        operator="smart",
        label=None,
        expiry=date(2027, 6, 1),
        time_of_day=time(9, 0),
        leads=(0,),
        period_days=None,
        reminders=[Planned(t, i) for i, t in enumerate(sends)],
        now=int(T0.timestamp()),
    )
    assert plan_id is not None
    return plan_id


async def test_daily_purge_follows_the_clock(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    async with harness(tmp_path / "bot.sqlite3", clock) as bot:
        names = [job.name for job in bot.app.job_queue.jobs()]
        assert retention.JOB_NAME in names  # scheduled at start-up, every day
        store = bot.store
        t0 = int(T0.timestamp())
        live = await add(store, 1, t0 + DAY, t0 + 100 * DAY)
        ended = await add(store, 2, t0 + DAY)
        await store.end_plan(ended, "stopped", t0)
        [sent, _] = await store.reminders_of_plan(live)
        await store.db.execute("UPDATE reminders SET state = 'sent' WHERE id = ?", (sent.id,))

        clock.set(T0 + timedelta(days=30))  # due 29 days ago: kept
        assert await retention.purge(store, clock()) == retention.Purged(0, 0)
        clock.set(T0 + timedelta(days=31, hours=1))  # the sent one, the stopped plan's cancelled
        assert await retention.purge(store, clock()) == retention.Purged(2, 0)
        assert [r.state for r in await store.reminders_of_plan(live)] == ["pending"]
        assert await store.get_plan(ended) is not None
        clock.set(T0 + timedelta(days=90, seconds=1))
        assert (await retention.purge(store, clock())).plans == 1
        assert await store.get_plan(ended) is None
        assert await store.get_plan(live) is not None  # live plans are never purged
