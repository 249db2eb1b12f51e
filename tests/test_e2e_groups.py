"""End to end over HTTP: reminders in a group with two members. A plan and a /remind
wizard belong to the member who made them; the reminder mentions its owner in the
forum topic where the plan was made; settings are the person's, not the group's."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fakebotapi import Call, FakeBotApi
from helpers import FakeClock, says

from bot.callbacks import (
    AskDelete,
    CalendarFile,
    ChangeDate,
    ConfirmDeleteMe,
    KeepMe,
    MarkRenewed,
    PickOperator,
    SavePlan,
    ShowPlan,
    StopPlan,
)
from bot.reminders.sender import get_sender
from bot.service import build_runtime_application, polling

PP = ZoneInfo("Asia/Phnom_Penh")
T0 = datetime(2027, 3, 10, 14, 34, tzinfo=PP)
GROUP, TOPIC = -100777, 7
ANA, BO = 501, 502
OK = lambda c: not c.faulted  # noqa: E731


@pytest.fixture
async def group_bot(fake_api: FakeBotApi, bot_settings, ptb_timedelta):
    clock = FakeClock(T0)
    app = build_runtime_application(bot_settings(), clock=clock)
    async with polling(app):
        yield app, clock


def buttons(call: Call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def message_id(call: Call) -> int:
    return call.response["result"]["message_id"]


class Member:
    def __init__(self, api: FakeBotApi, user_id: int, name: str, lang: str = "en") -> None:
        self.api, self.id, self.name, self.lang = api, user_id, name, lang

    def says(self, text: str) -> int:
        return self.api.user_sends(
            GROUP, text, self.lang, user_id=self.id, first_name=self.name, thread_id=TOPIC
        )

    def presses(self, mid: int, data: str) -> int:
        return self.api.user_presses(
            GROUP, mid, data, self.lang, user_id=self.id, first_name=self.name
        )

    async def sees_alert(self, since: int) -> str:
        [answer] = await self.api.wait_for("answerCallbackQuery", since=since)
        assert answer.params.get("show_alert") is True
        return answer.params["text"]


async def plans_of(app, chat_id: int) -> list[tuple]:
    store = app.bot_data["services"].store
    async with store.db.execute(
        "SELECT id, owner_id, thread_id, label, state FROM plans WHERE chat_id = ? ORDER BY id",
        (chat_id,),
    ) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def test_two_members_one_group(fake_api: FakeBotApi, group_bot) -> None:
    app, clock = group_bot
    ana, bo = Member(fake_api, ANA, "Ana <3"), Member(fake_api, BO, "Bo", "zh-hans")

    # Ana starts the wizard in topic 7; Bo's press on it is refused, in Bo's language.
    ana.says("/remind")
    [ask] = await fake_api.wait_for("sendMessage", chat_id=GROUP)
    assert ask.params["message_thread_id"] == TOPIC
    smart = PickOperator("smart").pack()
    assert smart in buttons(ask)
    since = len(fake_api.calls)
    bo.presses(message_id(ask), smart)
    assert "不是你的提醒" in await bo.sees_alert(since)
    assert not fake_api.calls_of("editMessageText", chat_id=GROUP)

    ana.presses(message_id(ask), smart)
    await fake_api.wait_for("editMessageText", chat_id=GROUP)
    # Bo chatting meanwhile never becomes the name of Ana's plan.
    bo.says("anyone know a good noodle place?")
    ana.says("Main SIM")
    await fake_api.wait_for("sendMessage", chat_id=GROUP, count=2)
    ana.says("2027-03-11")
    calls = await fake_api.wait_for("sendMessage", chat_id=GROUP, count=3)
    preview = calls[2]
    assert "Main SIM" in preview.params["text"] and "noodle" not in preview.params["text"]
    since = len(fake_api.calls)
    bo.presses(message_id(preview), SavePlan().pack())
    await bo.sees_alert(since)
    assert await plans_of(app, GROUP) == []
    ana.presses(message_id(preview), SavePlan().pack())
    await fake_api.wait_for("editMessageText", chat_id=GROUP, count=2)
    [(plan_id, owner, thread, label, state)] = await plans_of(app, GROUP)
    assert (owner, thread, label, state) == (ANA, TOPIC, "Main SIM", "active")

    # /reminders lists the sender's own plans only.
    since = len(fake_api.calls)
    bo.says("/reminders")
    [bo_list] = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert "Main SIM" not in bo_list.params["text"] and not buttons(bo_list)
    since = len(fake_api.calls)
    ana.says("/reminders")
    [ana_list] = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert "Main SIM" in ana_list.params["text"]
    assert ShowPlan(plan_id).pack() in buttons(ana_list)
    # Bo presses Ana's plan on her list, and Delete on a message that is no answer to Ana.
    since = len(fake_api.calls)
    bo.presses(message_id(ana_list), ShowPlan(plan_id).pack())
    assert "不是你的提醒" in await bo.sees_alert(since)
    delete = AskDelete(plan_id).pack()
    since = len(fake_api.calls)
    bo.presses(9999, delete)
    assert "不是你的提醒" in await bo.sees_alert(since)
    assert (await plans_of(app, GROUP))[0][4] == "active"

    # The reminder goes to topic 7 and mentions Ana (name escaped).
    since = len(fake_api.calls)
    clock.set(datetime(2027, 3, 11, 9, 1, tzinfo=PP))
    await get_sender(app).poke()
    [due] = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since, predicate=OK)
    text = due.params["text"]
    assert f'<a href="tg://user?id={ANA}">Ana &lt;3</a>' in text
    assert due.params["message_thread_id"] == TOPIC
    assert MarkRenewed(plan_id).pack() in buttons(due)
    # Bo cannot renew it, change its date, or stop it; Ana can.
    for data in (MarkRenewed(plan_id).pack(), ChangeDate(plan_id).pack()):
        since = len(fake_api.calls)
        bo.presses(message_id(due), data)
        await bo.sees_alert(since)
    since = len(fake_api.calls)
    bo.says("2027-05-01")  # no new-date conversation was opened for Bo
    bo.says("/reminders")
    [bo_list] = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert "Main SIM" not in bo_list.params["text"]
    assert (await app.bot_data["services"].store.get_plan(plan_id)).expiry.isoformat() == (
        "2027-03-11"
    )
    stop = StopPlan(plan_id).pack()
    since = len(fake_api.calls)
    bo.presses(message_id(due), stop)
    await bo.sees_alert(since)
    assert (await plans_of(app, GROUP))[0][4] == "active"
    since = len(fake_api.calls)
    ana.presses(message_id(due), stop)
    await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert (await app.bot_data["services"].store.get_plan(plan_id)).paused  # Stop pauses


async def test_ownerless_group_plan_is_managed_by_admins(fake_api: FakeBotApi, group_bot):
    """A group plan from before owners were kept: members are refused, admins may stop it."""
    app, _ = group_bot
    store = app.bot_data["services"].store
    await store.db.execute(
        """INSERT INTO plans (id, chat_id, owner_id, operator, expiry, state, created_at,
                              updated_at)
           VALUES (90, ?, NULL, 'smart', '2027-04-01', 'active', 0, 0)""",
        (GROUP,),
    )
    bo = Member(fake_api, BO, "Bo")
    stop = StopPlan(90).pack()
    since = len(fake_api.calls)
    bo.presses(4242, stop)
    await bo.sees_alert(since)
    assert (await store.get_plan(90)).state == "active"
    since = len(fake_api.calls)
    bo.says("/reminders")
    [listed] = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert StopPlan(90).pack() not in buttons(listed) and not buttons(listed)
    fake_api.member_status[GROUP, BO] = "administrator"
    since = len(fake_api.calls)
    bo.says("/reminders")
    [listed] = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert ShowPlan(90).pack() in buttons(listed)  # admins see the group's ownerless plans
    since = len(fake_api.calls)
    bo.presses(4242, stop)
    await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert (await store.get_plan(90)).paused  # Stop pauses


async def test_settings_belong_to_the_person(fake_api: FakeBotApi, group_bot):
    app, _ = group_bot
    store = app.bot_data["services"].store
    ana = Member(fake_api, ANA, "Ana")
    ana.says("/timezone 臺北")
    ana.says("/language")
    [_, menu] = await fake_api.wait_for("sendMessage", chat_id=GROUP, count=2)
    ana.presses(message_id(menu), "lang:zh-Hant")
    await fake_api.wait_for("editMessageText", chat_id=GROUP)
    ana.says("/remind 2027-04-01 smart")
    await fake_api.wait_for("sendMessage", chat_id=GROUP, count=3)
    ana_row = await store.get_user(ANA)
    assert (ana_row.timezone, ana_row.language) == ("Asia/Taipei", "zh-Hant")
    assert await store.get_user(GROUP) is None  # no settings row for the group itself


# --- privacy: /privacy, /export, /delete_me ------------------------------------------


async def rows_about(app, user_id: int) -> dict[str, int]:
    store = app.bot_data["services"].store
    counts = {}
    for table, where in (
        ("users", "chat_id = ?"),
        ("plans", "owner_id = ? OR chat_id = ?"),
        ("reminders", "chat_id = ? OR plan_id IN (SELECT id FROM plans WHERE owner_id = ?)"),
    ):
        args = (user_id,) * where.count("?")
        async with store.db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", args) as cur:
            counts[table] = (await cur.fetchone())[0]
    return counts


async def test_privacy_in_a_group_answers_privately_or_links(fake_api: FakeBotApi, group_bot):
    ana = Member(fake_api, ANA, "Ana")
    ana.says("/privacy")
    [private] = await fake_api.wait_for("sendMessage", chat_id=ANA)
    assert "30 days" in private.params["text"] and "90 days" in private.params["text"]
    assert not says(private.params["text"], "privacy_contact")  # no contact configured
    # what the unanswered-questions report keeps, and whom to ask when no contact is set
    assert says(private.params["text"], "privacy_unanswered")
    assert says(private.params["text"], "privacy_no_contact")
    [note] = await fake_api.wait_for("sendMessage", chat_id=GROUP)
    assert says(note.params["text"], "private_sent") and "30 days" not in note.params["text"]

    # Ana never started the bot: Telegram refuses, the group gets a deep link.
    fake_api.fail(
        "sendMessage",
        chat_id=ANA,
        status=403,
        times=None,
        description="Forbidden: bot can't initiate conversation with a user",
    )
    since = len(fake_api.calls)
    ana.says("/privacy")
    [link] = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert "https://t.me/renewal_test_bot?start=privacy" in link.params["text"]
    fake_api.clear_faults()
    since = len(fake_api.calls)
    fake_api.user_sends(ANA, "/start privacy", user_id=ANA, first_name="Ana")
    [opened] = await fake_api.wait_for("sendMessage", chat_id=ANA, since=since)
    assert "30 days" in opened.params["text"]


async def test_export_sends_the_data_privately_never_to_the_group(fake_api: FakeBotApi, group_bot):
    ana = Member(fake_api, ANA, "Ana")
    ana.says("/remind 2027-04-01 smart Ana's SIM")
    await fake_api.wait_for("sendMessage", chat_id=GROUP)
    fake_api.user_sends(ANA, "/remind 2027-05-01 cellcard home", user_id=ANA)
    await fake_api.wait_for("sendMessage", chat_id=ANA)
    since = len(fake_api.calls)
    ana.says("/export")
    docs = await fake_api.wait_for("sendDocument", chat_id=ANA, count=2, since=since)
    await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    data = json.loads(fake_api.files[docs[0].response["result"]["document"]["file_id"]])
    assert data["user"]["chat_id"] == ANA
    assert sorted(p["label"] for p in data["plans"]) == ["Ana's SIM", "home"]
    assert all(p["reminders"] for p in data["plans"])
    ics = fake_api.files[docs[1].response["result"]["document"]["file_id"]]
    assert b"BEGIN:VCALENDAR" in ics and b"home" in ics
    # The calendar button of a group /reminders list sends the file privately too.
    since = len(fake_api.calls)
    ana.says("/reminders")
    [listed] = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert CalendarFile().pack() in buttons(listed)
    ana.presses(message_id(listed), CalendarFile().pack())
    await fake_api.wait_for("sendDocument", chat_id=ANA, count=3)
    assert not fake_api.calls_of("sendDocument", chat_id=GROUP)
    assert all("home" not in t for t in fake_api.sent_texts(GROUP))


async def test_delete_me_removes_every_row_after_confirmation(fake_api: FakeBotApi, group_bot):
    app, _ = group_bot
    ana, bo = Member(fake_api, ANA, "Ana"), Member(fake_api, BO, "Bo")
    ana.says("/remind 2027-04-01 smart")
    bo.says("/remind 2027-04-02 metfone")
    fake_api.user_sends(ANA, "/timezone Asia/Taipei", user_id=ANA)
    await fake_api.wait_for("sendMessage", chat_id=GROUP, count=2)
    await fake_api.wait_for("sendMessage", chat_id=ANA)
    assert (await rows_about(app, ANA))["plans"] == 1

    since = len(fake_api.calls)
    ana.says("/delete_me")  # in the group: the question comes privately
    [ask] = await fake_api.wait_for("sendMessage", chat_id=ANA, since=since)
    assert ConfirmDeleteMe().pack() in buttons(ask)
    [note] = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since)
    assert not buttons(note)
    since = len(fake_api.calls)
    fake_api.user_sends(ANA, "/start delete_me", user_id=ANA)  # the deep link opens it too
    [again] = await fake_api.wait_for("sendMessage", chat_id=ANA, since=since)
    assert ConfirmDeleteMe().pack() in buttons(again)
    fake_api.user_presses(ANA, message_id(again), KeepMe().pack(), user_id=ANA)
    [kept] = await fake_api.wait_for("editMessageText", chat_id=ANA)
    assert says(kept.params["text"], "delete_me_kept")
    assert (await rows_about(app, ANA))["plans"] == 1
    assert (await rows_about(app, ANA))["plans"] == 1  # nothing happens before the press
    since = len(fake_api.calls)
    fake_api.user_presses(ANA, message_id(ask), "me.delete:forged", user_id=ANA)
    await fake_api.wait_for("answerCallbackQuery", since=since)
    assert (await rows_about(app, ANA))["plans"] == 1  # a malformed press changes nothing
    fake_api.user_presses(ANA, message_id(ask), ConfirmDeleteMe().pack(), user_id=ANA)
    [_, done] = await fake_api.wait_for("editMessageText", chat_id=ANA, count=2)
    assert "deleted" in done.params["text"]
    assert await rows_about(app, ANA) == {"users": 0, "plans": 0, "reminders": 0}
    assert (await rows_about(app, BO))["plans"] == 1  # Bo's plan in the same group stays


async def test_privacy_commands_are_in_every_menu(fake_api: FakeBotApi, group_bot):
    await fake_api.wait_for("setMyCommands", count=9)
    for lang in ("zh", "en", ""):
        for scope in ({"type": "all_private_chats"}, {"type": "all_group_chats"}):
            names = fake_api.my_commands(lang, scope)
            assert {"privacy", "export", "delete_me"} <= set(names), (lang, scope)
