"""Issue #12 end to end over HTTP against the fake Bot API: expiry today after 09:00,
pause and resume, editing each field of a plan, "$10 on Smart", and a "keep my number"
plan walked through its stages by the test clock (no test waits a real day)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fakebotapi import Call, FakeBotApi
from helpers import FakeClock, says

from bot.callbacks import (
    ChooseOperator,
    ChooseReminders,
    MarkRenewed,
    RemindSoon,
    RenamePlan,
    ResumePlan,
    RollForward,
    SetOperator,
    SetPlanLead,
    SetPlanTime,
    ShowPlan,
    StopPlan,
    ToggleFollowUp,
)
from bot.reminders.sender import get_sender
from bot.service import build_runtime_application, polling

PP = ZoneInfo("Asia/Phnom_Penh")
T0 = datetime(2027, 3, 10, 14, 34, tzinfo=PP)  # after today's 09:00


@pytest.fixture
async def clocked_bot(fake_api: FakeBotApi, bot_settings, ptb_timedelta):
    clock = FakeClock(T0)
    app = build_runtime_application(bot_settings(), clock=clock)
    async with polling(app):
        yield app, clock


class Person:
    """One user in one private chat, typing and pressing over HTTP."""

    def __init__(self, api: FakeBotApi, chat: int) -> None:
        self.api, self.chat = api, chat

    async def say(self, text: str) -> Call:
        since = len(self.api.calls)
        self.api.user_sends(self.chat, text)
        [call] = await self.api.wait_for("sendMessage", chat_id=self.chat, since=since)
        return call

    async def press(self, on: Call, data: str, method: str = "editMessageText") -> Call:
        """Press a button of the message `on` (sent or edited); returns the bot's answer."""
        since = len(self.api.calls)
        self.api.user_presses(self.chat, on.response["result"]["message_id"], data)
        [call] = await self.api.wait_for(method, chat_id=self.chat, since=since)
        return call

    async def reminder(self, app, clock: FakeClock, when: datetime) -> Call:
        """Move the clock; the sender's wake-up sends what fell due."""
        since = len(self.api.calls)
        clock.set(when)
        await get_sender(app).poke()
        [call] = await self.api.wait_for("sendMessage", chat_id=self.chat, since=since)
        return call


def buttons(call: Call) -> dict[str, str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row if "callback_data" in b}


async def plans(app, chat: int):
    return await app.bot_data["services"].store.live_plans(chat)


async def test_expiry_today_after_nine(fake_api: FakeBotApi, clocked_bot) -> None:
    app, clock = clocked_bot
    user = Person(fake_api, 31)
    ask = await user.say("/remind 今天 smart")
    assert not says(ask.params["text"], "remind_saved") and await plans(app, 31) == []
    saved = await user.press(ask, RemindSoon("hour").pack())
    assert says(saved.params["text"], "remind_saved") and "15:34" in saved.params["text"]
    due = await user.reminder(app, clock, T0 + timedelta(hours=1, seconds=1))
    assert says(due.params["text"], "remind_days_today")
    assert set(buttons(due)) == {"✅ Renewed", "⏰ Later…", "🛑 Stop"}


async def test_pause_and_resume(fake_api: FakeBotApi, clocked_bot) -> None:
    app, clock = clocked_bot
    user = Person(fake_api, 32)
    await user.say("/remind 2027-03-20 cellcard")
    [plan] = await plans(app, 32)
    listing = await user.say("/reminders")
    view = await user.press(listing, ShowPlan(plan.id).pack())
    paused = await user.press(view, StopPlan(plan.id).pack(), "sendMessage")
    assert says(paused.params["text"], "remind_paused")
    [plan] = await plans(app, 32)
    assert plan.paused
    resumed = await user.press(paused, ResumePlan(plan.id).pack())
    assert says(resumed.params["text"], "remind_resumed")
    due = await user.reminder(app, clock, datetime(2027, 3, 17, 9, 0, 1, tzinfo=PP))
    assert says(due.params["text"], "remind_days_left", days=3)


