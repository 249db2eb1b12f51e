"""A plan's own view (from /reminders and from its reminders) and the changes made with
buttons there: operator, reminder days, time of day, "keep my number". The name and the
date are typed (rename, new_date); pause, resume and delete are in plans.

Every press looks the plan up again through pressed_plan (reminder_context.own_plan is
the one ownership check), and every change re-plans the reminders still ahead.
"""

from __future__ import annotations

from datetime import time

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.callbacks import (
    AskDelete,
    ChangeDate,
    ChooseOperator,
    ChooseReminders,
    ListPage,
    MarkRenewed,
    RenamePlan,
    ResumePlan,
    SetOperator,
    SetPlanLead,
    SetPlanTime,
    ShowPlan,
    StopPlan,
    ToggleFollowUp,
)
from bot.handlers.reminder_context import (
    Ctx,
    alert,
    button,
    edit,
    pressed_plan,
    reminder_ctx,
    reply,
)
from bot.keyboards import Row
from bot.reminders.planning import kind_of, rows_for
from bot.reminders.sender import plans_changed
from bot.reminders.wording import lead_key, operator_name, summary
from bot.storage import Plan, Planned

OPERATORS = ("smart", "cellcard", "metfone", "seatel", "cootel", "travel", "other")
LEAD_CHOICES = (7, 3, 1, 0)
TIME_CHOICES = (time(8, 0), time(9, 0), time(12, 0), time(20, 0))


async def view(c: Ctx, plan: Plan) -> tuple[str, list[Row]]:
    """The plan's settings, its reminders still ahead, and a button per change."""
    pending = await c.store.pending_reminders(plan.id)
    rows = [Planned(r.send_at, r.lead_days, r.kind, r.stage) for r in pending]
    text = c.html(
        "plan_view",
        summary=summary(
            c,
            label=plan.label,
            operator=plan.operator,
            expiry=plan.expiry,
            rows=rows,
            paused=plan.paused,
        ),
    )
    if plan.follow_up and plan.kind == "validity":
        text += "\n" + c.html("plan_keep_number_mark")
    pause = (
        (c.plain("plan_btn_resume"), ResumePlan(plan.id))
        if plan.paused
        else (c.plain("plan_btn_pause"), StopPlan(plan.id))
    )
    buttons: list[Row] = [
        [(c.plain("reminder_btn_renewed"), MarkRenewed(plan.id))],
        [
            (c.plain("plan_btn_rename"), RenamePlan(plan.id)),
            (c.plain("plan_btn_operator"), ChooseOperator(plan.id)),
        ],
        [
            (c.plain("plan_btn_date"), ChangeDate(plan.id)),
            (c.plain("plan_btn_reminders"), ChooseReminders(plan.id)),
        ],
        [pause, (c.plain("plan_btn_delete"), AskDelete(plan.id))],
    ]
    if plan.kind == "validity":  # not for a data pack or a travel eSIM
        key = "plan_btn_keep_number_off" if plan.follow_up else "plan_btn_keep_number_on"
        buttons.append([(c.plain(key), ToggleFollowUp(plan.id, not plan.follow_up))])
    buttons.append([(c.plain("plan_btn_all"), ListPage(0))])
    return text, buttons


async def show_plan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Opens a plan's view in place of the pressed message."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, ShowPlan)
    if found is None:
        return
    await update.callback_query.answer()
    await edit(update, *await view(c, found[1]))


async def choose_operator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the operator buttons for this plan."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, ChooseOperator)
    if found is None:
        return
    plan = found[1]
    await update.callback_query.answer()
    names = [
        (operator_name(c.content, op, c.lang), SetOperator(plan.id, op))  # type: ignore[arg-type]
        for op in OPERATORS
    ]
    rows: list[Row] = [names[0:3], names[3:5], names[5:7], [_back(c, plan)]]
    await edit(update, c.html("plan_choose_operator"), rows)


async def set_operator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stores the operator (a travel eSIM is kind 'travel': no "keep my number")."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, SetOperator)
    if found is None:
        return
    button_data, plan = found
    kind = kind_of(c.content, button_data.operator, plan.label)
    await _change(update, context, c, plan, operator=button_data.operator, kind=kind)


