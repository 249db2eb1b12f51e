"""The fake Bot API server, exercised with the real python-telegram-bot client over HTTP.

If these pass, the end-to-end tests that build on FakeBotApi test the bot, not the fake.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
import sys
import time

import fakebotapi
import pytest
import telegram
from fakebotapi import FakeBotApi
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, EndPointNotFound, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes
from timing import scaled

fake_api = fakebotapi.fake_api  # registers the fixture in this module

TOKEN = "123:TEST"


@pytest.fixture
async def bot(fake_api: FakeBotApi):
    async with telegram.Bot(
        TOKEN, base_url=fake_api.base_url, base_file_url=fake_api.base_file_url
    ) as bot:
        yield bot


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.upper(), callback_data=d) for d in data]])


async def test_get_me_and_base_url(fake_api: FakeBotApi, bot: telegram.Bot) -> None:
    assert fake_api.base_url == f"http://127.0.0.1:{fake_api.port}/bot"
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "renewal_test_bot", True)
    assert me.supports_inline_queries
    assert fake_api.calls_of("getMe")  # Bot.initialize() itself called getMe


async def test_send_then_edit_message(fake_api: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(
        1, "Pick <b>one</b>", parse_mode="HTML", reply_markup=keyboard("a")
    )
    assert sent.message_id == 1 and sent.chat.id == 1 and sent.chat.type == "private"
    assert sent.text == "Pick one" and sent.from_user.id == 123456
    assert sent.reply_markup == keyboard("a")
    call = fake_api.calls_of("sendMessage", chat_id=1)[0]
    assert call.chat_id == 1 and call.params["text"] == "Pick <b>one</b>"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"

    edited = await bot.edit_message_text("Picked", chat_id=1, message_id=sent.message_id)
    assert edited.text == "Picked" and edited.reply_markup is None
    edited = await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=keyboard("b"))
    assert edited.reply_markup == keyboard("b")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=keyboard("b"))
    assert (await bot.send_message(1, "next")).message_id == 2  # ids increment per chat
    assert (await bot.send_message(2, "other chat")).message_id == 1
    assert fake_api.sent_texts(1) == ["Pick <b>one</b>", "next"]
    assert await bot.delete_message(1, 2)


async def test_telegram_validation_is_mirrored(fake_api: FakeBotApi, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1, "a < b & c", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1, "<script>x</script>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(1, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(1, "x", reply_markup=keyboard("d" * 65))
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    assert fake_api.calls_of("nosuchmethod")[0].response["error_code"] == 404


async def test_send_document_bytes(fake_api: FakeBotApi, bot: telegram.Bot) -> None:
    payload = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    msg = await bot.send_document(7, document=payload, filename="renew.ics", caption="Calendar")
    doc = msg.document
    assert (doc.file_name, doc.file_size, msg.caption) == ("renew.ics", len(payload), "Calendar")
    assert doc.mime_type == "text/calendar"
    call = fake_api.calls_of("sendDocument", chat_id=7)[0]
    assert call.files == {"document": payload}
    file = await bot.get_file(doc.file_id)
    assert await file.download_as_bytearray() == payload


async def test_commands_descriptions_menu(fake_api: FakeBotApi, bot: telegram.Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "开始")], language_code="zh")
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    assert fake_api.my_commands("zh") == ["start"]
    assert fake_api.my_commands() == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["start"]
    assert await bot.get_my_commands(language_code="en") == ()
    await bot.set_my_description("Renew SIMs", language_code="en")
    await bot.set_my_short_description("Renew")
    assert (await bot.get_my_description("en")).description == "Renew SIMs"
    assert (await bot.get_my_short_description()).short_description == "Renew"
    await bot.set_chat_menu_button(menu_button=telegram.MenuButtonCommands())
    assert isinstance(await bot.get_chat_menu_button(), telegram.MenuButtonCommands)
    await bot.delete_my_commands(language_code="zh")
    assert fake_api.my_commands("zh") == []


async def test_get_updates_long_polling_and_offsets(
    fake_api: FakeBotApi, bot: telegram.Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake_api.wait_for("getUpdates")
    started = time.monotonic()
    update_id = fake_api.user_sends(1, "/start remind", language_code="zh-hans")
    [update] = await poll
    assert time.monotonic() - started < scaled(2)  # on arrival, not after the 30 s timeout
    assert update.update_id == update_id
    assert update.message.text == "/start remind"
    assert update.message.from_user.language_code == "zh-hans"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start")

    second = fake_api.user_sends(1, "hello")
    # Not confirmed yet: both come back. Confirming the first returns only the second.
    assert [u.update_id for u in await bot.get_updates()] == [update_id, second]
    assert [u.update_id for u in await bot.get_updates(offset=update_id + 1)] == [second]
    started = time.monotonic()
    assert await bot.get_updates(offset=second + 1, timeout=dtm.timedelta(seconds=0.3)) == ()
    assert time.monotonic() - started >= 0.25  # an empty long poll waits its timeout out

    fake_api.push_update({"chat_member": {"dummy": True}})  # opt-in type, not delivered by default
    fake_api.user_inline_query(5, "smart")
    [inline] = await bot.get_updates(allowed_updates=["inline_query"])
    assert inline.inline_query.query == "smart"


async def test_presses_answers_and_reply_keyboards(fake_api: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(
        9, "Which operator?", reply_markup=telegram.ReplyKeyboardMarkup([["Smart", "Cellcard"]])
    )
    assert sent.reply_markup is None  # Telegram never echoes reply keyboards
    fake_api.user_presses(9, 42, "op:smart", language_code="km", first_name="Dara")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert (query.data, query.from_user.first_name, query.message.message_id) == (
        "op:smart",
        "Dara",
        42,
    )
    assert await query.answer()
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await query.answer()  # answering twice is an error on Telegram too
    assert (await query.edit_message_text("Smart")).text == "Smart"


async def test_webhook_blocks_get_updates(fake_api: FakeBotApi, bot: telegram.Bot) -> None:
    await bot.set_webhook("https://example.test/hook", secret_token="s3cret")
    assert fake_api.webhook["secret_token"] == "s3cret"
    assert (await bot.get_webhook_info()).url == "https://example.test/hook"
    with pytest.raises(telegram.error.Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_application_polls_and_replies(fake_api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = update.effective_user.language_code
        await update.message.reply_text(f"hi {lang} {context.args}", reply_markup=keyboard("go"))

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("ok")
        await update.callback_query.edit_message_text(f"pressed {update.callback_query.data}")

    application = ApplicationBuilder().token(TOKEN).base_url(fake_api.base_url).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(press))
    async with application:
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await application.start()

        fake_api.user_sends(1, "/start codes_smart", language_code="zh-hant")
        [reply] = await fake_api.wait_for("sendMessage", chat_id=1)
        assert reply.params["text"] == "hi zh-hant ['codes_smart']"
        message_id = reply.response["result"]["message_id"]

        fake_api.user_presses(1, message_id, "go")
        await fake_api.wait_for("answerCallbackQuery")
        [edit] = await fake_api.wait_for("editMessageText", chat_id=1)
        assert edit.params == {"chat_id": 1, "message_id": message_id, "text": "pressed go"}
        assert fake_api.messages[1, message_id]["text"] == "pressed go"

        # Stop order matters: updater first (its last getUpdates confirms the offset), then app.
        await application.updater.stop()
        await application.stop()
    assert fake_api.calls_of("getUpdates")[-1].params["offset"] == 3  # both updates confirmed


async def test_application_webhook_mode(fake_api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("hi via webhook")

    with socket.socket() as sock:  # a free port for PTB's webhook server
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    application = ApplicationBuilder().token(TOKEN).base_url(fake_api.base_url).build()
    application.add_handler(CommandHandler("start", start))
    async with application:
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret",
        )
        await application.start()
        assert fake_api.webhook["secret_token"] == "s3cret"
        fake_api.user_sends(1, "/start")
        assert await fake_api.flush_webhook() == [200]
        await fake_api.wait_for("sendMessage", chat_id=1)
        fake_api.webhook["secret_token"] = "wrong"
        fake_api.user_sends(1, "/start")
        assert await fake_api.flush_webhook() == [403]  # PTB checks the secret; update stays
        await application.updater.stop()
        await application.stop()


SUBPROCESS_BOT = """
import sys
from telegram.ext import ApplicationBuilder, CommandHandler

