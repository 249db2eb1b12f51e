"""The text and buttons of a due reminder, or of the one "expired on X" notice."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.callbacks import CallbackData, MarkRenewed, Snooze, StopPlan
from bot.content import LANGS, Content, Html
from bot.core.schedule import days_left, format_date
from bot.core.text import lang_from_telegram
from bot.reminders.planning import zone_or
from bot.reminders.wording import Reader, howto, left_text, operator_name, plan_name
from bot.storage import Due

Rows = list[list[tuple[str, CallbackData]]]


def reminder_message(
    content: Content,
    due: Due,
    now: datetime,
    default_tz: ZoneInfo,
    expired: bool,
    owner_name: str | None = None,
) -> tuple[str, Rows]:
    """Telegram HTML and button rows; `now` is aware (any zone). In a group the text
    starts by mentioning the plan's owner (`owner_name`: their name as Telegram has it
    now; we keep no names)."""
    text, rows = _body(content, due, now, default_tz, expired)
    plan = due.plan
    if plan.chat_id < 0 and plan.owner_id is not None:
        lang = _lang(due)
        name = owner_name or content.texts.plain("reminder_owner_default", lang)
        link = Html(f'<a href="tg://user?id={plan.owner_id}">{html.escape(name)}</a>')
        text = content.texts.html("reminder_for", lang, mention=link) + "\n" + text
    return text, rows


def _lang(due: Due) -> str:
    return due.language if due.language in LANGS else lang_from_telegram(due.tg_language)


def _body(
    content: Content, due: Due, now: datetime, default_tz: ZoneInfo, expired: bool
) -> tuple[str, Rows]:
    lang = _lang(due)
    r = Reader(content, lang, zone_or(due.timezone, default_tz), now)
    plan = due.plan
    words = {
        "name": plan_name(content, plan.label, plan.operator, lang),
        "operator": operator_name(content, plan.operator, lang),
        "date": format_date(plan.expiry, lang),
        "howto": howto(content, plan.operator, lang),
    }
    renewed = (r.plain("reminder_btn_renewed"), MarkRenewed(plan.id))
    stop = (r.plain("reminder_btn_stop"), StopPlan(plan.id))
    if expired:
        return r.html("reminder_expired", **words), [[renewed, stop]]
    text = r.html("reminder_due", left=left_text(r, plan.expiry), **words)
    due_today = days_left(plan.expiry, now, r.tz) <= 0
    snooze = (
        r.plain("reminder_btn_later" if due_today else "reminder_btn_tomorrow"),
        Snooze(plan.id),
    )
    return text, [[renewed], [snooze, stop]]
