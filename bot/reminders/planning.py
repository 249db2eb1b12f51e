"""Decisions about plans that handlers and the sender share: which plans can still
change, which zone a user lives in, when a plan's reminders go out."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import Content
from bot.core.lifecycle import stage_reminders
from bot.core.schedule import reminder_times
from bot.reminders.facts import facts
from bot.storage import LIVE_PLAN_STATES, Plan, Planned

QUICK_DAYS = (7, 30, 90)  # the "+N days" buttons for an expiry date (new plan or renewal)


def is_live(plan: Plan | None, chat_id: int | None = None) -> bool:
    """A plan that is listed and can still be changed (and, given a chat, is that chat's)."""
    if plan is None or plan.state not in LIVE_PLAN_STATES:
        return False
    return chat_id is None or plan.chat_id == chat_id


def travel_brand(content: Content, text: str | None) -> str | None:
    """The travel eSIM brand named in the text (Airalo, Holafly …), if any."""
    low = (text or "").casefold()
    return next((b for b in facts(content.root).travel_brands if b.casefold() in low), None)


_WORD_EDGE = r"(?<![a-z]){}(?![a-z])"  # "10GB" is a data word, "GBP" is not


def kind_of(content: Content, operator: str | None, label: str | None) -> str:
    """'travel' for a travel eSIM, 'data' for a data pack (its name says so: "10GB",
    "流量包"), else 'validity': the SIM's own validity."""
    if operator == "travel" or travel_brand(content, label):
        return "travel"
    low = (label or "").casefold()
    for word in facts(content.root).data_words:
        w = word.casefold()
        found = re.search(_WORD_EDGE.format(re.escape(w)), low) if w.isascii() else w in low
        if found:
            return "data"
    return "validity"


def planned(
    expiry: date, leads: tuple[int, ...], time_of_day: time, tz: ZoneInfo, now: datetime
) -> list[Planned]:
    """The reminder rows to store for a plan, from now on."""
    return [
        Planned(int(p.send_at.timestamp()), p.lead_days)
        for p in reminder_times(expiry, leads, time_of_day, tz, now)
    ]


def plan_rows(
    content: Content,
    expiry: date,
    leads: tuple[int, ...],
    time_of_day: time,
    tz: ZoneInfo,
    now: datetime,
    *,
    paused: bool = False,
    follow_up: bool = False,
) -> list[Planned]:
    """Every reminder to store for a plan from now on: none while it is paused; its lead
    reminders; with "keep my number", one before each lifecycle stage after the expiry."""
    if paused:
        return []
    rows = planned(expiry, leads, time_of_day, tz, now)
    if follow_up:
        lifecycle = facts(content.root).lifecycle
        rows += [
            Planned(int(s.send_at.timestamp()), kind="follow_up", stage=s.stage.id)
            for s in stage_reminders(expiry, lifecycle, time_of_day, tz, now)
        ]
    return rows


def rows_for(
    content: Content, plan: Plan, tz: ZoneInfo, now: datetime, **changes: object
) -> list[Planned]:
    """plan_rows for a saved plan, with some settings about to change (`changes`)."""
    get = lambda name: changes.get(name, getattr(plan, name))  # noqa: E731
    return plan_rows(
        content,
        get("expiry"),  # type: ignore[arg-type]
        get("leads"),  # type: ignore[arg-type]
        get("time_of_day"),  # type: ignore[arg-type]
        tz,
        now,
        paused=bool(get("paused")),
        follow_up=bool(get("follow_up")) and get("kind") == "validity",
    )


def zone_or(name: str | None, default: ZoneInfo) -> ZoneInfo:
    """The user's saved zone; a missing or since-removed zone name falls back to the default."""
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default


def operator_aliases(content: Content) -> dict[str, str]:
    """Words that name an operator in a one-line /remind, to the operator id: codes.yaml's
    table (`CodeBook.alias_table`) plus the travel words, handed to the date parser as data."""
    aliases: dict[str, str] = {w: "travel" for w in facts(content.root).travel_words}
    if content.codes is not None:
        for alias, operator_id in content.codes.alias_table().items():
            aliases.setdefault(alias, operator_id)
    return aliases
