"""Who is talking: the language a user reads, shared by every handler."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.context import services
from bot.core.text import LANGS, lang_from_telegram


async def user_language(update: Update, context: Any) -> str:
    """The language chosen with /language, else Telegram's language_code.

    Settings are the person's (keyed by their user id), so a group answers each member in
    theirs. Also records that the user was seen, so reminders know who still talks to us.
    Any CallbackContext works (the reminder tests build plain ones), hence services(context).
    """
    user = update.effective_user
    tg_code = user.language_code if user else None
    store = services(context).store
    person = user or update.effective_chat
    if store is not None and person is not None:
        await store.touch_user(person.id, tg_code)
        saved = await store.get_user(person.id)
        if saved and saved.language in LANGS:
            return saved.language
    return lang_from_telegram(tg_code)
