"""/remind: save a plan's expiry date and when to be reminded of it.

Two ways in, one ConversationHandler (diagram: remind_flow.mmd beside this file):

* guided, ``/remind`` alone: operator → name → expiry date → reminders → Save;
* one line, ``/remind 2026-12-31 08:30 Smart 月卡``: saved at once; only a date that
  reads two ways (03/04) stops to ask which day, and the chosen day saves.
  ``/remind smart $10``: Smart's card table gives the expiry (hedged: stacking is unknown).

Either way, a plan whose reminders would all be in the past (expiry today after the
reminder time) is not saved with "I'll remind you": the user picks a near moment or
saves knowing nothing will be sent (NOTHING_AHEAD).

Nothing is stored before Save (or before the one-line form is understood); what the
steps collect lives in user_data as a Draft.

This file holds the guided steps and the one states table; the other user actions
live beside it: remind_one_line, remind_label_check (name or question?),
remind_calendar (month picker), remind_saving (save, nothing ahead); remind_steps holds
the Draft, the states and each step's buttons.
"""

from __future__ import annotations

import logging
from datetime import date, time, timedelta

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from bot.callbacks import (
    Blank,
    ExpiresIn,
    LabelIsName,
    LabelIsQuestion,
    PickExpiry,
    PickOperator,
    PickTime,
    RemindSoon,
    SavePlan,
    SaveWithoutReminder,
    ShowMonth,
    SkipLabel,
    StepBack,
    ToggleLead,
)
from bot.context import services
from bot.core.dates import LABEL_MAX, parse_time_of_day
from bot.handlers import flows
from bot.handlers.remind_calendar import blank, show_month
from bot.handlers.remind_label_check import ask_name_or_question, label_is_name, label_is_question
from bot.handlers.remind_one_line import pick_which_day, remind_in_one_line, type_which_day
from bot.handlers.remind_saving import (
    remind_soon,
    save_plan,
    save_without_reminder,
    type_in_nothing_ahead,
)
from bot.handlers.remind_steps import (
    END,
    EXPIRY,
    FLOW,
    LABEL,
    LABEL_CHECK,
    NOTHING_AHEAD,
    OPERATOR,
    REMINDERS,
    WHICH_DAY,
    Draft,
    current_draft,
    date_buttons,
    draft_rows,
    label_question,
    nav,
    operator_buttons,
    pressed_in_draft,
    skip_button,
    take_typed_date,
)
from bot.handlers.reminder_context import (
    Ctx,
    alert,
    button,
    date_in_range,
    edit,
    pressed,
    range_error,
    reminder_ctx,
    reply,
    stale_button,
)
from bot.keyboards import Row
from bot.reminders.questions import looks_like_question
from bot.reminders.wording import lead_key, summary
from bot.storage import MAX_ACTIVE_PLANS

log = logging.getLogger(__name__)
MAX_DAYS = 10_000  # beyond latest_allowed(); a forged "+N days" is refused, not overflowed
LEAD_CHOICES = (7, 3, 1, 0)
TIME_CHOICES = (time(8, 0), time(9, 0), time(12, 0), time(20, 0))


# --- entry ---------------------------------------------------------------------------


async def remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/remind alone starts the guided flow; /remind <date …> is the one-line form."""
    if context.args:
        return await remind_in_one_line(update, context)
    return await start_remind(update, context)


async def start_remind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores an empty Draft; asks for the operator. Callable from any handler (the
    ``/start remind`` deep link): the operator buttons also enter the conversation."""
    c = await reminder_ctx(update, context)
    flows.end(context)
    if await c.store.count_live_plans(c.chat_id, c.user_id) >= MAX_ACTIVE_PLANS:
        await reply(update, c.html("remind_limit", max=MAX_ACTIVE_PLANS))
        return END
    flows.begin(context, FLOW, Draft())
    await reply(update, c.html("remind_ask_operator"), operator_buttons(c))
    return OPERATOR


# --- guided steps ----------------------------------------------------------------------


