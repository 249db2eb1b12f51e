from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.core.schedule import (
    DEFAULT_LEADS,
    DEFAULT_TIME,
    PlannedReminder,
    days_left,
    format_date,
    format_datetime_local,
    local_to_utc,
    reminder_times,
    roll_forward,
    same_period,
    snooze_time,
)

PP = ZoneInfo("Asia/Phnom_Penh")
NY = ZoneInfo("America/New_York")
LON = ZoneInfo("Europe/London")
ASIA = ["Asia/Phnom_Penh", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore"]
ASIA += ["Asia/Bangkok"]
ALL_ZONES = [*ASIA, "America/New_York", "Europe/London"]
EARLY = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_defaults() -> None:
    assert DEFAULT_LEADS == (3, 1, 0)
    assert time(9, 0) == DEFAULT_TIME


def test_default_schedule_phnom_penh() -> None:
    got = reminder_times(date(2026, 12, 31), DEFAULT_LEADS, DEFAULT_TIME, PP, EARLY)
    assert got == [
        PlannedReminder(3, utc(2026, 12, 28, 2, 0)),
        PlannedReminder(1, utc(2026, 12, 30, 2, 0)),
        PlannedReminder(0, utc(2026, 12, 31, 2, 0)),
    ]
    assert all(r.send_at.tzinfo is UTC for r in got)


@pytest.mark.parametrize(
    ("zone", "offset_hours"),
    [
        ("Asia/Phnom_Penh", 7),
        ("Asia/Bangkok", 7),
        ("Asia/Shanghai", 8),
        ("Asia/Hong_Kong", 8),
        ("Asia/Taipei", 8),
        ("Asia/Singapore", 8),
    ],
)
def test_asian_zones(zone: str, offset_hours: int) -> None:
    got = reminder_times(date(2026, 6, 15), (0,), time(9, 0), ZoneInfo(zone), EARLY)
    assert got == [PlannedReminder(0, utc(2026, 6, 15, 9 - offset_hours, 0))]


def test_skips_past_and_exactly_now() -> None:
    expiry = date(2026, 12, 31)
    now = utc(2026, 12, 30, 2, 0)  # exactly the 1-day reminder
    got = reminder_times(expiry, DEFAULT_LEADS, DEFAULT_TIME, PP, now)
    assert got == [PlannedReminder(0, utc(2026, 12, 31, 2, 0))]
    later = now + timedelta(seconds=1)
    assert reminder_times(expiry, DEFAULT_LEADS, DEFAULT_TIME, PP, later) == got
    just_before = now - timedelta(microseconds=1)
    assert len(reminder_times(expiry, DEFAULT_LEADS, DEFAULT_TIME, PP, just_before)) == 2


def test_all_past_gives_empty() -> None:
    assert reminder_times(date(2026, 1, 1), DEFAULT_LEADS, DEFAULT_TIME, PP, utc(2026, 2, 1)) == []


def test_registered_on_expiry_day_after_time() -> None:
    now = utc(2026, 12, 31, 5, 0)  # 12:00 in Phnom Penh, after 09:00
    assert reminder_times(date(2026, 12, 31), DEFAULT_LEADS, DEFAULT_TIME, PP, now) == []
    got = reminder_times(date(2026, 12, 31), DEFAULT_LEADS, time(18, 0), PP, now)
    assert got == [PlannedReminder(0, utc(2026, 12, 31, 11, 0))]


def test_duplicate_and_unordered_leads() -> None:
    got = reminder_times(date(2026, 12, 31), (0, 3, 1, 3, 0, 7), DEFAULT_TIME, PP, EARLY)
    assert [r.lead_days for r in got] == [7, 3, 1, 0]


def test_empty_leads() -> None:
    assert reminder_times(date(2026, 12, 31), (), DEFAULT_TIME, PP, EARLY) == []


@pytest.mark.parametrize("bad", [-1, 366, 1.5, True])
def test_bad_leads_raise(bad: object) -> None:
    with pytest.raises(ValueError):
        reminder_times(date(2026, 12, 31), (bad,), DEFAULT_TIME, PP, EARLY)  # type: ignore[arg-type]


def test_naive_now_raises() -> None:
    with pytest.raises(ValueError):
        reminder_times(date(2026, 12, 31), DEFAULT_LEADS, DEFAULT_TIME, PP, datetime(2026, 1, 1))


def test_now_in_other_zone_is_fine() -> None:
    now = datetime(2026, 12, 30, 9, 0, tzinfo=PP)  # = 02:00 UTC, exactly the 1-day reminder
    got = reminder_times(date(2026, 12, 31), DEFAULT_LEADS, DEFAULT_TIME, PP, now)
    assert [r.lead_days for r in got] == [0]


@pytest.mark.parametrize(
    ("expiry", "lead", "local_day"),
    [
        (date(2027, 1, 1), 3, date(2026, 12, 29)),  # year boundary
        (date(2027, 1, 1), 1, date(2026, 12, 31)),
        (date(2026, 3, 1), 1, date(2026, 2, 28)),  # month end, non-leap
        (date(2028, 3, 1), 1, date(2028, 2, 29)),  # leap day
        (date(2028, 3, 2), 3, date(2028, 2, 28)),
        (date(2026, 5, 1), 30, date(2026, 4, 1)),
    ],
)
def test_leads_across_boundaries(expiry: date, lead: int, local_day: date) -> None:
    (r,) = reminder_times(expiry, (lead,), DEFAULT_TIME, PP, EARLY)
    local = r.send_at.astimezone(PP)
    assert local.date() == local_day
    assert local.time() == DEFAULT_TIME


# --- DST -----------------------------------------------------------------------------


def test_new_york_spring_forward_gap_moves_forward() -> None:
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist.
    (r,) = reminder_times(date(2026, 3, 8), (0,), time(2, 30), NY, EARLY)
    assert r.send_at == utc(2026, 3, 8, 7, 30)
    local = r.send_at.astimezone(NY)
    assert (local.hour, local.minute) == (3, 30)


def test_new_york_fall_back_uses_first_occurrence() -> None:
    # 1 November 2026: 01:30 happens twice (EDT then EST); take the first (EDT).
    (r,) = reminder_times(date(2026, 11, 1), (0,), time(1, 30), NY, EARLY)
    assert r.send_at == utc(2026, 11, 1, 5, 30)


def test_new_york_offsets_either_side() -> None:
    got = reminder_times(date(2026, 3, 9), (3, 1, 0), DEFAULT_TIME, NY, EARLY)
    # 6 March EST (-5), 8 and 9 March EDT (-4)
    assert [r.send_at for r in got] == [
        utc(2026, 3, 6, 14, 0),
        utc(2026, 3, 8, 13, 0),
        utc(2026, 3, 9, 13, 0),
    ]


def test_london_gap_and_overlap() -> None:
    # 29 March 2026: 01:00 GMT -> 02:00 BST; 01:15 does not exist.
    (gap,) = reminder_times(date(2026, 3, 29), (0,), time(1, 15), LON, EARLY)
    assert gap.send_at == utc(2026, 3, 29, 1, 15)
    assert gap.send_at.astimezone(LON).hour == 2
    # 25 October 2026: 01:00-02:00 happens twice; first occurrence is BST.
    (overlap,) = reminder_times(date(2026, 10, 25), (0,), time(1, 15), LON, EARLY)
    assert overlap.send_at == utc(2026, 10, 25, 0, 15)


def test_local_to_utc_ignores_fold_on_input() -> None:
    t = time(1, 30, fold=1)
    assert local_to_utc(date(2026, 11, 1), t, NY) == utc(2026, 11, 1, 5, 30)


# --- properties ----------------------------------------------------------------------

NOWS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    now=NOWS,
    zone=st.sampled_from(ALL_ZONES),
    ahead=st.integers(min_value=-5, max_value=800),
    leads=st.lists(st.integers(min_value=0, max_value=40), max_size=8),
    tod=st.times(),
)
def test_reminder_times_properties(
    now: datetime, zone: str, ahead: int, leads: list[int], tod: time
) -> None:
    tz = ZoneInfo(zone)
    expiry = now.astimezone(tz).date() + timedelta(days=ahead)
    got = reminder_times(expiry, leads, tod, tz, now)
    assert len(got) <= len(set(leads)) <= len(leads)
    assert all(r.send_at > now for r in got)
    assert [r.send_at for r in got] == sorted(r.send_at for r in got)
    assert len({r.send_at for r in got}) == len(got)
    assert len({r.lead_days for r in got}) == len(got)
    for r in got:
        assert r.send_at.utcoffset() == timedelta(0)
        local = r.send_at.astimezone(tz)
        naive = datetime.combine(expiry - timedelta(days=r.lead_days), tod)
        if local.replace(tzinfo=None) != naive:
            # Only a DST gap may shift the wall time, and only forward by < 1 day.
            shift = local.replace(tzinfo=None) - naive
            assert timedelta(0) < shift <= timedelta(hours=2)
        else:
            assert local.date() == expiry - timedelta(days=r.lead_days)
            assert local.time() == tod


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ASIA), day=st.dates(date(2001, 1, 1), date(2090, 1, 1)), tod=st.times())
def test_no_dst_in_asian_zones_round_trip(zone: str, day: date, tod: time) -> None:
    tz = ZoneInfo(zone)
    assume(day.year >= 1992)  # Taipei / Shanghai had DST long ago
    local = local_to_utc(day, tod, tz).astimezone(tz)
    assert (local.date(), local.time()) == (day, tod)


