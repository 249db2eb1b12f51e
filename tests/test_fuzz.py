"""Fuzz tests (issue #13): random input never raises, in the core and in the whole bot.

The core functions get random text; the real Application (offline harness, real
SQLite) gets random commands with arguments, button data (valid prefixes with random
fields, and random strings), text with emoji, markup and huge lengths, photos and
stickers, in private chats and groups, and inline queries. Nothing may reach the
error handler and nothing may be logged at ERROR.

Bounded for CI: FUZZ_EXAMPLES (default 2000) examples in all, shared out below; the
seed is fixed (derandomize) so that a loaded machine cannot turn up a different,
flaky, failure. FUZZ_RANDOM=1 explores new examples each run.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.core.answers import inline_results, respond
from bot.core.dates import parse_date_only, parse_remind, parse_time_of_day
from bot.core.text import LANGS
from bot.core.zones import find_zone
from bot.handlers.codes import lookup_text
from bot.testing.offline import BOT_USER
from tests.helpers import BotHarness, FakeClock, harness, shared_content
from tests.test_odd_callbacks import button_kinds

TOTAL = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
CORE = max(1, TOTAL // 10)  # each of the five core properties
WHOLE_BOT = max(1, TOTAL // 4)  # examples of up to six updates each


def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=examples)


# On top of the suite's profile (tests/conftest.py: no deadline, fixed seed, no too_slow):
# the whole-bot property reuses one running bot across examples, on purpose.
FUZZ = settings(
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)

CONTENT, MATCHER = shared_content()
NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
ZONES = st.sampled_from(
    [ZoneInfo("Asia/Phnom_Penh"), ZoneInfo("UTC"), ZoneInfo("Pacific/Kiritimati")]
)

# Text a person might send, and text nobody would: emoji, markup, scripts, control chars.
PIECES = st.sampled_from(
    [
        "Smart", "cellcard", "Metfone", "余额", "流量", "儲值", "top up", "*888#", "*1201#",
        "<b>", "</i>", "&amp;", "&", "<a href='x'>", "@renewal_bot", "/remind", "2026-12-31",
        "31/12", "明天", "下週五", "3天后", "+30", "8:30pm", "🙂", "👍🏽", "🇰🇭", "\u200b",
        "\u202e", "\n", " ", "²", "①", "9" * 30, "-1", "０９", "ตุลาคม", "ថ្ងៃ", "Ω",
    ]
)  # fmt: skip
WORDS = st.one_of(
    st.lists(PIECES, max_size=8).map(" ".join),
    st.text(max_size=120),
    st.builds(lambda piece, n: piece * n, PIECES, st.integers(100, 1500)),  # huge
)


@fuzz(CORE)
@given(text=WORDS, lang=st.sampled_from(LANGS))
def test_respond_never_raises(text: str, lang: str) -> None:
    reply = respond(CONTENT, MATCHER, text, lang)
    assert reply.lang in LANGS and reply.text.strip()


@fuzz(CORE)
@given(text=WORDS, tz=ZONES, days=st.integers(-800, 40000))
def test_date_parsing_never_raises(text: str, tz: ZoneInfo, days: int) -> None:
    now = datetime.fromordinal(max(1, NOW.toordinal() + days)).replace(tzinfo=UTC)
    parse_remind(text, now, tz, {"smart": "smart"})
    parse_date_only(text, now, tz)
    parse_time_of_day(text)


@fuzz(CORE)
@given(text=WORDS, lang=st.sampled_from(LANGS))
def test_code_lookup_never_raises(text: str, lang: str) -> None:
    book = CONTENT.codes
    book.find_literal(text)
    shown, _buttons = lookup_text(book, text, lang)
    assert shown.strip()


@fuzz(CORE)
@given(
    text=st.one_of(WORDS, st.from_regex(r"(UTC|GMT|utc)?[+−-]?\d{1,3}(:\d{1,3})?", fullmatch=True))
)
def test_time_zone_and_city_parsing_never_raises(text: str) -> None:
    zone = find_zone(text, CONTENT.places)
    if zone is not None:
        ZoneInfo(zone)  # whatever is found is a zone that exists


@fuzz(CORE)
@given(text=WORDS, lang=st.sampled_from(LANGS))
def test_inline_search_never_raises(text: str, lang: str) -> None:
    inline_results(CONTENT, MATCHER, text, lang)


# --- the whole bot ---------------------------------------------------------------------

PRIVATE, GROUP = 7001, -1007001
USERS = st.sampled_from(
    [(7001, "en"), (7002, "zh-hans"), (7003, "zh-hant"), (7004, None), (7005, "km")]
)
COMMANDS = st.sampled_from(
    [
        "/start", "/help", "/language", "/codes", "/faq", "/remind", "/reminders", "/timezone",
        "/cancel", "/privacy", "/export", "/delete_me", "/nonsense", "/start remind",
        "/start privacy", "/codes@renewal_bot", "/remind@other_bot",
    ]
)  # fmt: skip
FIELD = st.text(alphabet="0123456789abcxyz-_.²①:🙂", max_size=24)


def valid_prefix_data() -> st.SearchStrategy[str]:
    kinds = button_kinds()
    return st.builds(
        lambda kind, fields: ":".join([kind.prefix, *fields]),
        st.sampled_from(kinds),
        st.lists(FIELD, max_size=4),
    )


# Valid prefixes with random fields, and anything at all; "press_shown" presses the
# real buttons the bot showed last.
CALLBACK_DATA = st.one_of(valid_prefix_data(), st.text(max_size=64))


@dataclasses.dataclass(frozen=True)
class Action:
    kind: str  # say | command | press | press_shown | photo | sticker | inline
    text: str
    user: tuple[int, str | None]
    in_group: bool


ACTIONS = st.builds(
    Action,
    kind=st.sampled_from(["say", "command", "press", "press_shown", "photo", "sticker", "inline"]),
    text=st.one_of(WORDS, CALLBACK_DATA),
    user=USERS,
    in_group=st.booleans(),
)


class Recorder:
    """Stands beside the real error handler and counts what reaches it."""

    def __init__(self) -> None:
        self.errors: list[BaseException | None] = []

    async def __call__(self, update: object, context: Any) -> None:
        self.errors.append(context.error)


@pytest.fixture
async def fuzzed(tmp_path: Path):
    async with harness(tmp_path / "fuzz.sqlite3", FakeClock(NOW)) as bot:
        # thousands of updates in seconds: flood control would rightly step in
        bot.app.bot_data["flood_gate"] = type(bot.app.bot_data["flood_gate"])(
            clock=itertools.count(0, 1000).__next__
        )
        recorder = Recorder()
        bot.app.add_error_handler(recorder)
        yield bot, recorder


class Feeder:
    """Turns actions into the updates Telegram would send."""

    def __init__(self, bot: BotHarness) -> None:
        self.bot = bot
        self.ids = itertools.count(1)

    def _chat(self, action: Action) -> dict[str, Any]:
        user_id = action.user[0]
        if action.in_group:
            return {"id": GROUP, "type": "supergroup", "title": "Fuzz"}
        return {"id": user_id, "type": "private", "first_name": "Fuzz"}

    def _from(self, action: Action) -> dict[str, Any]:
        user: dict[str, Any] = {"id": action.user[0], "is_bot": False, "first_name": "Fuzz"}
        if action.user[1]:
            user["language_code"] = action.user[1]
        return user

    def _message(self, action: Action, **fields: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self.ids),
            "date": int(NOW.timestamp()),
            "chat": self._chat(action),
            "from": self._from(action),
            **fields,
        }
        if action.in_group and action.text.startswith("@"):
            message["reply_to_message"] = self._bot_message(action)
        return message

    def _bot_message(self, action: Action) -> dict[str, Any]:
        shown = [
            m
            for (chat, _), m in self.bot.request.messages.items()
            if chat == self._chat(action)["id"]
        ]
        if shown:
            return shown[-1]
        return {
            "message_id": 1,
            "date": int(NOW.timestamp()),
            "chat": self._chat(action),
            "from": BOT_USER,
            "text": "old",
        }

    def update(self, action: Action) -> dict[str, Any]:
        text = action.text[:4096] or "?"
        if action.kind == "command":
            command = text if text.startswith("/") else f"/{text.split(' ')[0]}"
            head = command.split(maxsplit=1)[0] if command.split() else "/"
            entities = [
                {"type": "bot_command", "offset": 0, "length": len(head.encode("utf-16-le")) // 2}
            ]
            return {"message": self._message(action, text=command, entities=entities)}
        if action.kind == "say":
            said = f"@renewal_bot {text}" if action.in_group else text
            return {"message": self._message(action, text=said)}
        if action.kind in ("press", "press_shown"):
            message = self._bot_message(action)
            data = text[:64]
            if action.kind == "press_shown":
                rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
                shown = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
                if shown:
                    data = shown[len(text) % len(shown)]
            press = {
                "id": str(next(self.ids)),
                "from": self._from(action),
                "chat_instance": "1",
                "data": data,
                "message": message,
            }
            return {"callback_query": press}
        if action.kind == "photo":
            photo = [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]
            return {"message": self._message(action, photo=photo, caption=text[:1024])}
        if action.kind == "sticker":
            sticker = {
                "file_id": "s", "file_unique_id": "s", "type": "regular", "width": 512,
                "height": 512, "is_animated": False, "is_video": False, "emoji": "🙂",
            }  # fmt: skip
            return {"message": self._message(action, sticker=sticker)}
        return {
            "inline_query": {
                "id": str(next(self.ids)),
                "from": self._from(action),
                "query": text[:256],
                "offset": "",
            }
        }

    async def feed(self, action: Action) -> None:
        data = {"update_id": next(self.ids), **self.update(action)}
        await self.bot.app.process_update(Update.de_json(data, self.bot.app.bot))
        self.bot.request.take()


@fuzz(WHOLE_BOT)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=6))
async def test_the_whole_bot_survives_random_updates(
    fuzzed: tuple[BotHarness, Recorder], caplog: pytest.LogCaptureFixture, actions: list[Action]
) -> None:
    bot, recorder = fuzzed
    recorder.errors.clear()
    caplog.clear()
    feeder = Feeder(bot)
    with caplog.at_level(logging.WARNING):
        for action in actions:
            await feeder.feed(action)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    caplog.clear()
    assert recorder.errors == [] and errors == [], (actions, recorder.errors, errors)
