"""The command menu and the bot's description, per language and chat type, set at start.

Telegram keys menus by two-letter language code, so "zh" can only be one script
(Simplified). zh-Hant users get the Traditional menu as a menu of their own private chat
(BotCommandScopeChat), set on /start and when /language changes; admins get theirs with
/stats added. Descriptions have no per-chat form: zh-Hant users see the "zh" one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackContext,
    CommandHandler,
    ConversationHandler,
)

from bot.admin_alerts import admin_language
from bot.context import Services
from bot.core.text import LANGS, lang_from_telegram

log = logging.getLogger(__name__)

# Menu order; a command is listed only when a handler for it is registered.
MENU_ORDER = (
    "start", "remind", "reminders", "codes", "faq", "help", "timezone", "language",
    "privacy", "export", "delete_me",
)  # fmt: skip
MENU_PRIVATE_EXTRA = ("cancel",)
MENU_GROUP = ("codes", "faq", "help", "privacy", "export", "delete_me")  # answered in private
MENU_ADMIN_EXTRA = ("stats",)
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


def chat_menu_commands(application: Application, lang: str, admin: bool) -> list:
    names = MENU_ORDER + MENU_PRIVATE_EXTRA + (MENU_ADMIN_EXTRA if admin else ())
    return menu_commands(application, lang, names)


def wanted_chat_menu(application: Application, chat_id: int, lang: str) -> list | None:
    """The commands of a chat's own menu; None when the shared menus fit it.

    zh-Hant readers (the shared "zh" menu is Simplified) and admins (/stats) need one.
    """
    admin = chat_id in application.bot_data["services"].settings.admin_ids
    if lang != "zh-Hant" and not admin:
        return None
    return chat_menu_commands(application, lang, admin)


def menu_key(commands: list | None) -> str | None:
    """A short fingerprint of a menu, stored per chat, so an unchanged menu is not re-sent."""
    if commands is None:
        return None
    listed = json.dumps([(c.command, c.description) for c in commands], ensure_ascii=False)
    return hashlib.sha256(listed.encode()).hexdigest()[:16]


async def set_chat_menu(application: Application, chat_id: int, lang: str) -> bool:
    """The private chat's own menu in `lang`, or back to the shared ones; a call to Telegram
    (True) only when that differs from what the chat has."""
    store = application.bot_data["services"].store
    commands = wanted_chat_menu(application, chat_id, lang)
    key = menu_key(commands)
    if store is not None and await store.chat_menu(chat_id) == key:
        return False
    scope = BotCommandScopeChat(chat_id)
    try:
        if commands is not None:
            await application.bot.set_my_commands(commands, scope=scope)
        else:
            await application.bot.delete_my_commands(scope=scope)
    except TelegramError as exc:  # cosmetic, as at start
        log.warning("could not set the menu of a chat: %s", exc)
        return False
    if store is not None:
        await store.set_chat_menu(chat_id, key)
    return True


async def follow_language(update: Update, application: Application, lang: str) -> None:
    """After /start: a private chat's own menu follows the language the user reads."""
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        await set_chat_menu(application, chat.id, lang)


async def sync_chat_menus(application: Application) -> int:
    """At start: the admins' menus, and every Chinese reader's whose menu is missing or
    out of date (new texts, ADMIN_IDS changed), so nobody has to send /start again.
    Returns how many were sent."""
    svc: Services = application.bot_data["services"]
    chats = {
        admin_id: await admin_language(svc.store, admin_id) for admin_id in svc.settings.admin_ids
    }
    if svc.store is not None:
        for chat_id, language, tg_language in await svc.store.chat_menu_candidates():
            chats.setdefault(
                chat_id, language if language in LANGS else lang_from_telegram(tg_language)
            )
    sent = 0
    for chat_id, lang in chats.items():
        sent += await set_chat_menu(application, chat_id, lang)
    if sent:
        log.info("command menus of %d chats set", sent)
    return sent


async def set_all_menus(application: Application) -> None:
    """The shared menus, then the chats' own (a first start may have many chats to do).

    Cosmetic: a stop while they are being set (the database already closed) or any other
    failure is logged, never raised into the scheduler.
    """
    try:
        await set_menus(application)
        if application.running and application.bot_data["services"].store is not None:
            await sync_chat_menus(application)
    except Exception as exc:
        log.warning("could not finish setting the command menus: %s", exc)


async def _set_menus_job(context: CallbackContext) -> None:
    await set_all_menus(context.application)


def schedule_menus(application: Application) -> None:
    """Set the menus as the first job once the bot runs, not before it polls.

    They are cosmetic, and Telegram keeps them between starts: start-up does not wait
    for them (15 calls, about 150 ms before polling began).
    """
    if application.job_queue is None:
        application.create_task(set_all_menus(application), name="menus")
        return
    application.job_queue.run_once(
        _set_menus_job, when=0, name="menus", job_kwargs={"misfire_grace_time": None}
    )
