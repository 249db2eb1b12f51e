"""/remind, /reminders, /timezone and reminder buttons through the real PTB Application
(offline Bot API), with an injected clock; the reminder sender is ticked by hand."""

from __future__ import annotations

import asyncio
import time as _time
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from telegram import Update
from timing import scaled

from bot.app import build_application, running
from bot.callbacks import (
    AskDelete,
    CalendarFile,
    ChangeDate,
    ConfirmDelete,
    ExpiresIn,
    KeepPlan,
    MarkRenewed,
    PickExpiry,
    PickNewDate,
    PickOperator,
    PickTime,
    RollForward,
    SavePlan,
    ShowMonth,
    ShowPlan,
    SkipLabel,
    Snooze,
    SnoozeUntil,
    StopPlan,
    ToggleLead,
    TypeRenewedDate,
)
from bot.testing.offline import BOT_USER
from tests.helpers import BotHarness, FakeClock, harness, says, settings_for

# Tuesday 10 March 2026, 12:00 in Phnom Penh (UTC+7)
NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


async def plans(bot: BotHarness, chat_id: int = 1):
    return await bot.store.live_plans(chat_id)


async def open_plan(bot: BotHarness, plan_id: int) -> None:
    """/reminders, then the plan's button: its view with every change."""
    await bot.say("/reminders")
    await bot.press(ShowPlan(plan_id).pack())


def local(dt_utc_ts: int) -> str:
    return datetime.fromtimestamp(dt_utc_ts, UTC).strftime("%Y-%m-%d %H:%M")


# --- one line ---------------------------------------------------------------------------------


async def test_one_line_with_time_operator_and_label(bot: BotHarness) -> None:
    [reply] = await bot.say("/remind 2026-12-31 08:30 Smart 月卡")
    assert says(reply.text, "remind_saved") and "Thu, 31 Dec 2026" in reply.text
    assert says(reply.text, "remind_days_left", days=296)
    assert "Mon, 28 Dec 2026 08:30" in reply.text and "Thu, 31 Dec 2026 08:30" in reply.text
    [plan] = await plans(bot)
    assert (plan.operator, plan.label, plan.expiry) == ("smart", "月卡", date(2026, 12, 31))
    assert plan.time_of_day == time(8, 30) and plan.leads == (3, 1, 0)
    pending = await bot.store.pending_reminders(plan.id)
    assert [local(r.send_at) for r in pending] == [
        "2026-12-28 01:30",
        "2026-12-30 01:30",
        "2026-12-31 01:30",
    ]


@pytest.mark.parametrize(
    ("text", "expiry"),
    [
        ("/remind 30d", date(2026, 4, 9)),
        ("/remind 30天", date(2026, 4, 9)),
        ("/remind 下个月5号", date(2026, 4, 5)),
        ("/remind in 2 weeks", date(2026, 3, 24)),
        ("/remind 12/31 Smart", date(2026, 12, 31)),
    ],
)
async def test_one_line_forms(bot: BotHarness, text: str, expiry: date) -> None:
    [reply] = await bot.say(text)
    assert says(reply.text, "remind_saved")
    [plan] = await plans(bot)
    assert plan.expiry == expiry


async def test_past_leads_are_skipped_and_not_listed(bot: BotHarness) -> None:
    [reply] = await bot.say("/remind 明天")  # 11 March: 3 days and 1 day before are past
    assert says(reply.text, "remind_lead_zero")
    assert not says(reply.text, "remind_lead_one") and not says(
        reply.text, "remind_lead_days", days=3
    )
    [plan] = await plans(bot)
    assert len(await bot.store.pending_reminders(plan.id)) == 1


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("/remind 2020-01-01", "remind_error_past"),
        ("/remind 2031-01-01", "remind_error_too_far"),
        ("/remind banana pancakes", "remind_error_unparseable"),
    ],
)
async def test_bad_dates_save_nothing(bot: BotHarness, text: str, key: str) -> None:
    [reply] = await bot.say(text)
    assert says(reply.text, key)
    assert await plans(bot) == []


