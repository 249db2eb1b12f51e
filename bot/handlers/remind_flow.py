"""/remind: save a plan's expiry date and when to be reminded of it.

Two ways in, one ConversationHandler (diagram: remind_flow.mmd beside this file):

* guided, ``/remind`` alone: operator → name → expiry date → reminders → Save;
* one line, ``/remind 2026-12-31 08:30 Smart 月卡``: saved at once; only a date that
  reads two ways (03/04) stops to ask which day, and the chosen day saves.

Nothing is stored before Save (or before the one-line form is understood); what the
steps collect lives in user_data as a Draft.
"""

from __future__ import annotations

import calendar as _calendar
import logging
import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from babel.dates import format_date as babel_format_date
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
    PickExpiry,
    PickOperator,
    PickTime,
    SavePlan,
    ShowMonth,
    SkipLabel,
    ToggleLead,
)
from bot.core.dates import (
    LABEL_MAX,
    RemindParse,
    latest_allowed,
    parse_date_only,
    parse_remind,
    parse_time_of_day,
)
from bot.core.schedule import DEFAULT_LEADS, DEFAULT_TIME, format_date
from bot.handlers import flows
from bot.handlers.reminder_context import (
    Ctx,
    alert,
    button,
    date_error,
    date_in_range,
    edit,
    pressed,
    range_error,
    reminder_ctx,
    reply,
    stale_button,
)
from bot.keyboards import Row
from bot.reminders.planning import QUICK_DAYS, operator_aliases, planned
from bot.reminders.sender import plans_changed
from bot.reminders.wording import lead_key, operator_name, summary
from bot.storage import MAX_ACTIVE_PLANS

log = logging.getLogger(__name__)

FLOW = "remind"
OPERATOR_CHOICES = ("smart", "cellcard", "metfone", "seatel", "cootel", "travel", "other")
MAX_DAYS = 10_000  # beyond latest_allowed(); a forged "+N days" is refused, not overflowed
LEAD_CHOICES = (7, 3, 1, 0)
TIME_CHOICES = (time(8, 0), time(9, 0), time(12, 0), time(20, 0))

# states
OPERATOR = "operator"  # guided step 1: which operator
LABEL = "label"  # guided step 2: an optional name
EXPIRY = "expiry"  # guided step 3: the expiry date
REMINDERS = "reminders"  # guided step 4: which days and what time, then Save
WHICH_DAY = "which_day"  # one line: the date reads two ways; the chosen day saves
END = flows.END


@dataclass
class Draft:
    """What the steps have collected so far."""

    operator: str | None = None
    label: str | None = None
    expiry: date | None = None
    time_of_day: time = DEFAULT_TIME
    leads: tuple[int, ...] = DEFAULT_LEADS


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    return flows.current(context, FLOW)


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
    await reply(update, c.html("remind_ask_operator"), _operator_buttons(c))
    return OPERATOR


def _operator_buttons(c: Ctx) -> list[Row]:
    names = [
        (operator_name(c.content, op, c.lang), PickOperator(op))  # type: ignore[arg-type]
        for op in OPERATOR_CHOICES
    ]
    return [names[0:3], names[3:5], names[5:7]]


