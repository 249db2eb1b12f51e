"""The reminders' callback data: every button fits Telegram's 64 bytes with the largest
values we make, round-trips, and impossible days or times parse to None."""

from __future__ import annotations

import dataclasses
import typing
from datetime import date

import pytest

from bot import callbacks
from bot.callbacks import CallbackData, PickExpiry, PickNewDate, PickTime, ShowMonth

BIG = 2**53
BUTTONS = [
    cls
    for cls in vars(callbacks).values()
    if isinstance(cls, type) and issubclass(cls, CallbackData) and "prefix" in vars(cls)
]
REMINDER_BUTTONS = [c for c in BUTTONS if c.prefix.startswith(("rm.", "plan.", "tz"))]


def largest(cls: type[CallbackData]) -> CallbackData:
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        kind = hints[f.name]
        if kind is int:
            values[f.name] = {"year": 9999, "month": 12, "day": 31, "hour": 23, "minute": 59}.get(
                f.name, -BIG
            )
        elif kind is bool:
            values[f.name] = True
        else:
            values[f.name] = max(typing.get_args(kind), key=len)
    return cls(**values)


@pytest.mark.parametrize("cls", REMINDER_BUTTONS, ids=lambda c: c.__name__)
def test_fits_and_round_trips(cls: type[CallbackData]) -> None:
    data = largest(cls).pack()
    assert len(data.encode()) <= 64
    assert cls.parse(data) == largest(cls)
    assert cls.pattern().match(data)


def test_prefixes_are_unique() -> None:
    assert len(REMINDER_BUTTONS) == 40
    # the one deliberate twin: old topic buttons without a language still open
    prefixes = [cls.prefix for cls in BUTTONS if cls is not callbacks.FaqTopicOfOldMenu]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize(
    "data",
    [
        "rm.day:2026:2:30",
        "rm.day:2026:13:1",
        "plan.new_date:2026:0:1",
        "rm.time:24:0",
        "rm.time:9:60",
        "rm.cal:2026:13",
        "rm.day:2026:4",
        "rm.day:x:4:1",
    ],
)
def test_impossible_values_are_malformed(data: str) -> None:
    kinds = (PickExpiry, PickNewDate, PickTime, ShowMonth)
    assert all(kind.parse(data) is None for kind in kinds)


def test_days_read_back_as_dates() -> None:
    day = date(2026, 4, 20)
    assert PickExpiry.parse(PickExpiry.of(day).pack()).date == day
    assert PickNewDate.parse(PickNewDate.of(day).pack()).date == day