# --- days_left, roll_forward, same_period --------------------------------------------


def test_days_left() -> None:
    expiry = date(2026, 12, 31)
    assert days_left(expiry, utc(2026, 12, 28, 2), PP) == 3
    assert days_left(expiry, utc(2026, 12, 31, 16, 59), PP) == 0
    assert days_left(expiry, utc(2026, 12, 31, 17, 0), PP) == -1  # midnight in Phnom Penh
    assert days_left(expiry, utc(2026, 12, 31, 17, 0), NY) == 0


@pytest.mark.parametrize(
    ("expiry", "days", "expected"),
    [
        (date(2028, 2, 28), 1, date(2028, 2, 29)),
        (date(2028, 2, 29), 1, date(2028, 3, 1)),
        (date(2027, 2, 28), 1, date(2027, 3, 1)),
        (date(2026, 12, 31), 30, date(2027, 1, 30)),
        (date(2028, 2, 1), 30, date(2028, 3, 2)),
        (date(2026, 1, 31), 90, date(2026, 5, 1)),
        (date(2026, 1, 1), 0, date(2026, 1, 1)),
    ],
)
def test_roll_forward(expiry: date, days: int, expected: date) -> None:
    assert roll_forward(expiry, days) == expected


def test_roll_forward_lapsed_plan_counts_from_today() -> None:
    assert roll_forward(date(2026, 1, 1), 30, today=date(2026, 1, 10)) == date(2026, 2, 9)
    assert roll_forward(date(2026, 1, 20), 30, today=date(2026, 1, 10)) == date(2026, 2, 19)
    with pytest.raises(ValueError):
        roll_forward(date(2026, 1, 1), -1)