async def test_ambiguous_date_is_confirmed(bot: BotHarness) -> None:
    [reply] = await bot.say("/remind 03/04 Cellcard")
    assert says(reply.text, "remind_ask_which_date")
    choices = bot.buttons()
    assert set(choices) == {"Thu, 4 Mar 2027", "Fri, 3 Apr 2026", "✖ Cancel"}
    assert await plans(bot) == []
    await bot.press(choices["Fri, 3 Apr 2026"])
    assert says(bot.texts(), "remind_saved")
    [plan] = await plans(bot)
    assert plan.expiry == date(2026, 4, 3) and plan.operator == "cellcard"


async def test_user_text_is_escaped(bot: BotHarness) -> None:
    [reply] = await bot.say("/remind 2026-12-31 <b>x</b> & co")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; co" in reply.text
    [plan] = await plans(bot)
    assert plan.label == "<b>x</b> & co"


async def test_at_most_twenty_plans(bot: BotHarness) -> None:
    for n in range(20):
        [reply] = await bot.say(f"/remind {n + 1}d")
        assert says(reply.text, "remind_saved")
    [reply] = await bot.say("/remind 30d")
    assert says(reply.text, "remind_limit", max=20)
    [reply] = await bot.say("/remind")
    assert says(reply.text, "remind_limit", max=20)
    assert len(await plans(bot)) == 20


# --- guided ---------------------------------------------------------------------------------


async def test_guided_flow(bot: BotHarness) -> None:
    [ask] = await bot.say("/remind")
    assert "step 1 of 4" in ask.text
    labels = [b["text"] for row in ask.buttons for b in row]
    assert labels == [
        "Smart",
        "Cellcard",
        "Metfone",
        "yes (Seatel)",
        "CooTel",
        "Travel eSIM",
        "Other",
        "✖ Cancel",
    ]
    assert all(len(b["callback_data"].encode()) < 64 for row in ask.buttons for b in row)
    await bot.press(PickOperator("metfone").pack())
    assert says(bot.texts(), "remind_ask_label")
    await bot.say("eSIM 10GB")
    assert says(bot.texts(), "remind_ask_date")
    assert "+30 days" in bot.buttons()
    await bot.press(ExpiresIn(30).pack())
    preview = bot.texts()
    assert (
        says(preview, "remind_preview")
        and "Thu, 9 Apr 2026" in preview
        and says(preview, "remind_days_left", days=30)
    )
    assert "Mon, 6 Apr 2026 09:00" in preview
    assert await plans(bot) == []  # nothing saved before Save
    await bot.press(ToggleLead(7).pack())
    await bot.press(PickTime(20, 0).pack())
    assert "Thu, 2 Apr 2026 20:00" in bot.texts()
    await bot.say("7:15pm")
    assert "Thu, 2 Apr 2026 19:15" in bot.texts()
    await bot.press(SavePlan().pack())
    assert says(bot.texts(), "remind_saved")
    [plan] = await plans(bot)
    assert (plan.operator, plan.label, plan.expiry) == ("metfone", "eSIM 10GB", date(2026, 4, 9))
    assert plan.leads == (7, 3, 1, 0) and plan.time_of_day == time(19, 15)
    assert len(await bot.store.pending_reminders(plan.id)) == 4
    # the conversation is over: free text goes to the FAQ again, old buttons are stale
    await bot.press(SavePlan().pack(), bot.request.messages[max(bot.request.messages)])
    [alert] = bot.last
    assert alert.method == "answerCallbackQuery" and alert.params.get("show_alert")


async def test_guided_in_chinese_with_typed_date_and_skip(zh: BotHarness) -> None:
    await zh.say("/remind")
    await zh.press(PickOperator("smart").pack())
    await zh.press(SkipLabel().pack())
    await zh.say("2026-12-31")
    preview = zh.texts()
    assert "2026年12月31日 星期四" in preview and "还有 296 天" in preview
    await zh.press(SavePlan().pack())
    assert "已保存" in zh.texts() and "高峰时段" in zh.texts()
    [plan] = await plans(zh)
    assert plan.label is None


