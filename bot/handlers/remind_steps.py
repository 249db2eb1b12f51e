"""What /remind holds between steps (the Draft, the conversation's states) and how
each step asks: its question's buttons, shared by the steps that come back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from telegram import Update
from telegram.ext import ContextTypes

from bot.callbacks import ExpiresIn, PickExpiry, PickOperator, ShowMonth, SkipLabel, StepBack
from bot.content import Content
from bot.core.dates import LABEL_MAX, RemindParse, parse_date_only
from bot.core.schedule import DEFAULT_LEADS, DEFAULT_TIME, format_date
from bot.handlers import flows
from bot.handlers.reminder_context import Ctx, Data, date_error, pressed, reply, stale_button
from bot.keyboards import Row
from bot.reminders.planning import QUICK_DAYS, plan_rows
from bot.reminders.wording import operator_name
from bot.storage import Planned

FLOW = "remind"
EXTRA_CHOICES = ("travel", "other")  # not operators: a travel SIM, or any other number

# states
OPERATOR = "operator"  # guided step 1: which operator
LABEL = "label"  # guided step 2: an optional name
EXPIRY = "expiry"  # guided step 3: the expiry date
REMINDERS = "reminders"  # guided step 4: which days and what time, then Save
WHICH_DAY = "which_day"  # one line: the date reads two ways; the chosen day saves
LABEL_CHECK = "label_check"  # the typed name looked like a question: name or question?
NOTHING_AHEAD = "nothing_ahead"  # every reminder time is past: a near moment, or none
END = flows.END


@dataclass
class Draft:
    """What the steps have collected so far."""

    operator: str | None = None
    label: str | None = None
    expiry: date | None = None
    time_of_day: time = DEFAULT_TIME
    leads: tuple[int, ...] = DEFAULT_LEADS
    cents: int | None = None  # the card amount the expiry was computed from (Smart)
    pending_label: str | None = None  # typed at the name step; name or question?


def current_draft(context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    return flows.current(context, FLOW)


def operator_choices(content: Content) -> tuple[str, ...]:
    """codes.yaml's operators, in its order, then travel and other."""
    operators = tuple(content.codes.operators) if content.codes is not None else ()
    return (*operators, *EXTRA_CHOICES)


def operator_buttons(c: Ctx) -> list[Row]:
    """Operators three to a row, then travel and other on a row of their own."""
    operators = [
        (operator_name(c.content, op, c.lang), PickOperator(op))  # type: ignore[arg-type]
        for op in operator_choices(c.content)
    ]
    ops, extras = operators[: -len(EXTRA_CHOICES)], operators[-len(EXTRA_CHOICES) :]
    rows: list[Row] = [ops[i : i + 3] for i in range(0, len(ops), 3)]
    return [*rows, extras, nav(c, None)]


def nav(c: Ctx, back: str | None) -> Row:
    """◀ Back (to step `back`) and ✖ Cancel, under every wizard step."""
    row: Row = [] if back is None else [(c.plain("remind_btn_back"), StepBack(back))]  # type: ignore[arg-type]
    return [*row, *flows.cancel_row(c)]


def readings(c: Ctx, parsed: RemindParse) -> list[Row]:
    days: list[Row] = [[(format_date(d, c.lang), PickExpiry.of(d))] for d in parsed.ambiguous]
    return [*days, nav(c, None)]


def label_question(c: Ctx) -> str:
    return c.html("remind_ask_label", max=LABEL_MAX)


def skip_button(c: Ctx) -> list[Row]:
    return [[(c.plain("remind_btn_skip"), SkipLabel())], nav(c, OPERATOR)]


def date_buttons(c: Ctx) -> list[Row]:
    quick = [(c.plain("remind_btn_plus_days", days=n), ExpiresIn(n)) for n in QUICK_DAYS]
    month = ShowMonth(c.today.year, c.today.month)
    return [quick, [(c.plain("remind_btn_calendar"), month)], nav(c, LABEL)]


def draft_rows(c: Ctx, draft: Draft) -> list[Planned]:
    assert draft.expiry is not None
    return plan_rows(c.content, draft.expiry, draft.leads, draft.time_of_day, c.tz, c.now)


async def take_typed_date(update: Update, c: Ctx, draft: Draft) -> bool:
    """Stores a typed date (and time, if given) in the draft; False after asking which day
    (a date that reads two ways) or saying why it cannot be used."""
    text = update.effective_message.text or ""
    parsed = parse_date_only(text, c.now, c.tz)
    if parsed.ambiguous:
        await reply(update, c.html("remind_ask_which_date", text=text), readings(c, parsed))
        return False
    if not parsed.ok:
        await reply(update, date_error(c, parsed, text))
        return False
    if parsed.time_of_day:
        draft.time_of_day = parsed.time_of_day
    draft.expiry = parsed.expiry
    return True


async def pressed_in_draft(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    c: Ctx,
    kind: type[Data],
    *,
    dated: bool = False,
) -> tuple[Data, Draft] | None:
    """The pressed step button and the draft it belongs to (`dated`: one that has its
    expiry already); None after the stale-button alert when the conversation moved on."""
    button = await pressed(update, c, kind)
    draft = current_draft(context)
    if button is None or draft is None or (dated and draft.expiry is None):
        if button is not None:
            await stale_button(update, c)
        return None
    return button, draft