async def pick_operator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Starts a new Draft with the pressed operator (also from a keyboard sent outside the
    conversation); asks for a name."""
    c = await reminder_ctx(update, context)
    button = await pressed(update, c, PickOperator)
    if button is None:
        return END
    await update.callback_query.answer()
    flows.begin(context, FLOW, Draft(operator=button.operator))
    await edit(update, label_question(c), skip_button(c))
    return LABEL


async def type_operator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores an operator typed by name; asks for a name (else asks to tap a button)."""
    c = await reminder_ctx(update, context)
    book = c.content.codes
    op = book.find_operator(update.effective_message.text or "") if book else None
    if op is None:
        await reply(update, c.html("remind_pick_operator"))
        return OPERATOR
    draft = current_draft(context) or Draft()
    flows.begin(context, FLOW, draft)
    draft.operator = op.id
    await reply(update, label_question(c), skip_button(c))
    return LABEL


async def type_label(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the typed name (too long: asks again); asks for the expiry date."""
    c = await reminder_ctx(update, context)
    draft = current_draft(context)
    if draft is None:
        return END
    label = " ".join((update.effective_message.text or "").split())
    if len(label) > LABEL_MAX:
        await reply(update, c.html("remind_label_too_long", length=len(label), max=LABEL_MAX))
        return LABEL
    if looks_like_question(services(context).matcher, label):
        return await ask_name_or_question(update, c, draft, label)
    draft.label = label or None
    await reply(update, c.html("remind_ask_date"), date_buttons(c))
    return EXPIRY


async def skip_label(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores no name; asks for the expiry date."""
    c = await reminder_ctx(update, context)
    draft = current_draft(context)
    if draft is None:
        await stale_button(update, c)
        return END
    await update.callback_query.answer()
    draft.label = None
    await edit(update, c.html("remind_ask_date"), date_buttons(c))
    return EXPIRY


async def type_expiry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the typed date (and a time, if given); shows the reminders to confirm.
    A date that reads two ways asks which day; an unusable one says why."""
    c = await reminder_ctx(update, context)
    draft = current_draft(context)
    if draft is None:
        return END
    if not await take_typed_date(update, c, draft):
        return EXPIRY
    await reply(update, *_preview(c, draft))
    return REMINDERS


async def pick_expiry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the pressed day ("+N days", the calendar, or one reading of a typed date);
    shows the reminders to confirm."""
    c = await reminder_ctx(update, context)
    chosen = await _pressed_day(update, c)
    draft = current_draft(context)
    if chosen is None or draft is None:
        if chosen is not None:
            await stale_button(update, c)
        return END
    if not date_in_range(c, chosen):
        await alert(update, range_error(c, chosen))
        return EXPIRY
    await update.callback_query.answer()
    draft.expiry = chosen
    await edit(update, *_preview(c, draft))
    return REMINDERS


async def _pressed_day(update: Update, c: Ctx) -> date | None:
    """The day of an ExpiresIn or PickExpiry button (None after the stale alert)."""
    data = update.callback_query.data
    quick = ExpiresIn.parse(data)
    if quick is not None:  # far-off days only need to be out of range, not overflow
        return c.today + timedelta(days=max(-MAX_DAYS, min(quick.days, MAX_DAYS)))
    day = await pressed(update, c, PickExpiry)
    return day.date if day is not None else None


def _preview(c: Ctx, draft: Draft) -> tuple[str, list[Row]]:
    assert draft.expiry is not None
    rows = draft_rows(c, draft)
    text = c.html(
        "remind_preview",
        summary=summary(
            c, label=draft.label, operator=draft.operator, expiry=draft.expiry, rows=rows
        ),
    )
    leads = []
    for n in LEAD_CHOICES:
        key, args = lead_key("lead", n)
        mark = "✅ " if n in draft.leads else "▫️ "
        leads.append((mark + c.plain(key, **args), ToggleLead(n)))
    times = [
        (("● " if t == draft.time_of_day else "") + t.strftime("%H:%M"), PickTime(t.hour, t.minute))
        for t in TIME_CHOICES
    ]
    save_row: Row = [(c.plain("remind_btn_save"), SavePlan())]
    return text, [leads[:2], leads[2:], times, save_row, nav(c, EXPIRY)]


async def toggle_lead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Adds or removes one reminder day (the last one stays); shows the preview again."""
    c = await reminder_ctx(update, context)
    found = await pressed_in_draft(update, context, c, ToggleLead, dated=True)
    if found is None:
        return END
    button, draft = found
    if button.days not in LEAD_CHOICES:
        await stale_button(update, c)
        return END
    leads = set(draft.leads) ^ {button.days}
    if not leads:
        await alert(update, c.plain("remind_need_lead"))
        return REMINDERS
    await update.callback_query.answer()
    draft.leads = tuple(sorted(leads, reverse=True))
    await edit(update, *_preview(c, draft))
    return REMINDERS


async def pick_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the pressed time of day; shows the preview again."""
    c = await reminder_ctx(update, context)
    found = await pressed_in_draft(update, context, c, PickTime, dated=True)
    if found is None:
        return END
    button, draft = found
    await update.callback_query.answer()
    draft.time_of_day = button.time
    await edit(update, *_preview(c, draft))
    return REMINDERS


async def type_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores a typed time of day (unreadable: says so); shows the preview again."""
    c = await reminder_ctx(update, context)
    draft = current_draft(context)
    if draft is None or draft.expiry is None:
        return END
    t = parse_time_of_day(update.effective_message.text or "")
    if t is None:
        await reply(update, c.html("remind_time_bad"))
        return REMINDERS
    draft.time_of_day = t
    await reply(update, *_preview(c, draft))
    return REMINDERS


async def save(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Saves the plan and its reminders; the flow is over."""
    c = await reminder_ctx(update, context)
    found = await pressed_in_draft(update, context, c, SavePlan, dated=True)
    if found is None:
        return END
    _, draft = found
    await update.callback_query.answer()
    return await save_plan(update, context, c, draft, edit_message=True)


# --- one line: which day? -------------------------------------------------------------


# --- saving ------------------------------------------------------------------------------


async def step_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """◀ Back: shows an earlier step again; what was collected stays until replaced."""
    c = await reminder_ctx(update, context)
    found = await pressed_in_draft(update, context, c, StepBack)
    if found is None:
        return END
    button_data, _ = found
    await update.callback_query.answer()
    if button_data.to == OPERATOR:
        await edit(update, c.html("remind_ask_operator"), operator_buttons(c))
        return OPERATOR
    if button_data.to == LABEL:
        await edit(update, label_question(c), skip_button(c))
        return LABEL
    await edit(update, c.html("remind_ask_date"), date_buttons(c))
    return EXPIRY


async def old_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /remind button pressed after its conversation ended (saved, cancelled, restarted)."""
    c = await reminder_ctx(update, context)
    await stale_button(update, c)


# --- registration ------------------------------------------------------------------------


def conversation(application: Application) -> ConversationHandler:
    text = flows.typed_text(application, FLOW)
    return flows.conversation(
        application,
        FLOW,
        entry_points=[
            CommandHandler("remind", remind),
            button(pick_operator, PickOperator),
        ],
        states={
            OPERATOR: [button(pick_operator, PickOperator), MessageHandler(text, type_operator)],
            LABEL: [
                button(skip_label, SkipLabel),
                button(step_back, StepBack),
                MessageHandler(text, type_label),
            ],
            LABEL_CHECK: [
                button(label_is_name, LabelIsName),
                button(label_is_question, LabelIsQuestion),
                button(step_back, StepBack),
                MessageHandler(text, type_label),
            ],
            EXPIRY: [
                button(step_back, StepBack),
                button(pick_expiry, ExpiresIn, PickExpiry),
                button(show_month, ShowMonth),
                MessageHandler(text, type_expiry),
            ],
            REMINDERS: [
                button(step_back, StepBack),
                button(toggle_lead, ToggleLead),
                button(pick_time, PickTime),
                button(save, SavePlan),
                MessageHandler(text, type_time),
            ],
            WHICH_DAY: [button(pick_which_day, PickExpiry), MessageHandler(text, type_which_day)],
            NOTHING_AHEAD: [
                button(remind_soon, RemindSoon),
                button(save_without_reminder, SaveWithoutReminder),
                MessageHandler(text, type_in_nothing_ahead),
            ],
        },
        fallbacks=[button(blank, Blank)],
    )


STEP_BUTTONS = (
    SkipLabel,
    ExpiresIn,
    PickExpiry,
    ShowMonth,
    ToggleLead,
    PickTime,
    SavePlan,
    StepBack,
    LabelIsName,
    LabelIsQuestion,
    RemindSoon,
    SaveWithoutReminder,
)


def register(application: Application) -> None:
    """The conversation; outside it, calendar blanks do nothing and old steps are stale."""
    application.add_handler(conversation(application))
    application.add_handler(button(blank, Blank))
    application.add_handler(button(old_step, *STEP_BUTTONS))
