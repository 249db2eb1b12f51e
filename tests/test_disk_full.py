"""A full (or failing) disk never costs a user their reply (issue #13).

The store's connection is wrapped so that every write (or, for the error handler,
every statement) fails with SQLite's own "database or disk is full" error, the
way a full disk or a capped database file does. Questions are still answered,
saving says plainly that nothing was saved, and nothing is half-written.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import MessageHandler, filters

from bot.callbacks import ExpiresIn, PickOperator, SavePlan, SetLanguage, SkipLabel
from tests.helpers import BotHarness, FakeClock, harness

NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
WRITES = {"INSERT", "UPDATE", "DELETE", "REPLACE"}


class FullDisk:
    """An aiosqlite connection whose writes (or all statements) fail like a full disk."""

    def __init__(self, db: Any, *, reads_too: bool = False, only: str = "") -> None:
        self._db = db
        self.reads_too = reads_too
        self.only = only  # refuse only writes containing this (the disk fills mid-way)
        self.refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        verb = sql.lstrip().split(None, 1)[0].upper()
        if self.reads_too or (verb in WRITES and self.only in sql):
            self.refused += 1
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, parameters)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def fill_disk(bot: BotHarness, *, reads_too: bool = False, only: str = "") -> FullDisk:
    full = FullDisk(bot.store.db, reads_too=reads_too, only=only)
    bot.store.db = full
    return full


def free_disk(bot: BotHarness, full: FullDisk) -> None:
    bot.store.db = full._db


def text(bot: BotHarness, key: str, lang: str = "en") -> str:
    return bot.app.bot_data["services"].content.texts.html(key, lang)


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_question_is_answered_on_a_full_disk(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    full = fill_disk(bot)
    [answer] = await bot.say("how do I check my balance?")
    assert text(bot, "error_apology") not in answer.text
    assert text(bot, "storage_unavailable") not in answer.text
    assert "*" in answer.text or "#" in answer.text  # a real answer with a code
    await bot.app.update_persistence()  # let the background bookkeeping run
    free_disk(bot, full)
    assert full.refused >= 1  # "last seen" was tried, failed quietly, after all that
    assert errors_logged(caplog) == []


async def test_remind_on_a_full_disk_says_nothing_was_saved(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say("/remind")
    await bot.press(PickOperator("smart").pack())
    await bot.press(SkipLabel().pack())
    await bot.press(ExpiresIn(30).pack())
    full = fill_disk(bot)
    await bot.press(SavePlan().pack())
    assert text(bot, "storage_unavailable") in bot.texts()
    free_disk(bot, full)
    assert await bot.store.live_plans(1) == []  # nothing half-saved
    async with bot.store.db.execute("SELECT count(*) FROM reminders") as cur:
        assert (await cur.fetchone())[0] == 0
    # "try again later": the same Save works once the disk has room
    await bot.press(SavePlan().pack())
    assert "Saved" in bot.texts()
    assert len(await bot.store.live_plans(1)) == 1
    assert any("error handling update" in m for m in errors_logged(caplog))


async def test_one_line_remind_on_a_full_disk(bot: BotHarness) -> None:
    fill_disk(bot)
    [reply] = await bot.say("/remind 2026-12-31 Smart")
    assert reply.text == text(bot, "storage_unavailable")


async def test_a_button_on_a_full_disk_changes_nothing(bot: BotHarness) -> None:
    await bot.say("/language")
    full = fill_disk(bot)
    await bot.press(SetLanguage("zh-Hant").pack())
    methods = [s.method for s in bot.last]
    assert "answerCallbackQuery" in methods  # the button stops spinning
    assert text(bot, "storage_unavailable") in bot.texts()  # in Telegram's language (en)
    free_disk(bot, full)
    user = await bot.store.get_user(1)
    assert user is None or user.language is None


async def test_the_apology_needs_no_database(tmp_path: Path, clock: FakeClock) -> None:
    async with harness(tmp_path / "zh.sqlite3", clock, lang="zh-hant") as bot:

        async def broken(update: Any, context: Any) -> None:
            raise RuntimeError("a bug")

        bot.app.add_handler(MessageHandler(filters.Regex("^boom$"), broken), group=-100)
        full = fill_disk(bot, reads_too=True)
        replies = [s.text for s in await bot.say("boom")]
        assert text(bot, "error_apology", "zh-Hant") in replies  # Telegram's language_code
        free_disk(bot, full)


async def test_the_apology_uses_the_saved_language_when_it_can(
    tmp_path: Path, clock: FakeClock
) -> None:
    async with harness(tmp_path / "lang.sqlite3", clock) as bot:
        await bot.store.set_language(1, "zh-Hans")
        full = fill_disk(bot)  # reads still work: the saved language is used
        [reply] = await bot.say("/remind 2026-12-31 Smart")
        assert reply.text == text(bot, "storage_unavailable", "zh-Hans")
        free_disk(bot, full)


async def test_a_reminder_claimed_when_the_disk_filled_is_sent_once_later(
    bot: BotHarness, clock: FakeClock
) -> None:
    await bot.say("/remind 2026-03-12 Smart")
    clock.set(datetime(2026, 3, 11, 2, 1, tzinfo=UTC))  # 09:01 in Phnom Penh, a day before
    full = fill_disk(bot, only="'sending'")  # claimed, then the next write fails
    with pytest.raises(sqlite3.OperationalError):
        await bot.tick()
    assert not any(s.method == "sendMessage" for s in bot.request.take())
    free_disk(bot, full)
    sent = [s for s in await bot.tick() if s.method == "sendMessage"]
    assert len(sent) == 1 and "Smart" in sent[0].text
    assert [s for s in await bot.tick() if s.method == "sendMessage"] == []


async def test_a_time_zone_on_a_full_disk_is_all_or_nothing(bot: BotHarness) -> None:
    await bot.say("/remind 2026-12-31 Smart")
    [plan] = await bot.store.live_plans(1)
    before = [(r.id, r.send_at) for r in await bot.store.pending_reminders(plan.id)]
    await bot.say("/timezone")
    full = fill_disk(bot, only="reminders")  # the zone could be saved, the re-plan not
    await bot.say("Taipei")
    assert text(bot, "storage_unavailable") in bot.texts()
    free_disk(bot, full)
    user = await bot.store.get_user(1)
    assert user is None or user.timezone is None  # rolled back with the reminders
    assert [(r.id, r.send_at) for r in await bot.store.pending_reminders(plan.id)] == before
    await bot.say("Taipei")  # still at the step: typing it again works
    assert (await bot.store.get_user(1)).timezone == "Asia/Taipei"
    after = [r.send_at for r in await bot.store.pending_reminders(plan.id)]
    assert after == [t - 3600 for _, t in before]  # 09:00 in Taipei is an hour earlier
