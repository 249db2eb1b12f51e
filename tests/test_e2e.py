"""End to end over HTTP: the production Application long-polls the fake Bot API server.

Everything PTB does on the wire runs for real: getUpdates offsets, form encoding, HTML
parse mode, AIORateLimiter retries, the error handler, the start-up menu calls.
"""

from __future__ import annotations

import io
import json
import time

import pytest
from conftest import TOKEN, scaled
from fakebotapi import FakeBotApi

from bot.context import Services
from bot.core.answers import faq_answer, respond
from bot.core.text import lang_from_telegram
from bot.health import beat, check_health
from bot.logs import setup_logging
from bot.menus import handled_commands
from bot.service import build_runtime_application, polling
from tests.helpers import says, shared


def services_of(app) -> Services:
    return app.bot_data["services"]


ALL_PRIVATE = {"type": "all_private_chats"}
ALL_GROUPS = {"type": "all_group_chats"}
OK = lambda c: not c.faulted  # noqa: E731


@pytest.mark.parametrize(
    ("code", "needle"),
    [("zh-hans", "续费保号"), ("zh-hant", "續費保號"), ("en", "keep a Cambodian")],
)
async def test_start_in_each_language(fake_api: FakeBotApi, live_bot, code: str, needle: str):
    fake_api.user_sends(10, "/start", language_code=code, first_name="Dara")
    [call] = await fake_api.wait_for("sendMessage", chat_id=10)
    assert needle in call.params["text"] and "Dara" in call.params["text"]
    assert call.params["parse_mode"] == "HTML"  # Defaults(parse_mode=HTML) reach the wire
    assert call.response["ok"], call.response  # the fake accepted the HTML


async def test_faq_question_gets_the_answer_card(fake_api: FakeBotApi, live_bot):
    question = "how do I renew my eSIM"
    svc = services_of(live_bot)
    expected = respond(svc.content, svc.matcher, question, "en")
    assert expected.faq_id  # the question is one the FAQ answers
    fake_api.user_sends(11, question)
    [call] = await fake_api.wait_for("sendMessage", chat_id=11)
    assert call.params["text"] == expected.text
    rows = call.params["reply_markup"]["inline_keyboard"]
    assert "faq:menu" in [b["callback_data"] for row in rows for b in row]


async def test_faq_button_press_round_trip(fake_api: FakeBotApi, live_bot):
    fake_api.user_sends(12, "/faq", language_code="zh-hans")
    [menu] = await fake_api.wait_for("sendMessage", chat_id=12)
    first = menu.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    message_id = menu.response["result"]["message_id"]
    fake_api.user_presses(12, message_id, first, language_code="zh-hans")
    await fake_api.wait_for("answerCallbackQuery", predicate=OK)
    [edit] = await fake_api.wait_for("editMessageText", chat_id=12)
    assert edit.response["ok"] and edit.params["message_id"] == message_id


async def test_menus_and_descriptions_set_per_language(fake_api: FakeBotApi, live_bot):
    await fake_api.wait_for("setMyCommands", count=9)  # the first job once the bot runs
    await fake_api.wait_for("setMyDescription", count=3)
    await fake_api.wait_for("setMyShortDescription", count=3)
    for lang in ("zh", "en", ""):
        private = fake_api.my_commands(lang, ALL_PRIVATE)
        assert {"start", "help", "faq", "language"} <= set(private), (lang, private)
        assert private[0] == "start"
        assert set(fake_api.my_commands(lang)) <= set(private)
        assert "start" not in fake_api.my_commands(lang, ALL_GROUPS)
        assert fake_api.descriptions["description", lang]
        assert fake_api.descriptions["short_description", lang]
    # Only commands the bot handles are offered.
    assert set(fake_api.my_commands("", ALL_PRIVATE)) <= handled_commands(live_bot)
    zh = {c["command"]: c["description"] for c in fake_api.commands[_key(ALL_PRIVATE, "zh")]}
    en = {c["command"]: c["description"] for c in fake_api.commands[_key(ALL_PRIVATE, "en")]}
    texts = shared()["content"].texts
    assert zh["language"] == texts.plain("menu_language", "zh-Hans")
    assert en["language"] == texts.plain("menu_language", "en")
    assert "柬埔寨" in fake_api.descriptions["description", "zh"]
    assert len(fake_api.descriptions["short_description", "en"]) <= 120


def _key(scope: dict, lang: str) -> tuple[str, str]:
    return json.dumps(scope, sort_keys=True), lang


async def test_429_is_waited_out_and_the_message_arrives(fake_api: FakeBotApi, live_bot):
    fake_api.fail("sendMessage", chat_id=13, status=429, retry_after=1)
    started = time.monotonic()
    fake_api.user_sends(13, "/start")
    [ok] = await fake_api.wait_for("sendMessage", chat_id=13, predicate=OK)
    tries = fake_api.calls_of("sendMessage", chat_id=13)
    assert [c.faulted for c in tries] == [True, False]
    assert ok.time - tries[0].time >= 1.0  # retry_after honoured, not hammered
    assert time.monotonic() - started < scaled(8)
    assert says(ok.params["text"], "welcome")


async def test_error_handler_apologises_in_the_users_language(
    fake_api: FakeBotApi, live_bot, caplog
):
    # The reply fails with a 400 the handler does not expect: the error handler logs the
    # update id and sends a short apology in the user's language instead.
    fake_api.fail("sendMessage", chat_id=14, status=400, description="Bad Request: boom")
    update_id = fake_api.user_sends(14, "/help", language_code="zh-hant")
    calls = await fake_api.wait_for("sendMessage", chat_id=14, count=2)
    apology = services_of(live_bot).content.texts("error_apology", "zh-Hant")
    assert calls[1].params["text"] == apology and calls[1].response["ok"]
    record = next(r for r in caplog.records if r.getMessage().startswith("error handling update"))
    assert str(update_id) in record.getMessage() and record.exc_info is not None


