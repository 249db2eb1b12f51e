"""FAQ: free-text questions (text, captions, group mentions), the /faq topic menu and topic
buttons."""

from __future__ import annotations

from telegram import Update

from bot.callbacks import FaqCategory, FaqMenu, FaqTopic, FaqTopicOfOldMenu
from bot.context import BotContext
from bot.core.answers import faq_answer, faq_category_page, faq_menu, respond
from bot.handlers.addressed import question_of
from bot.handlers.fallbacks import stale_button
from bot.handlers.feedback import after_answer, vote_row
from bot.handlers.users import user_language
from bot.keyboards import edit_or_ignore, keyboard


async def ask_question(update: Update, context: BotContext) -> None:
    """Text, or a photo's caption, that is not a command (in a group: said to the bot):
    an answer, codes, suggestions or the menu."""
    message = update.effective_message
    preferred = await user_language(update, context)
    question = question_of(message)
    reply = respond(context.content, context.matcher, question, preferred)
    rows = list(reply.buttons)
    if reply.faq_id:
        rows.append(vote_row(context, reply.faq_id, reply.lang))
    sent = await message.reply_text(reply.text, reply_markup=keyboard(rows))
    after_answer(context, sent, question, reply)


async def ask_for_text(update: Update, context: BotContext) -> None:
    """A sticker, voice note, location or uncaptioned photo: the bot reads only text."""
    lang = await user_language(update, context)
    await update.effective_message.reply_text(context.content.texts("send_text", lang))


async def show_menu(update: Update, context: BotContext) -> None:
    lang = await user_language(update, context)
    reply = faq_menu(context.content, lang)
    await update.effective_message.reply_text(reply.text, reply_markup=keyboard(reply.buttons))


async def open_topic(update: Update, context: BotContext) -> None:
    """A topic button: its answer as a new message, in the language the button carries."""
    query = update.callback_query
    content = context.content
    topic = FaqTopic.parse(query.data) or FaqTopicOfOldMenu.parse(query.data)
    if topic is None or topic.faq_id not in content.faq:
        await stale_button(update, context)
        return
    lang = topic.lang if isinstance(topic, FaqTopic) else await user_language(update, context)
    await query.answer()
    card = faq_answer(content, content.faq[topic.faq_id], lang)
    await query.message.reply_text(card.text, reply_markup=keyboard(card.buttons))


async def open_category(update: Update, context: BotContext) -> None:
    """A category or page button: the menu message turns into that page."""
    query = update.callback_query
    content = context.content
    lang = await user_language(update, context)
    pressed = FaqCategory.parse(query.data)
    reply = faq_category_page(content, pressed.category, pressed.page, lang) if pressed else None
    if reply is None:
        await stale_button(update, context)
        return
    await query.answer()
    await edit_or_ignore(query, reply.text, keyboard(reply.buttons))


async def back_to_menu(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if FaqMenu.parse(query.data) is None:
        await stale_button(update, context)
        return
    lang = await user_language(update, context)
    reply = faq_menu(context.content, lang)
    await query.answer()
    await edit_or_ignore(query, reply.text, keyboard(reply.buttons))
