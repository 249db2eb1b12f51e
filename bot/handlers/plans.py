"""/reminders and the buttons on saved plans: renewed, snooze, stop, delete, calendar
file. One callback per button; each looks the plan up again, so a button of a plan
that was deleted, stopped or belongs to another chat gets an alert, never an error."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from telegram import InputFile, Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.callbacks import (
    AskDelete,
    CalendarFile,
    ChangeDate,
    ConfirmDelete,
    KeepPlan,
    MarkRenewed,
    RollForward,
    Snooze,
    StopPlan,
    TypeRenewedDate,
)
from bot.core.calendar_file import CalendarWords, IcsPlan, build_ics
from bot.core.dates import latest_allowed
from bot.core.schedule import format_date, format_datetime_local, roll_forward, snooze_time
from bot.core.zones import zone_label
from bot.handlers.owners import is_group_admin
from bot.handlers.private_chat import in_private
from bot.handlers.reminder_context import (
    Ctx,
    alert,
    button,
    edit,
    pressed,
    pressed_plan,
    reminder_ctx,
    reply,
)
from bot.handlers.reschedule import reschedule
from bot.keyboards import Row
from bot.reminders.planning import QUICK_DAYS
from bot.reminders.sender import plans_changed
from bot.reminders.wording import left_text, operator_name, plan_name
from bot.storage import MAX_ACTIVE_PLANS, Plan


async def list_plans(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reminders: every live plan by expiry, with its next reminder and buttons (in a
    group: the sender's own plans, and for an admin the group's plans without an owner)."""
    c = await reminder_ctx(update, context)
    plans = await c.store.live_plans(c.chat_id, c.owner_filter)
    if c.group:
        ownerless = [p for p in await c.store.live_plans(c.chat_id) if p.owner_id is None]
        if ownerless and await is_group_admin(update):
            plans += ownerless
    if not plans:
        await reply(update, c.html("reminders_empty"))
        return
    parts = [
        c.html("reminders_header", count=len(plans), max=MAX_ACTIVE_PLANS, tz=zone_label(c.tz.key))
    ]
    rows: list[Row] = []
    for n, plan in enumerate(plans, start=1):
        parts.append(await _plan_item(c, n, plan))
        rows.append(
            [
                (c.plain("reminders_btn_renewed", n=n), MarkRenewed(plan.id)),
                (c.plain("reminders_btn_change", n=n), ChangeDate(plan.id)),
                (c.plain("reminders_btn_delete", n=n), AskDelete(plan.id)),
            ]
        )
    rows.append([(c.plain("reminders_btn_ics"), CalendarFile())])
    await reply(update, "\n\n".join(parts), rows)


async def _plan_item(c: Ctx, n: int, plan: Plan) -> str:
    pending = await c.store.pending_reminders(plan.id)
    nxt = (
        format_datetime_local(datetime.fromtimestamp(pending[0].send_at, UTC), c.tz, c.lang)
        if pending
        else c.plain("reminders_next_none")
    )
    return c.html(
        "reminders_item",
        n=n,
        name=plan_name(c.content, plan.label, plan.operator, c.lang),
        operator=operator_name(c.content, plan.operator, c.lang),
        date=format_date(plan.expiry, c.lang),
        left=left_text(c, plan.expiry),
        next=nxt,
    )


def _name(c: Ctx, plan: Plan) -> str:
    return plan_name(c.content, plan.label, plan.operator, c.lang)


async def mark_renewed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Renewed": asks how long for (+N days, the same period as before, or a typed date)."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, MarkRenewed)
    if found is None:
        return
    _, plan = found
    await update.callback_query.answer()
    period = plan.period_days or max(1, (plan.expiry - c.today).days)
    rows: list[Row] = [
        [(c.plain("remind_btn_plus_days", days=n), RollForward(plan.id, n)) for n in QUICK_DAYS],
        [(c.plain("remind_btn_same_period", days=period), RollForward(plan.id, period))],
        [(c.plain("remind_btn_type_date"), TypeRenewedDate(plan.id))],
    ]
    text = c.html("remind_renew_choose", name=_name(c, plan), date=format_date(plan.expiry, c.lang))
    await reply(update, text, rows)


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


async def snooze(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remind again tomorrow (or in 3 hours on the expiry day); the reminder loses its buttons."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, Snooze)
    if found is None:
        return
    _, plan = found
    when = snooze_time(c.now, plan.expiry, c.tz, plan.time_of_day)
    await c.store.add_snooze(plan.id, int(when.timestamp()))
    await plans_changed(context)
    local = format_datetime_local(when, c.tz, c.lang)
    await update.callback_query.answer(c.plain("remind_snoozed", when=local))
    await _drop_buttons(update)
    await reply(update, c.html("remind_snoozed", when=local))


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """No more reminders for this plan."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, StopPlan)
    if found is None:
        return
    _, plan = found
    await c.store.end_plan(plan.id, "stopped", c.now_ts)
    await update.callback_query.answer()
    await _drop_buttons(update)
    await reply(update, c.html("remind_stopped", name=_name(c, plan)))


async def ask_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Delete is final (the plan and its reminders go), so it asks first."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, AskDelete)
    if found is None:
        return
    _, plan = found
    await update.callback_query.answer()
    rows: list[Row] = [
        [
            (c.plain("remind_btn_delete_yes"), ConfirmDelete(plan.id)),
            (c.plain("remind_btn_keep"), KeepPlan(plan.id)),
        ]
    ]
    text = c.html(
        "remind_delete_confirm", name=_name(c, plan), date=format_date(plan.expiry, c.lang)
    )
    await reply(update, text, rows)


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirmed: the plan ends as deleted; the question becomes the answer."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, ConfirmDelete)
    if found is None:
        return
    _, plan = found
    await c.store.end_plan(plan.id, "deleted", c.now_ts)
    await update.callback_query.answer()
    await edit(update, c.html("remind_deleted", name=_name(c, plan)))


async def keep(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Not deleted after all; the question becomes the answer."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, KeepPlan)
    if found is None:
        return
    _, plan = found
    await update.callback_query.answer()
    await edit(update, c.html("remind_kept", name=_name(c, plan)))


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


async def _drop_buttons(update: Update) -> None:
    with contextlib.suppress(BadRequest):  # already without buttons
        await update.callback_query.edit_message_reply_markup(reply_markup=None)


def register(application: Application) -> None:
    application.add_handler(CommandHandler("reminders", list_plans))
    application.add_handler(button(mark_renewed, MarkRenewed))
    application.add_handler(button(roll_forward_plan, RollForward))
    application.add_handler(button(snooze, Snooze))
    application.add_handler(button(stop, StopPlan))
    application.add_handler(button(ask_delete, AskDelete))
    application.add_handler(button(delete, ConfirmDelete))
    application.add_handler(button(keep, KeepPlan))
    application.add_handler(button(send_calendar_file, CalendarFile))
