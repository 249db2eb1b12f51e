"""/reminders and the buttons on saved plans: renewed, snooze, pause and resume, delete
(with undo), calendar file. One callback per button; each looks the plan up again, so a
button of a plan that was deleted, stopped or belongs to another chat gets an alert,
never an error. The plan view and its edits are in plan_view."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from telegram import InputFile, Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.callbacks import (
    AskDelete,
    CalendarFile,
    ConfirmDelete,
    KeepPlan,
    ListPage,
    MarkRenewed,
    RenewedAmount,
    ResumePlan,
    RollForward,
    ShowPlan,
    Snooze,
    SnoozeUntil,
    StopPlan,
    TypeRenewedDate,
    UndoDelete,
)
from bot.core.calendar_file import CalendarWords, IcsPlan, build_ics
from bot.core.dates import latest_allowed
from bot.core.schedule import (
    format_date,
    format_datetime_local,
    roll_forward,
    soon_choices,
)
from bot.core.validity import format_cents, valid_until
from bot.core.zones import zone_label
from bot.handlers.owners import is_group_admin
from bot.handlers.private_chat import in_private
from bot.handlers.reminder_context import (
    Ctx,
    alert,
    button,
    edit,
    plan_gone,
    pressed,
    pressed_plan,
    reminder_ctx,
    reply,
)
from bot.handlers.reschedule import reschedule
from bot.keyboards import Row, keyboard
from bot.reminders.facts import facts
from bot.reminders.message import reminder_buttons
from bot.reminders.planning import QUICK_DAYS, rows_for
from bot.reminders.sender import plans_changed
from bot.reminders.wording import left_text, operator_name, plan_name
from bot.storage import MAX_ACTIVE_PLANS, Plan

PAGE_SIZE = 5  # plans per /reminders page: the message stays far below 4096 characters
UNDO_SECONDS = 15 * 60  # a deleted plan can be brought back this long


async def list_plans(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reminders: the first page of live plans by expiry (in a group: the sender's own
    plans, and for an admin the group's plans without an owner)."""
    c = await reminder_ctx(update, context)
    page = await _page(c, await _visible_plans(update, c), 0)
    if page is None:
        await reply(update, c.html("reminders_empty"))
        return
    await reply(update, *page)


async def show_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ ▶ in /reminders, or back from a plan's view: that page, in place."""
    c = await reminder_ctx(update, context)
    button_data = await pressed(update, c, ListPage)
    if button_data is None:
        return
    await update.callback_query.answer()
    page = await _page(c, await _visible_plans(update, c), button_data.page)
    if page is None:
        await edit(update, c.html("reminders_empty"))
        return
    await edit(update, *page)


async def _visible_plans(update: Update, c: Ctx) -> list[Plan]:
    """The plans this person may see here: their own; in a group an admin also sees the
    plans made before owners were recorded."""
    plans = await c.store.live_plans(c.chat_id, c.owner_filter)
    if c.group:
        ownerless = [p for p in await c.store.live_plans(c.chat_id) if p.owner_id is None]
        if ownerless and await is_group_admin(update):
            plans += sorted(ownerless, key=lambda p: (p.expiry, p.id))
    return plans