async def test_guided_calendar(bot: BotHarness) -> None:
    await bot.say("/remind")
    await bot.press(PickOperator("travel").pack())
    await bot.say("Trip")
    await bot.press(ShowMonth(2026, 3).pack())
    [edit] = [s for s in bot.last if s.method == "editMessageText"]
    assert "March 2026" in edit.text
    data = [b["callback_data"] for row in edit.buttons for b in row]
    assert (
        PickExpiry(2026, 3, 9).pack() not in data and PickExpiry(2026, 3, 10).pack() in data
    )  # past days blank
    await bot.press(ShowMonth(2026, 4).pack())
    await bot.press(PickExpiry(2026, 4, 20).pack())
    assert "Mon, 20 Apr 2026" in bot.texts()
    await bot.press(SavePlan().pack())
    [plan] = await plans(bot)
    assert plan.expiry == date(2026, 4, 20) and plan.operator == "travel"


async def test_guided_bad_inputs_keep_the_step(bot: BotHarness) -> None:
    await bot.say("/remind")
    await bot.say("what?")
    assert says(bot.texts(), "remind_pick_operator")
    await bot.say("cellcard")  # typed operator works too
    await bot.say("x" * 65)
    assert says(bot.texts(), "remind_label_too_long")
    await bot.say("ok")
    await bot.say("2019-01-01")
    assert says(bot.texts(), "remind_error_past")
    await bot.say("05/06")
    assert says(bot.texts(), "remind_ask_which_date")
    await bot.press(PickExpiry(2026, 5, 6).pack())
    assert says(bot.texts(), "remind_preview")
    await bot.press(ToggleLead(0).pack())
    await bot.press(ToggleLead(1).pack())
    await bot.press(ToggleLead(3).pack())  # the last one cannot be removed
    assert bot.last[0].params.get("show_alert")
    await bot.say("25:99")
    assert says(bot.texts(), "remind_time_bad")


async def test_cancel_mid_way_saves_nothing(bot: BotHarness) -> None:
    await bot.say("/remind")
    await bot.press(PickOperator("smart").pack())
    await bot.say("Monthly")
    await bot.press(ExpiresIn(7).pack())
    [reply] = await bot.say("/cancel")
    assert says(reply.text, "remind_cancelled")
    assert await plans(bot) == []
    [reply] = await bot.say("2026-12-31")  # not read as a date any more: the FAQ answers
    assert not says(reply.text, "remind_saved") and not says(reply.text, "remind_preview")
    [reply] = await bot.say("/cancel")
    assert says(reply.text, "remind_nothing_to_cancel")


async def test_start_remind_entry_for_deep_links(bot: BotHarness) -> None:
    """A /start deep link can call start_remind: its operator buttons enter the flow."""
    from telegram.ext import CallbackContext

    from bot.handlers.remind_flow import start_remind

    update = bot.user.message("/start remind", bot.app.bot)
    context = CallbackContext.from_update(update, bot.app)
    await start_remind(update, context)
    assert says(bot.request.take()[0].text, "remind_ask_operator")
    await bot.press(PickOperator("cootel").pack())
    assert says(bot.texts(), "remind_ask_label")


async def test_starting_another_flow_leaves_the_first(bot: BotHarness) -> None:
    """Typed text goes to the flow the user started last, never to one they left."""
    await bot.say("/remind 2026-12-31 Smart")
    [plan] = await plans(bot)
    await open_plan(bot, plan.id)
    listing = bot.message_with(ChangeDate(plan.id).pack())
    await bot.say("/remind")
    await bot.press(PickOperator("smart").pack())  # the guided flow now waits for a name
    await bot.press(ChangeDate(plan.id).pack(), listing)
    await bot.say("2026-11-30")  # a new date for the plan, not a name for the draft
    assert says(bot.texts(), "remind_updated")
    [plan] = await plans(bot)
    assert plan.expiry == date(2026, 11, 30)
    await bot.say("/remind")
    await bot.say("/timezone")
    await bot.say("Asia/Taipei")
    assert says(bot.texts(), "tz_set")
    assert (await bot.store.get_user(1)).timezone == "Asia/Taipei"
    [reply] = await bot.say("/cancel")
    assert reply.text == bot.app.bot_data["services"].content.texts.html(
        "remind_nothing_to_cancel", "en"
    )


# --- /reminders and plan buttons -------------------------------------------------------------


