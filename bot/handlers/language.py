"""/language: the user picks the language the bot answers in; it is kept in the database."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import SetLanguage
from bot.context import BotContext
from bot.core.text import LANGS
from bot.handlers.fallbacks import stale_button
from bot.handlers.users import user_language
from bot.keyboards import keyboard
from bot.menus import set_chat_menu


async def choose_language(update: Update, context: BotContext) -> None:
    """Offer one button per language, each named in its own language."""
    texts = context.content.texts
    lang = await user_language(update, context)
    buttons = [[(texts.plain(f"language_name_{code}", code), SetLanguage(code)) for code in LANGS]]
    await update.effective_message.reply_text(
        texts.html("language_choose", lang), reply_markup=keyboard(buttons)
    )


async def set_language(update: Update, context: BotContext) -> None:
    """Save the picked language and confirm in it."""
    query = update.callback_query
    picked = SetLanguage.parse(query.data)
    if picked is None:
        await stale_button(update, context)
        return
    if context.store is not None:
        await context.store.set_language(update.effective_user.id, picked.lang)
    await query.answer()
    await query.edit_message_text(context.content.texts.html("language_set", picked.lang))
    if update.effective_chat is not None and update.effective_chat.type == "private":
        await set_chat_menu(context.application, update.effective_chat.id, picked.lang)
