"""An iCalendar (.ics) file of a user's plans: one all-day event per expiry with
one display alarm per reminder. Pure: returns bytes, writes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

__all__ = ["IcsPlan", "build_ics", "event_summary"]

PRODID = "-//renewal-bot//reminders//EN"
UID_DOMAIN = "renewal-bot"


@dataclass(frozen=True, slots=True)
class IcsPlan:
    """What the calendar needs to know about one plan.

    ``operator`` is shown as given (pass the display name, e.g. "Smart").
    ``reminders`` are aware datetimes (any zone; written in UTC).
    """

    id: int | str
    label: str | None
    operator: str | None
    expiry: date
    reminders: Sequence[datetime] = field(default_factory=tuple)


_TEXT = {
    "en": {"expires": "{name} expires", "plan": "Plan", "alarm": "{name} expires on {date}"},
    "zh-Hans": {"expires": "{name} 到期", "plan": "套餐", "alarm": "{name} 将于 {date} 到期"},
    "zh-Hant": {"expires": "{name} 到期", "plan": "套餐", "alarm": "{name} 將於 {date} 到期"},
}


def _texts(lang: str) -> dict[str, str]:
    return _TEXT.get(lang, _TEXT["en"])


def _name(plan: IcsPlan, lang: str) -> str:
    for candidate in (plan.label, plan.operator):
        if candidate and candidate.strip():
            return candidate.strip()
    return _texts(lang)["plan"]


def event_summary(plan: IcsPlan, lang: str) -> str:
    """``"<label or operator> expires"`` / ``"<label or operator> 到期"``."""
    return _texts(lang)["expires"].format(name=_name(plan, lang))


def _utc(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return dt.astimezone(UTC)


def build_ics(plans: Sequence[IcsPlan], lang: str, now: datetime) -> bytes:
    """The calendar as bytes (``text/calendar``, CRLF lines, UTF-8)."""
    from bot.core.schedule import format_date

    stamp = _utc(now)
    texts = _texts(lang)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "renewal-bot")
    for plan in plans:
        event = Event()
        event.add("uid", f"plan-{plan.id}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("summary", event_summary(plan, lang))
        event.add("dtstart", plan.expiry)
        event.add("dtend", plan.expiry + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        details = [part for part in (plan.label, plan.operator) if part]
        if details:
            event.add("description", " · ".join(details))
        alarm_text = texts["alarm"].format(
            name=_name(plan, lang), date=format_date(plan.expiry, lang)
        )
        for send_at in sorted({_utc(dt) for dt in plan.reminders}):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", alarm_text)
            alarm.add("trigger", send_at, parameters={"VALUE": "DATE-TIME"})
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
