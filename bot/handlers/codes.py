"""/codes: operator cards with USSD codes and hotlines, by button, argument or inline query."""

from __future__ import annotations

import html

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
)

from bot.context import services
from bot.core.answers import Button, reply_language
from bot.core.code_cards import (
    operator_list_text,
    render_common_card,
    render_operator_card,
    render_purpose,
    render_query,
)
from bot.core.operators import CodeQuery
from bot.handlers.common import keyboard, user_language


def operator_buttons(book, lang: str) -> list[list[Button]]:
    names = [(op.name(lang), f"codes:op:{op.id}") for op in book.operators.values()]
    rows = [names[i : i + 3] for i in range(0, len(names), 3)]
    rows.append([(book.label("common_button", lang), "codes:common")])
    return rows


def card_buttons(book, lang: str) -> list[list[Button]]:
    return [
        [
            (book.label("back_button", lang), "codes:list"),
            (book.label("common_button", lang), "codes:common"),
        ]
    ]


def lookup_text(book, args: str, lang: str) -> tuple[str, list[list[Button]]]:
    """What `/codes <args>` shows: a card, a purpose across operators, or the list."""
    operator = book.find_operator(args)
    purpose = book.find_purpose(args)
    if operator and purpose:
        return render_query(book, CodeQuery(operator.id, purpose.id), lang), card_buttons(
            book, lang
        )
    if operator:
        return render_operator_card(book, operator.id, lang), card_buttons(book, lang)
    if purpose:
        return render_purpose(book, purpose.id, lang), card_buttons(book, lang)
    unknown = html.escape(book.label("unknown_operator", lang, query=args[:40]))
    return f"{unknown}\n\n{operator_list_text(book, lang)}", operator_buttons(book, lang)


async def show_codes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    book = services(context).content.codes
    args = " ".join(context.args or []).strip()
    lang = await user_language(update, context)
    if not args:
        text, buttons = operator_list_text(book, lang), operator_buttons(book, lang)
    else:
        lang = reply_language(args, lang)
        text, buttons = lookup_text(book, args, lang)
    await update.effective_message.reply_text(text, reply_markup=keyboard(buttons))


async def show_operator_card(
    update: Update, context: ContextTypes.DEFAULT_TYPE, operator_id: str
) -> None:
    """An operator's card as a new message (used by /start codes_<operator> deep links)."""
    book = services(context).content.codes
    lang = await user_language(update, context)
    if operator_id in book.operators:
        text, buttons = render_operator_card(book, operator_id, lang), card_buttons(book, lang)
    else:
        text, buttons = operator_list_text(book, lang), operator_buttons(book, lang)
    await update.effective_message.reply_text(text, reply_markup=keyboard(buttons))


async def press_codes_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """codes:list, codes:common, codes:op:<operator>: edit the card in place."""
    query = update.callback_query
    book = services(context).content.codes
    lang = await user_language(update, context)
    parts = (query.data or "").split(":")
    if parts[1:2] == ["op"] and len(parts) == 3 and parts[2] in book.operators:
        text, buttons = render_operator_card(book, parts[2], lang), card_buttons(book, lang)
    elif parts[1:] == ["common"]:
        text, buttons = render_common_card(book, lang), card_buttons(book, lang)
    elif parts[1:] == ["list"]:
        text, buttons = operator_list_text(book, lang), operator_buttons(book, lang)
    else:
        stale = services(context).content.texts("stale_button", lang)
        await query.answer(html.unescape(stale), show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_text(text, reply_markup=keyboard(buttons))
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def answer_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot cellcard` in any chat offers operator cards to send."""
    book = services(context).content.codes
    inline = update.inline_query
    lang = reply_language(inline.query, await user_language(update, context))
    operator = book.find_operator(inline.query) if inline.query.strip() else None
    operators = [operator] if operator else list(book.operators.values())
    results = [
        InlineQueryResultArticle(
            id=f"op-{op.id}-{lang}",
            title=op.name(lang),
            description=book.label("inline_description", lang, operator=op.name(lang)),
            input_message_content=InputTextMessageContent(
                render_operator_card(book, op.id, lang), parse_mode=ParseMode.HTML
            ),
        )
        for op in operators
    ]
    results.append(
        InlineQueryResultArticle(
            id=f"common-{lang}",
            title=book.label("common_button", lang),
            description=book.label("inline_common_description", lang),
            input_message_content=InputTextMessageContent(
                render_common_card(book, lang), parse_mode=ParseMode.HTML
            ),
        )
    )
    await inline.answer(results, cache_time=300)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("codes", show_codes))
    application.add_handler(CallbackQueryHandler(press_codes_button, pattern=r"^codes:"))
    application.add_handler(InlineQueryHandler(answer_inline_query))
