"""Who is talking: the language a user reads, shared by every handler."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from telegram import Update

from bot.context import services
from bot.core.text import LANGS, lang_from_telegram
from bot.storage import Store

log = logging.getLogger(__name__)


async def user_language(update: Update, context: Any) -> str:
    """The language chosen with /language, else Telegram's language_code.

    Settings are the person's (keyed by their user id), so a group answers each member in
    theirs. Only reads: the database may be full or failing and the user must still get
    their answer, so the "seen" bookkeeping runs beside the handler (remember_seen) and a
    failed read falls back to Telegram's language. Any CallbackContext works (the
    reminder tests build plain ones), hence services(context).
    """
    user = update.effective_user
    tg_code = user.language_code if user else None
    store = services(context).store
    person = user or update.effective_chat
    if store is not None and person is not None:
        await remember_seen(context, store, person.id, tg_code)
        try:
            saved = await store.get_user(person.id)
        except sqlite3.Error as exc:
            log.warning("settings unreadable (%s): answering in Telegram's language", exc)
            saved = None
        if saved and saved.language in LANGS:
            return saved.language
    return lang_from_telegram(tg_code)


async def remember_seen(context: Any, store: Store, person_id: int, tg_code: str | None) -> None:
    """Record that the person wrote to us, in a background task the reply never waits on.

    It is queued before the handler's own writes (the store's transaction lock is
    first come, first served), so a /delete_me in the same update still wins. An
    application that is not running (a bare context in tests) has nobody to await
    background tasks, so there it is done in place; it still cannot fail the caller.
    """
    application = context.application
    if application.running:
        application.create_task(_touch(store, person_id, tg_code), name="touch_user")
    else:
        await _touch(store, person_id, tg_code)


async def _touch(store: Store, person_id: int, tg_code: str | None) -> None:
    try:
        await store.touch_user(person_id, tg_code)
    except (sqlite3.Error, ValueError) as exc:  # full disk, or the store closed at shutdown
        log.warning("could not record that a user was seen: %s", exc)
