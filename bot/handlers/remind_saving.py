"""Saving a /remind plan. When every reminder time has already passed (expiry today,
after the reminder time) nothing is saved with "I'll remind you": the person picks a
near moment still ahead, or saves knowing nothing will be sent (NOTHING_AHEAD).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.callbacks import RemindSoon, SaveWithoutReminder, ToggleFollowUp
from bot.core.schedule import format_date, soon_choices
from bot.core.validity import format_cents
from bot.handlers import flows
from bot.handlers.remind_steps import (
    END,
    FLOW,
    NOTHING_AHEAD,
    Draft,
    draft_rows,
    nav,
    pressed_in_draft,
)
from bot.handlers.reminder_context import (
    Ctx,
    alert,
    reminder_ctx,
    reply,
    reply_or_edit,
)
from bot.keyboards import Row
from bot.reminders.planning import kind_of
from bot.reminders.sender import plans_changed
from bot.reminders.wording import operator_name, plan_name, summary
from bot.storage import MAX_ACTIVE_PLANS, Planned

log = logging.getLogger(__name__)


async def save_plan(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    draft: Draft,
    *,
    edit_message: bool = False,
) -> int:
    """Stores the draft as a plan; when no reminder time is ahead, asks first."""
    assert draft.expiry is not None
    rows = draft_rows(c, draft)
    if not rows:
        return await _ask_nothing_ahead(update, context, c, draft, edit_message=edit_message)
    return await _store(update, context, c, draft, rows, edit_message=edit_message)


async def _ask_nothing_ahead(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    draft: Draft,
    *,
    edit_message: bool,
) -> str:
    """Every reminder time has passed: offer the near moments still ahead, or saving
    without a reminder, before anything is stored."""
    assert draft.expiry is not None
    flows.begin(context, FLOW, draft)
    choices = soon_choices(c.now, c.tz, last_day=draft.expiry)
    rows: list[Row] = [
        [(c.plain(f"remind_btn_soon_{name}", when=c.hhmm(when)), RemindSoon(name))]  # type: ignore[arg-type]
        for name, when in choices
    ]
    rows.append([(c.plain("remind_btn_no_reminder"), SaveWithoutReminder())])
    rows.append(nav(c, None))
    text = c.html(
        "remind_nothing_ahead",
        name=plan_name(c.content, draft.label, draft.operator, c.lang),
        date=format_date(draft.expiry, c.lang),
    )
    await reply_or_edit(update, text, rows, edit_message=edit_message)
    return NOTHING_AHEAD


async def remind_soon(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Saves the plan with one reminder at the chosen near moment."""
    c = await reminder_ctx(update, context)
    found = await pressed_in_draft(update, context, c, RemindSoon, dated=True)
    if found is None:
        return END
    button_data, draft = found
    choices = dict(soon_choices(c.now, c.tz, last_day=draft.expiry))
    when = choices.get(button_data.choice)
    if when is None:  # the moment passed while the question waited
        await alert(update, c.plain("remind_soon_passed"))
        return await _ask_nothing_ahead(update, context, c, draft, edit_message=True)
    await update.callback_query.answer()
    rows = [Planned(int(when.timestamp()), kind="snooze")]
    return await _store(update, context, c, draft, rows, edit_message=True)


async def type_in_nothing_ahead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Typed text while the near moments are offered: asks for a button, saves nothing."""
    c = await reminder_ctx(update, context)
    await reply(update, c.html("remind_tap_a_button"))
    return NOTHING_AHEAD


async def save_without_reminder(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Saves the plan with no reminder at all, and says so plainly."""
    c = await reminder_ctx(update, context)
    found = await pressed_in_draft(update, context, c, SaveWithoutReminder, dated=True)
    if found is None:
        return END
    _, draft = found
    await update.callback_query.answer()
    return await _store(update, context, c, draft, [], edit_message=True)


async def _store(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    draft: Draft,
    rows: list[Planned],
    *,
    edit_message: bool,
) -> int:
    assert draft.expiry is not None
    kind = kind_of(c.content, draft.operator, draft.label)
    # The draft is dropped only once saved: if the disk is full, Save works again later.
    plan_id = await c.store.add_plan(
        c.chat_id,
        operator=draft.operator,
        label=draft.label,
        expiry=draft.expiry,
        time_of_day=draft.time_of_day,
        leads=draft.leads,
        period_days=None,  # learned from the first renewal, never guessed
        reminders=rows,
        now=c.now_ts,
        owner_id=c.user_id,
        thread_id=c.thread_id,
        kind=kind,
    )
    flows.end_if(context, FLOW)
    buttons: list[Row] = []
    if plan_id is None:
        text = c.html("remind_limit", max=MAX_ACTIVE_PLANS)
    else:
        text = c.html(
            "remind_saved" if rows else "remind_saved_silent",
            summary=summary(
                c, label=draft.label, operator=draft.operator, expiry=draft.expiry, rows=rows
            ),
        )
        if draft.cents is not None:
            text += "\n\n" + c.html(
                "remind_amount_hedge",
                amount=format_cents(draft.cents),
                operator=operator_name(c.content, draft.operator, c.lang),
                date=format_date(draft.expiry, c.lang),
            )
        if kind == "validity":
            buttons.append([(c.plain("plan_btn_keep_number_on"), ToggleFollowUp(plan_id, True))])
        log.info("plan %d saved for chat %d (%d reminders)", plan_id, c.chat_id, len(rows))
        await plans_changed(context)
    await reply_or_edit(update, text, buttons, edit_message=edit_message)
    return END
