"""Bugs reported to the admins (ADMIN_IDS) in Telegram, so nobody has to watch the logs.

A report names the exception type, the innermost frames' file:line and the update id;
never the message text or the exception's message (either may hold what a user typed or
the token). At most one report per error type a minute, with a count of those held back.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from typing import Any

from bot.context import services
from bot.core.error_reports import RateLimit, error_kind, frames
from bot.core.text import LANGS, lang_from_telegram
from bot.i18n import Html
from bot.storage import Store

log = logging.getLogger(__name__)

ALERTS_KEY = "error_rate_limit"


def rate_limit(application: Any, monotonic: Callable[[], float] = time.monotonic) -> RateLimit:
    """The application's limiter; tests put one with their own clock in bot_data first."""
    return application.bot_data.setdefault(ALERTS_KEY, RateLimit(monotonic))


def is_admin(context: Any, user_id: int | None) -> bool:
    return user_id is not None and user_id in services(context).settings.admin_ids


async def admin_language(store: Store | None, admin_id: int) -> str:
    """The language an admin reads: chosen, else their app's, else English (never seen)."""
    user = await store.get_user(admin_id) if store is not None else None
    if user is None:
        return "en"
    return user.language if user.language in LANGS else lang_from_telegram(user.tg_language)


async def report_error(context: Any, error: BaseException | None, update_id: int | None) -> None:
    """Tell every admin about an error, unless one of its kind was reported this minute."""
    svc = services(context)
    if error is None or not svc.settings.admin_ids:
        return
    kind = error_kind(error)
    suppressed = rate_limit(context.application).admit(kind)
    if suppressed is None:
        return
    texts = svc.content.texts
    where = Html("\n".join(f"<code>{html.escape(f)}</code>" for f in frames(error)) or "-")
    for admin_id in svc.settings.admin_ids:
        try:
            lang = await admin_language(svc.store, admin_id)
            text = texts.html("admin_error", lang, kind=kind, update=update_id or "-", where=where)
            if suppressed:
                text += "\n" + texts.html("admin_error_suppressed", lang, n=suppressed)
            await context.bot.send_message(admin_id, text)
        except Exception:  # the report is best effort; the log has the error already
            log.warning("could not report an error to admin %s", admin_id)
