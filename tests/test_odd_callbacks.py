"""Odd callback data never crashes (issue #13): every button prefix with garbage fields,
unicode digits, 30-digit ids and missing or extra fields gets the stale-button alert,
pressed on its own and in the middle of a /remind wizard. Every handler of a button
parses its data with bot/callbacks.py; a handler that did not would raise here and
reach the error handler."""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.callbacks import CallbackData
from bot.core.flood import FloodGate
from bot.handlers import owners
from bot.testing.offline import BOT_USER
from tests.helpers import BotHarness, FakeClock, harness

NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
HUGE = "9" * 30


def button_kinds() -> list[type[CallbackData]]:
    """Every button class with a prefix, wherever it is defined (bot.app imports them all)."""
    importlib.import_module("bot.app")
    found: set[type[CallbackData]] = set()
    todo = [CallbackData]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if isinstance(getattr(sub, "prefix", None), str) and dataclasses.is_dataclass(sub):
                found.add(sub)
    return sorted(found, key=lambda cls: (cls.prefix, cls.__name__))


def odd_data() -> list[str]:
    """Garbage for every prefix, plus the shapes the issue names."""
    data = [
        "rm:del:²",
        "faq:c:①:①",
        "rmg:d:",
        "rmg:cal:",
        "rmg:lead:",
        f"rmg:d:{HUGE}",
        f"rmg:cal:{HUGE}:{HUGE}",
        f"rmg:lead:{HUGE}",
        ":",
        "::::",
        "x" * 64,
        "🙂",
    ]
    for kind in button_kinds():
        n = len(dataclasses.fields(kind))
        p = kind.prefix
        data += [f"{p}:{':'.join(['x'] * (n + 1))}", f"{p}:{':'.join(['²'] * max(n, 1))}"]
        if n:
            data += [
                p,
                f"{p}:{':'.join([HUGE] * n)}",
                f"{p}:{':'.join(['-' + HUGE] * n)}",
                f"{p}:{':'.join(['①'] * n)}",
                f"{p}:{':'.join([''] * n)}" if n > 1 else f"{p}:",
                f"{p}:{':'.join(['1e5'] * n)}",
            ]
    return [d for d in dict.fromkeys(data) if len(d.encode()) <= 64]


@pytest.fixture
async def bot(tmp_path: Path):
    async with harness(tmp_path / "bot.sqlite3", FakeClock(NOW)) as b:
        # hundreds of presses in a second: flood control would rightly step in
        b.app.bot_data["flood_gate"] = FloodGate(clock=itertools.count(0, 1000).__next__)
        yield b


def a_bot_message(bot: BotHarness) -> dict:
    return {
        "message_id": 7,
        "date": int(NOW.timestamp()),
        "chat": {"id": bot.user.chat_id, "type": "private", "first_name": "You"},
        "from": BOT_USER,
        "text": "an old message",
    }


def stale_alert(bot: BotHarness, data: str) -> None:
    stale = bot.app.bot_data["services"].content.texts.plain("stale_button", "en")
    answers = [s for s in bot.last if s.method == "answerCallbackQuery"]
    assert answers, f"{data!r}: the button was never answered"
    assert answers[0].params.get("text") == stale, f"{data!r}: {answers[0].params}"
    assert answers[0].params.get("show_alert") in (True, "true", "True")


def test_the_list_covers_every_button() -> None:
    kinds = button_kinds()
    assert len(kinds) >= 30
    assert all(any(d.startswith(k.prefix) for d in odd_data()) for k in kinds)


@pytest.mark.parametrize("in_wizard", [False, True], ids=["on its own", "in the wizard"])
async def test_odd_data_gets_the_stale_alert(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, in_wizard: bool
) -> None:
    message = a_bot_message(bot)
    for data in odd_data():
        if in_wizard:
            await bot.say("/remind")
        await bot.press(data, message)
        stale_alert(bot, data)
    if in_wizard:
        await bot.say("/cancel")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def callback_patterns(handlers: list) -> list[str | None]:
    """The pattern of every CallbackQueryHandler, conversations' steps included."""
    found: list[str | None] = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            inner = [*handler.entry_points, *handler.fallbacks]
            inner += [h for steps in handler.states.values() for h in steps]
            found += callback_patterns(inner)
        elif isinstance(handler, CallbackQueryHandler):
            pattern = handler.pattern
            found.append(None if pattern is None else getattr(pattern, "pattern", str(pattern)))
    return found


def test_every_button_handler_listens_for_typed_buttons_only(bot: BotHarness) -> None:
    """A handler matching raw strings would receive data no parser vetted: each pattern
    is one or more CallbackData.pattern()s (or a guard that reads no field), and only
    the last resort matches anything."""
    typed = {kind.pattern().pattern for kind in button_kinds()}
    # owners.refuse_others reads no field: it refuses a press by who made the message
    guards = {getattr(owners.REMINDER_BUTTONS, "pattern", owners.REMINDER_BUTTONS)}
    handlers = [h for group in bot.app.handlers.values() for h in group]
    patterns = callback_patterns(handlers)
    assert patterns.count(None) == 1  # fallbacks.stale_button
    for pattern in filter(lambda p: p and p not in guards, patterns):
        rest = pattern
        for known in sorted(typed, key=len, reverse=True):
            rest = rest.replace(known, "")
        assert set(rest) <= {"|"}, pattern
