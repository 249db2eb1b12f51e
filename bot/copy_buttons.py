"""Copy-text buttons: one tap puts a USSD code on the clipboard, ready for the dialer.

Telegram's CopyTextButton (Bot API 7.11) copies without sending anything back to the bot.
Only codes a user can dial as they are get one: a code with a <PLACEHOLDER> to fill in
would copy the placeholder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.operators import PLACEHOLDER_RE, Code, CodeBook

PER_ROW = 3
MAX_CODES = 6  # keeps the keyboard shorter than the card
COPY_LIMIT = 256  # characters Telegram copies


def dialable(codes: Iterable[Code], limit: int = MAX_CODES) -> list[str]:
    """The USSD codes among `codes` that can be dialled as they are, in order, no repeats."""
    found = [c.code for c in codes if c.how == "dial" and not PLACEHOLDER_RE.search(c.code)]
    return list(dict.fromkeys(found))[:limit]


def copy_rows(codes: Sequence[str], per_row: int = PER_ROW) -> list[list[InlineKeyboardButton]]:
    """One 📋 button per code, `per_row` to a row."""
    buttons = [
        InlineKeyboardButton(f"📋 {code}", copy_text=CopyTextButton(code[:COPY_LIMIT]))
        for code in codes
    ]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def with_copy_rows(
    markup: InlineKeyboardMarkup | None,
    codes: Sequence[str],
    per_row: int = PER_ROW,
    *,
    below: bool = False,
) -> InlineKeyboardMarkup | None:
    """The copy buttons above an existing keyboard (below it when its buttons come first)."""
    rows = copy_rows(codes, per_row)
    rest = [list(row) for row in markup.inline_keyboard] if markup else []
    merged = rest + rows if below else rows + rest
    return InlineKeyboardMarkup(merged) if merged else None


NO_COPY_PURPOSES = ("plan-subscribe", "credit-transfer")  # they cost money: dial on purpose


def card_markup(
    book: CodeBook,
    operator_id: str | None,
    markup: InlineKeyboardMarkup | None,
    purpose_id: str | None = None,
) -> InlineKeyboardMarkup | None:
    """A code card's keyboard with copy buttons for its codes (no operator: the common
    codes, or every operator's for a purpose), in the order of purposes in codes.yaml."""
    order = {p: i for i, p in enumerate(book.purposes)}
    shown = book.lookup(operator_id, purpose_id)
    if operator_id is None:  # a button shows only the code: one with no operator to name
        shown = [c for c in shown if c.is_common]
    codes = [c for c in shown if c.purpose not in NO_COPY_PURPOSES or purpose_id]
    codes.sort(key=lambda c: order.get(c.purpose, len(order)))  # stable: own codes first
    return with_copy_rows(markup, dialable(codes))


def lookup_markup(
    book: CodeBook, args: str, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """`/codes <args>`: copy buttons for the card or purpose the words name, if any."""
    operator, purpose = book.find_operator(args), book.find_purpose(args)
    if operator is None and purpose is None:
        return markup
    return card_markup(
        book, operator.id if operator else None, markup, purpose.id if purpose else None
    )


REMINDER_PURPOSES = ("balance", "topup-other")  # what a reminded user dials next


def reminder_markup(
    book: CodeBook | None, operator_id: str | None, markup: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup | None:
    """A reminder's keyboard with copy buttons for checking the balance and topping up,
    under the "Renewed" / "Tomorrow" buttons a reminder is mostly answered with."""
    if book is None or operator_id == "travel":  # a travel eSIM has no Cambodian codes
        return markup
    known = operator_id if operator_id in book.operators else None
    codes = [c for p in REMINDER_PURPOSES for c in book.lookup(known, p) if known or c.is_common]
    return with_copy_rows(markup, dialable(codes, limit=PER_ROW), below=True)
