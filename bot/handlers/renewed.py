"""The "Renewed" button on a plan: how long for (+N days, the same period as before, a
Smart card amount, or a typed date), then the plan moves on. Smart's card table gives
the days, hedged: whether a top-up adds to the days left is not documented."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.callbacks import MarkRenewed, RenewedAmount, RollForward, TypeRenewedDate
from bot.core.dates import latest_allowed
from bot.core.schedule import format_date, roll_forward
from bot.core.validity import format_cents, valid_until
from bot.handlers.reminder_context import alert, button, pressed_plan, reminder_ctx, reply
from bot.handlers.reschedule import reschedule
from bot.keyboards import Row
from bot.reminders.facts import facts
from bot.reminders.planning import QUICK_DAYS
from bot.reminders.wording import operator_name, plan_name


async def mark_renewed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Renewed": asks how long for (+N days, the same period as before, or a typed date)."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, MarkRenewed)
    if found is None:
        return
    _, plan = found
    await update.callback_query.answer()
    rows: list[Row] = []
    table = facts(c.content.root).validity.get(plan.operator or "")
    if table is not None and plan.kind == "validity":  # Smart: the card decides the days
        cards = [
            (format_cents(card.cents), RenewedAmount(plan.id, card.cents))
            for card in table.dollar_cards()
        ]
        rows += [cards[:3], cards[3:]]
    rows.append(
        [(c.plain("remind_btn_plus_days", days=n), RollForward(plan.id, n)) for n in QUICK_DAYS]
    )
    if plan.period_days:  # learned from a renewal, never guessed
        label = c.plain("remind_btn_same_period", days=plan.period_days)
        rows.append([(label, RollForward(plan.id, plan.period_days))])
    rows.append([(c.plain("remind_btn_type_date"), TypeRenewedDate(plan.id))])
    key = "remind_renew_choose_amount" if table is not None else "remind_renew_choose"
    text = c.html(
        key,
        name=plan_name(c.content, plan.label, plan.operator, c.lang),
        date=format_date(plan.expiry, c.lang),
    )
    await reply(update, text, [r for r in rows if r])


async def renewed_amount(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Renewed with a Smart card: the new expiry from the card table, hedged (whether a
    top-up adds to the days left is not documented)."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, RenewedAmount)
    if found is None:
        return
    button_data, plan = found
    table = facts(c.content.root).validity.get(plan.operator or "")
    days = table.days_for(button_data.cents) if table is not None else None
    if table is None or days is None:
        await alert(update, c.plain("stale_button"))
        return
    await update.callback_query.answer()
    new = valid_until(c.today, days)
    await reschedule(update, context, c, plan, new, period_days=days, edit_message=True)
    hedge = c.html(
        "remind_amount_hedge",
        amount=format_cents(button_data.cents),
        operator=operator_name(c.content, plan.operator, c.lang),
        date=format_date(new, c.lang),
    )
    await reply(update, hedge)


async def roll_forward_plan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Renewed for N days: moves the expiry N days on (from today if it had passed)."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, RollForward)
    if found is None:
        return
    button_data, plan = found
    latest = latest_allowed(c.today)
    days = min(max(button_data.days, 1), (latest - c.today).days + 1)  # no overflow on forgery
    new = roll_forward(plan.expiry, days, today=c.today)
    if new > latest:
        await alert(update, c.plain("remind_error_too_far", latest=format_date(latest, c.lang)))
        return
    await update.callback_query.answer()
    await reschedule(update, context, c, plan, new, period_days=days, edit_message=True)


def register(application: Application) -> None:
    application.add_handler(button(mark_renewed, MarkRenewed))
    application.add_handler(button(roll_forward_plan, RollForward))
    application.add_handler(button(renewed_amount, RenewedAmount))
