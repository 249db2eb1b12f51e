"""End to end over HTTP, in-process: reminders (one-liner, delivery, 403 pauses the user)
and /codes with button presses, against the fake Bot API server.

The Application gets a settable clock (Services.clock): a reminder "a minute ahead" falls
due by moving the clock, then `Dispatcher.poke()` re-aims the wake-up job at it, as the
bot itself does after every change. No test waits a real minute.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fakebotapi import FakeBotApi
from helpers import FakeClock

from bot.callbacks import MarkRenewed, PickOperator
from bot.reminders.sender import get_sender
from bot.service import build_runtime_application, polling
from tests.helpers import shared

PP = ZoneInfo("Asia/Phnom_Penh")
T0 = datetime(2027, 3, 10, 14, 34, tzinfo=PP)
OK = lambda c: not c.faulted  # noqa: E731


@pytest.fixture
async def clocked_bot(fake_api: FakeBotApi, bot_settings, ptb_timedelta):
    clock = FakeClock(T0)
    app = build_runtime_application(bot_settings(), clock=clock, **shared())
    async with polling(app):
        yield app, clock


async def reminder_state(app, chat_id: int) -> list[str]:
    store = app.bot_data["services"].store
    async with store.db.execute(
        "SELECT state FROM reminders WHERE chat_id = ? ORDER BY id", (chat_id,)
    ) as cur:
        return [row[0] for row in await cur.fetchall()]


async def test_remind_one_liner_then_the_reminder_arrives_once(fake_api: FakeBotApi, clocked_bot):
    app, clock = clocked_bot
    fake_api.user_sends(21, "/remind 2027-03-10 14:35 smart")  # a minute ahead
    [saved] = await fake_api.wait_for("sendMessage", chat_id=21)
    assert "Saved" in saved.params["text"] and "14:35" in saved.params["text"]
    assert await reminder_state(app, 21) == ["pending"]

    clock.advance(61)
    await get_sender(app).poke()
    calls = await fake_api.wait_for("sendMessage", chat_id=21, count=2)
    due = calls[1]
    assert "Smart" in due.params["text"] and "*888*" in due.params["text"]
    rows = due.params["reply_markup"]["inline_keyboard"]
    assert any(MarkRenewed.parse(b.get("callback_data")) for r in rows for b in r)
    assert {"copy_text": {"text": "*1201#"}, "text": "📋 *1201#"} in rows[-1]
    # A second tick waits for the first (one lock) and finds nothing more to send.
    await get_sender(app).tick()
    assert await reminder_state(app, 21) == ["sent"]
    assert len(fake_api.calls_of("sendMessage", chat_id=21)) == 2


async def test_403_on_a_reminder_pauses_that_user(fake_api: FakeBotApi, clocked_bot):
    app, clock = clocked_bot
    for chat in (22, 23):
        fake_api.user_sends(chat, "/remind 2027-03-10 14:35 cellcard")
    await fake_api.wait_for("sendMessage", chat_id=22)
    await fake_api.wait_for("sendMessage", chat_id=23)
    fake_api.fail("sendMessage", chat_id=22, status=403, times=None)  # 22 blocked the bot

    clock.advance(61)
    await get_sender(app).poke()
    await fake_api.wait_for("sendMessage", chat_id=23, count=2, predicate=OK)
    await fake_api.wait_for("sendMessage", chat_id=22, predicate=lambda c: c.faulted)
    await get_sender(app).tick()  # waits for the wake-up's tick to finish
    store = app.bot_data["services"].store
    assert (await store.get_user(22)).active is False
    assert await reminder_state(app, 22) == ["paused"]
    assert (await store.get_user(23)).active is True
    assert await reminder_state(app, 23) == ["sent"]
    assert len(fake_api.calls_of("sendMessage", chat_id=22)) == 2  # save reply + one 403

    # Unblocking and /start makes them active again.
    fake_api.clear_faults()
    fake_api.user_sends(22, "/start")
    await fake_api.wait_for("sendMessage", chat_id=22, count=3, predicate=OK)
    assert (await store.get_user(22)).active is True


async def test_remind_deep_link_opens_the_guided_flow(fake_api: FakeBotApi, clocked_bot):
    fake_api.user_sends(24, "/start remind", language_code="zh-hans")
    [ask] = await fake_api.wait_for("sendMessage", chat_id=24)
    buttons = [b["callback_data"] for r in ask.params["reply_markup"]["inline_keyboard"] for b in r]
    assert any(PickOperator.parse(b) for b in buttons)
    fake_api.user_presses(24, ask.response["result"]["message_id"], buttons[0], "zh-hans")
    await fake_api.wait_for("answerCallbackQuery", predicate=OK)
    # The press entered the conversation: the next question replaces the operator list.
    [step] = await fake_api.wait_for("editMessageText", chat_id=24)
    assert step.response["ok"]


async def test_codes_with_button_presses(fake_api: FakeBotApi, live_bot):
    fake_api.user_sends(25, "/codes", language_code="en")
    [menu] = await fake_api.wait_for("sendMessage", chat_id=25)
    message_id = menu.response["result"]["message_id"]
    rows = menu.params["reply_markup"]["inline_keyboard"]
    data = [b["callback_data"] for r in rows for b in r]
    assert "codes:op:smart" in data

    fake_api.user_presses(25, message_id, "codes:op:smart")
    [card] = await fake_api.wait_for("editMessageText", chat_id=25)
    assert card.response["ok"] and "Smart" in card.params["text"]
    buttons = [b for r in card.params["reply_markup"]["inline_keyboard"] for b in r]
    assert "codes:list" in [b.get("callback_data") for b in buttons]
    copied = [b["copy_text"]["text"] for b in buttons if "copy_text" in b]
    assert "*1201#" in copied  # the common balance code, one tap to copy

    fake_api.user_presses(25, message_id, "codes:list")
    edits = await fake_api.wait_for("editMessageText", chat_id=25, count=2)
    assert edits[1].response["ok"]
    assert fake_api.messages[25, message_id]["reply_markup"] == menu.params["reply_markup"]
    answered = await fake_api.wait_for("answerCallbackQuery", count=2)
    assert all(c.response["ok"] for c in answered)


async def test_codes_deep_link_and_inline_query(fake_api: FakeBotApi, live_bot):
    fake_api.user_sends(26, "/start codes_cellcard", language_code="zh-hant")
    [card] = await fake_api.wait_for("sendMessage", chat_id=26)
    assert "Cellcard" in card.params["text"] and card.response["ok"]
    fake_api.user_inline_query(26, "metfone")
    [answer] = await fake_api.wait_for("answerInlineQuery")
    assert answer.response["ok"] and "Metfone" in str(answer.params["results"])