@settings(max_examples=200, deadline=None)
@given(
    d1=st.dates(date(2000, 1, 1), date(2090, 1, 1)),
    d2=st.dates(date(2000, 1, 1), date(2090, 1, 1)),
    n1=st.integers(0, 400),
    n2=st.integers(0, 400),
)
def test_roll_forward_monotonic(d1: date, d2: date, n1: int, n2: int) -> None:
    if d1 <= d2 and n1 <= n2:
        assert roll_forward(d1, n1) <= roll_forward(d2, n2)
    assert roll_forward(d1, n1) >= d1


def test_same_period() -> None:
    assert same_period(date(2026, 1, 1), date(2026, 1, 31)) == 30
    assert same_period(date(2028, 2, 1), date(2028, 3, 1)) == 29
    assert same_period(date(2026, 1, 1), date(2026, 1, 1)) == 1
    assert same_period(date(2026, 2, 1), date(2026, 1, 1)) == 1


# --- snooze --------------------------------------------------------------------------


def test_snooze_before_expiry_is_tomorrow_at_time_of_day() -> None:
    now = utc(2026, 12, 28, 2, 5)  # 09:05 in Phnom Penh, 3 days before
    assert snooze_time(now, date(2026, 12, 31), PP, DEFAULT_TIME) == utc(2026, 12, 29, 2, 0)


