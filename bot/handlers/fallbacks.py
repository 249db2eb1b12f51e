"""What the bot says when nothing else understood the update: unknown commands, dead buttons."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.users import user_language


async def unknown_command(update: Update, context: BotContext) -> None:
    lang = await user_language(update, context)
    await update.effective_message.reply_text(context.content.texts.html("unknown_command", lang))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message, or data no handler can read: an alert, not an error."""
    lang = await user_language(update, context)
    await update.callback_query.answer(
        context.content.texts.plain("stale_button", lang), show_alert=True
    )
