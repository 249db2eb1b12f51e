"""/reminders and the buttons on saved plans: snooze, pause and resume, delete (with
undo). One callback per button; each looks the plan up again, so a button of a plan that
was deleted, stopped or belongs to another chat gets an alert, never an error. The plan
view and its edits are in plan_view, "Renewed" in renewed, the .ics file in
calendar_export."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.callbacks import (
    AskDelete,
    CalendarFile,
    ConfirmDelete,
    KeepPlan,
    ListPage,
    ResumePlan,
    ShowPlan,
    Snooze,
    SnoozeUntil,
    StopPlan,
    UndoDelete,
)
from bot.core.schedule import format_date, format_datetime_local, soon_choices
from bot.core.zones import zone_label
from bot.handlers.owners import is_group_admin
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
from bot.keyboards import Row, keyboard
from bot.reminders.message import reminder_buttons
from bot.reminders.planning import rows_for
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


async def _drop_buttons(update: Update) -> None:
    await _set_buttons(update, [])


async def _set_buttons(update: Update, rows: list[Row]) -> None:
    with contextlib.suppress(BadRequest):  # already with these buttons
        await update.callback_query.edit_message_reply_markup(reply_markup=keyboard(rows))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("reminders", list_plans))
    application.add_handler(button(show_page, ListPage))
    application.add_handler(button(snooze, Snooze))
    application.add_handler(button(snooze_until, SnoozeUntil))
    application.add_handler(button(pause, StopPlan))
    application.add_handler(button(resume, ResumePlan))
    application.add_handler(button(undo_delete, UndoDelete))
    application.add_handler(button(ask_delete, AskDelete))
    application.add_handler(button(delete, ConfirmDelete))
    application.add_handler(button(keep, KeepPlan))