async def test_reminders_list_and_ics(bot: BotHarness) -> None:
    [reply] = await bot.say("/reminders")
    assert says(reply.text, "reminders_empty")
    await bot.say("/remind 2026-12-31 Smart 月卡")
    await bot.say("/remind 2026-04-01 eSIM")
    [listing] = await bot.say("/reminders")
    assert listing.text.index("eSIM") < listing.text.index("月卡")  # by expiry
    assert says(listing.text, "reminders_item", next="Sun, 29 Mar 2026 09:00")
    await bot.press(CalendarFile().pack())
    [doc] = [s for s in bot.last if s.method == "sendDocument"]
    body = next(iter(doc.files.values())).decode()
    assert body.count("BEGIN:VEVENT") == 2 and body.count("BEGIN:VALARM") == 6


async def test_delete_with_confirmation_and_stale_buttons(bot: BotHarness) -> None:
    await bot.say("/remind 2026-12-31 Smart")
    [plan] = await plans(bot)
    await open_plan(bot, plan.id)
    listing = bot.message_with(AskDelete(plan.id).pack())
    await bot.press(AskDelete(plan.id).pack())
    await bot.press(KeepPlan(plan.id).pack())
    assert says(bot.texts(), "remind_kept")
    await bot.press(AskDelete(plan.id).pack(), listing)
    await bot.press(ConfirmDelete(plan.id).pack())
    assert says(bot.texts(), "remind_deleted_undo")
    assert await plans(bot) == []
    assert await bot.store.next_due() is None
    for data in (
        MarkRenewed(plan.id).pack(),
        ChangeDate(plan.id).pack(),
        Snooze(plan.id).pack(),
        RollForward(999, 30).pack(),
    ):
        await bot.press(data, listing)
        [alert] = bot.last
        assert alert.method == "answerCallbackQuery" and alert.params["show_alert"]
        assert says(alert.params["text"], "remind_stale")


async def test_another_chats_plan_is_stale(tmp_path: Path, clock: FakeClock) -> None:
    async with harness(tmp_path / "two.sqlite3", clock) as bot:
        await bot.say("/remind 2026-12-31")
        [plan] = await plans(bot)
        bot.user.chat_id = 2
        message = {"message_id": 1, "date": 0, "chat": {"id": 2, "type": "private"}}
        await bot.press(ConfirmDelete(plan.id).pack(), message)
        assert bot.last[0].params["show_alert"]
        assert len(await plans(bot, 1)) == 1


async def test_renewed_roll_forward_options(bot: BotHarness) -> None:
    await bot.say("/remind 30d Cellcard")  # 9 April; no period known yet
    [plan] = await plans(bot)
    assert plan.period_days is None
    await open_plan(bot, plan.id)
    await bot.press(MarkRenewed(plan.id).pack())
    choices = bot.buttons()
    assert not any(label.startswith("Same as before") for label in choices)  # never guessed
    assert not any(label.startswith("$") for label in choices)  # amounts are Smart's
    assert choices["+90 days"] == RollForward(plan.id, 90).pack()
    await bot.press(RollForward(plan.id, 90).pack())
    assert says(bot.texts(), "remind_updated") and "Wed, 8 Jul 2026" in bot.texts()
    [plan] = await plans(bot)
    assert plan.expiry == date(2026, 7, 8) and plan.period_days == 90
    assert len(await bot.store.pending_reminders(plan.id)) == 3
    await bot.press(MarkRenewed(plan.id).pack(), bot.message_with(MarkRenewed(plan.id).pack()))
    assert bot.buttons()["Same as before (90 days)"] == RollForward(plan.id, 90).pack()


async def test_renewed_type_a_date_and_change_date(bot: BotHarness) -> None:
    await bot.say("/remind 2026-04-01")
    [plan] = await plans(bot)
    await open_plan(bot, plan.id)
    await bot.press(MarkRenewed(plan.id).pack())
    await bot.press(TypeRenewedDate(plan.id).pack())
    assert says(bot.texts(), "remind_ask_new_date")
    await bot.say("nonsense")
    assert says(bot.texts(), "remind_error_unparseable")
    await bot.say("2026-05-01")
    assert says(bot.texts(), "remind_updated")
    [plan] = await plans(bot)
    assert plan.expiry == date(2026, 5, 1) and plan.period_days == 30
    await bot.press(ChangeDate(plan.id).pack(), bot.message_with(ChangeDate(plan.id).pack()))
    await bot.say("5/6")
    await bot.press(PickNewDate(2026, 6, 5).pack())
    [plan] = await plans(bot)
    assert plan.expiry == date(2026, 6, 5) and plan.period_days == 30


