"""A due reminder's text and buttons, built without Telegram: the buttons carry typed
callback data for the plan, and the expiry-day and expired variants differ."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.callbacks import MarkRenewed, Snooze, StopPlan
from bot.content import Content, load_content
from bot.reminders.message import reminder_message
from bot.storage import Due, Plan, ReminderRow

PP = ZoneInfo("Asia/Phnom_Penh")


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def due(expiry: date, *, language: str | None = "en", label: str | None = "<i>x</i>") -> Due:
    plan = Plan(7, 1, "smart", label, expiry, time(9, 0), (3, 1, 0), 30, "active", 0)
    row = ReminderRow(11, 7, 1, "lead", 3, 0, 0, "claimed", 1, False, None)
    return Due(row, plan, language, None, None, True)


def texts(content: Content, key: str, lang: str = "en") -> str:
    return content.texts.plain(key, lang)


def test_ahead_of_expiry(content: Content) -> None:
    now = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
    text, rows = reminder_message(content, due(date(2026, 3, 20)), now, PP, expired=False)
    assert "&lt;i&gt;x&lt;/i&gt;" in text and "/codes smart" in text
    assert [[label for label, _ in row] for row in rows] == [
        [texts(content, "reminder_btn_renewed")],
        [texts(content, "reminder_btn_later"), texts(content, "reminder_btn_stop")],
    ]
    assert [[data for _, data in row] for row in rows] == [
        [MarkRenewed(7)],
        [Snooze(7), StopPlan(7)],
    ]
    assert all(len(data.pack()) <= 64 for row in rows for _, data in row)


def test_on_the_day_snooze_is_later(content: Content) -> None:
    now = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    _, rows = reminder_message(content, due(date(2026, 3, 20)), now, PP, expired=False)
    assert rows[1][0] == (texts(content, "reminder_btn_later"), Snooze(7))


def test_expired_notice_in_chinese(content: Content) -> None:
    now = datetime(2026, 3, 25, 2, 0, tzinfo=UTC)
    text, rows = reminder_message(
        content, due(date(2026, 3, 20), language="zh-Hant"), now, PP, expired=True
    )
    assert rows == [
        [
            (texts(content, "reminder_btn_renewed", "zh-Hant"), MarkRenewed(7)),
            (texts(content, "reminder_btn_stop", "zh-Hant"), StopPlan(7)),
        ]
    ]
    assert "2026" in text
