"""What handlers need from the running bot, in one typed place.

Handlers import this module, never `bot.app`: the composition root imports the
handlers, so importing it back from them would be a cycle. `BotContext` is the
context PTB hands to every callback (registered with ContextTypes in bot.app),
so a handler reads `context.content` instead of digging in bot_data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.content import Content
    from bot.core.matching import Matcher
    from bot.storage import Store

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """What handlers need, kept in application.bot_data['services']."""

    settings: Settings
    content: Content
    matcher: Matcher
    clock: Clock
    store: Store | None = None


def services(context: Any) -> Services:
    """The services of the application a callback context belongs to."""
    return context.application.bot_data["services"]


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """PTB's callback context with the services as typed properties."""

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def content(self) -> Content:
        return self.services.content

    @property
    def matcher(self) -> Matcher:
        return self.services.matcher

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def store(self) -> Store | None:
        return self.services.store
