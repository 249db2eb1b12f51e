"""A scratch card's digits sent as a message: the complete top-up code, as a copy button.

The PIN is never stored or logged: it is read from the message, put into the reply and,
while the operator is being asked, carried by the operator buttons themselves.
"""

from __future__ import annotations

import html

from telegram import Message, Update
from telegram.ext import filters

from bot.callbacks import TopUpCard
from bot.context import BotContext
from bot.copy_buttons import with_copy_rows
from bot.core.card_pin import card_codes, find_pin
from bot.core.operators import CodeBook
from bot.handlers.fallbacks import stale_button
from bot.handlers.users import user_language
from bot.i18n import Html
from bot.keyboards import Row, keyboard

ANY_NETWORK = "any"  # the "not sure" button: the common code only


class _LooksLikeCardPin(filters.MessageFilter):
    """Text that is a card PIN and little else (see bot.core.card_pin.find_pin)."""

    def filter(self, message: Message) -> bool:
        return find_pin(message.text or "") is not None


LOOKS_LIKE_CARD_PIN = _LooksLikeCardPin(name="LOOKS_LIKE_CARD_PIN")


async def send_card_pin(update: Update, context: BotContext) -> None:
    """The code for the user's operator; asks which operator when neither text nor plans say."""
    message = update.effective_message
    pin = find_pin(message.text or "")
    if pin is None:  # the filter said yes; an edited copy of the message may not
        return
    lang = await user_language(update, context)
    book = context.content.codes
    operator = await _known_operator(update, context, book)
    if operator is None:
        texts = context.content.texts
        await message.reply_text(
            texts.html("card_pin_which_operator", lang),
            reply_markup=keyboard(
                _operator_rows(book, pin, lang, texts.plain("card_pin_not_sure", lang))
            ),
        )
        return
    text, codes = _codes_reply(context, book, pin, operator, lang)
    await message.reply_text(text, reply_markup=with_copy_rows(None, codes, per_row=1))


async def pick_card_operator(update: Update, context: BotContext) -> None:
    """An operator button under "which operator?": the question turns into the codes."""
    query = update.callback_query
    book = context.content.codes
    picked = TopUpCard.parse(query.data)
    if picked is None or (picked.operator != ANY_NETWORK and picked.operator not in book.operators):
        await stale_button(update, context)
        return
    lang = await user_language(update, context)
    await query.answer()
    operator = None if picked.operator == ANY_NETWORK else picked.operator
    text, codes = _codes_reply(context, book, picked.pin, operator, lang)
    await query.edit_message_text(text, reply_markup=with_copy_rows(None, codes, per_row=1))


async def _known_operator(update: Update, context: BotContext, book: CodeBook) -> str | None:
    """The operator named in the message, else the only one among the user's plans."""
    named = book.find_operator(update.effective_message.text or "")
    if named is not None:
        return named.id
    if context.store is None or update.effective_chat is None:
        return None
    plans = await context.store.live_plans(update.effective_chat.id)
    operators = {p.operator for p in plans if p.operator in book.operators}
    return operators.pop() if len(operators) == 1 else None


def _operator_rows(book: CodeBook, pin: str, lang: str, not_sure: str) -> list[Row]:
    names = [(op.name(lang), TopUpCard(op.id, pin)) for op in book.operators.values()]
    rows: list[Row] = [names[i : i + 3] for i in range(0, len(names), 3)]
    rows.append([(not_sure, TopUpCard(ANY_NETWORK, pin))])
    return rows


def _codes_reply(
    context: BotContext, book: CodeBook, pin: str, operator: str | None, lang: str
) -> tuple[str, list[str]]:
    codes = card_codes(pin, operator)
    lines = []
    for c in codes:
        where = (
            book.label("all_networks", lang)
            if c.network == "all"
            else book.operator_name(c.network, lang)
        )
        colon = "：" if lang.startswith("zh") else ": "
        lines.append(f"• {html.escape(where)}{colon}<code>{html.escape(c.code)}</code>")
    text = context.content.texts.html("card_pin_codes", lang, codes=Html("\n".join(lines)))
    return text, [c.code for c in codes]
