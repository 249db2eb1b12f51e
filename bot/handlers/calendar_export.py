"""The calendar-file button of /reminders: every live plan as an .ics file, sent to the
member's private chat when pressed in a group; /export reuses the same file."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InputFile, Update
from telegram.ext import Application, ContextTypes

from bot.callbacks import CalendarFile
from bot.core.calendar_file import CalendarWords, IcsPlan, build_ics
from bot.handlers.private_chat import in_private
from bot.handlers.reminder_context import Ctx, button, pressed, reminder_ctx, reply
from bot.reminders.wording import operator_name
from bot.storage import Plan


async def send_calendar_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every live plan as an .ics file: an all-day event per expiry, an alarm per reminder.
    Pressed in a group, the file goes to the member's private chat."""
    c = await reminder_ctx(update, context)
    if await pressed(update, c, CalendarFile) is None:
        return
    await update.callback_query.answer()
    plans = await c.store.live_plans(c.chat_id, c.owner_filter)
    if not plans:
        await reply(update, c.html("reminders_empty"))
        return

    async def send(chat_id: int) -> object:
        return await context.bot.send_document(
            chat_id,
            InputFile(await calendar_bytes(c, plans), filename="reminders.ics", attach=True),
            caption=c.html("reminders_ics_caption"),
        )

    await in_private(update, context, c, "export", send)


async def calendar_bytes(c: Ctx, plans: list[Plan]) -> bytes:
    """Plans as an .ics file: their expiry days, an alarm per reminder still to come."""
    ics_plans = []
    for plan in plans:
        pending = await c.store.pending_reminders(plan.id)
        ics_plans.append(
            IcsPlan(
                id=plan.id,
                label=plan.label,
                operator=operator_name(c.content, plan.operator, c.lang),
                expiry=plan.expiry,
                reminders=[datetime.fromtimestamp(r.send_at, UTC) for r in pending],
            )
        )
    return build_ics(ics_plans, calendar_words(c), c.now)


def calendar_words(c: Ctx) -> CalendarWords:
    """The calendar file's words (content/texts/calendar.yaml), as templates."""
    return CalendarWords(
        lang=c.lang,
        expires=c.plain("calendar_event"),
        plan=c.plain("calendar_plan"),
        alarm=c.plain("calendar_alarm"),
    )


def register(application: Application) -> None:
    application.add_handler(button(send_calendar_file, CalendarFile))