async def remind_in_one_line(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores a Draft from the whole line and saves it; a date that reads two ways asks
    which day (WHICH_DAY); an unreadable one says why and saves nothing."""
    c = await reminder_ctx(update, context)
    raw = update.effective_message.text or ""
    text = re.sub(r"^\s*/remind(@\w+)?\s*", "", raw, flags=re.I) or " ".join(context.args or [])
    parsed = parse_remind(text, c.now, c.tz, operator_aliases(c.content))
    draft = Draft(
        operator=parsed.operator,
        label=parsed.label,
        time_of_day=parsed.time_of_day or DEFAULT_TIME,
    )
    if parsed.ambiguous:
        flows.begin(context, FLOW, draft)
        await reply(update, c.html("remind_ask_which_date", text=text), _readings(c, parsed))
        return WHICH_DAY
    flows.end(context)
    if not parsed.ok:
        await reply(update, date_error(c, parsed, text))
        return END
    draft.expiry = parsed.expiry
    return await _save(update, context, c, draft)


def _readings(c: Ctx, parsed: RemindParse) -> list[Row]:
    return [[(format_date(d, c.lang), PickExpiry.of(d))] for d in parsed.ambiguous]


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
    await edit(update, _label_question(c), _skip_button(c))
    return LABEL


def _label_question(c: Ctx) -> str:
    return c.html("remind_ask_label", max=LABEL_MAX)


def _skip_button(c: Ctx) -> list[Row]:
    return [[(c.plain("remind_btn_skip"), SkipLabel())]]


async def type_operator(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores an operator typed by name; asks for a name (else asks to tap a button)."""
    c = await reminder_ctx(update, context)
    book = c.content.codes
    op = book.find_operator(update.effective_message.text or "") if book else None
    if op is None:
        await reply(update, c.html("remind_pick_operator"))
        return OPERATOR
    draft = _draft(context) or Draft()
    flows.begin(context, FLOW, draft)
    draft.operator = op.id
    await reply(update, _label_question(c), _skip_button(c))
    return LABEL


async def type_label(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the typed name (too long: asks again); asks for the expiry date."""
    c = await reminder_ctx(update, context)
    draft = _draft(context)
    if draft is None:
        return END
    label = " ".join((update.effective_message.text or "").split())
    if len(label) > LABEL_MAX:
        await reply(update, c.html("remind_label_too_long", length=len(label), max=LABEL_MAX))
        return LABEL
    draft.label = label or None
    await reply(update, c.html("remind_ask_date"), _date_buttons(c))
    return EXPIRY


async def skip_label(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores no name; asks for the expiry date."""
    c = await reminder_ctx(update, context)
    draft = _draft(context)
    if draft is None:
        await stale_button(update, c)
        return END
    await update.callback_query.answer()
    draft.label = None
    await edit(update, c.html("remind_ask_date"), _date_buttons(c))
    return EXPIRY


def _date_buttons(c: Ctx) -> list[Row]:
    quick = [(c.plain("remind_btn_plus_days", days=n), ExpiresIn(n)) for n in QUICK_DAYS]
    month = ShowMonth(c.today.year, c.today.month)
    return [quick, [(c.plain("remind_btn_calendar"), month)]]


async def type_expiry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the typed date (and a time, if given); shows the reminders to confirm.
    A date that reads two ways asks which day; an unusable one says why."""
    c = await reminder_ctx(update, context)
    draft = _draft(context)
    if draft is None:
        return END
    text = update.effective_message.text or ""
    parsed = parse_date_only(text, c.now, c.tz)
    if parsed.ambiguous:
        await reply(update, c.html("remind_ask_which_date", text=text), _readings(c, parsed))
        return EXPIRY
    if not parsed.ok:
        await reply(update, date_error(c, parsed, text))
        return EXPIRY
    if parsed.time_of_day:
        draft.time_of_day = parsed.time_of_day
    draft.expiry = parsed.expiry
    await reply(update, *_preview(c, draft))
    return REMINDERS


async def pick_expiry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the pressed day ("+N days", the calendar, or one reading of a typed date);
    shows the reminders to confirm."""
    c = await reminder_ctx(update, context)
    chosen = await _pressed_day(update, c)
    draft = _draft(context)
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


async def show_month(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows a month to pick the expiry from (past days and days past the limit are blank);
    stays in the current step."""
    c = await reminder_ctx(update, context)
    month = await pressed(update, c, ShowMonth)
    if month is None:
        return
    first = date(month.year, month.month, 1)
    if _draft(context) is None or not c.today.replace(day=1) <= first <= latest_allowed(c.today):
        await stale_button(update, c)
        return
    await update.callback_query.answer()
    await edit(
        update, c.html("remind_calendar", month=_month_name(first, c.lang)), _month(c, first)
    )


def _month_name(first: date, lang: str) -> str:
    pattern = "y年M月" if lang != "en" else "MMMM y"
    locale = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant"}.get(lang, "en")
    return babel_format_date(first, pattern, locale=locale)


def _month(c: Ctx, first: date) -> list[Row]:
    today, latest = c.today, latest_allowed(c.today)
    rows: list[Row] = [[(d, Blank()) for d in c.plain("remind_weekdays").split()]]
    for week in _calendar.Calendar(0).monthdayscalendar(first.year, first.month):
        row = []
        for day in week:
            d = first.replace(day=day) if day else None
            if d is None or d < today or d > latest:
                row.append((" " if d is None else "·", Blank()))
            else:
                row.append((str(day), PickExpiry.of(d)))
        rows.append(row)
    rows.append(_month_nav(first, today, latest))
    return [row for row in rows if row]


def _month_nav(first: date, today: date, latest: date) -> Row:
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    nav = []
    if prev_month >= today.replace(day=1):
        nav.append(("‹", ShowMonth(prev_month.year, prev_month.month)))
    if next_month <= latest:
        nav.append(("›", ShowMonth(next_month.year, next_month.month)))
    return nav


async def blank(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A weekday name or an empty calendar cell: nothing to do (garbage: the stale alert)."""
    if await pressed(update, await reminder_ctx(update, context), Blank) is None:
        return
    await update.callback_query.answer()


def _preview(c: Ctx, draft: Draft) -> tuple[str, list[Row]]:
    assert draft.expiry is not None
    rows = planned(draft.expiry, draft.leads, draft.time_of_day, c.tz, c.now)
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
    return text, [leads[:2], leads[2:], times, [(c.plain("remind_btn_save"), SavePlan())]]


async def toggle_lead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Adds or removes one reminder day (the last one stays); shows the preview again."""
    c = await reminder_ctx(update, context)
    button = await pressed(update, c, ToggleLead)
    draft = _draft(context)
    if button is None or draft is None or draft.expiry is None or button.days not in LEAD_CHOICES:
        if button is not None:
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
    button = await pressed(update, c, PickTime)
    draft = _draft(context)
    if button is None or draft is None or draft.expiry is None:
        if button is not None:
            await stale_button(update, c)
        return END
    await update.callback_query.answer()
    draft.time_of_day = button.time
    await edit(update, *_preview(c, draft))
    return REMINDERS


async def type_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores a typed time of day (unreadable: says so); shows the preview again."""
    c = await reminder_ctx(update, context)
    draft = _draft(context)
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
    draft = _draft(context)
    if draft is None or draft.expiry is None:
        await stale_button(update, c)
        return END
    await update.callback_query.answer()
    return await _save(update, context, c, draft, edit_message=True)


# --- one line: which day? -------------------------------------------------------------


async def pick_which_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the chosen reading of the one-line date and saves the plan."""
    c = await reminder_ctx(update, context)
    button = await pressed(update, c, PickExpiry)
    draft = _draft(context)
    if button is None or draft is None:
        if button is not None:
            await stale_button(update, c)
        return END
    if not date_in_range(c, button.date):
        await alert(update, range_error(c, button.date))
        return WHICH_DAY
    await update.callback_query.answer()
    draft.expiry = button.date
    return await _save(update, context, c, draft, edit_message=True)


async def type_which_day(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores a date typed instead of pressing a reading, and saves the plan."""
    c = await reminder_ctx(update, context)
    draft = _draft(context)
    if draft is None:
        return END
    text = update.effective_message.text or ""
    parsed = parse_date_only(text, c.now, c.tz)
    if parsed.ambiguous:
        await reply(update, c.html("remind_ask_which_date", text=text), _readings(c, parsed))
        return WHICH_DAY
    if not parsed.ok:
        await reply(update, date_error(c, parsed, text))
        return WHICH_DAY
    if parsed.time_of_day:
        draft.time_of_day = parsed.time_of_day
    draft.expiry = parsed.expiry
    return await _save(update, context, c, draft)


# --- saving ------------------------------------------------------------------------------


async def _save(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    draft: Draft,
    *,
    edit_message: bool = False,
) -> int:
    assert draft.expiry is not None
    rows = planned(draft.expiry, draft.leads, draft.time_of_day, c.tz, c.now)
    # The draft is dropped only once saved: if the disk is full, Save works again later.
    plan_id = await c.store.add_plan(
        c.chat_id,
        operator=draft.operator,
        label=draft.label,
        expiry=draft.expiry,
        time_of_day=draft.time_of_day,
        leads=draft.leads,
        period_days=max(1, (draft.expiry - c.today).days),
        reminders=rows,
        now=c.now_ts,
        owner_id=c.user_id,
        thread_id=c.thread_id,
    )
    flows.end_if(context, FLOW)
    if plan_id is None:
        text = c.html("remind_limit", max=MAX_ACTIVE_PLANS)
    else:
        text = c.html(
            "remind_saved",
            summary=summary(
                c, label=draft.label, operator=draft.operator, expiry=draft.expiry, rows=rows
            ),
        )
        log.info("plan %d saved for chat %d (%d reminders)", plan_id, c.chat_id, len(rows))
        await plans_changed(context)
    if edit_message and update.callback_query is not None:
        await edit(update, text)
    else:
        await reply(update, text)
    return END


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
            LABEL: [button(skip_label, SkipLabel), MessageHandler(text, type_label)],
            EXPIRY: [
                button(pick_expiry, ExpiresIn, PickExpiry),
                button(show_month, ShowMonth),
                MessageHandler(text, type_expiry),
            ],
            REMINDERS: [
                button(toggle_lead, ToggleLead),
                button(pick_time, PickTime),
                button(save, SavePlan),
                MessageHandler(text, type_time),
            ],
            WHICH_DAY: [button(pick_which_day, PickExpiry), MessageHandler(text, type_which_day)],
        },
        fallbacks=[button(blank, Blank)],
    )


STEP_BUTTONS = (SkipLabel, ExpiresIn, PickExpiry, ShowMonth, ToggleLead, PickTime, SavePlan)


def register(application: Application) -> None:
    """The conversation; outside it, calendar blanks do nothing and old steps are stale."""
    application.add_handler(conversation(application))
    application.add_handler(button(blank, Blank))
    application.add_handler(button(old_step, *STEP_BUTTONS))
