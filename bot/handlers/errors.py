"""The error handler: a bug is logged and the user gets an apology, never silence."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

from telegram import Update
from telegram.error import TelegramError

from bot.admin_alerts import report_error
from bot.context import BotContext
from bot.core.text import LANGS, lang_from_telegram

log = logging.getLogger(__name__)

# The apology may not wait on a database that hangs (busy, a stuck disk).
SETTINGS_READ_TIMEOUT = 2.0


def storage_failed(error: BaseException | None) -> bool:
    """The database could not be written or read (disk full, read-only, I/O error, locked).

    The user's change was rolled back (every write is one transaction), so they are
    told it was not saved rather than that something vaguely went wrong.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, sqlite3.OperationalError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


async def on_error(update: object, context: BotContext) -> None:
    """Log with the update id (no message text) and answer the user with a short apology."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error handling update %s", update_id, exc_info=context.error)
    await report_error(context, context.error, update_id)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    key = "storage_unavailable" if storage_failed(context.error) else "error_apology"
    try:
        lang = await apology_language(update, context)
        if update.callback_query is not None:  # stop the button's spinner
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        await context.bot.send_message(
            update.effective_chat.id, context.content.texts.html(key, lang)
        )
    except Exception:  # the apology itself failed; the log line above is what matters
        log.warning("could not send the apology for update %s", update_id)


async def apology_language(update: Update, context: BotContext) -> str:
    """The saved language if the database answers quickly, else Telegram's language_code.

    Never writes: the failure being apologised for may be the database itself.
    """
    person = update.effective_user or update.effective_chat
    tg_code = update.effective_user.language_code if update.effective_user else None
    fallback = lang_from_telegram(tg_code)
    store = context.store
    if store is None or person is None:
        return fallback
    try:
        saved = await asyncio.wait_for(store.get_user(person.id), SETTINGS_READ_TIMEOUT)
    except Exception:  # a failing database must not cost the user their apology
        return fallback
    return saved.language if saved and saved.language in LANGS else fallback
