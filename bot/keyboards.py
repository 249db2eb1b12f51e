"""Inline keyboards and message edits, shared by every handler."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.callbacks import CallbackData, for_intent
from bot.core.answers import Intent

Row = Sequence[tuple[str, "CallbackData | Intent | str"]]


def _data(value: CallbackData | Intent | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, CallbackData):
        return value.pack()
    return for_intent(value).pack()


def keyboard(rows: Sequence[Row]) -> InlineKeyboardMarkup | None:
    """Rows of (label, button) as an inline keyboard; None when there are no rows.

    A button is typed callback data, an intent from core (packed here), or raw data.
    """
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=_data(data)) for label, data in row]
            for row in rows
        ]
    )


async def edit_or_ignore(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | bool | None:
    """Edit the pressed message; pressing a button whose page is already shown is not an error.

    Telegram answers "message is not modified" when the new text and keyboard equal the
    old ones (a double tap); anything else is a real failure and propagates.
    """
    try:
        return await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        return None
