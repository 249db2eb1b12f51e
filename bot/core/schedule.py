"""Reminder-time computation: pure functions of dates, zones and an injected "now".

Local wall-clock times are turned into UTC with :mod:`zoneinfo` semantics
(PEP 495): a local time in a spring-forward gap is read with the offset in
force before the gap, which moves it forward by the gap's length (02:30 in
New York on the spring-forward day becomes 03:30 EDT); an ambiguous
fall-back time uses its first occurrence (``fold=0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_format_date

__all__ = [
    "DEFAULT_LEADS",
    "DEFAULT_TIME",
    "MAX_LEAD_DAYS",
    "SNOOZE_ON_EXPIRY_DAY",
    "PlannedReminder",
    "days_left",
    "format_date",
    "format_datetime_local",
    "local_to_utc",
    "reminder_times",
    "roll_forward",
    "same_period",
    "snooze_time",
]

DEFAULT_LEADS: tuple[int, ...] = (3, 1, 0)
DEFAULT_TIME = time(9, 0)
MAX_LEAD_DAYS = 365
SNOOZE_ON_EXPIRY_DAY = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """One planned send: ``lead_days`` before expiry, at ``send_at`` (aware, UTC)."""

    lead_days: int
    send_at: datetime


def _require_aware(dt: datetime, name: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def local_to_utc(day: date, time_of_day: time, tz: ZoneInfo) -> datetime:
    """Local wall time ``day time_of_day`` in ``tz`` as an aware UTC datetime.

    Nonexistent times (DST gap) move forward by the gap; ambiguous times
    (DST overlap) take the first occurrence.
    """
    naive = datetime.combine(day, time_of_day.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def reminder_times(
    expiry: date,
    leads: Sequence[int],
    time_of_day: time,
    tz: ZoneInfo,
    now: datetime,
) -> list[PlannedReminder]:
    """The reminders still to come for a plan expiring on ``expiry``.

    One per distinct lead (days before expiry, 0 = on the day), at
    ``time_of_day`` local time in ``tz``, sorted by ``send_at``. Those at or
    before ``now`` are skipped (never sent late when a plan is registered).
    Raises ValueError for a naive ``now`` or a lead outside 0..365.
    """
    _require_aware(now, "now")
    now_utc = now.astimezone(UTC)
    planned: dict[datetime, PlannedReminder] = {}
    for lead in set(leads):
        if isinstance(lead, bool) or not isinstance(lead, int):
            raise ValueError(f"lead days must be int, got {lead!r}")
        if not 0 <= lead <= MAX_LEAD_DAYS:
            raise ValueError(f"lead days must be within 0..{MAX_LEAD_DAYS}, got {lead}")
        try:
            day = expiry - timedelta(days=lead)
        except OverflowError:
            continue
        send_at = local_to_utc(day, time_of_day, tz)
        if send_at <= now_utc:
            continue
        planned.setdefault(send_at, PlannedReminder(send_at=send_at, lead_days=lead))
    return sorted(planned.values(), key=lambda r: r.send_at)


def days_left(expiry: date, now: datetime, tz: ZoneInfo) -> int:
    """Whole days from today (``now``'s date in ``tz``) to ``expiry``; 0 on the
    day, negative once expired."""
    _require_aware(now, "now")
    return (expiry - now.astimezone(tz).date()).days


def roll_forward(expiry: date, days: int, *, today: date | None = None) -> date:
    """The new expiry after renewing for ``days`` days.

    Counted from the old expiry; if ``today`` is given and the plan already
    expired, counted from today instead (a lapsed plan renewed today runs
    from today).
    """
    if days < 0:
        raise ValueError("days must not be negative")
    base = expiry if today is None else max(expiry, today)
    return base + timedelta(days=days)


def same_period(start: date, expiry: date) -> int:
    """Length in days of the previous period (``start`` to ``expiry``), at least 1."""
    return max(1, (expiry - start).days)


def snooze_time(
    now: datetime,
    expiry: date,
    tz: ZoneInfo,
    time_of_day: time | None = None,
) -> datetime:
    """When a "⏰ Tomorrow" snooze fires, in UTC.

    Before the expiry day: tomorrow at ``time_of_day`` local time (or, if
    None, at the same local clock time as ``now``). On the expiry day or
    later: three hours from ``now``.
    """
    _require_aware(now, "now")
    local_now = now.astimezone(tz)
    if local_now.date() >= expiry:
        return now.astimezone(UTC) + SNOOZE_ON_EXPIRY_DAY
    wall = time_of_day if time_of_day is not None else local_now.time().replace(tzinfo=None)
    return local_to_utc(local_now.date() + timedelta(days=1), wall, tz)


# ---------------------------------------------------------------------------
# Localised formatting (Babel)
# ---------------------------------------------------------------------------

_LOCALES = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "en": "en"}
_DATE_PATTERNS = {
    "zh-Hans": "y年M月d日 EEEE",
    "zh-Hant": "y年M月d日 EEEE",
    "en": "EEE, d MMM y",
}


def _lang(lang: str) -> str:
    return lang if lang in _LOCALES else "en"


def format_date(d: date, lang: str) -> str:
    """``2026年12月31日 星期四`` (zh-Hans, zh-Hant) or ``Thu, 31 Dec 2026`` (en;
    also for unknown codes)."""
    code = _lang(lang)
    return _babel_format_date(d, _DATE_PATTERNS[code], locale=_LOCALES[code])


def format_datetime_local(dt_utc: datetime, tz: ZoneInfo, lang: str) -> str:
    """An aware instant shown in ``tz``: ``2026年12月28日 星期一 09:00`` /
    ``Mon, 28 Dec 2026 09:00`` (24-hour clock)."""
    _require_aware(dt_utc, "dt_utc")
    local = dt_utc.astimezone(tz)
    return f"{format_date(local.date(), lang)} {local:%H:%M}"
