"""FAQ: free-text questions, the /faq topic menu and topic buttons."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.content import LANGS
from bot.context import services
from bot.core.answers import faq_answer, faq_category_page, faq_menu, respond
from bot.handlers.common import keyboard, user_language


async def ask_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    preferred = await user_language(update, context)
    reply = respond(svc.content, svc.matcher, update.effective_message.text or "", preferred)
    await update.effective_message.reply_text(reply.text, reply_markup=keyboard(reply.buttons))


async def show_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    lang = await user_language(update, context)
    reply = faq_menu(svc.content, lang)
    await update.effective_message.reply_text(reply.text, reply_markup=keyboard(reply.buttons))


async def press_faq_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """faq:menu, faq:c:<category>:<page> (edit the menu in place), faq:q:<id>[:<lang>] (answer).

    Topic buttons carry the language of the message they came with, so a
    Traditional answer's related topics open in Traditional too.
    """
    query = update.callback_query
    svc = services(context)
    lang = await user_language(update, context)
    parts = (query.data or "").split(":")
    if parts[1:2] == ["q"] and len(parts) == 4 and parts[3] in LANGS:
        lang = parts.pop()
    if parts[1:2] == ["q"] and len(parts) == 3 and parts[2] in svc.content.faq:
        await query.answer()
        card = faq_answer(svc.content, svc.content.faq[parts[2]], lang)
        await query.message.reply_text(card.text, reply_markup=keyboard(card.buttons))
        return
    reply = None
    if parts[1:2] == ["menu"]:
        reply = faq_menu(svc.content, lang)
    elif parts[1:2] == ["c"] and len(parts) == 4 and parts[3].isdigit():
        reply = faq_category_page(svc.content, parts[2], int(parts[3]), lang)
    if reply is None:
        await query.answer(svc.content.texts("faq_unknown", lang), show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_text(reply.text, reply_markup=keyboard(reply.buttons))
    except BadRequest as exc:  # pressing the button of the page already shown
        if "not modified" not in str(exc).lower():
            raise


def register(application: Application) -> None:
    application.add_handler(CommandHandler("faq", show_menu))
    application.add_handler(CallbackQueryHandler(press_faq_button, pattern=r"^faq:"))
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, ask_question)
    )
