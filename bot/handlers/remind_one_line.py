"""The one-line /remind: ``/remind 2026-12-31 08:30 Smart 月卡`` is saved at once;
only a date that reads two ways (03/04) stops to ask which day, and the chosen day
saves. ``/remind smart $10``: Smart's card table gives the expiry (hedged).
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.callbacks import PickExpiry
from bot.core.dates import ERROR_EMPTY, ERROR_UNPARSEABLE, parse_remind
from bot.core.schedule import DEFAULT_TIME
from bot.core.validity import find_amount, format_cents, valid_until
from bot.handlers import flows
from bot.handlers.remind_saving import save_plan
from bot.handlers.remind_steps import (
    END,
    FLOW,
    WHICH_DAY,
    Draft,
    current_draft,
    pressed_in_draft,
    readings,
    take_typed_date,
)
from bot.handlers.reminder_context import (
    Ctx,
    alert,
    date_error,
    date_in_range,
    range_error,
    reminder_ctx,
    reply,
)
from bot.reminders.facts import facts
from bot.reminders.planning import operator_aliases, travel_brand


async def remind_in_one_line(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores a Draft from the whole line and saves it; a date that reads two ways asks
    which day (WHICH_DAY); an unreadable one says why and saves nothing."""
    c = await reminder_ctx(update, context)
    raw = update.effective_message.text or ""
    text = re.sub(r"^\s*/remind(@\w+)?\s*", "", raw, flags=re.I) or " ".join(context.args or [])
    amount = find_amount(text)
    rest = text if amount is None else f"{text[: amount.start]} {text[amount.end :]}"
    parsed = parse_remind(rest, c.now, c.tz, operator_aliases(c.content))
    draft = Draft(
        operator="travel" if travel_brand(c.content, parsed.label) else parsed.operator,
        label=parsed.label,
        time_of_day=parsed.time_of_day or DEFAULT_TIME,
    )
    if amount is not None and parsed.error in (ERROR_EMPTY, ERROR_UNPARSEABLE):
        return await _expiry_from_amount(update, context, c, draft, amount.cents, rest)
    if parsed.ambiguous:
        flows.begin(context, FLOW, draft)
        await reply(update, c.html("remind_ask_which_date", text=text), readings(c, parsed))
        return WHICH_DAY
    flows.end(context)
    if not parsed.ok:
        await reply(update, date_error(c, parsed, text))
        return END
    draft.expiry = parsed.expiry
    return await save_plan(update, context, c, draft)


async def _expiry_from_amount(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    draft: Draft,
    cents: int,
    rest: str,
) -> str | int:
    """`/remind smart $10`: the expiry from Smart's card table; another operator, or an
    amount with no such card, says why and saves nothing."""
    flows.end(context)
    table = facts(c.content.root).validity.get(draft.operator or "")
    if table is None:
        await reply(update, c.html("remind_amount_operator_unknown"))
        return END
    # The parser names the label only once it found a date; a stand-in "today" lets it
    # separate "月卡" from the operator in "smart $10 月卡".
    label_only = parse_remind(f"{rest} today", c.now, c.tz, operator_aliases(c.content))
    draft.label = label_only.label
    days = table.days_for(cents)
    if days is None:
        cards = ", ".join(format_cents(card.cents) for card in table.cards)
        await reply(
            update, c.html("remind_amount_no_card", amount=format_cents(cents), cards=cards)
        )
        return END
    draft.expiry = valid_until(c.today, days)
    draft.cents = cents
    return await save_plan(update, context, c, draft)


async def pick_which_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the chosen reading of the one-line date and saves the plan."""
    c = await reminder_ctx(update, context)
    found = await pressed_in_draft(update, context, c, PickExpiry)
    if found is None:
        return END
    button, draft = found
    if not date_in_range(c, button.date):
        await alert(update, range_error(c, button.date))
        return WHICH_DAY
    await update.callback_query.answer()
    draft.expiry = button.date
    return await save_plan(update, context, c, draft, edit_message=True)


async def type_which_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores a date typed instead of pressing a reading, and saves the plan."""
    c = await reminder_ctx(update, context)
    draft = current_draft(context)
    if draft is None:
        return END
    if not await take_typed_date(update, c, draft):
        return WHICH_DAY
    return await save_plan(update, context, c, draft)
