"""/start and /help: the welcome, and deep links t.me/<bot>?start=<payload> into a feature."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.core.answers import faq_answer
from bot.handlers import codes, privacy, remind_flow
from bot.handlers.users import user_language
from bot.keyboards import keyboard
from bot.menus import follow_language


async def start(update: Update, context: BotContext) -> None:
    """Welcome; payloads remind | codes_<operator> | faq_<id> open that feature instead."""
    lang = await user_language(update, context)
    if not (context.args and await _open_deep_link(update, context, context.args[0])):
        name = update.effective_user.first_name if update.effective_user else ""
        await update.effective_message.reply_text(
            context.content.texts.html("welcome", lang, name=name)
        )
    await follow_language(update, context.application, lang)


async def _open_deep_link(update: Update, context: BotContext, payload: str) -> bool:
    """Open the feature a /start payload names; False (show the welcome) if unknown."""
    content = context.content
    kind, _, arg = payload.partition("_")
    if kind == "faq" and arg in content.faq:
        lang = await user_language(update, context)
        card = faq_answer(content, content.faq[arg], lang)
        await update.effective_message.reply_text(card.text, reply_markup=keyboard(card.buttons))
        return True
    if kind == "remind" and not arg:
        await remind_flow.start_remind(update, context)
        return True
    private = {  # links a group answer gives when Telegram won't let us write first
        "privacy": privacy.show_privacy,
        "export": privacy.export_data,
        "delete_me": privacy.ask_delete_me,
    }
    if payload in private:
        await private[payload](update, context)
        return True
    if kind == "codes" and content.codes is not None and arg in content.codes.operators:
        await codes.send_operator_card(update, context, arg)
        return True
    return False


async def show_help(update: Update, context: BotContext) -> None:
    lang = await user_language(update, context)
    await update.effective_message.reply_text(context.content.texts.html("help", lang))