def test_snooze_without_time_of_day_keeps_clock_time() -> None:
    now = utc(2026, 12, 28, 10, 17)  # 17:17 local
    assert snooze_time(now, date(2026, 12, 31), PP) == utc(2026, 12, 29, 10, 17)


def test_snooze_day_before_expiry_lands_on_expiry_day() -> None:
    now = utc(2026, 12, 30, 2, 0)
    assert snooze_time(now, date(2026, 12, 31), PP, DEFAULT_TIME) == utc(2026, 12, 31, 2, 0)


@pytest.mark.parametrize("expiry", [date(2026, 12, 31), date(2026, 12, 30)])
def test_snooze_on_or_after_expiry_day_is_three_hours(expiry: date) -> None:
    now = utc(2026, 12, 31, 2, 0)
    got = snooze_time(now, expiry, PP, DEFAULT_TIME)
    assert got == utc(2026, 12, 31, 5, 0)
    assert got.utcoffset() == timedelta(0)


def test_snooze_across_dst() -> None:
    # 09:00 EST on 7 March -> tomorrow 09:00 EDT = 13:00 UTC (23 hours later).
    now = utc(2026, 3, 7, 14, 0)
    got = snooze_time(now, date(2026, 3, 20), NY, DEFAULT_TIME)
    assert got == utc(2026, 3, 8, 13, 0)


# --- formatting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "lang", "expected"),
    [
        (date(2026, 12, 31), "zh-Hans", "2026年12月31日 星期四"),
        (date(2026, 12, 31), "zh-Hant", "2026年12月31日 星期四"),
        (date(2026, 12, 31), "en", "Thu, 31 Dec 2026"),
        (date(2027, 1, 3), "zh-Hans", "2027年1月3日 星期日"),
        (date(2027, 1, 3), "en", "Sun, 3 Jan 2027"),
        (date(2028, 2, 29), "en", "Tue, 29 Feb 2028"),
        (date(2026, 12, 31), "fr", "Thu, 31 Dec 2026"),  # unknown -> en
    ],
)
def test_format_date(d: date, lang: str, expected: str) -> None:
    assert format_date(d, lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh-Hans", "2026年12月28日 星期一 09:00"),
        ("zh-Hant", "2026年12月28日 星期一 09:00"),
        ("en", "Mon, 28 Dec 2026 09:00"),
    ],
)
def test_format_datetime_local(lang: str, expected: str) -> None:
    assert format_datetime_local(utc(2026, 12, 28, 2, 0), PP, lang) == expected


def test_format_datetime_local_changes_date_with_zone() -> None:
    dt = utc(2026, 12, 31, 20, 30)
    assert format_datetime_local(dt, PP, "en") == "Fri, 1 Jan 2027 03:30"
    assert format_datetime_local(dt, NY, "en") == "Thu, 31 Dec 2026 15:30"
    with pytest.raises(ValueError):
        format_datetime_local(datetime(2026, 1, 1), PP, "en")
