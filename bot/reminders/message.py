"""The text and buttons of a due reminder, of the one "expired on X" notice, and of a
"keep my number" stage after the expiry."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.callbacks import CallbackData, MarkRenewed, Snooze, StopPlan, ToggleFollowUp
from bot.content import LANGS, Content, Html
from bot.core.lifecycle import stage_begins
from bot.core.schedule import format_date
from bot.core.text import lang_from_telegram
from bot.reminders.facts import facts
from bot.reminders.planning import zone_or
from bot.reminders.wording import Reader, howto, left_text, operator_name, plan_name
from bot.storage import Due, Plan

Rows = list[list[tuple[str, CallbackData]]]


def reminder_buttons(r: Reader, plan: Plan, today: date) -> Rows:
    """Renewed, Later (until the expiry day is over) and Stop: the same after a snooze."""
    renewed = (r.plain("reminder_btn_renewed"), MarkRenewed(plan.id))
    stop = (r.plain("reminder_btn_stop"), StopPlan(plan.id))
    if plan.expiry < today:
        return [[renewed, stop]]
    return [[renewed], [(r.plain("reminder_btn_later"), Snooze(plan.id)), stop]]


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
        # a travel eSIM is renewed in its seller's app, whatever operator was picked
        "howto": howto(content, "travel" if plan.kind == "travel" else plan.operator, lang),
    }
    if due.reminder.kind == "follow_up":
        return stage_message(r, plan, due.reminder.stage, words)
    if expired:
        return r.html("reminder_expired", **words), reminder_buttons(r, plan, r.today)
    text = r.html("reminder_due", left=left_text(r, plan.expiry), **words)
    return text, reminder_buttons(r, plan, r.today)


def stage_message(
    r: Reader, plan: Plan, stage_id: str | None, words: dict[str, object]
) -> tuple[str, Rows]:
    """A "keep my number" stage: what stops when, what to do; Renewed ends the series.
    The operator's own rule is named where the fact base has it, else the national one."""
    lifecycle = facts(r.content.root).lifecycle
    stage = lifecycle.stage(stage_id) or lifecycle.stages[0]
    begins = stage_begins(plan.expiry, stage)
    confirmed = plan.operator in lifecycle.confirmed_by_operator
    rule = Html(
        r.html(
            "lifecycle_rule_operator" if confirmed else "lifecycle_rule_national",
            operator=words["operator"],
        )
    )
    text = r.html(
        f"lifecycle_{stage.id}",
        name=words["name"],
        date=words["date"],
        begins=format_date(begins, r.lang),
        rule=rule,
    )
    if stage is lifecycle.last:
        text += "\n\n" + r.html("lifecycle_series_over")
    else:
        text += "\n\n" + r.html("lifecycle_what_to_do", howto=words["howto"])
    renewed = (r.plain("reminder_btn_renewed"), MarkRenewed(plan.id))
    stop = (r.plain("lifecycle_btn_stop"), ToggleFollowUp(plan.id, False))
    return text, [[renewed, stop]]