async def start(update, context):
    await update.message.reply_text("hi from a subprocess")

app = ApplicationBuilder().token("123:TEST").base_url(sys.argv[1]).build()
app.add_handler(CommandHandler("start", start))
app.run_polling(poll_interval=0, timeout=1)
"""


@pytest.mark.subprocess
async def test_bot_in_a_subprocess(fake_api: FakeBotApi) -> None:
    """The server keeps serving while the test awaits: never block the loop (no subprocess.run)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SUBPROCESS_BOT, fake_api.base_url, stderr=asyncio.subprocess.PIPE
    )
    try:
        await fake_api.wait_for("getUpdates")
        fake_api.user_sends(5, "/start")
        [reply] = await fake_api.wait_for("sendMessage", chat_id=5)
        assert reply.params["text"] == "hi from a subprocess"
    finally:
        proc.terminate()  # run_polling stops gracefully on SIGTERM
        _, stderr = await asyncio.wait_for(proc.communicate(), scaled(15))
    assert proc.returncode == 0, stderr.decode()
    assert fake_api.calls_of("getUpdates")[-1].params["offset"] == 2  # confirmed on shutdown


async def test_faults(fake_api: FakeBotApi, bot: telegram.Bot, monkeypatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # else .retry_after warns (warnings are errors)
    fake_api.fail("sendMessage", chat_id=1, status=429, retry_after=1)
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(1, "x")
    assert excinfo.value.retry_after == dtm.timedelta(seconds=1)
    assert (await bot.send_message(1, "again")).text == "again"  # times=1 is used up

    fake_api.fail("sendMessage", chat_id=2, status=403, times=2)
    await bot.send_message(3, "other chats are unaffected")
    for _ in range(2):
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(2, "x")
    fake_api.fail("SENDMESSAGE", status=500)  # method names are case-insensitive
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(4, "x")
    fake_api.fail(
        "editMessageText", status=400, description="Bad Request: message to edit not found"
    )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=1, message_id=1)

    faulted = [c for c in fake_api.calls if c.faulted]
    assert [(c.method, c.chat_id, c.response["error_code"]) for c in faulted] == [
        ("sendMessage", 1, 429),
        ("sendMessage", 2, 403),
        ("sendMessage", 2, 403),
        ("sendMessage", 4, 500),
        ("editMessageText", 1, 400),
    ]
    assert fake_api.sent_texts(1) == ["again"]