async def choose_reminders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the reminder days and times of day to change."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, ChooseReminders)
    if found is None:
        return
    await update.callback_query.answer()
    await edit(update, *_reminder_choices(c, found[1]))


def _reminder_choices(c: Ctx, plan: Plan) -> tuple[str, list[Row]]:
    leads: Row = []
    for n in LEAD_CHOICES:
        key, args = lead_key("lead", n)
        mark = "✅ " if n in plan.leads else "▫️ "
        leads.append((mark + c.plain(key, **args), SetPlanLead(plan.id, n)))
    times: Row = [
        (
            ("● " if t == plan.time_of_day else "") + t.strftime("%H:%M"),
            SetPlanTime(plan.id, t.hour, t.minute),
        )
        for t in TIME_CHOICES
    ]
    rows: list[Row] = [leads[:2], leads[2:], times, [_back(c, plan)]]
    return c.html("plan_choose_reminders"), rows


async def set_lead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Adds or removes one reminder day (the last one stays)."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, SetPlanLead)
    if found is None:
        return
    button_data, plan = found
    if button_data.days not in LEAD_CHOICES:
        await alert(update, c.plain("stale_button"))
        return
    leads = tuple(sorted(set(plan.leads) ^ {button_data.days}, reverse=True))
    if not leads:
        await alert(update, c.plain("remind_need_lead"))
        return
    await _change(update, context, c, plan, stay=True, leads=leads)


async def set_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stores the pressed time of day."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, SetPlanTime)
    if found is None:
        return
    button_data, plan = found
    if button_data.time not in TIME_CHOICES:
        await alert(update, c.plain("stale_button"))
        return
    await _change(update, context, c, plan, stay=True, time_of_day=button_data.time)


async def toggle_follow_up(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Keep my number" on or off: reminders before each stage of the number's life
    after the expiry (only for a SIM's validity)."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, ToggleFollowUp)
    if found is None:
        return
    button_data, plan = found
    if plan.kind != "validity":
        await alert(update, c.plain("plan_keep_number_not_for_kind"))
        return
    if plan.follow_up == button_data.on:
        await update.callback_query.answer()
        await edit(update, *await view(c, plan))
        return
    rows = rows_for(c.content, plan, c.tz, c.now, follow_up=button_data.on)
    await c.store.update_plan(
        plan.id, reminders=rows, now=c.now_ts, why="keep my number", follow_up=button_data.on
    )
    await plans_changed(context)
    key = "plan_keep_number_on" if button_data.on else "plan_keep_number_off"
    await update.callback_query.answer(c.plain(key))
    new = await c.store.get_plan(plan.id)
    if new is not None:
        text, buttons = await view(c, new)
        await reply(update, c.html(key) + "\n\n" + text, buttons)


async def _change(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    plan: Plan,
    *,
    stay: bool = False,
    **fields: object,
) -> None:
    """Stores the changed fields and the reminders they give; shows the view again (or,
    `stay`, the same choices)."""
    rows = rows_for(c.content, plan, c.tz, c.now, **fields)
    await c.store.update_plan(plan.id, reminders=rows, now=c.now_ts, why="plan changed", **fields)
    await plans_changed(context)
    await update.callback_query.answer(c.plain("plan_changed"))
    new = await c.store.get_plan(plan.id)
    if new is None:
        return
    await edit(update, *(_reminder_choices(c, new) if stay else await view(c, new)))


def _back(c: Ctx, plan: Plan) -> tuple[str, ShowPlan]:
    return (c.plain("remind_btn_back"), ShowPlan(plan.id))


def register(application: Application) -> None:
    application.add_handler(button(show_plan, ShowPlan))
    application.add_handler(button(choose_operator, ChooseOperator))
    application.add_handler(button(set_operator, SetOperator))
    application.add_handler(button(choose_reminders, ChooseReminders))
    application.add_handler(button(set_lead, SetPlanLead))
    application.add_handler(button(set_time, SetPlanTime))
    application.add_handler(button(toggle_follow_up, ToggleFollowUp))
