"""Moving a saved plan to a new expiry date: shared by "Renewed +N days" (plans) and a
typed new date (new_date)."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.reminder_context import Ctx, reply_or_edit
from bot.reminders.planning import rows_for
from bot.reminders.sender import plans_changed
from bot.reminders.wording import summary
from bot.storage import Plan


async def reschedule(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    plan: Plan,
    new: date,
    *,
    period_days: int | None,
    edit_message: bool,
) -> None:
    """Stores the new date and its reminders (and the period, when known); shows the plan."""
    rows = rows_for(c.content, plan, c.tz, c.now, expiry=new)
    await c.store.reschedule_plan(
        plan.id, expiry=new, reminders=rows, now=c.now_ts, period_days=period_days
    )
    await plans_changed(context)
    text = c.html(
        "remind_updated",
        summary=summary(
            c,
            label=plan.label,
            operator=plan.operator,
            expiry=new,
            rows=rows,
            paused=plan.paused,
        ),
    )
    await reply_or_edit(update, text, edit_message=edit_message)