# --- reminder messages ---------------------------------------------------------------------------


async def test_reminder_message_and_its_buttons(bot: BotHarness, clock: FakeClock) -> None:
    await bot.say("/remind 2026-03-20 Smart <i>月卡</i>")
    [plan] = await plans(bot)
    clock.set(datetime(2026, 3, 17, 2, 0, tzinfo=UTC))  # 09:00 local, 3 days before
    [msg] = await bot.tick()
    assert msg.method == "sendMessage" and int(msg.params["chat_id"]) == 1
    text = msg.text
    assert "&lt;i&gt;月卡&lt;/i&gt;" in text and "Smart" in text and "Fri, 20 Mar 2026" in text
    assert says(text, "remind_days_left", days=3) and "*888*" in text and "/codes smart" in text
    assert "/faq" in text
    assert [[b["text"] for b in row] for row in msg.buttons] == [
        ["✅ Renewed"],
        ["⏰ Later…", "🛑 Stop"],
        ["📋 *1201#"],  # Smart's balance code, copied with one tap
    ]
    assert msg.buttons[-1][0]["copy_text"] == {"text": "*1201#"}
    assert await bot.tick() == []  # sent once
    await bot.press(Snooze(plan.id).pack())  # the moments still ahead, Renewed and Stop kept
    [edit] = [s for s in bot.last if s.method == "editMessageReplyMarkup"]
    assert [[b["text"] for b in row] for row in edit.buttons] == [
        ["⏰ In an hour (10:00)", "🌙 This evening, 20:00", "☀️ Tomorrow morning, 09:00"],
        ["✅ Renewed"],
        ["⏰ Later…", "🛑 Stop"],
    ]
    await bot.press(SnoozeUntil(plan.id, "morning").pack())
    assert "Wed, 18 Mar 2026 09:00" in bot.texts()
    [edit] = [s for s in bot.last if s.method == "editMessageReplyMarkup"]
    assert [[b["text"] for b in row] for row in edit.buttons] == [
        ["✅ Renewed"],
        ["⏰ Later…", "🛑 Stop"],
    ]
    pending = await bot.store.pending_reminders(plan.id)
    assert [(r.kind, local(r.send_at)) for r in pending] == [
        ("snooze", "2026-03-18 02:00"),
        ("lead", "2026-03-19 02:00"),
        ("lead", "2026-03-20 02:00"),
    ]
    clock.set(datetime(2026, 3, 18, 2, 0, tzinfo=UTC))
    [again] = await bot.tick()
    assert says(again.text, "remind_days_left", days=2)
    await bot.press(StopPlan(plan.id).pack(), bot.message_with(StopPlan(plan.id).pack()))
    assert says(bot.texts(), "remind_paused")
    clock.set(datetime(2026, 3, 21, 2, 0, tzinfo=UTC))
    assert await bot.tick() == []
    [plan] = await plans(bot)  # still listed, paused
    assert plan.paused and await bot.store.pending_reminders(plan.id) == []


async def test_on_expiry_day_snooze_offers_what_is_ahead(bot: BotHarness, clock: FakeClock) -> None:
    await bot.say("/remind 2026-03-12 Cellcard")
    [plan] = await plans(bot)
    clock.set(datetime(2026, 3, 12, 12, 30, tzinfo=UTC))  # 19:30 local: evening is too close
    [msg] = await bot.tick()
    assert "expires today" in msg.text
    await bot.press(Snooze(plan.id).pack())
    labels = [b["text"] for row in bot.last[-1].buttons for b in row]
    assert "⏰ In an hour (20:30)" in labels and not any("evening" in x for x in labels)
    await bot.press(
        SnoozeUntil(plan.id, "evening").pack(), bot.message_with(Snooze(plan.id).pack())
    )
    assert bot.last[0].params["show_alert"]  # passed: says so, nothing planned
    await bot.press(SnoozeUntil(plan.id, "hour").pack())
    [snooze] = await bot.store.pending_reminders(plan.id)
    assert local(snooze.send_at) == "2026-03-12 13:30"


