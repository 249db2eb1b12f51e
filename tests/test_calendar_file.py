from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.content import CONTENT_DIR, load_texts
from bot.core.calendar_file import CalendarWords, IcsPlan, build_ics, event_summary
from bot.core.schedule import DEFAULT_LEADS, DEFAULT_TIME, reminder_times

PP = ZoneInfo("Asia/Phnom_Penh")
NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)


TEXTS = load_texts(CONTENT_DIR / "texts" / "calendar.yaml")


def words(lang: str) -> CalendarWords:
    """As the /reminders handler builds them (an unknown language falls back to English)."""
    return CalendarWords(
        lang=lang,
        expires=TEXTS.plain("calendar_event", lang),
        plan=TEXTS.plain("calendar_plan", lang),
        alarm=TEXTS.plain("calendar_alarm", lang),
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(data: bytes) -> Calendar:
    assert isinstance(data, bytes)
    return Calendar.from_ical(data)


def events(cal: Calendar) -> list:
    return [c for c in cal.walk() if c.name == "VEVENT"]


def alarms(event) -> list:
    return [c for c in event.subcomponents if c.name == "VALARM"]


def test_single_plan_round_trip() -> None:
    sends = [
        r.send_at for r in reminder_times(date(2026, 12, 31), DEFAULT_LEADS, DEFAULT_TIME, PP, NOW)
    ]
    plan = IcsPlan(id=7, label="月卡", operator="Smart", expiry=date(2026, 12, 31), reminders=sends)
    cal = parse(build_ics([plan], words("zh-Hans"), NOW))
    assert str(cal["version"]) == "2.0"
    assert "renewal-bot" in str(cal["prodid"])
    (ev,) = events(cal)
    assert str(ev["uid"]) == "plan-7@renewal-bot"
    assert str(ev["summary"]) == "月卡 到期"
    assert ev.decoded("dtstart") == date(2026, 12, 31)
    assert ev.decoded("dtend") == date(2027, 1, 1)
    assert ev.decoded("dtstamp") == NOW
    triggers = sorted(a.decoded("trigger") for a in alarms(ev))
    assert triggers == [utc(2026, 12, 28, 2), utc(2026, 12, 30, 2), utc(2026, 12, 31, 2)]
    for a in alarms(ev):
        assert str(a["action"]) == "DISPLAY"
        assert str(a["description"])
        assert a["trigger"].params.get("VALUE") == "DATE-TIME"


def test_trigger_is_written_in_utc() -> None:
    local = datetime(2026, 12, 28, 9, 0, tzinfo=PP)
    plan = IcsPlan(1, "x", None, date(2026, 12, 31), [local])
    data = build_ics([plan], words("en"), NOW)
    assert b"TRIGGER;VALUE=DATE-TIME:20261228T020000Z" in data
    assert b"DTSTART;VALUE=DATE:20261231" in data


@pytest.mark.parametrize(
    ("label", "operator", "lang", "expected"),
    [
        ("月卡", "Smart", "en", "月卡 expires"),
        (None, "Smart", "en", "Smart expires"),
        (None, "Cellcard", "zh-Hans", "Cellcard 到期"),
        ("  ", "Metfone", "zh-Hant", "Metfone 到期"),
        (None, None, "en", "Plan expires"),
        (None, None, "zh-Hans", "套餐 到期"),
        (None, None, "zh-Hant", "方案 到期"),
        ("eSIM 10GB", None, "xx", "eSIM 10GB expires"),
    ],
)
def test_summary(label: str | None, operator: str | None, lang: str, expected: str) -> None:
    plan = IcsPlan(1, label, operator, date(2026, 12, 31))
    assert event_summary(plan, words(lang)) == expected
    (ev,) = events(parse(build_ics([plan], words(lang), NOW)))
    assert str(ev["summary"]) == expected


def test_many_plans_stable_uids_and_no_alarms() -> None:
    plans = [
        IcsPlan(i, f"plan {i}", "Smart", date(2026, 4, 1) + timedelta(days=i)) for i in range(5)
    ]
    first = build_ics(plans, words("en"), NOW)
    again = build_ics(plans, words("en"), NOW)
    assert first == again  # deterministic
    evs = events(parse(first))
    assert [str(e["uid"]) for e in evs] == [f"plan-{i}@renewal-bot" for i in range(5)]
    assert all(alarms(e) == [] for e in evs)


def test_duplicate_reminders_collapse() -> None:
    t = utc(2026, 12, 30, 2)
    plan = IcsPlan(1, None, "Smart", date(2026, 12, 31), [t, t.astimezone(PP)])
    (ev,) = events(parse(build_ics([plan], words("en"), NOW)))
    assert len(alarms(ev)) == 1


def test_empty_calendar_is_valid() -> None:
    cal = parse(build_ics([], words("en"), NOW))
    assert events(cal) == []


def test_special_characters_are_escaped() -> None:
    label = "a,b;c\\d\nline 🎉"
    plan = IcsPlan(1, label, None, date(2026, 12, 31))
    data = build_ics([plan], words("en"), NOW)
    (ev,) = events(parse(data))
    assert str(ev["summary"]) == f"{label} expires"
    # no raw newline from user text inside a content line
    assert all(not line.startswith(b"line") for line in data.split(b"\r\n"))


def test_lines_are_folded_and_crlf() -> None:
    plan = IcsPlan(1, "流量" * 40, None, date(2026, 12, 31))
    data = build_ics([plan], words("zh-Hans"), NOW)
    assert b"\r\n" in data
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


def test_naive_datetimes_rejected() -> None:
    with pytest.raises(ValueError):
        build_ics([], words("en"), datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        build_ics(
            [IcsPlan(1, None, None, date(2026, 1, 2), [datetime(2026, 1, 1, 9)])], words("en"), NOW
        )


def test_dtstamp_accepts_any_zone() -> None:
    now_local = datetime.combine(date(2026, 3, 10), time(12, 0), tzinfo=PP)
    (ev,) = events(
        parse(build_ics([IcsPlan(1, None, None, date(2026, 4, 1))], words("en"), now_local))
    )
    assert ev.decoded("dtstamp") == NOW
