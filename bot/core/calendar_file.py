"""An iCalendar (.ics) file of a user's plans: one all-day event per expiry with
one display alarm per reminder. Pure: returns bytes, writes nothing; the words
come in as an argument (content/texts/calendar.yaml, read by the caller)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.core.schedule import format_date

__all__ = ["CalendarWords", "IcsPlan", "build_ics", "event_summary"]

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


@dataclass(frozen=True, slots=True)
class CalendarWords:
    """The calendar's words in one language: templates with ``{name}`` (and ``{date}``)."""

    lang: str  # for the date format of alarms
    expires: str  # event title, "{name} expires"
    plan: str  # a plan with neither label nor operator
    alarm: str  # "{name} expires on {date}"


def _name(plan: IcsPlan, words: CalendarWords) -> str:
    for candidate in (plan.label, plan.operator):
        if candidate and candidate.strip():
            return candidate.strip()
    return words.plan


def event_summary(plan: IcsPlan, words: CalendarWords) -> str:
    """``"<label or operator> expires"`` / ``"<label or operator> 到期"``."""
    return words.expires.format(name=_name(plan, words))


def _utc(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return dt.astimezone(UTC)


def build_ics(plans: Sequence[IcsPlan], words: CalendarWords, now: datetime) -> bytes:
    """The calendar as bytes (``text/calendar``, CRLF lines, UTF-8)."""
    stamp = _utc(now)
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
        event.add("summary", event_summary(plan, words))
        event.add("dtstart", plan.expiry)
        event.add("dtend", plan.expiry + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        details = [part for part in (plan.label, plan.operator) if part]
        if details:
            event.add("description", " · ".join(details))
        alarm_text = words.alarm.format(
            name=_name(plan, words), date=format_date(plan.expiry, words.lang)
        )
        for send_at in sorted({_utc(dt) for dt in plan.reminders}):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", alarm_text)
            alarm.add("trigger", send_at, parameters={"VALUE": "DATE-TIME"})
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