async def test_expired_notice_and_renew_from_it(bot: BotHarness, clock: FakeClock) -> None:
    await bot.say("/remind 2026-03-20 Metfone")
    [plan] = await plans(bot)
    clock.set(datetime(2026, 3, 25, 5, 0, tzinfo=UTC))  # the bot was down over the expiry
    [notice] = await bot.tick()
    assert says(notice.text, "reminder_expired", date="Fri, 20 Mar 2026")
    assert [[b["text"] for b in row] for row in notice.buttons] == [
        ["✅ Renewed", "🛑 Stop"],
        ["📋 *1201#"],
    ]
    assert await bot.tick() == []
    [listing] = await bot.say("/reminders")
    assert says(listing.text, "remind_days_ago", days=5)
    await bot.press(MarkRenewed(plan.id).pack(), bot.message_with(MarkRenewed(plan.id).pack()))
    await bot.press(RollForward(plan.id, 30).pack())
    [plan] = await plans(bot)
    assert plan.state == "active" and plan.expiry == date(2026, 4, 24)  # from today


# --- /timezone ---------------------------------------------------------------------------------


async def test_timezone_buttons_recompute_reminders(bot: BotHarness) -> None:
    await bot.say("/remind 2026-12-31")
    [plan] = await plans(bot)
    [ask] = await bot.say("/timezone")
    assert "Asia/Phnom_Penh" in ask.text
    names = {b["text"]: b["callback_data"] for row in ask.buttons for b in row}
    assert list(names) == ["Phnom Penh", "Shanghai", "Hong Kong", "Taipei", "Singapore", "Bangkok"]
    await bot.press(names["Shanghai"])
    assert "Asia/Shanghai" in bot.texts() and says(bot.texts(), "tz_set", count=3)
    pending = await bot.store.pending_reminders(plan.id)
    assert local(pending[0].send_at) == "2026-12-28 01:00"  # 09:00 in UTC+8


async def test_timezone_typed_name_and_unknown(bot: BotHarness) -> None:
    await bot.say("/remind 2026-07-10")
    [plan] = await plans(bot)
    await bot.say("/timezone")
    await bot.say("Mars/Olympus")
    assert says(bot.texts(), "tz_unknown")
    await bot.say("europe/paris")
    assert "Europe/Paris" in bot.texts()
    pending = await bot.store.pending_reminders(plan.id)
    assert local(pending[0].send_at) == "2026-07-07 07:00"  # 09:00 CEST
    [reply] = await bot.say("/timezone America/New_York")
    assert "America/New_York" in reply.text
    assert (await bot.store.get_user(1)).timezone == "America/New_York"


# --- blocked users, restarts, faults through the Bot API ----------------------------------------


def member_update(status: str, update_id: int, bot) -> Update:
    data = {
        "update_id": update_id,
        "my_chat_member": {
            "chat": {"id": 1, "type": "private", "first_name": "You"},
            "from": {"id": 1, "is_bot": False, "first_name": "You"},
            "date": 0,
            "old_chat_member": {"status": "member", "user": BOT_USER},
            "new_chat_member": {"status": status, "user": BOT_USER, "until_date": 0}
            if status == "kicked"
            else {"status": status, "user": BOT_USER},
        },
    }
    return Update.de_json(data, bot)


async def test_forbidden_pauses_until_start(bot: BotHarness, clock: FakeClock) -> None:
    await bot.say("/remind 2026-03-20 Smart")
    [plan] = await plans(bot)
    clock.set(datetime(2026, 3, 17, 2, 0, tzinfo=UTC))
    bot.request.fail_next(403, "Forbidden: bot was blocked by the user")
    assert await bot.tick() == []
    assert not (await bot.store.get_user(1)).active
    assert {r.state for r in await bot.store.reminders_of_plan(plan.id)} == {"paused"}
    clock.set(datetime(2026, 3, 18, 3, 0, tzinfo=UTC))
    assert await bot.tick() == []
    await bot.say("/start")
    assert (await bot.store.get_user(1)).active
    [late] = await bot.tick()  # the missed reminders collapse into one
    assert says(late.text, "remind_days_left", days=2)
    assert await bot.tick() == []