async def _page(c: Ctx, plans: list[Plan], page: int) -> tuple[str, list[Row]] | None:
    """One page of the list (a page past the end shows the last one); None: no plans."""
    if not plans:
        return None
    pages = (len(plans) + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(0, min(page, pages - 1))
    first = page * PAGE_SIZE
    header = c.html(
        "reminders_header", count=len(plans), max=MAX_ACTIVE_PLANS, tz=zone_label(c.tz.key)
    )
    if pages > 1:
        header += " " + c.html("reminders_page", page=page + 1, pages=pages)
    parts = [header]
    rows: list[Row] = []
    for n, plan in enumerate(plans[first : first + PAGE_SIZE], start=first + 1):
        parts.append(await _plan_item(c, n, plan))
        name = plan_name(c.content, plan.label, plan.operator, c.lang)
        rows.append([(c.plain("reminders_btn_open", n=n, name=name[:30]), ShowPlan(plan.id))])
    nav: Row = []
    if page > 0:
        nav.append(("◀", ListPage(page - 1)))
    if page < pages - 1:
        nav.append(("▶", ListPage(page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(c.plain("reminders_btn_ics"), CalendarFile())])
    return "\n\n".join(parts), rows


async def _plan_item(c: Ctx, n: int, plan: Plan) -> str:
    pending = await c.store.pending_reminders(plan.id)
    nxt = (
        format_datetime_local(datetime.fromtimestamp(pending[0].send_at, UTC), c.tz, c.lang)
        if pending
        else c.plain("reminders_next_none")
    )
    item = c.html(
        "reminders_item",
        n=n,
        name=plan_name(c.content, plan.label, plan.operator, c.lang),
        operator=operator_name(c.content, plan.operator, c.lang),
        date=format_date(plan.expiry, c.lang),
        left=left_text(c, plan.expiry),
        next=nxt,
    )
    if plan.paused:
        item += "\n" + c.html("plan_paused_mark")
    return item


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
    text = c.html(key, name=_name(c, plan), date=format_date(plan.expiry, c.lang))
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


async def snooze(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """⏰ Later: the reminder's buttons show the moments still ahead (in an hour, this
    evening, tomorrow morning), with Renewed and Stop kept."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, Snooze)
    if found is None:
        return
    _, plan = found
    await update.callback_query.answer()
    choices: Row = [
        (c.plain(f"remind_btn_soon_{name}", when=c.hhmm(when)), SnoozeUntil(plan.id, name))  # type: ignore[arg-type]
        for name, when in soon_choices(c.now, c.tz)
    ]
    rows = [choices, *_plain_rows(c, plan)]
    await _set_buttons(update, rows)


def _plain_rows(c: Ctx, plan: Plan) -> list[Row]:
    return reminder_buttons(c, plan, c.today)  # type: ignore[return-value]


async def snooze_until(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remind again at the chosen moment; the reminder keeps Renewed, Later and Stop."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, SnoozeUntil)
    if found is None:
        return
    button_data, plan = found
    when = dict(soon_choices(c.now, c.tz)).get(button_data.choice)
    if when is None:  # "this evening" pressed after the evening began
        await alert(update, c.plain("remind_soon_passed"))
        return
    await c.store.add_snooze(plan.id, int(when.timestamp()))
    await plans_changed(context)
    local = format_datetime_local(when, c.tz, c.lang)
    await update.callback_query.answer(c.plain("remind_snoozed", when=local))
    await _set_buttons(update, _plain_rows(c, plan))
    await reply(update, c.html("remind_snoozed", when=local))


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """🛑 Stop / ⏸ Pause: the plan stays listed, its reminders are held until Resume."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, StopPlan)
    if found is None:
        return
    _, plan = found
    await c.store.update_plan(plan.id, reminders=[], now=c.now_ts, why="paused", paused=True)
    await update.callback_query.answer()
    await _drop_buttons(update)
    resume: list[Row] = [[(c.plain("plan_btn_resume"), ResumePlan(plan.id))]]
    await reply(update, c.html("remind_paused", name=_name(c, plan)), resume)


async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """▶ Resume: the reminders still ahead are planned again."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, ResumePlan)
    if found is None:
        return
    _, plan = found
    rows = rows_for(c.content, plan, c.tz, c.now, paused=False)
    await c.store.update_plan(plan.id, reminders=rows, now=c.now_ts, why="resumed", paused=False)
    await plans_changed(context)
    await update.callback_query.answer()
    key = "remind_resumed" if rows else "remind_resumed_nothing"
    await edit(update, c.html(key, name=_name(c, plan)), [[_open(c, plan)]])


def _open(c: Ctx, plan: Plan) -> tuple[str, ShowPlan]:
    return (c.plain("plan_btn_open"), ShowPlan(plan.id))


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
    """Confirmed: the plan ends as deleted (kept for the undo window, then purged by
    retention); the question becomes the answer, with Undo."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, ConfirmDelete)
    if found is None:
        return
    _, plan = found
    await c.store.end_plan(plan.id, "deleted", c.now_ts)
    await update.callback_query.answer()
    undo: list[Row] = [[(c.plain("plan_btn_undo"), UndoDelete(plan.id))]]
    text = c.html("remind_deleted_undo", name=_name(c, plan), minutes=UNDO_SECONDS // 60)
    await edit(update, text, undo)


async def undo_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """↩ Undo: within the window the plan and its reminders still ahead come back."""
    c = await reminder_ctx(update, context)
    button_data = await pressed(update, c, UndoDelete)
    if button_data is None:
        return
    plan = await c.store.get_plan(button_data.plan_id)
    if plan is None or plan.chat_id != c.chat_id or plan.state != "deleted":
        await plan_gone(update, c)
        return
    rows = rows_for(c.content, plan, c.tz, c.now)
    restored = await c.store.restore_deleted(
        plan.id, deleted_since=c.now_ts - UNDO_SECONDS, reminders=rows, now=c.now_ts
    )
    if not restored:
        await alert(update, c.plain("plan_undo_too_late", minutes=UNDO_SECONDS // 60))
        return
    await plans_changed(context)
    await update.callback_query.answer()
    await edit(update, c.html("plan_restored", name=_name(c, plan)), [[_open(c, plan)]])


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
    await _set_buttons(update, [])


async def _set_buttons(update: Update, rows: list[Row]) -> None:
    with contextlib.suppress(BadRequest):  # already with these buttons
        await update.callback_query.edit_message_reply_markup(reply_markup=keyboard(rows))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("reminders", list_plans))
    application.add_handler(button(show_page, ListPage))
    application.add_handler(button(mark_renewed, MarkRenewed))
    application.add_handler(button(roll_forward_plan, RollForward))
    application.add_handler(button(renewed_amount, RenewedAmount))
    application.add_handler(button(snooze, Snooze))
    application.add_handler(button(snooze_until, SnoozeUntil))
    application.add_handler(button(pause, StopPlan))
    application.add_handler(button(resume, ResumePlan))
    application.add_handler(button(undo_delete, UndoDelete))
    application.add_handler(button(ask_delete, AskDelete))
    application.add_handler(button(delete, ConfirmDelete))
    application.add_handler(button(keep, KeepPlan))
    application.add_handler(button(send_calendar_file, CalendarFile))
