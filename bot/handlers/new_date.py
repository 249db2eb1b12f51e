"""A new expiry date for a saved plan, typed by the user: "Change date" in /reminders
(a correction) or "Type the date" after "Renewed" (a renewal, which also learns the
plan's period). One state; diagram: new_date.mmd beside this file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from telegram import Update
from telegram.ext import Application, ContextTypes, ConversationHandler, MessageHandler

from bot.callbacks import ChangeDate, PickNewDate, TypeRenewedDate
from bot.core.dates import parse_date_only
from bot.core.schedule import format_date
from bot.handlers import flows
from bot.handlers.reminder_context import (
    Ctx,
    button,
    date_error,
    date_in_range,
    pressed,
    pressed_plan,
    reminder_ctx,
    reply,
    stale_button,
    typed_plan,
)
from bot.handlers.reschedule import reschedule
from bot.reminders.wording import plan_name

FLOW = "new_date"
NEW_DATE = "new_date"  # waiting for the date (typed, or one reading of an ambiguous one)
END = flows.END


@dataclass(frozen=True)
class Target:
    """The plan whose date is changing, and whether it was renewed (else corrected)."""

    plan_id: int
    renewed: bool


async def ask_changed_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores which plan to correct; asks for its new date."""
    return await _ask(update, context, ChangeDate, renewed=False)


async def ask_renewed_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores which plan was renewed; asks for its new expiry date."""
    return await _ask(update, context, TypeRenewedDate, renewed=True)


async def _ask(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    kind: type[ChangeDate] | type[TypeRenewedDate],
    *,
    renewed: bool,
) -> str | int:
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, kind)
    if found is None:
        return END
    _, plan = found
    await update.callback_query.answer()
    flows.begin(context, FLOW, Target(plan.id, renewed))
    name = plan_name(c.content, plan.label, plan.operator, c.lang)
    text = c.html("remind_ask_new_date", name=name, date=format_date(plan.expiry, c.lang))
    await reply(update, text, [flows.cancel_row(c)])
    return NEW_DATE


async def type_new_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Moves the plan to the typed date; a date that reads two ways asks which day,
    an unusable one says why and asks again."""
    c = await reminder_ctx(update, context)
    target = flows.current(context, FLOW)
    if target is None:
        return END
    text = update.effective_message.text or ""
    parsed = parse_date_only(text, c.now, c.tz)
    if parsed.ambiguous:
        readings = [[(format_date(d, c.lang), PickNewDate.of(d))] for d in parsed.ambiguous]
        await reply(update, c.html("remind_ask_which_date", text=text), readings)
        return NEW_DATE
    if not parsed.ok:
        await reply(update, date_error(c, parsed, text))
        return NEW_DATE
    return await _move(update, context, c, target, parsed.expiry, edit_message=False)


async def pick_new_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Moves the plan to the pressed reading of the typed date."""
    c = await reminder_ctx(update, context)
    button_data = await pressed(update, c, PickNewDate)
    if button_data is None:
        return END
    target = flows.current(context, FLOW)
    if target is None or not date_in_range(c, button_data.date):
        await stale_button(update, c)
        return END
    await update.callback_query.answer()
    return await _move(update, context, c, target, button_data.date, edit_message=True)


async def _move(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    target: Target,
    new: date,
    *,
    edit_message: bool,
) -> int:
    flows.end_if(context, FLOW)
    plan = await typed_plan(update, c, target.plan_id)
    if plan is None:
        return END
    period = max(1, (new - max(plan.expiry, c.today)).days) if target.renewed else None
    await reschedule(update, context, c, plan, new, period_days=period, edit_message=edit_message)
    return END


def conversation(application: Application) -> ConversationHandler:
    return flows.conversation(
        application,
        FLOW,
        entry_points=[
            button(ask_changed_date, ChangeDate),
            button(ask_renewed_date, TypeRenewedDate),
        ],
        states={
            NEW_DATE: [
                button(pick_new_date, PickNewDate),
                MessageHandler(flows.typed_text(application, FLOW), type_new_date),
            ],
        },
    )


def register(application: Application) -> None:
    """The conversation; a reading pressed after it ended is stale."""
    application.add_handler(conversation(application))
    application.add_handler(button(_old_reading, PickNewDate))


async def _old_reading(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await stale_button(update, await reminder_ctx(update, context))
