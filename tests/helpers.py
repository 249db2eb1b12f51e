"""Shared test helpers: a settable clock, a request that
injects Telegram errors, and offline Applications on a database file driven like
a user would (BotHarness with the reminder sender, Session for plain chats)."""

from __future__ import annotations

import itertools
import json
import re
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from bot.app import build_application, running
from bot.config import Settings
from bot.content import Content, load_content
from bot.core.answers import build_matcher
from bot.core.flood import FloodGate
from bot.core.matching import Matcher
from bot.reminders.sender import OPTIONS_KEY, ReminderSender, get_sender
from bot.testing.offline import OfflineRequest, Sent, UpdateFactory


@cache
def shared_content() -> tuple[Content, Matcher]:
    """content/ and its matcher, built once per test session (2 s each on a busy machine)."""
    content = load_content()
    return content, build_matcher(content)


def says(text: str, key: str, lang: str = "en", **known: object) -> bool:
    """Whether `text` carries the UI text `key`: every fixed piece of its template (the
    parts between placeholders) is in it. Tests compare against the key, not a copy of
    the English sentence, so rewording a text does not break them. `known` fills in
    placeholders whose value the test knows (count=3)."""
    texts = shared_content()[0].texts
    for template in (texts.html(key, lang), texts.plain(key, lang)):  # messages, alerts
        for name, value in known.items():
            template = template.replace("{" + name + "}", str(value))
        pieces = [p.strip() for p in re.split(r"\{[^{}]*\}", template) if p.strip()]
        assert pieces, f"{key}: nothing fixed to look for"
        if all(p in text for p in pieces):
            return True
    return False


def shared() -> dict[str, Any]:
    """build_application keyword arguments reusing the session's content and matcher."""
    content, matcher = shared_content()
    return {"content": content, "matcher": matcher}


def offline_application(settings: Settings, request: OfflineRequest, **kwargs: Any) -> Any:
    """The real Application on an in-process Bot API, sharing the session's content."""
    content, matcher = shared_content()
    return build_application(
        settings, request=request, with_updater=False, content=content, matcher=matcher, **kwargs
    )


class FakeClock:
    """Wall clock (aware datetimes) and monotonic seconds that move only when told."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._mono = 1000.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self._mono

    def set(self, when: datetime) -> None:
        self._mono += max(0.0, (when - self.now).total_seconds())
        self.now = when

    def advance(self, seconds: float) -> None:
        self.set(self.now + timedelta(seconds=seconds))


class FaultyRequest(OfflineRequest):
    """OfflineRequest whose next sendMessage calls answer with Telegram error replies."""

    def __init__(self) -> None:
        super().__init__()
        self.faults: list[tuple[int, dict[str, Any]]] = []

    def fail_next(self, status: int, description: str, **parameters: Any) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.faults.append((status, body))

    async def do_request(self, url: str, method: str, request_data=None, **kw: Any):
        if url.endswith("/sendMessage") and self.faults:
            status, body = self.faults.pop(0)
            return status, json.dumps(body).encode()
        return await super().do_request(url, method, request_data, **kw)


def settings_for(path: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,
        telegram_bot_token=None,
        database_path=path,
        default_timezone="Asia/Phnom_Penh",
        **overrides,
    )


class BotHarness:
    """One user talking to a real offline Application; the reminder sender ticks on demand."""

    def __init__(self, db_path: Path, clock: FakeClock, *, chat_id: int = 1, lang: str = "en"):
        self.clock = clock
        self.request = FaultyRequest()
        self.app = offline_application(settings_for(db_path), self.request, clock=clock)
        self.app.bot_data[OPTIONS_KEY] = {"autostart": False}
        # a scripted user types faster than any person: each update finds a refilled bucket
        self.app.bot_data["flood_gate"] = FloodGate(clock=itertools.count(0, 60).__next__)
        self.user = UpdateFactory(chat_id=chat_id, language_code=lang)
        self.last: list[Sent] = []

    @property
    def sender(self) -> ReminderSender:
        sender = get_sender(self.app)
        assert sender is not None
        return sender

    @property
    def store(self):
        return self.app.bot_data["services"].store

    async def say(self, text: str) -> list[Sent]:
        await self.app.process_update(self.user.message(text, self.app.bot))
        self.last = self.request.take()
        return self.last

    async def press(self, data: str, message: dict[str, Any] | None = None) -> list[Sent]:
        if message is None:
            message = self.message_with(data)
        await self.app.process_update(self.user.press(message, data, self.app.bot))
        self.last = self.request.take()
        return self.last

    async def tick(self) -> list[Sent]:
        await self.sender.tick()
        self.last = self.request.take()
        return self.last

    def message_with(self, data: str) -> dict[str, Any]:
        """The newest message the bot sent or edited that carries a button `data`."""
        for message in reversed(list(self.request.messages.values())):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            if any(b.get("callback_data") == data for row in rows for b in row):
                return message
        raise AssertionError(f"no message has a button {data!r}")

    def buttons(self, sent: Sent | None = None) -> dict[str, str]:
        """label -> callback_data of the last message with buttons."""
        candidates = [sent] if sent else [s for s in reversed(self.last) if s.buttons]
        if not candidates:
            return {}
        return {b["text"]: b.get("callback_data", "") for row in candidates[0].buttons for b in row}

    def texts(self) -> str:
        return "\n".join(s.text for s in self.last)


@asynccontextmanager
async def harness(db_path: Path, clock: FakeClock, **kw: Any):
    bot = BotHarness(db_path, clock, **kw)
    async with running(bot.app):
        yield bot


class Session:
    """One user talking to a real offline Application, pressing buttons of given messages."""

    def __init__(self, app, request, language_code="en", chat_id=42, first_name="Dara"):
        self.app, self.request = app, request
        self.user = UpdateFactory(chat_id, language_code, first_name)

    async def send(self, text: str) -> list[Sent]:
        await self.app.process_update(self.user.message(text, self.app.bot))
        return self.request.take()

    async def press(self, sent: Sent, data: str) -> list[Sent]:
        chat_id = int(sent.params["chat_id"])
        message_id = sent.params.get("message_id") or max(
            mid for (cid, mid) in self.request.messages if cid == chat_id
        )
        message = self.request.messages[(chat_id, int(message_id))]
        await self.app.process_update(self.user.press(message, data, self.app.bot))
        return self.request.take()
