"""Decisions about plans that handlers and the sender share: which plans can still
change, which zone a user lives in, when a plan's reminders go out."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import Content
from bot.core.schedule import reminder_times
from bot.storage import LIVE_PLAN_STATES, Plan, Planned

QUICK_DAYS = (7, 30, 90)  # the "+N days" buttons for an expiry date (new plan or renewal)
TRAVEL_ALIASES = ("travel esim", "travel e-sim", "旅行esim", "旅行 esim", "旅游esim", "旅遊esim")


def is_live(plan: Plan | None, chat_id: int | None = None) -> bool:
    """A plan that is listed and can still be changed (and, given a chat, is that chat's)."""
    if plan is None or plan.state not in LIVE_PLAN_STATES:
        return False
    return chat_id is None or plan.chat_id == chat_id


def planned(
    expiry: date, leads: tuple[int, ...], time_of_day: time, tz: ZoneInfo, now: datetime
) -> list[Planned]:
    """The reminder rows to store for a plan, from now on."""
    return [
        Planned(int(p.send_at.timestamp()), p.lead_days)
        for p in reminder_times(expiry, leads, time_of_day, tz, now)
    ]


def zone_or(name: str | None, default: ZoneInfo) -> ZoneInfo:
    """The user's saved zone; a missing or since-removed zone name falls back to the default."""
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default


def operator_aliases(content: Content) -> dict[str, str]:
    """Words that name an operator in a one-line /remind, to the operator id."""
    aliases: dict[str, str] = {alias: "travel" for alias in TRAVEL_ALIASES}
    book = content.codes
    if book is not None:
        for op in book.operators.values():
            for alias in (op.id, *op.names.values(), *op.aliases, *op.exact_aliases):
                aliases.setdefault(alias, op.id)
    return aliases
