"""Ops features on the real offline Application: /stats for admins only, error reports to
admins, 👍/👎 under answers, the unanswered-questions record, the card-PIN helper and the
zh-Hant chat menu."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram.ext import CommandHandler

from bot.admin_alerts import ALERTS_KEY
from bot.app import running
from bot.core.error_reports import RateLimit
from bot.storage import Planned
from bot.testing.offline import OfflineRequest, Sent
from bot.usage import usage
from tests.helpers import FakeClock, Session, offline_application, says, settings_for

ADMIN = 7
USER = 42
PIN = "1234567890123"


@pytest.fixture
async def app(tmp_path: Path):
    request = OfflineRequest()
    application = offline_application(
        settings_for(tmp_path / "bot.sqlite3", admin_ids=[ADMIN]), request
    )
    async with running(application):
        yield application, request


def sent_to(sent: list[Sent], chat_id: int, method: str = "sendMessage") -> list[Sent]:
    return [s for s in sent if s.method == method and int(s.params.get("chat_id", 0)) == chat_id]


def texts_of(app) -> object:
    return app.bot_data["services"].content.texts


def db_dump(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


# --- /stats ------------------------------------------------------------------------------


async def test_stats_is_an_unknown_command_for_everyone_but_admins(app) -> None:
    application, request = app
    user = Session(application, request, chat_id=USER)
    [reply] = await user.send("/stats")
    assert reply.text == texts_of(application).html("unknown_command", "en")


async def test_stats_count_questions_and_reminders_of_today(app) -> None:
    application, request = app
    store = application.bot_data["services"].store
    user = Session(application, request, chat_id=USER)
    await user.send("how do I renew my eSIM")  # answered
    await user.send("what is the weather in Paris tomorrow")  # refused
    await user.send("hi")  # small talk: not a question
    now = int(datetime.now(UTC).timestamp())
    await store.add_plan(
        USER,
        operator="smart",
        label=None,
        expiry=datetime.now(UTC).date(),
        time_of_day=datetime.now(UTC).time(),
        leads=(0,),
        period_days=None,
        reminders=[Planned(now - 60, lead_days=0)],
        now=now,
    )
    [due] = await store.claim_due(now, 10)
    await store.mark_sent(due.reminder.id, now, 99)
    await usage(application).drain()

    admin = Session(application, request, chat_id=ADMIN)
    [report] = await admin.send("/stats")
    texts = texts_of(application)
    assert texts.html("stats_questions_answered", "en", today=1, week=1) in report.text
    assert texts.html("stats_questions_refused", "en", today=1, week=1) in report.text
    assert texts.html("stats_questions_suggested", "en", today=0, week=0) in report.text
    assert texts.html("stats_reminders_sent", "en", today=1, week=1) in report.text
    assert says(report.text, "stats_head", users=2, plans=1)


# --- error reports ---------------------------------------------------------------------


async def _boom(update, context) -> None:
    raise RuntimeError(f"secret words {update.effective_message.text}")


async def test_errors_reach_admins_once_a_minute_without_message_text(app, caplog) -> None:
    application, request = app
    clock = FakeClock(datetime(2027, 1, 15, tzinfo=UTC))
    application.bot_data[ALERTS_KEY] = RateLimit(clock.monotonic)
    application.add_handler(CommandHandler("boom", _boom), group=-50)
    user = Session(application, request, chat_id=USER)
    caplog.set_level(logging.CRITICAL, logger="bot.handlers.errors")  # the traceback is expected

    first = await user.send("/boom my PIN 5555666677778888")
    [report] = sent_to(first, ADMIN)
    assert "RuntimeError" in report.text and "test_ops_handlers.py:" in report.text
    assert "5555" not in report.text and "secret words" not in report.text
    assert sent_to(first, USER)  # the user still gets the apology

    for _ in range(2):
        assert sent_to(await user.send("/boom again"), ADMIN) == []
    clock.advance(61)
    [later] = sent_to(await user.send("/boom later"), ADMIN)
    assert texts_of(application).html("admin_error_suppressed", "en", n=2) in later.text


# --- answers: votes and the unanswered record ------------------------------------------


async def test_a_thumbs_down_is_counted_once_and_keeps_the_masked_question(
    app, tmp_path: Path
) -> None:
    application, request = app
    user = Session(application, request, chat_id=USER)
    [answer] = await user.send("how do I renew my eSIM 2027")
    votes = [b["callback_data"] for row in answer.buttons for b in row if "callback_data" in b]
    down = next(d for d in votes if d.startswith("fb:") and d.endswith(":0"))
    assert any(d.startswith("faq:") for d in votes)  # the topic buttons are still there

    pressed = await user.press(answer, down)
    [ack] = [s for s in pressed if s.method == "answerCallbackQuery"]
    assert ack.params["text"] == texts_of(application).plain("feedback_thanks_down", "en")
    [edit] = [s for s in pressed if s.method == "editMessageReplyMarkup"]
    left = [b.get("callback_data", "") for row in edit.buttons for b in row]
    assert left and not any(d.startswith("fb:") for d in left)

    again = await user.press(answer, down)  # a double tap, or an old client
    assert [s.method for s in again] == ["answerCallbackQuery"]
    await usage(application).drain()

    store = application.bot_data["services"].store
    [kept] = await store.unanswered_since(datetime(2020, 1, 1).date())
    assert kept.outcome == "voted_down" and kept.nearest == "esim-renew"
    assert kept.text == "how do I renew my eSIM ####"
    today = datetime.now(UTC).date()
    counts = await store.counts_between(today.replace(day=1), today.replace(year=today.year + 1))
    assert counts == {"questions_answered": 1, "votes_down": 1}
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        rows = db.execute("SELECT * FROM daily_counts").fetchall()
        rows += db.execute("SELECT day, lang, outcome, nearest, text FROM unanswered").fetchall()
    assert rows and not any(str(USER) in str(value) for row in rows for value in row)


async def test_refused_questions_are_kept_masked_and_greetings_are_not(app) -> None:
    application, request = app
    user = Session(application, request, chat_id=USER, language_code="zh-hans")
    [reply] = await user.send("明天金边天气怎么样 我的手机号 0123456789")
    assert not any(b.get("callback_data", "").startswith("fb:") for r in reply.buttons for b in r)
    await user.send("你好")
    await usage(application).drain()
    store = application.bot_data["services"].store
    [kept] = await store.unanswered_since(datetime(2020, 1, 1).date())
    assert kept.text == "明天金边天气怎么样 我的手机号 ####" and kept.lang == "zh-Hans"


# --- the card PIN helper -----------------------------------------------------------------


def copied(sent: Sent) -> list[str]:
    return [b["copy_text"]["text"] for row in sent.buttons for b in row if "copy_text" in b]


async def test_a_card_pin_with_the_operator_named_gets_copy_buttons(app, tmp_path, caplog) -> None:
    application, request = app
    caplog.set_level(logging.INFO)
    user = Session(application, request, chat_id=USER)
    [reply] = await user.send(f"Smart {PIN[:4]} {PIN[4:8]} {PIN[8:]}")
    assert copied(reply) == [f"*888*{PIN}#", f"*1203*{PIN}#"]
    assert f"<code>*1203*{PIN}#</code>" in reply.text
    await usage(application).drain()
    assert PIN not in db_dump(tmp_path / "bot.sqlite3")
    assert PIN not in caplog.text


async def test_an_unknown_operator_is_asked_with_buttons(app) -> None:
    application, request = app
    user = Session(application, request, chat_id=USER, language_code="zh-hant")
    [question] = await user.send(PIN)
    assert question.text == texts_of(application).html("card_pin_which_operator", "zh-Hant")
    data = [b["callback_data"] for row in question.buttons for b in row]
    assert f"pin:cellcard:{PIN}" in data and f"pin:any:{PIN}" in data

    pressed = await user.press(question, f"pin:cellcard:{PIN}")
    [card] = [s for s in pressed if s.method == "editMessageText"]
    assert copied(card) == [f"*1203*{PIN}#"]  # Cellcard's own code is not verified
    assert "所有網路" in card.text

    stale = await user.press(question, "pin:cellcard:123")
    [alert] = stale
    assert alert.params["show_alert"] is True


async def test_the_operator_of_the_users_only_plan_is_used(app) -> None:
    application, request = app
    store = application.bot_data["services"].store
    await store.add_plan(
        USER,
        operator="smart",
        label=None,
        expiry=datetime(2030, 1, 1).date(),
        time_of_day=datetime(2030, 1, 1, 9).time(),
        leads=(1,),
        period_days=None,
        reminders=[],
        now=0,
    )
    user = Session(application, request, chat_id=USER)
    [reply] = await user.send(PIN)
    assert copied(reply)[0] == f"*888*{PIN}#"


# --- menus -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["zh-hant", "zh-tw", "zh-hk"])
async def test_traditional_readers_get_their_chat_menu_on_start(app, code: str) -> None:
    application, request = app
    user = Session(application, request, chat_id=USER, language_code=code)
    sent = await user.send("/start")
    [menu] = [s for s in sent if s.method == "setMyCommands"]
    assert menu.params["scope"] == {"type": "chat", "chat_id": USER}
    described = {c["command"]: c["description"] for c in menu.params["commands"]}
    assert described["help"] == "我能做什麼" and "stats" not in described
    again = await user.send("/start")  # the chat has that menu already: not sent again
    assert [s.method for s in again] == ["sendMessage"]


async def test_switching_away_from_traditional_removes_the_chat_menu(app) -> None:
    application, request = app
    user = Session(application, request, chat_id=USER, language_code="en")
    assert not [s for s in await user.send("/start") if s.method.endswith("MyCommands")]
    [picker] = await user.send("/language")
    await user.press(picker, "lang:zh-Hant")
    sent = await user.press(picker, "lang:en")
    [removed] = [s for s in sent if s.method == "deleteMyCommands"]
    assert removed.params["scope"] == {"type": "chat", "chat_id": USER}


async def test_an_admin_menu_lists_stats(app) -> None:
    application, request = app
    admin = Session(application, request, chat_id=ADMIN, language_code="en")
    [menu] = [s for s in await admin.send("/start") if s.method == "setMyCommands"]
    assert "stats" in [c["command"] for c in menu.params["commands"]]


# --- copy buttons on code cards ----------------------------------------------------------


async def test_code_cards_copy_their_codes(app) -> None:
    application, request = app
    user = Session(application, request, chat_id=USER)
    [smart] = await user.send("/codes smart")
    assert "*1201#" in copied(smart) and "*1202#" in copied(smart)
    assert "*1700*500#" not in copied(smart)  # subscribing to a plan costs money: no copy
    assert not any("<" in code for code in copied(smart))  # placeholders cannot be dialled
    [cellcard] = await user.send("/codes cellcard balance")
    assert "#124#" in copied(cellcard)
    [balance] = await user.send("/codes 余额")  # every operator's: the buttons name no operator
    assert copied(balance) == ["*1201#"]
    [unknown] = await user.send("/codes nowhere")
    assert copied(unknown) == []
