"""A sender flooding the bot is slowed down with one notice; nobody else notices.

Runs in handler group -2, before every other handler (not -1: a group runs only its
first matching handler, and -1 holds /start's "user is back" and my_chat_member). A
flooded update is stopped with ApplicationHandlerStop, so it costs no database write
and no answer. The decision is bot/core/flood.py; here are only the keys (the user; a
group chat as a whole) and the one notice: a reply to a message, an alert on a button
press (whose spinner must be answered anyway), nothing for an inline query (Telegram
drops unanswered ones).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.content import LANGS
from bot.context import services
from bot.core.flood import GROUP_LIMIT, USER_LIMIT, FloodGate, Limit, Verdict
from bot.core.text import lang_from_telegram

log = logging.getLogger(__name__)

GROUP = -3  # after the health stamp (-100), before owners (-2), -1 (/start reactivation), features
NOTICE_KEY = "flood_slow_down"


def sender_keys(update: Update) -> list[tuple[object, Limit]]:
    keys: list[tuple[object, Limit]] = []
    if update.effective_user is not None:
        keys.append((("user", update.effective_user.id), USER_LIMIT))
    chat = update.effective_chat
    if chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        keys.append((("chat", chat.id), GROUP_LIMIT))
    return keys


async def slow_down_floods(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keys = sender_keys(update)
    if not keys:
        return
    gate: FloodGate = context.application.bot_data["flood_gate"]
    verdict = gate.check(keys)
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.NOTICE:
        log.info("flood: slowing down %s (update %s)", keys[-1][0], update.update_id)
        await _tell(update, context)
    elif update.callback_query is not None:
        await update.callback_query.answer()  # stop the button's spinner, silently
    raise ApplicationHandlerStop


async def _tell(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    texts = services(context).content.texts
    lang = await _language(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer(texts.plain(NOTICE_KEY, lang), show_alert=True)
    elif update.effective_message is not None and update.inline_query is None:
        await update.effective_message.reply_text(texts.html(NOTICE_KEY, lang))


async def _language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The /language choice if saved (read only: a flood writes nothing), else Telegram's."""
    user = update.effective_user
    store = services(context).store
    if store is not None and update.effective_chat is not None:
        saved = await store.get_user(update.effective_chat.id)
        if saved is not None and saved.language in LANGS:
            return saved.language
    return lang_from_telegram(user.language_code if user else None)


def register(application: Application, gate: FloodGate | None = None) -> None:
    application.bot_data["flood_gate"] = gate or FloodGate()
    application.add_handler(TypeHandler(Update, slow_down_floods), group=GROUP)