async def test_edit_each_field(fake_api: FakeBotApi, clocked_bot) -> None:
    app, _ = clocked_bot
    user = Person(fake_api, 33)
    await user.say("/remind 2027-04-30 cellcard")
    [plan] = await plans(app, 33)
    view = await user.press(await user.say("/reminders"), ShowPlan(plan.id).pack())
    asked = await user.press(view, RenamePlan(plan.id).pack(), "sendMessage")
    assert says(asked.params["text"], "plan_ask_name")
    bad = await user.say("x" * 200)
    assert says(bad.params["text"], "remind_label_too_long", length=200)
    view = await user.say("<i>Work</i> 📱")
    assert "&lt;i&gt;Work&lt;/i&gt; 📱" in view.params["text"]
    ops = await user.press(view, ChooseOperator(plan.id).pack())
    view = await user.press(ops, SetOperator(plan.id, "metfone").pack())
    assert "Metfone" in view.params["text"]
    rems = await user.press(view, ChooseReminders(plan.id).pack())
    rems = await user.press(rems, SetPlanLead(plan.id, 7).pack())
    rems = await user.press(rems, SetPlanTime(plan.id, 20, 0).pack())
    date_ask = await user.press(view, buttons(view)["📅 Date"], "sendMessage")
    assert says(date_ask.params["text"], "remind_ask_new_date")
    odd = await user.say("31/02/2027")
    assert says(odd.params["text"], "remind_error_unparseable") or says(
        odd.params["text"], "remind_error_past"
    )
    await user.say("2027-05-31")
    [plan] = await plans(app, 33)
    assert (plan.label, plan.operator, plan.leads) == ("<i>Work</i> 📱", "metfone", (7, 3, 1, 0))
    assert plan.time_of_day.hour == 20 and plan.expiry.isoformat() == "2027-05-31"


async def test_ten_dollars_on_smart(fake_api: FakeBotApi, clocked_bot) -> None:
    app, _ = clocked_bot
    user = Person(fake_api, 34)
    saved = await user.say("/remind smart $10")
    text = saved.params["text"]
    hedge = {"amount": "$10", "operator": "Smart", "date": "Wed, 19 May 2027"}
    assert says(text, "remind_amount_hedge", **hedge)
    [plan] = await plans(app, 34)
    assert plan.expiry.isoformat() == "2027-05-19"


async def test_keep_my_number_through_its_stages(fake_api: FakeBotApi, clocked_bot) -> None:
    app, clock = clocked_bot
    user = Person(fake_api, 35)
    saved = await user.say("/remind 2027-03-11 metfone")
    [plan] = await plans(app, 35)
    on = await user.press(saved, ToggleFollowUp(plan.id, True).pack(), "sendMessage")
    assert says(on.params["text"], "plan_keep_number_on")
    texts = []
    for when in ("2027-03-11", "2027-03-12", "2027-05-04", "2027-06-03", "2027-09-01"):
        call = await user.reminder(app, clock, datetime.fromisoformat(f"{when}T09:00:01+07:00"))
        texts.append(call.params["text"])
    assert says(texts[0], "remind_days_today")
    assert says(texts[1], "lifecycle_outgoing_stopped")
    assert says(texts[2], "lifecycle_incoming_stopped")
    assert says(texts[3], "lifecycle_terminated")
    assert says(texts[4], "lifecycle_resold")
    last = fake_api.calls_of("sendMessage", 35)[-1]
    choose = await user.press(last, MarkRenewed(plan.id).pack(), "sendMessage")
    updated = await user.press(choose, RollForward(plan.id, 30).pack())
    assert says(updated.params["text"], "remind_updated")
    [plan] = await plans(app, 35)
    assert plan.state == "active" and plan.expiry.isoformat() == "2027-10-01"
