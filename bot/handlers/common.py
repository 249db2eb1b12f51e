"""What every user meets: /start, /help, /language, unknown commands, errors."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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
from bot.core.answers import Button, faq_answer
from bot.core.text import lang_from_telegram

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}


def keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons
        ]
    )


async def user_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The language chosen with /language, else Telegram's language_code. Settings are
    the person's (keyed by their user id), so a group answers each member in theirs."""
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


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome; deep links t.me/<bot>?start=remind | codes_<operator> | faq_<id> open a feature."""
    if context.args and await _deep_link(update, context, context.args[0]):
        return
    svc = services(context)
    lang = await user_language(update, context)
    name = update.effective_user.first_name if update.effective_user else ""
    await update.effective_message.reply_text(svc.content.texts("welcome", lang, name=name))


async def _deep_link(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> bool:
    """Open the feature a /start payload names; False (show the welcome) if unknown."""
    from bot.handlers import codes, privacy, remind_flow  # they import this module

    svc = services(context)
    kind, _, arg = payload.partition("_")
    if kind == "faq" and arg in svc.content.faq:
        lang = await user_language(update, context)
        card = faq_answer(svc.content, svc.content.faq[arg], lang)
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
    if kind == "codes" and svc.content.codes is not None and arg in svc.content.codes.operators:
        await codes.show_operator_card(update, context, arg)
        return True
    return False


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await user_language(update, context)
    await update.effective_message.reply_text(services(context).content.texts("help", lang))


async def choose_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await user_language(update, context)
    buttons = [[(name, f"lang:{code}") for code, name in LANGUAGE_NAMES.items()]]
    await update.effective_message.reply_text(
        services(context).content.texts("language_choose", lang), reply_markup=keyboard(buttons)
    )


async def set_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    code = (query.data or "").removeprefix("lang:")
    svc = services(context)
    if code not in LANGS:
        await query.answer()
        return
    if svc.store is not None:
        await svc.store.set_language(update.effective_user.id, code)
    await query.answer()
    await query.edit_message_text(svc.content.texts("language_set", code))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = await user_language(update, context)
    await update.effective_message.reply_text(
        services(context).content.texts("unknown_command", lang)
    )


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button from an old message whose handler no longer exists."""
    lang = await user_language(update, context)
    await update.callback_query.answer(
        html.unescape(services(context).content.texts("stale_button", lang)), show_alert=True
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with the update id and answer the user with a short apology."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        lang = await user_language(update, context)
        await context.bot.send_message(
            update.effective_chat.id, services(context).content.texts("error_apology", lang)
        )
    except Exception:  # the apology itself failed; the log line above is what matters
        log.warning("could not send the apology for update %s", update_id)


def register_commands(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", show_help))
    application.add_handler(CommandHandler("language", choose_language))
    application.add_handler(CallbackQueryHandler(set_language, pattern=r"^lang:"))


def register_fallbacks(application: Application) -> None:
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(CallbackQueryHandler(stale_button))
