"""Issue #13.1: replies survive transient Bot API failures, exactly once, and a slow chat
does not hold up another. Over real HTTP against the fake Bot API's fault injection."""

from __future__ import annotations

import asyncio

import pytest
import telegram
from conftest import scaled
from fakebotapi import FakeBotApi
from telegram import Update
from telegram.error import NetworkError, TimedOut

from bot.retrying_request import RetryingRequest, is_idempotent
from bot.update_order import PerChatUpdateProcessor, order_keys

OK = lambda c: not c.faulted  # noqa: E731


class Sleeps:
    """asyncio.sleep that records the delays asked for, moves a fake monotonic clock and
    waits only a tick."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self.now = 1000.0

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def clock(self) -> float:
        return self.now


def retrying(sleeps: Sleeps, **kwargs) -> RetryingRequest:
    return RetryingRequest(sleep=sleeps, clock=sleeps.clock, **kwargs)


async def bot_with(fake_api: FakeBotApi, request: RetryingRequest) -> telegram.Bot:
    bot = telegram.Bot("123:TEST", base_url=fake_api.base_url, request=request)
    await bot.initialize()
    return bot


@pytest.mark.parametrize(
    "inject",
    [
        lambda api: api.fail("sendMessage", status=500),
        lambda api: api.fail("sendMessage", status=502),
        lambda api: api.drop("sendMessage"),
        lambda api: api.fail("sendMessage", status=429, retry_after=3, times=5),
    ],
    ids=["500", "502", "dropped-connection", "five-429s"],
)
async def test_send_that_did_not_arrive_is_repeated_once_delivered(fake_api: FakeBotApi, inject):
    sleeps = Sleeps()
    bot = await bot_with(fake_api, retrying(sleeps))
    inject(fake_api)
    try:
        message = await bot.send_message(5, "hello")
    finally:
        await bot.shutdown()
    assert message.text == "hello"
    assert fake_api.sent_texts(5) == ["hello"]  # delivered exactly once
    tries = fake_api.calls_of("sendMessage", 5)
    assert [c.faulted for c in tries][-1] is False and all(c.faulted for c in tries[:-1])
    if len(tries) == 6:  # the 429s: retry_after honoured each time
        assert [s for s in sleeps.asked if s >= 1] == [3.0] * 5


async def test_read_timeout_on_a_send_is_not_repeated(fake_api: FakeBotApi):
    """The request was written; Telegram may have delivered it: no second message."""
    fake_api.delay("sendMessage", seconds=1.0, times=1)
    bot = await bot_with(fake_api, retrying(Sleeps(), read_timeout=0.2))
    try:
        with pytest.raises(TimedOut):
            await bot.send_message(6, "once")
        await fake_api.wait_for(
            "sendMessage", lambda c: c.response is not None, chat_id=6, timeout=scaled(5)
        )
    finally:
        await bot.shutdown()
    assert fake_api.sent_texts(6) == ["once"] and len(fake_api.calls_of("sendMessage")) == 1


async def test_read_timeout_on_a_read_is_repeated(fake_api: FakeBotApi):
    fake_api.delay("getMyCommands", seconds=1.0, times=1)
    bot = await bot_with(fake_api, retrying(Sleeps(), read_timeout=0.2))
    try:
        assert await bot.get_my_commands() == ()
    finally:
        await bot.shutdown()
    assert len(fake_api.calls_of("getMyCommands")) == 2


async def test_retries_are_bounded_in_count_and_time(fake_api: FakeBotApi, ptb_timedelta):
    fake_api.fail("sendMessage", status=500, times=None)
    sleeps = Sleeps()
    bot = await bot_with(fake_api, retrying(sleeps))
    try:
        with pytest.raises(NetworkError):
            await bot.send_message(7, "x")
        assert len(fake_api.calls_of("sendMessage")) == 4
        # A retry_after beyond the time budget is not waited for: the error surfaces.
        fake_api.clear_faults()
        fake_api.fail("sendMessage", status=429, retry_after=600)
        with pytest.raises(telegram.error.RetryAfter):
            await bot.send_message(7, "y")
    finally:
        await bot.shutdown()
    assert len(fake_api.calls_of("sendMessage")) == 5


async def test_connection_refused_is_repeated_until_the_server_is_back():
    """Nothing listens yet (connection refused); the API comes up during the back-off."""
    server = FakeBotApi()
    await server.start()
    port = server.port
    await server.stop()
    revived = FakeBotApi(port=port)

    async def sleep_then_revive(seconds: float) -> None:
        if revived._runner is None:
            await revived.start()

    bot = telegram.Bot(
        "123:TEST", base_url=revived.base_url, request=RetryingRequest(sleep=sleep_then_revive)
    )
    try:
        async with bot:
            assert (await bot.send_message(8, "back")).text == "back"
    finally:
        await revived.stop()
    assert revived.sent_texts(8) == ["back"]


def test_idempotent_methods():
    assert is_idempotent("getMe") and is_idempotent("setMyCommands")
    assert not any(map(is_idempotent, ["sendMessage", "editMessageText", "answerCallbackQuery"]))


# --- the production Application ----------------------------------------------------------


async def test_a_500_a_drop_and_five_429s_each_reply_arrives_exactly_once(
    fake_api: FakeBotApi, live_bot
):
    fake_api.fail("sendMessage", chat_id=41, status=500)
    fake_api.drop("sendMessage", chat_id=42)
    fake_api.fail("sendMessage", chat_id=43, status=429, retry_after=1, times=5)
    for chat in (41, 42, 43):
        fake_api.user_sends(chat, "/start")
    for chat in (41, 42, 43):
        await fake_api.wait_for("sendMessage", chat_id=chat, predicate=OK, timeout=scaled(20))
    for chat in (41, 42, 43):
        assert len(fake_api.sent_texts(chat)) == 1, chat


async def test_a_hung_chat_does_not_delay_another_chats_reply(fake_api: FakeBotApi, live_bot):
    release = fake_api.hang("sendMessage", chat_id=50)
    fake_api.user_sends(50, "/start")
    [hung] = await fake_api.wait_for("sendMessage", chat_id=50)
    fake_api.user_sends(51, "/start")
    await fake_api.wait_for("sendMessage", chat_id=51, predicate=OK)
    assert hung.response is None  # 51 got its answer while 50's send still hangs
    release.set()
    await fake_api.wait_for("sendMessage", lambda c: c.response is not None, chat_id=50)
    assert len(fake_api.sent_texts(50)) == 1  # the hung reply arrived, once


async def test_a_chats_updates_keep_their_order_in_a_conversation(fake_api: FakeBotApi, live_bot):
    """/remind enters the wizard and /cancel leaves it; sent in one burst, in order."""
    burst = ["/remind", "/cancel", "/remind", "/cancel", "/help"]
    for text in burst:
        fake_api.user_sends(60, text)
    calls = await fake_api.wait_for("sendMessage", chat_id=60, count=len(burst))
    texts = [c.params["text"] for c in calls]
    assert "step 1 of 4" in texts[0] and "step 1 of 4" in texts[2]
    assert texts[1] == texts[3] and "step" not in texts[1].lower()
    assert "/cancel" in texts[4]


# --- the processor alone -----------------------------------------------------------------


def update_in(chat_id: int, user_id: int, update_id: int) -> Update:
    data = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": user_id, "is_bot": False, "first_name": "U"},
            "text": "x",
        },
    }
    return Update.de_json(data, None)


async def test_processor_orders_per_chat_and_user_and_runs_strangers_concurrently():
    processor = PerChatUpdateProcessor()
    log: list[str] = []
    release = asyncio.Event()

    async def work(name: str, wait: bool) -> None:
        log.append(f"start {name}")
        if wait:
            await release.wait()
        log.append(f"end {name}")

    jobs = [
        ("a1", update_in(1, 1, 1), True),
        ("a2", update_in(1, 1, 2), False),  # same chat: after a1
        ("g", update_in(-5, 1, 3), False),  # a group, same user: after a1
        ("b", update_in(2, 2, 4), False),  # a stranger: now
    ]
    tasks = [asyncio.create_task(processor.process_update(u, work(n, w))) for n, u, w in jobs]
    for _ in range(5):
        await asyncio.sleep(0)
    assert log == ["start a1", "start b", "end b"]
    release.set()
    await asyncio.gather(*tasks)
    assert log[3] == "end a1" and sorted(log[4:]) == ["end a2", "end g", "start a2", "start g"]
    assert processor.busy_keys == 0
    assert order_keys(object()) == []
