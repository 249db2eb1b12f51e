"""Issue #12 (2-5) through the real PTB Application with an injected clock: a plan whose
reminders are all past is not saved as "I'll remind you"; Back/Cancel and the
name-or-question step in /remind; Smart card amounts; travel eSIM names; the plan view
with its edits, pause/resume, delete with undo; snooze choices; paged /reminders;
"keep my number" through the stages after the expiry. Bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.callbacks import (
    AskDelete,
    CancelFlow,
    ChangeDate,
    ChooseOperator,
    ChooseReminders,
    ConfirmDelete,
    LabelIsName,
    LabelIsQuestion,
    ListPage,
    MarkRenewed,
    PickOperator,
    RemindSoon,
    RenamePlan,
    RenewedAmount,
    ResumePlan,
    SavePlan,
    SaveWithoutReminder,
    SetOperator,
    SetPlanLead,
    SetPlanTime,
    ShowPlan,
    SkipLabel,
    StepBack,
    StopPlan,
    ToggleFollowUp,
    UndoDelete,
)
from bot.handlers.plans import UNDO_SECONDS
from bot.reminders.questions import looks_like_question
from tests.helpers import BotHarness, FakeClock, harness, says

# Tuesday 10 March 2026, 12:00 in Phnom Penh (UTC+7): today's 09:00 has passed
NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


async def plans(bot: BotHarness):
    return await bot.store.live_plans(bot.user.chat_id)


async def one_plan(bot: BotHarness):
    [plan] = await plans(bot)
    return plan


def local(ts: int) -> str:
    return (datetime.fromtimestamp(ts, UTC) + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M")


async def pending(bot: BotHarness, plan_id: int) -> list[tuple[str, str | None, str]]:
    return [(r.kind, r.stage, local(r.send_at)) for r in await bot.store.pending_reminders(plan_id)]


def alerted(bot: BotHarness) -> str:
    [answer] = [s for s in bot.last if s.method == "answerCallbackQuery"]
    assert answer.params.get("show_alert"), answer.params
    return answer.params["text"]


# --- 2. expiry today or soon ---------------------------------------------------------------


async def test_expiry_today_after_nine_asks_before_saving(bot: BotHarness) -> None:
    [ask] = await bot.say("/remind 今天 smart")
    assert not says(ask.text, "remind_saved") and says(ask.text, "remind_nothing_ahead")
    assert await plans(bot) == []
    labels = [b["text"] for row in ask.buttons for b in row]
    # only moments still ahead today: no "tomorrow morning" after the expiry day
    assert labels == [
        "⏰ In an hour (13:00)",
        "🌙 This evening, 20:00",
        "Save without a reminder",
        "✖ Cancel",
    ]
    await bot.press(RemindSoon("evening").pack())
    assert says(bot.texts(), "remind_saved")
    plan = await one_plan(bot)
    assert await pending(bot, plan.id) == [("snooze", None, "2026-03-10 20:00")]


async def test_end_of_month_on_the_last_day_can_be_saved_without_reminder(
    tmp_path: Path,
) -> None:
    clock = FakeClock(datetime(2026, 3, 31, 7, 0, tzinfo=UTC))  # 14:00 on 31 March
    async with harness(tmp_path / "m.sqlite3", clock) as bot:
        await bot.say("/remind end of month")
        assert says(bot.texts(), "remind_nothing_ahead")
        await bot.press(SaveWithoutReminder().pack())
        assert says(bot.texts(), "remind_saved_silent") and not says(bot.texts(), "remind_saved")
        plan = await one_plan(bot)
        assert plan.expiry == date(2026, 3, 31) and await pending(bot, plan.id) == []


async def test_month_end_in_chinese_and_a_moment_that_passed(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 3, 31, 12, 30, tzinfo=UTC))  # 19:30: evening too close
    async with harness(tmp_path / "z.sqlite3", clock, lang="zh-hans") as zh:
        await zh.say("/remind 月底")
        assert "还没保存" in zh.texts() and "到时候提醒你" not in zh.texts()
        assert not any("今晚" in label for label in zh.buttons())
        await zh.press(RemindSoon("evening").pack(), zh.message_with(SaveWithoutReminder().pack()))
        assert "已经过了" in alerted(zh) and await plans(zh) == []
        await zh.say("明天 🙂 <b>x</b>")  # typed instead of a button: asked again, nothing saved
        assert "请点上面的按钮" in zh.texts() and await plans(zh) == []
        await zh.press(RemindSoon("hour").pack())
        assert "到时候提醒你" in zh.texts()
        assert await pending(zh, (await one_plan(zh)).id) == [("snooze", None, "2026-03-31 20:30")]


async def test_guided_save_with_every_time_past_asks_too(bot: BotHarness) -> None:
    await bot.say("/remind")
    await bot.press(PickOperator("cellcard").pack())
    await bot.press(SkipLabel().pack())
    await bot.say("today")
    await bot.press(SavePlan().pack())
    assert says(bot.texts(), "remind_nothing_ahead") and await plans(bot) == []
    await bot.press(CancelFlow().pack())
    assert "Cancelled" in bot.texts() and await plans(bot) == []


# --- 3. wizard: Back, Cancel, name or question -------------------------------------------------


async def test_back_and_cancel_at_every_step(bot: BotHarness) -> None:
    await bot.say("/remind")
    await bot.press(PickOperator("smart").pack())
    await bot.say("Monthly")
    assert "Step 3 of 4" in bot.texts()
    await bot.press(StepBack("label").pack())
    assert "Step 2 of 4" in bot.texts()
    await bot.press(StepBack("operator").pack())
    assert "step 1 of 4" in bot.texts()
    await bot.press(PickOperator("metfone").pack())
    await bot.say("Work")
    await bot.say("2026-04-30")
    assert "Step 4 of 4" in bot.texts()
    await bot.press(StepBack("expiry").pack())
    assert "Step 3 of 4" in bot.texts()
    await bot.say("2026-05-31")
    await bot.press(SavePlan().pack())
    plan = await one_plan(bot)
    assert (plan.operator, plan.label, plan.expiry) == ("metfone", "Work", date(2026, 5, 31))
    await bot.say("/remind")
    await bot.press(CancelFlow().pack())
    assert "Cancelled" in bot.texts()
    await bot.press(PickOperator("smart").pack())  # a fresh start from the old keyboard
    await bot.press(CancelFlow().pack())
    assert len(await plans(bot)) == 1


@pytest.mark.parametrize("question", ["怎么查余额", "how do I check balance?"])
async def test_a_question_at_the_name_step_is_asked_about(bot: BotHarness, question) -> None:
    await bot.say("/remind")
    await bot.press(PickOperator("smart").pack())
    await bot.say(question)
    assert says(bot.texts(), "remind_label_or_question")
    await bot.press(LabelIsQuestion().pack())
    assert "*1201#" in bot.texts() or "balance" in bot.texts().lower()
    assert "Step 2 of 4" in bot.texts()  # asked for the name again
    await bot.say(question)
    await bot.press(LabelIsName().pack())
    assert "Step 3 of 4" in bot.texts()
    await bot.say("2026-04-30")
    await bot.press(SavePlan().pack())
    assert (await one_plan(bot)).label == question


async def test_plain_names_are_not_taken_for_questions(bot: BotHarness) -> None:
    await bot.say("/remind")
    await bot.press(PickOperator("smart").pack())
    await bot.say("eSIM 10GB")
    assert "Step 3 of 4" in bot.texts()


# --- 4. validity from the amount; travel eSIMs ---------------------------------------------------


async def test_smart_ten_dollars_gives_seventy_days_hedged(bot: BotHarness) -> None:
    await bot.say("/remind smart $10")
    text = bot.texts()
    hedge = {"amount": "$10", "operator": "Smart", "date": "Tue, 19 May 2026"}
    assert says(text, "remind_amount_hedge", **hedge)
    plan = await one_plan(bot)
    assert (plan.operator, plan.expiry, plan.period_days) == ("smart", TODAY + timedelta(70), None)


@pytest.mark.parametrize(
    ("line", "days"), [("smart 10$ 月卡", 70), ("Smart 5000 riel", 8), ("smart 50美元", 200)]
)
async def test_smart_amount_forms(bot: BotHarness, line: str, days: int) -> None:
    await bot.say(f"/remind {line}")
    assert (await one_plan(bot)).expiry == TODAY + timedelta(days)


@pytest.mark.parametrize(
    ("line", "key", "known"),
    [
        ("smart $7", "remind_amount_no_card", {"amount": "$7"}),
        ("smart $99999999999", "remind_amount_no_card", {}),
        ("cellcard $10", "remind_amount_operator_unknown", {}),
        ("$10", "remind_amount_operator_unknown", {}),
    ],
)
async def test_bad_amounts_save_nothing(
    bot: BotHarness, line: str, key: str, known: dict[str, str]
) -> None:
    await bot.say(f"/remind {line}")
    assert says(bot.texts(), key, **known)
    assert await plans(bot) == []


async def test_renewed_smart_asks_the_amount(bot: BotHarness) -> None:
    await bot.say("/remind 2026-03-20 smart")
    plan = await one_plan(bot)
    await bot.say("/reminders")
    await bot.press(ShowPlan(plan.id).pack())
    await bot.press(MarkRenewed(plan.id).pack())
    assert says(bot.texts(), "remind_renew_choose_amount")
    assert bot.buttons()["$10"] == RenewedAmount(plan.id, 1000).pack()
    await bot.press(RenewedAmount(plan.id, 1000).pack())
    assert says(bot.texts(), "remind_amount_hedge", date="Tue, 19 May 2026")
    plan = await one_plan(bot)
    assert plan.expiry == date(2026, 5, 19) and plan.period_days == 70
    await bot.press(
        RenewedAmount(plan.id, 700).pack(), bot.message_with(MarkRenewed(plan.id).pack())
    )
    alerted(bot)
    assert (await one_plan(bot)).expiry == date(2026, 5, 19)


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("/remind Airalo 2026-04-05", "Airalo"),
        ("/remind 2026-04-05 travel", None),
        ("/remind 旅游卡 4月5日", None),
        ("/remind Holafly 日本 2026-04-05", "Holafly 日本"),
    ],
)
async def test_travel_esims_are_their_own_kind(bot: BotHarness, line: str, label) -> None:
    await bot.say(line)
    plan = await one_plan(bot)
    assert (plan.operator, plan.kind, plan.label) == ("travel", "travel", label)
    assert "*888*" not in bot.texts() and "Keep my number" not in str(bot.buttons())


# --- 3. the plan view: edits, pause, delete with undo, pages -----------------------------


async def test_edit_each_field(bot: BotHarness) -> None:
    await bot.say("/remind 2026-04-30 cellcard")
    plan = await one_plan(bot)
    await bot.say("/reminders")
    await bot.press(ShowPlan(plan.id).pack())
    await bot.press(RenamePlan(plan.id).pack())
    await bot.say("   ")
    assert "can't be empty" in bot.texts()
    await bot.say("x" * 65)
    assert says(bot.texts(), "remind_label_too_long")
    await bot.say("<b>工作</b> 📱")
    assert "&lt;b&gt;工作&lt;/b&gt; 📱" in bot.texts()
    await bot.press(ChooseOperator(plan.id).pack())
    await bot.press(SetOperator(plan.id, "metfone").pack())
    await bot.press(
        ChooseReminders(plan.id).pack(), bot.message_with(ChooseReminders(plan.id).pack())
    )
    await bot.press(SetPlanLead(plan.id, 7).pack())
    await bot.press(SetPlanLead(plan.id, 0).pack())
    await bot.press(SetPlanTime(plan.id, 20, 0).pack())
    plan = await one_plan(bot)
    assert (plan.label, plan.operator) == ("<b>工作</b> 📱", "metfone")
    assert plan.leads == (7, 3, 1) and plan.time_of_day == time(20, 0)
    assert await pending(bot, plan.id) == [
        ("lead", None, "2026-04-23 20:00"),
        ("lead", None, "2026-04-27 20:00"),
        ("lead", None, "2026-04-29 20:00"),
    ]
    # forged or odd presses: an alert, nothing changes
    for data in (SetPlanLead(plan.id, 5), SetPlanTime(plan.id, 3, 7)):
        await bot.press(data.pack(), bot.message_with(ShowPlan(plan.id).pack()))
        alerted(bot)
    await bot.press("plan.lead:1:99999999999999999999", bot.message_with(ShowPlan(plan.id).pack()))
    alerted(bot)
    assert await one_plan(bot) == plan


async def test_pause_and_resume(bot: BotHarness, clock: FakeClock) -> None:
    await bot.say("/remind 2026-03-20 smart")
    plan = await one_plan(bot)
    await bot.say("/reminders")
    await bot.press(ShowPlan(plan.id).pack())
    await bot.press(StopPlan(plan.id).pack())
    assert "paused" in bot.texts()
    assert (await one_plan(bot)).paused and await pending(bot, plan.id) == []
    [listing] = await bot.say("/reminders")
    assert "Paused" in listing.text
    clock.set(datetime(2026, 3, 18, 3, 0, tzinfo=UTC))  # 10:00 on the 18th
    assert await bot.tick() == []
    paused_message = bot.message_with(ResumePlan(plan.id).pack())
    await bot.press(ResumePlan(plan.id).pack(), paused_message)
    assert says(bot.texts(), "remind_resumed")
    assert await pending(bot, plan.id) == [
        ("lead", None, "2026-03-19 09:00"),
        ("lead", None, "2026-03-20 09:00"),
    ]
    await bot.press(ResumePlan(plan.id).pack(), paused_message)  # twice: still fine
    assert len(await pending(bot, plan.id)) == 2


async def test_delete_then_undo_then_too_late(bot: BotHarness, clock: FakeClock) -> None:
    await bot.say("/remind 2026-04-30 smart")
    plan = await one_plan(bot)
    before = await pending(bot, plan.id)
    await bot.say("/reminders")
    await bot.press(ShowPlan(plan.id).pack())
    await bot.press(AskDelete(plan.id).pack())
    await bot.press(ConfirmDelete(plan.id).pack())
    assert await plans(bot) == []
    await bot.press(UndoDelete(plan.id).pack())
    assert "is back" in bot.texts()
    assert await pending(bot, plan.id) == before
    await bot.press(AskDelete(plan.id).pack(), bot.message_with(AskDelete(plan.id).pack()))
    await bot.press(ConfirmDelete(plan.id).pack())
    clock.advance(UNDO_SECONDS + 1)
    await bot.press(UndoDelete(plan.id).pack())
    assert "can't be undone" in alerted(bot) and await plans(bot) == []


async def test_twenty_plans_page_within_telegram_limits(bot: BotHarness) -> None:
    for n in range(20):
        await bot.say(f"/remind 2026-04-{n + 1:02d} smart {'长名字' * 20}{n}")
    assert len(await plans(bot)) == 20
    [page] = await bot.say("/reminders")
    assert len(page.text) <= 4096 and "page 1/4" in page.text
    buttons = [b for row in page.buttons for b in row]
    assert len(buttons) <= 100 and len(buttons) == 5 + 1 + 1  # plans, ▶, calendar
    await bot.press(ListPage(3).pack(), bot.message_with(ListPage(1).pack()))
    [last] = [s for s in bot.last if s.method == "editMessageText"]
    assert "page 4/4" in last.text and "20." in last.text
    await bot.press(ListPage(99).pack(), bot.message_with(ListPage(2).pack()))  # forged
    assert "page 4/4" in bot.texts()


# --- 5. keep my number -----------------------------------------


async def test_keep_my_number_walks_through_the_stages(bot: BotHarness, clock: FakeClock) -> None:
    await bot.say("/remind 2026-03-20 metfone")
    plan = await one_plan(bot)
    await bot.press(ToggleFollowUp(plan.id, True).pack())
    stages = [r for r in await pending(bot, plan.id) if r[0] == "follow_up"]
    assert stages == [
        ("follow_up", "outgoing_stopped", "2026-03-21 09:00"),
        ("follow_up", "incoming_stopped", "2026-05-13 09:00"),
        ("follow_up", "terminated", "2026-06-12 09:00"),
        ("follow_up", "resold", "2026-09-10 09:00"),
    ]
    clock.set(datetime(2026, 3, 20, 2, 0, tzinfo=UTC))
    [on_the_day] = await bot.tick()
    assert says(on_the_day.text, "remind_days_today")
    seen = []
    for day in ("2026-03-21", "2026-05-13", "2026-06-12", "2026-09-10"):
        clock.set(datetime.fromisoformat(f"{day}T02:00:00+00:00"))
        [msg] = await bot.tick()
        seen.append(msg.text)
    assert says(seen[0], "lifecycle_outgoing_stopped")
    assert "Metfone's own page" in seen[0]  # the operator confirms the rule
    assert says(seen[1], "lifecycle_incoming_stopped", begins="Wed, 20 May 2026")
    assert says(seen[2], "lifecycle_terminated")
    assert says(seen[3], "lifecycle_resold") and says(seen[3], "lifecycle_series_over")
    assert (await one_plan(bot)).state == "active"  # listed until renewed or deleted


async def test_renewed_ends_the_stages_and_other_operators_are_hedged(
    bot: BotHarness, clock: FakeClock
) -> None:
    await bot.say("/remind 2026-03-20 cellcard")
    plan = await one_plan(bot)
    await bot.press(ToggleFollowUp(plan.id, True).pack())
    clock.set(datetime(2026, 3, 21, 2, 0, tzinfo=UTC))
    msgs = await bot.tick()
    assert says(msgs[-1].text, "lifecycle_rule_national")
    await bot.press(MarkRenewed(plan.id).pack(), bot.message_with(MarkRenewed(plan.id).pack()))
    await bot.press(bot.buttons()["+30 days"])
    plan = await one_plan(bot)
    assert plan.expiry == date(2026, 4, 20)
    old = [r for r in await bot.store.reminders_of_plan(plan.id) if r.stage == "incoming_stopped"]
    assert {r.state for r in old if r.due_at < 1_780_000_000} >= {"cancelled"}
    assert ("follow_up", "outgoing_stopped", "2026-04-21 09:00") in await pending(bot, plan.id)
    await bot.press(ToggleFollowUp(plan.id, False).pack())
    assert all(kind != "follow_up" for kind, _, _ in await pending(bot, plan.id))


async def test_keep_my_number_is_not_for_travel_esims(bot: BotHarness) -> None:
    await bot.say("/remind Airalo 2026-04-05")
    plan = await one_plan(bot)
    await bot.press(
        ToggleFollowUp(plan.id, True).pack(), bot.request.messages[max(bot.request.messages)]
    )
    assert says(alerted(bot), "plan_keep_number_not_for_kind")
    assert not (await one_plan(bot)).follow_up


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("/remind 2026-04-30 smart 10GB", "data"),
        ("/remind 2026-04-30 metfone 流量包", "data"),
        ("/remind 2026-04-30 cellcard GBP account", "validity"),
        ("/remind 2026-04-30 smart 月卡", "validity"),
    ],
)
async def test_data_packs_get_no_keep_my_number(bot: BotHarness, line: str, kind: str) -> None:
    await bot.say(line)
    plan = await one_plan(bot)
    assert plan.kind == kind
    assert ("Keep my number" in str(bot.buttons())) == (kind == "validity")


async def test_a_new_time_zone_keeps_pause_and_moves_the_stages(bot: BotHarness) -> None:
    await bot.say("/remind 2026-04-30 smart")
    await bot.say("/remind 2026-05-31 metfone")
    first, second = await plans(bot)
    await bot.press(StopPlan(first.id).pack(), bot.request.messages[max(bot.request.messages)])
    await bot.press(ToggleFollowUp(second.id, True).pack())
    await bot.say("/timezone")
    await bot.say("Asia/Shanghai")
    assert await pending(bot, first.id) == []  # still paused
    rows = await pending(bot, second.id)
    # 09:00 in Shanghai is 08:00 in Phnom Penh
    assert ("follow_up", "outgoing_stopped", "2026-06-01 08:00") in rows
    assert ("lead", None, "2026-05-31 08:00") in rows and len(rows) == 7


async def test_cancel_button_under_typed_steps_of_a_saved_plan(bot: BotHarness) -> None:
    await bot.say("/remind 2026-04-30 smart")
    plan = await one_plan(bot)
    await bot.say("/reminders")
    await bot.press(ShowPlan(plan.id).pack())
    await bot.press(RenamePlan(plan.id).pack())
    await bot.press(CancelFlow().pack())
    assert "Cancelled" in bot.texts()
    await bot.say("Not a name")  # the rename is over: this goes to the FAQ
    assert (await one_plan(bot)).label is None
    await bot.press(ChangeDate(plan.id).pack(), bot.message_with(ChangeDate(plan.id).pack()))
    await bot.press(CancelFlow().pack())
    await bot.say("2026-05-05")
    assert (await one_plan(bot)).expiry == date(2026, 4, 30)


async def test_a_travel_esim_named_in_the_guided_flow_is_never_told_to_dial(
    bot: BotHarness, clock: FakeClock
) -> None:
    await bot.say("/remind")
    await bot.press(PickOperator("smart").pack())
    await bot.say("Airalo Japan")
    await bot.say("2026-03-20")
    await bot.press(SavePlan().pack())
    plan = await one_plan(bot)
    assert plan.kind == "travel"
    clock.set(datetime(2026, 3, 17, 2, 0, tzinfo=UTC))
    [msg] = await bot.tick()
    assert "*888*" not in msg.text and says(msg.text, "reminder_howto_esim")


async def test_paused_plan_view_says_paused(bot: BotHarness) -> None:
    await bot.say("/remind 2026-04-30 smart")
    plan = await one_plan(bot)
    await bot.press(StopPlan(plan.id).pack(), bot.request.messages[max(bot.request.messages)])
    await bot.say("/reminders")
    await bot.press(ShowPlan(plan.id).pack())
    assert says(bot.texts(), "plan_paused_mark")
    assert "already passed" not in bot.texts()


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("怎么查余额", True),
        ("怎麼查餘額", True),
        ("how do I check balance?", True),
        ("my number expires soon what to do", True),
        ("充值了没到账怎么办", True),
        ("Airalo Japan", False),
        ("eSIM 10GB", False),
        ("月卡", False),
        ("Work phone", False),
    ],
)
async def test_question_heuristic(bot: BotHarness, text: str, question: bool) -> None:
    matcher = bot.app.bot_data["services"].matcher
    assert looks_like_question(matcher, text) is question
