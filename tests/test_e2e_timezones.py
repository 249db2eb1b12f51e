"""End to end over HTTP: /timezone with a city name, and a reminder in a zone with
daylight saving time still fires at 09:00 local time after the clock change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakebotapi import FakeBotApi
from helpers import FakeClock

from bot.reminders.sender import get_sender
from bot.service import build_runtime_application, polling

OK = lambda c: not c.faulted  # noqa: E731


@pytest.mark.parametrize(
    ("city", "zone", "start", "expiry", "fires_utc"),
    [
        # UK clocks go forward on 28 March 2027: 09:00 BST is 08:00 UTC (was 09:00 UTC).
        (
            "伦敦",
            "Europe/London",
            datetime(2027, 3, 20, 12, tzinfo=UTC),
            "2027-04-02",
            datetime(2027, 3, 30, 8, tzinfo=UTC),
        ),
        # US clocks go forward on 14 March 2027: 09:00 EDT is 13:00 UTC (was 14:00 UTC).
        (
            "New York",
            "America/New_York",
            datetime(2027, 3, 10, 12, tzinfo=UTC),
            "2027-03-19",
            datetime(2027, 3, 16, 13, tzinfo=UTC),
        ),
    ],
)
async def test_reminder_stays_at_nine_local_across_dst(
    fake_api: FakeBotApi, bot_settings, ptb_timedelta, city, zone, start, expiry, fires_utc
) -> None:
    clock = FakeClock(start)
    app = build_runtime_application(bot_settings(), clock=clock)
    async with polling(app):
        fake_api.user_sends(31, f"/timezone {city}")
        [done] = await fake_api.wait_for("sendMessage", chat_id=31)
        assert zone in done.params["text"]
        fake_api.user_sends(31, f"/remind {expiry} smart")
        await fake_api.wait_for("sendMessage", chat_id=31, count=2)
        store = app.bot_data["services"].store
        async with store.db.execute(
            "SELECT send_at FROM reminders WHERE chat_id = 31 ORDER BY send_at"
        ) as cur:
            first = (await cur.fetchone())[0]
        assert first == int(fires_utc.timestamp())  # 3 days before, 09:00 local

        clock.set(fires_utc - timedelta(minutes=1))
        await get_sender(app).tick()
        assert len(fake_api.calls_of("sendMessage", chat_id=31)) == 2  # not yet
        clock.set(fires_utc)
        await get_sender(app).tick()
        calls = await fake_api.wait_for("sendMessage", chat_id=31, count=3, predicate=OK)
        assert "Smart" in calls[2].params["text"]


async def test_unknown_zone_changes_nothing(fake_api: FakeBotApi, bot_settings, ptb_timedelta):
    app = build_runtime_application(bot_settings())
    async with polling(app):
        fake_api.user_sends(32, "/timezone 火星", language_code="zh-hant")
        [reply] = await fake_api.wait_for("sendMessage", chat_id=32)
        assert "不認識" in reply.params["text"]
        user = await app.bot_data["services"].store.get_user(32)
        assert user is None or user.timezone is None


async def test_an_offset_reads_as_utc_plus(fake_api: FakeBotApi, bot_settings, ptb_timedelta):
    clock = FakeClock(datetime(2027, 3, 1, 12, tzinfo=UTC))
    app = build_runtime_application(bot_settings(), clock=clock)
    async with polling(app):
        fake_api.user_sends(33, "/timezone GMT+8")
        [done] = await fake_api.wait_for("sendMessage", chat_id=33)
        assert "UTC+8" in done.params["text"] and "Etc/" not in done.params["text"]
        fake_api.user_sends(33, "/remind 2027-03-10 smart")
        [_, saved] = await fake_api.wait_for("sendMessage", chat_id=33, count=2)
        assert "UTC+8" in saved.params["text"] and "09:00" in saved.params["text"]
        store = app.bot_data["services"].store
        async with store.db.execute("SELECT MIN(send_at) FROM reminders WHERE chat_id = 33") as cur:
            first = (await cur.fetchone())[0]
        assert first == int(datetime(2027, 3, 7, 1, tzinfo=UTC).timestamp())  # 09:00 at UTC+8