async def test_delay_and_wait_for(fake_api: FakeBotApi, bot: telegram.Bot) -> None:
    fake_api.delay("sendChatAction", 0.3, times=1)
    started = time.monotonic()
    send = asyncio.create_task(bot.send_chat_action(1, "typing"))
    [call] = await fake_api.wait_for("sendChatAction", chat_id=1)  # recorded on arrival
    assert call.response is None
    assert await send is True
    assert time.monotonic() - started >= 0.3
    assert call.response == {"ok": True, "result": True}

    with pytest.raises(AssertionError, match=r"(?s)waiting for 1x sendMessage.*sendChatAction"):
        await fake_api.wait_for("sendMessage", timeout=0.1)
    await bot.send_message(1, "one")
    await bot.send_message(1, "two")
    calls = await fake_api.wait_for(
        "sendMessage", count=2, predicate=lambda c: "o" in c.params["text"]
    )
    assert [c.params["text"] for c in calls] == ["one", "two"]
    mark = len(fake_api.calls)
    await bot.send_message(1, "three")
    [call] = await fake_api.wait_for("sendMessage", since=mark)
    assert call.params["text"] == "three"


async def test_stop_releases_pending_long_poll() -> None:
    server = await FakeBotApi().start()
    async with telegram.Bot(TOKEN, base_url=server.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await server.wait_for("getUpdates", predicate=lambda c: c.params.get("timeout") == 30)
        started = time.monotonic()
        await server.stop()
        assert await poll == ()
        assert time.monotonic() - started < scaled(2)
