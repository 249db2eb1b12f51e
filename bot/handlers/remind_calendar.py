"""/remind's month picker: a month to pick the expiry from, past days and days past
the limit left blank; paging stays in the current step.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta

from babel.dates import format_date as babel_format_date
from telegram import Update
from telegram.ext import ContextTypes

from bot.callbacks import Blank, PickExpiry, ShowMonth
from bot.core.dates import latest_allowed
from bot.handlers.remind_steps import EXPIRY, current_draft, nav
from bot.handlers.reminder_context import Ctx, edit, pressed, reminder_ctx, stale_button
from bot.keyboards import Row


async def show_month(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows a month to pick the expiry from (past days and days past the limit are blank);
    stays in the current step."""
    c = await reminder_ctx(update, context)
    month = await pressed(update, c, ShowMonth)
    if month is None:
        return
    first = date(month.year, month.month, 1)
    if current_draft(context) is None or not c.today.replace(day=1) <= first <= latest_allowed(
        c.today
    ):
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
    rows.append(nav(c, EXPIRY))
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