@pytest.mark.parametrize(
    ("payload", "needle"),
    [("faq_esim-renew", None), ("nonsense_payload", "keep a Cambodian"), ("faq_nope", "Hi ")],
)
async def test_deep_links(fake_api: FakeBotApi, live_bot, payload: str, needle: str | None):
    fake_api.user_sends(15, f"/start {payload}")
    [call] = await fake_api.wait_for("sendMessage", chat_id=15)
    if needle is None:
        svc = services_of(live_bot)
        card = faq_answer(svc.content, svc.content.faq["esim-renew"], lang_from_telegram("en"))
        assert call.params["text"] == card.text
    else:
        assert needle in call.params["text"]


async def test_restart_with_the_same_database_resumes(fake_api: FakeBotApi, bot_settings):
    settings = bot_settings()
    app = build_runtime_application(settings, **shared())
    async with polling(app):
        fake_api.user_sends(16, "/language", language_code="en")
        [menu] = await fake_api.wait_for("sendMessage", chat_id=16)
        fake_api.user_presses(16, menu.response["result"]["message_id"], "lang:zh-Hant")
        await fake_api.wait_for("editMessageText", chat_id=16)
    # Everything handled was confirmed on the way out: nothing is delivered twice.
    last_offset = fake_api.calls_of("getUpdates")[-1].params["offset"]
    assert last_offset == fake_api.updates[-1]["update_id"] + 1

    mark = len(fake_api.calls)
    app = build_runtime_application(settings, **shared())
    async with polling(app):
        fake_api.user_sends(16, "/start", language_code="en")
        [call] = await fake_api.wait_for("sendMessage", chat_id=16, since=mark)
        assert "續費保號" in call.params["text"]  # the choice survived the restart
    assert len(fake_api.calls_of("editMessageText")) == 1


async def test_shutdown_finishes_sends_in_flight(fake_api: FakeBotApi, bot_settings):
    app = build_runtime_application(bot_settings(), **shared())
    async with polling(app):
        fake_api.delay("sendMessage", 0.8, chat_id=17, times=1)
        fake_api.user_sends(17, "/start")
        [call] = await fake_api.wait_for("sendMessage", chat_id=17)
        assert call.response is None  # the reply is on the wire when we stop
    assert call.response is not None and call.response["ok"]
    assert services_of(app).store is None  # the database was closed after the send


async def test_heartbeat_and_health(fake_api: FakeBotApi, bot_settings):
    settings = bot_settings()
    app = build_runtime_application(settings, **shared())
    async with polling(app):
        fake_api.user_sends(18, "/start")
        await fake_api.wait_for("sendMessage", chat_id=18)
        await fake_api.wait_for("getUpdates", count=3)  # a few successful polls
        # The heartbeat job ran at start; write one more now rather than wait its interval.
        await beat(app)
        healthy, report = check_health(settings)
        assert healthy, report
        assert report["db_ok"] and report["scheduler"] and report["mode"] == "polling"
        assert report["last_poll_at"] and report["last_update_at"] and report["updates"] >= 1
    healthy, report = check_health(settings)
    assert not healthy and "stopped" in report["problems"][0]


async def test_logs_have_no_token_and_no_texts(
    fake_api: FakeBotApi, bot_settings, restore_logging, ptb_timedelta
):
    out = io.StringIO()
    setup_logging("DEBUG", secrets=[TOKEN], stream=out)
    app = build_runtime_application(bot_settings(), **shared())
    async with polling(app):
        fake_api.fail("sendMessage", chat_id=19, status=429, retry_after=1)
        fake_api.user_sends(19, "my secret question about eSIM")
        await fake_api.wait_for("sendMessage", chat_id=19, predicate=OK)
    debug = out.getvalue()
    assert "getUpdates" in debug  # PTB did log its requests...
    assert TOKEN not in debug and TOKEN.split(":")[1] not in debug  # ...without the token
    assert all(line.strip() for line in debug.splitlines())

    out = io.StringIO()
    setup_logging("INFO", secrets=[TOKEN], stream=out)
    app = build_runtime_application(bot_settings(), **shared())
    async with polling(app):
        fake_api.user_sends(19, "another private question about eSIM")
        await fake_api.wait_for("sendMessage", chat_id=19, count=2, predicate=OK)
    info = out.getvalue()
    # One line per meaningful event: the bot's own; PTB's routine is kept at WARNING.
    assert "command menus set" in info and "Application started" not in info
    assert "private question" not in info and TOKEN.split(":")[1] not in info
    assert "HTTP Request" not in info  # httpx is kept at WARNING


async def test_polling_survives_server_errors(fake_api: FakeBotApi, live_bot):
    fake_api.fail("getUpdates", status=502, times=2)
    fake_api.user_sends(20, "/start")
    await fake_api.wait_for("sendMessage", chat_id=20, timeout=scaled(15))
    assert sum(c.faulted for c in fake_api.calls_of("getUpdates")) == 2


async def test_two_users_do_not_block_each_other(fake_api: FakeBotApi, live_bot):
    for chat in range(30, 40):
        fake_api.user_sends(chat, "/start", language_code="zh-hans")
    calls = await fake_api.wait_for("sendMessage", count=10, predicate=OK)
    assert sorted(c.chat_id for c in calls) == list(range(30, 40))
