"""The error handler: a bug is logged and the user gets an apology, never silence."""

from __future__ import annotations

import logging

from telegram import Update

from bot.admin_alerts import report_error
from bot.context import BotContext
from bot.handlers.users import user_language

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log with the update id (no message text) and answer the user with a short apology."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error handling update %s", update_id, exc_info=context.error)
    await report_error(context, context.error, update_id)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        lang = await user_language(update, context)
        await context.bot.send_message(
            update.effective_chat.id, context.content.texts.html("error_apology", lang)
        )
    except Exception:  # the apology itself failed; the log line above is what matters
        log.warning("could not send the apology for update %s", update_id)