async def test_my_chat_member_blocks_and_unblocks(bot: BotHarness, clock: FakeClock) -> None:
    await bot.say("/remind 2026-03-20")
    [plan] = await plans(bot)
    await bot.app.process_update(member_update("kicked", 900, bot.app.bot))
    assert not (await bot.store.get_user(1)).active
    assert {r.state for r in await bot.store.pending_reminders(plan.id)} == {"paused"}
    await bot.app.process_update(member_update("member", 901, bot.app.bot))
    assert (await bot.store.get_user(1)).active
    assert {r.state for r in await bot.store.pending_reminders(plan.id)} == {"pending"}


async def test_server_errors_retry_and_flood_control(
    bot: BotHarness, clock: FakeClock, monkeypatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    await bot.say("/remind 2026-03-20")
    [plan] = await plans(bot)
    clock.set(datetime(2026, 3, 17, 2, 0, tzinfo=UTC))
    bot.request.fail_next(500, "Internal Server Error")
    assert await bot.tick() == []
    clock.advance(15)
    bot.request.fail_next(429, "Too Many Requests: retry after 7", retry_after=7)
    assert await bot.tick() == []
    clock.advance(6)
    assert await bot.tick() == []
    clock.advance(1)
    [msg] = await bot.tick()
    assert says(msg.text, "remind_days_left", days=3)
    rows = await bot.store.reminders_of_plan(plan.id)
    assert rows[0].state == "sent" and rows[0].attempts == 3


async def test_restart_on_same_file_sends_due_reminder_once(tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite3"
    clock = FakeClock(NOW)
    async with harness(path, clock) as first:
        await first.say("/remind 2026-03-12 Smart")
    clock.set(datetime(2026, 3, 12, 2, 30, tzinfo=UTC))  # down over the 09:00 reminder
    sent = []
    for _ in range(2):
        async with harness(path, clock) as again:
            sent += await again.tick()
    assert len(sent) == 1 and "expires today" in sent[0].text


async def test_job_queue_wakes_the_sender_after_restart(tmp_path: Path) -> None:
    """Production wiring: no manual tick; the repeating job runs at start-up."""
    path = tmp_path / "jobs.sqlite3"
    clock = FakeClock(NOW)
    async with harness(path, clock) as first:
        await first.say("/remind 2026-03-12 Smart")
    clock.set(datetime(2026, 3, 12, 2, 30, tzinfo=UTC))
    from bot.testing.offline import OfflineRequest

    for expected in (1, 0):
        request = OfflineRequest()
        app = build_application(settings_for(path), request=request, clock=clock)
        async with running(app):
            # Generous: the loop ends as soon as the message arrives (a loaded CI is slow).
            deadline = _time.monotonic() + (scaled(7.5) if expected else 1.5)
            while _time.monotonic() < deadline:
                if any(s.method == "sendMessage" for s in request.sent):
                    break
                await asyncio.sleep(0.05)
            if expected:
                jobs = {j.name for j in app.job_queue.jobs()}
                assert "reminders:poll" in jobs
        assert len([s for s in request.sent if s.method == "sendMessage"]) == expected


async def test_terminal_chat_supports_reminders(tmp_path: Path) -> None:
    import io

    from bot.terminal import TerminalChat

    out = io.StringIO()
    chat = TerminalChat(settings_for(tmp_path / "chat.sqlite3"), out, language_code="en")
    async with running(chat.app):
        await chat.say("/remind 30d Smart")
        await chat.say("/reminders")
        await chat.say("1")  # press the first button: the plan's view
        await chat.say("1")  # its first button: renewed
        await chat.say("/remind")
        await chat.say("2")  # Cellcard
    text = out.getvalue()
    assert says(text, "remind_saved") and says(text, "reminders_header")
    assert says(text, "remind_renew_choose_amount") and says(text, "remind_ask_label")
