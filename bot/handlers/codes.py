"""/codes: operator cards with USSD codes and hotlines, by button or argument; and inline
mode (`@bot query`), which searches the codes and the FAQ."""

from __future__ import annotations

import html

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode

from bot.callbacks import CallbackData, CodesCommon, CodesList, CodesOperator, CodesSection
from bot.context import BotContext
from bot.copy_buttons import card_markup, dialable, lookup_markup, with_copy_rows
from bot.core.answers import inline_results, operator_section_buttons, reply_language
from bot.core.code_cards import (
    SECTIONS,
    operator_list_text,
    render_common_card,
    render_operator_card,
    render_operator_section,
    render_purpose,
    render_query,
    section_codes,
    section_of,
)
from bot.core.operators import CodeBook, CodeQuery
from bot.handlers.fallbacks import stale_button
from bot.handlers.users import user_language
from bot.keyboards import Row, edit_or_ignore, keyboard


def operator_buttons(book: CodeBook, lang: str) -> list[Row]:
    names = [(op.name(lang), CodesOperator(op.id)) for op in book.operators.values()]
    rows: list[Row] = [names[i : i + 3] for i in range(0, len(names), 3)]
    rows.append([(book.label("common_button", lang), CodesCommon())])
    return rows


def card_buttons(
    book: CodeBook, lang: str, operator: str | None = None, first: str | None = None
) -> list[Row]:
    """Under a card: the operator's parts (the asked one first), then back and common codes."""
    rows: list[Row] = []
    if operator is not None:
        rows += operator_section_buttons(book, operator, lang, first)
    rows.append(
        [
            (book.label("back_button", lang), CodesList()),
            (book.label("common_button", lang), CodesCommon()),
        ]
    )
    return rows


def lookup_text(book: CodeBook, args: str, lang: str) -> tuple[str, list[Row]]:
    """What `/codes <args>` shows: a card, a purpose across operators, or the list."""
    operator = book.find_operator(args)
    purpose = book.find_purpose(args)
    if operator and purpose:
        text = render_query(book, CodeQuery(operator.id, purpose.id), lang)
        return text, card_buttons(book, lang, operator.id, section_of(purpose.id))
    if operator:
        return render_operator_card(book, operator.id, lang), card_buttons(book, lang, operator.id)
    if purpose:
        return render_purpose(book, purpose.id, lang), card_buttons(book, lang)
    unknown = html.escape(book.label("unknown_operator", lang, query=args[:40]))
    return f"{unknown}\n\n{operator_list_text(book, lang)}", operator_buttons(book, lang)


async def show_codes(update: Update, context: BotContext) -> None:
    """`/codes` lists the operators; `/codes cellcard 余额` goes straight to the codes."""
    book = context.content.codes
    args = " ".join(context.args or []).strip()
    lang = await user_language(update, context)
    if not args:
        text, buttons = operator_list_text(book, lang), operator_buttons(book, lang)
    else:
        lang = reply_language(args, lang)
        text, buttons = lookup_text(book, args, lang)
    markup = lookup_markup(book, args, keyboard(buttons)) if args else keyboard(buttons)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def send_operator_card(update: Update, context: BotContext, operator_id: str) -> None:
    """An operator's card as a new message (for /start codes_<operator> deep links)."""
    book = context.content.codes
    lang = await user_language(update, context)
    text = render_operator_card(book, operator_id, lang)
    buttons = card_buttons(book, lang, operator_id)
    markup = card_markup(book, operator_id, keyboard(buttons))
    await update.effective_message.reply_text(text, reply_markup=markup)


async def open_operator(update: Update, context: BotContext) -> None:
    """An operator button: the card replaces the list in place."""
    query = update.callback_query
    book = context.content.codes
    pressed = CodesOperator.parse(query.data)
    if pressed is None or pressed.operator not in book.operators:
        await stale_button(update, context)
        return
    lang = await user_language(update, context)
    await query.answer()
    text = render_operator_card(book, pressed.operator, lang)
    markup = card_markup(
        book, pressed.operator, keyboard(card_buttons(book, lang, pressed.operator))
    )
    await edit_or_ignore(query, text, markup)


async def open_section(update: Update, context: BotContext) -> None:
    """A part of an operator's card (balance, top-up, data, hotline): it replaces the card."""
    query = update.callback_query
    book = context.content.codes
    pressed = CodesSection.parse(query.data)
    if pressed is None or pressed.operator not in book.operators or pressed.section not in SECTIONS:
        await stale_button(update, context)
        return
    lang = await user_language(update, context)
    await query.answer()
    text = render_operator_section(book, pressed.operator, pressed.section, lang)
    buttons = card_buttons(book, lang, pressed.operator)
    codes = section_codes(book, pressed.operator, pressed.section)
    await edit_or_ignore(query, text, with_copy_rows(keyboard(buttons), dialable(codes)))


async def open_common(update: Update, context: BotContext) -> None:
    """The codes for every network."""
    lang = await _answered(update, context, CodesCommon)
    if lang is None:
        return
    book = context.content.codes
    markup = card_markup(book, None, keyboard(card_buttons(book, lang)))
    await edit_or_ignore(update.callback_query, render_common_card(book, lang), markup)


async def back_to_operators(update: Update, context: BotContext) -> None:
    lang = await _answered(update, context, CodesList)
    if lang is None:
        return
    book = context.content.codes
    text = operator_list_text(book, lang)
    await edit_or_ignore(update.callback_query, text, keyboard(operator_buttons(book, lang)))


async def _answered(update: Update, context: BotContext, kind: type[CallbackData]) -> str | None:
    """The person's language once a press of a `kind` button (no fields to check) is
    answered; None after the stale-button alert."""
    if kind.parse(update.callback_query.data) is None:
        await stale_button(update, context)
        return None
    lang = await user_language(update, context)
    await update.callback_query.answer()
    return lang


INLINE_CACHE_SECONDS = 30  # results are per user (language), so cache them briefly


async def answer_inline_query(update: Update, context: BotContext) -> None:
    """`@bot cellcard 余额` in any chat: matching codes and FAQ answers to send there;
    an empty query offers popular topics."""
    inline = update.inline_query
    preferred = await user_language(update, context)
    items = inline_results(context.content, context.matcher, inline.query, preferred)
    results = [
        InlineQueryResultArticle(
            id=item.id,
            title=item.title,
            description=item.description,
            input_message_content=InputTextMessageContent(item.text, parse_mode=ParseMode.HTML),
            reply_markup=keyboard(item.buttons),
        )
        for item in items
    ]
    await inline.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True)
