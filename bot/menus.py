"""The command menu and the bot's description, per language and chat type, set at start."""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackContext,
    CommandHandler,
    ConversationHandler,
)

from bot.context import Services

log = logging.getLogger(__name__)

# Menu order; a command is listed only when a handler for it is registered.
MENU_ORDER = ("start", "remind", "reminders", "codes", "faq", "help", "timezone", "language")
MENU_PRIVATE_EXTRA = ("cancel",)
MENU_GROUP = ("codes", "faq", "help")
# Telegram keys menus by two-letter language codes; "" is the fallback for everyone else.
MENU_LANGS = {"zh": "zh-Hans", "en": "en", "": "en"}


def _commands_in(handler: BaseHandler) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        found: set[str] = set()
        nested = [*handler.entry_points, *handler.fallbacks]
        nested += [h for hs in handler.states.values() for h in hs]
        for h in nested:
            found |= _commands_in(h)
        return found
    return set()


def handled_commands(application: Application) -> set[str]:
    found: set[str] = set()
    for handlers in application.handlers.values():
        for handler in handlers:
            found |= _commands_in(handler)
    return found


def menu_commands(application: Application, lang: str, names: tuple[str, ...]) -> list:
    svc: Services = application.bot_data["services"]
    texts = svc.content.texts
    present = handled_commands(application)
    return [
        BotCommand(name, texts(f"menu_{name}", lang))
        for name in names
        if name in present and texts.has(f"menu_{name}")
    ]


async def set_menus(application: Application) -> None:
    """setMyCommands per language and scope, setMy(Short)Description per language.

    The 15 calls go out together (one round trip instead of 15 in a row); the rate
    limiter still paces them.
    """
    bot = application.bot
    texts = application.bot_data["services"].content.texts
    scopes: list[tuple[BotCommandScope, tuple[str, ...]]] = [
        (BotCommandScopeDefault(), MENU_ORDER),
        (BotCommandScopeAllPrivateChats(), MENU_ORDER + MENU_PRIVATE_EXTRA),
        (BotCommandScopeAllGroupChats(), MENU_GROUP),
    ]

    async def one_language(tg_lang: str, lang: str) -> None:
        code = tg_lang or None
        calls = [
            bot.set_my_commands(
                menu_commands(application, lang, names), scope=scope, language_code=code
            )
            for scope, names in scopes
        ]
        if texts.has("bot_description"):
            calls.append(bot.set_my_description(texts("bot_description", lang), language_code=code))
        if texts.has("bot_short_description"):
            calls.append(
                bot.set_my_short_description(
                    texts("bot_short_description", lang), language_code=code
                )
            )
        results = await asyncio.gather(*calls, return_exceptions=True)
        for exc in results:
            if isinstance(exc, TelegramError):  # the menu is cosmetic: never stop over it
                log.warning("could not set the menu for language %r: %s", tg_lang or "default", exc)
                return
            if isinstance(exc, BaseException):
                raise exc

    await asyncio.gather(*(one_language(tg, lang) for tg, lang in MENU_LANGS.items()))
    log.info("command menus set for %s", ", ".join(t or "default" for t in MENU_LANGS))


async def _set_menus_job(context: CallbackContext) -> None:
    await set_menus(context.application)


def schedule_menus(application: Application) -> None:
    """Set the menus as the first job once the bot runs, not before it polls.

    They are cosmetic, and Telegram keeps them between starts: start-up does not wait
    for them (15 calls, about 150 ms before polling began).
    """
    if application.job_queue is None:
        application.create_task(set_menus(application), name="menus")
        return
    application.job_queue.run_once(
        _set_menus_job, when=0, name="menus", job_kwargs={"misfire_grace_time": None}
    )
