from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.dates import (
    LABEL_MAX,
    RemindParse,
    add_months,
    latest_allowed,
    parse_date_only,
    parse_remind,
    parse_time_of_day,
)
from bot.reminders.planning import operator_aliases

PP = ZoneInfo("Asia/Phnom_Penh")
# Tuesday 10 March 2026, 12:00 in Phnom Penh (UTC+7).
NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
ALIASES = {
    "smart": "smart",
    "斯玛特": "smart",
    "cellcard": "cellcard",
    "metfone": "metfone",
    "seatel": "seatel",
    "yes": "seatel",
    "cootel": "cootel",
    "travel esim": "travel",
}


def p(text: str, now: datetime = NOW, tz: ZoneInfo = PP) -> RemindParse:
    return parse_remind(text, now, tz, ALIASES)


ABSOLUTE = [
    ("2026-12-31", date(2026, 12, 31)),
    ("2026/12/31", date(2026, 12, 31)),
    ("2026.12.31", date(2026, 12, 31)),
    ("2026-4-5", date(2026, 4, 5)),
    ("12/31", date(2026, 12, 31)),
    ("31/12", date(2026, 12, 31)),
    ("12-31", date(2026, 12, 31)),
    ("31.12", date(2026, 12, 31)),
    ("31/12/2026", date(2026, 12, 31)),
    ("12/31/2026", date(2026, 12, 31)),
    ("12月31日", date(2026, 12, 31)),
    ("12月31号", date(2026, 12, 31)),
    ("12月31", date(2026, 12, 31)),
    ("12 月 31 日", date(2026, 12, 31)),
    ("2026年12月31日", date(2026, 12, 31)),
    ("2026年12月31號", date(2026, 12, 31)),
    ("十二月三十一日", date(2026, 12, 31)),
    ("二〇二六年十二月三十一日", date(2026, 12, 31)),
    ("明年1月1日", date(2027, 1, 1)),
    ("明年一月一号", date(2027, 1, 1)),
    ("31 Dec", date(2026, 12, 31)),
    ("Dec 31", date(2026, 12, 31)),
    ("dec. 31", date(2026, 12, 31)),
    ("31 December 2026", date(2026, 12, 31)),
    ("December 31st", date(2026, 12, 31)),
    ("Dec 31, 2026", date(2026, 12, 31)),
    ("3rd of April", date(2026, 4, 3)),
    ("２０２６－１２－３１", date(2026, 12, 31)),  # full-width
    ("１２／３１", date(2026, 12, 31)),
    # Year-less dates that already passed this year mean next year.
    ("1/15", date(2027, 1, 15)),
    ("1月15日", date(2027, 1, 15)),
    ("Jan 15", date(2027, 1, 15)),
    ("15 January", date(2027, 1, 15)),
    # ... and today is still today.
    ("3月10日", TODAY),
    ("Mar 10", TODAY),
    ("10 March", TODAY),
]


@pytest.mark.parametrize(("text", "expected"), ABSOLUTE)
def test_absolute_dates(text: str, expected: date) -> None:
    r = p(text)
    assert r.error is None, r
    assert r.ambiguous == ()
    assert r.expiry == expected
    assert r.label is None


RELATIVE = [
    ("30d", 30),
    ("30 d", 30),
    ("30D", 30),
    ("30 days", 30),
    ("1 day", 1),
    ("30天", 30),
    ("30天后", 30),
    ("30天以后", 30),
    ("30日后", 30),
    ("三十天", 30),
    ("二十天后", 20),
    ("十五天", 15),
    ("+30", 30),
    ("+ 30", 30),
    ("+7d", 7),
    ("2w", 14),
    ("2 weeks", 14),
    ("in 2 weeks", 14),
    ("in two weeks", 14),
    ("2 weeks later", 14),
    ("10 days from now", 10),
    ("2周", 14),
    ("两周后", 14),
    ("兩週後", 14),
    ("2个星期", 14),
    ("一个礼拜", 7),
    ("tomorrow", 1),
    ("Tomorrow", 1),
    ("tmr", 1),
    ("today", 0),
    ("day after tomorrow", 2),
    ("the day after tomorrow", 2),
    ("今天", 0),
    ("明天", 1),
    ("後天", 2),
    ("后天", 2),
    ("大后天", 3),
    ("下周", 7),
    ("半个月", 15),
    ("next week", 7),
]


@pytest.mark.parametrize(("text", "days"), RELATIVE)
def test_relative_days(text: str, days: int) -> None:
    r = p(text)
    assert r.error is None, r
    assert r.expiry == TODAY + timedelta(days=days)


MONTHS = [
    ("1个月", date(2026, 4, 10)),
    ("一个月后", date(2026, 4, 10)),
    ("一個月後", date(2026, 4, 10)),
    ("3个月", date(2026, 6, 10)),
    ("3 months", date(2026, 6, 10)),
    ("a month", date(2026, 4, 10)),
    ("in a month", date(2026, 4, 10)),
    ("1mo", date(2026, 4, 10)),
    ("下个月", date(2026, 4, 10)),
    ("next month", date(2026, 4, 10)),
    ("半年", date(2026, 9, 10)),
    ("1年", date(2027, 3, 10)),
    ("1 year", date(2027, 3, 10)),
    ("明年", date(2027, 3, 10)),
    ("下个月5号", date(2026, 4, 5)),
    ("下个月 5 号", date(2026, 4, 5)),
    ("下月5日", date(2026, 4, 5)),
    ("下個月5號", date(2026, 4, 5)),
    ("下个月十五号", date(2026, 4, 15)),
    ("下下个月1号", date(2026, 5, 1)),
    ("本月20号", date(2026, 3, 20)),
    ("5号", date(2026, 4, 5)),  # the 5th already passed this month
    ("10号", TODAY),  # today counts
    ("15号", date(2026, 3, 15)),
    ("十五号", date(2026, 3, 15)),
    ("二十日", date(2026, 3, 20)),
    ("三十号", date(2026, 3, 30)),
    ("月底", date(2026, 3, 31)),
    ("本月底", date(2026, 3, 31)),
    ("下个月底", date(2026, 4, 30)),
    ("月末", date(2026, 3, 31)),
    ("end of month", date(2026, 3, 31)),
    ("end of the month", date(2026, 3, 31)),
    ("end of next month", date(2026, 4, 30)),
    ("eom", date(2026, 3, 31)),
]


@pytest.mark.parametrize(("text", "expected"), MONTHS)
def test_month_forms(text: str, expected: date) -> None:
    r = p(text)
    assert r.error is None, r
    assert r.expiry == expected


WEEKDAYS = [
    # Today is Tuesday 10 March 2026.
    ("下周五", date(2026, 3, 20)),
    ("下星期五", date(2026, 3, 20)),
    ("下个礼拜一", date(2026, 3, 16)),
    ("下週五", date(2026, 3, 20)),
    ("下下周一", date(2026, 3, 23)),
    ("这周五", date(2026, 3, 13)),
    ("本周日", date(2026, 3, 15)),
    ("周五", date(2026, 3, 13)),
    ("星期五", date(2026, 3, 13)),
    ("礼拜天", date(2026, 3, 15)),
    ("周二", date(2026, 3, 17)),  # bare weekday = the coming one, not today
    ("next friday", date(2026, 3, 13)),
    ("friday", date(2026, 3, 13)),
    ("this friday", date(2026, 3, 13)),
    ("Fri", date(2026, 3, 13)),
]


@pytest.mark.parametrize(("text", "expected"), WEEKDAYS)
def test_weekdays(text: str, expected: date) -> None:
    r = p(text)
    assert r.error is None, r
    assert r.expiry == expected


def test_end_of_month_on_last_day_is_today() -> None:
    now = datetime(2026, 3, 31, 5, tzinfo=UTC)
    assert p("月底", now).expiry == date(2026, 3, 31)
    assert p("下个月底", now).expiry == date(2026, 4, 30)


def test_one_month_from_month_end_is_clamped() -> None:
    now = datetime(2026, 1, 31, 5, tzinfo=UTC)
    assert p("1个月", now).expiry == date(2026, 2, 28)
    assert p("1 month", now).expiry == date(2026, 2, 28)
    leap = datetime(2028, 1, 31, 5, tzinfo=UTC)
    assert p("1个月", leap).expiry == date(2028, 2, 29)


def test_day_only_skips_months_without_that_day() -> None:
    now = datetime(2026, 4, 5, 5, tzinfo=UTC)  # April has 30 days
    assert p("31号", now).expiry == date(2026, 5, 31)


def test_feb_29_yearless_goes_to_next_leap_year() -> None:
    assert p("2月29日").expiry == date(2028, 2, 29)
    assert p("29/2").expiry == date(2028, 2, 29)


def test_today_depends_on_time_zone() -> None:
    # 23:30 UTC on 10 March is already 11 March in Phnom Penh.
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    assert p("today", late).expiry == date(2026, 3, 11)
    assert p("today", late, ZoneInfo("America/New_York")).expiry == date(2026, 3, 10)
    assert p("2026-03-10", late).error == "past"


# --- time of day ---------------------------------------------------------------------

TIMES = [
    ("2026-12-31 08:30", time(8, 30)),
    ("2026-12-31 8:30", time(8, 30)),
    ("12/31 20:00", time(20, 0)),
    ("12/31 8:30am", time(8, 30)),
    ("12/31 8:30 pm", time(20, 30)),
    ("12/31 8pm", time(20, 0)),
    ("12/31 12am", time(0, 0)),
    ("12/31 12pm", time(12, 0)),
    ("12/31 at 9", time(9, 0)),
    ("12/31 @21", time(21, 0)),
    ("12/31 9", None),  # a bare number without "at" is not a time
    ("12/31 at 7:15", time(7, 15)),
    ("明天 20点", time(20, 0)),
    ("明天 晚上8点", time(20, 0)),
    ("明天晚上8點", time(20, 0)),
    ("下周五 上午9点半", time(9, 30)),
    ("下周五 下午3点15分", time(15, 15)),
    ("12月31日 早上7点", time(7, 0)),
    ("12月31日 中午12点", time(12, 0)),
    ("12月31日 晚上12点", time(0, 0)),
    ("12月31日 凌晨1点", time(1, 0)),
    ("12月31日 9点一刻", time(9, 15)),
    ("12月31日 20时30分", time(20, 30)),
    ("12月31日 十点", time(10, 0)),
    ("１２／３１ ０８：３０", time(8, 30)),
]


@pytest.mark.parametrize(("text", "expected"), TIMES)
def test_time_of_day_in_one_liner(text: str, expected: time | None) -> None:
    r = p(text)
    assert r.expiry is not None, r
    assert r.time_of_day == expected


def test_no_time_means_none() -> None:
    assert p("12/31").time_of_day is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30", time(8, 30)),
        ("8:30", time(8, 30)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("8:30am", time(8, 30)),
        ("8:30 PM", time(20, 30)),
        ("8am", time(8, 0)),
        ("8 p.m.", time(20, 0)),
        ("at 9:00", time(9, 0)),
        ("9", time(9, 0)),
        ("21", time(21, 0)),
        ("20点", time(20, 0)),
        ("晚上8点", time(20, 0)),
        ("上午9点半", time(9, 30)),
        ("下午两点", time(14, 0)),
        ("早上7點", time(7, 0)),
        ("０９：００", time(9, 0)),
    ],
)
def test_parse_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "24:00",
        "8:60",
        "25",
        "13pm",
        "0am",
        "晚上25点",
        "abc",
        "12/31",
        "9:00 tomorrow",
        "x" * 500,
    ],
)
def test_parse_time_of_day_rejects(text: str) -> None:
    assert parse_time_of_day(text) is None


# --- operator and label --------------------------------------------------------------

LABELS = [
    ("12/31 Smart 月卡", "smart", "月卡"),
    ("/remind 12/31 Smart 月卡", "smart", "月卡"),
    ("Smart 12/31", "smart", None),
    ("12/31 SMART", "smart", None),
    ("12月31日 斯玛特 月卡", "smart", "月卡"),
    ("斯玛特月卡12月31日到期", "smart", "月卡"),
    ("metfone eSIM 10GB 30d", "metfone", "eSIM 10GB"),
    ("eSIM 10GB 30天", None, "eSIM 10GB"),
    ("Dec 31 cellcard data plan", "cellcard", "data plan"),
    ("travel eSIM in 2 weeks", "travel", None),
    ("Travel  eSIM 2w Japan", "travel", "Japan"),
    ("12/31 smartphone plan", None, "smartphone plan"),  # alias is a whole word
    ("yes 月卡 下个月5号", "seatel", "月卡"),
    ("下个月5号 月卡 🎉", None, "月卡 🎉"),
    ("月卡 on 12/31", None, "月卡"),
    ("12/31 08:30 smart 月卡", "smart", "月卡"),
    ("在12月31日到期", None, None),
    ("12/31 expires", None, None),
]


@pytest.mark.parametrize(("text", "operator", "label"), LABELS)
def test_operator_and_label(text: str, operator: str | None, label: str | None) -> None:
    r = p(text)
    assert r.expiry is not None, r
    assert r.operator == operator
    assert r.label == label


def test_label_keeps_original_script_and_case() -> None:
    r = p("12/31 香港數據卡 ABC")
    assert r.label == "香港數據卡 ABC"


def test_label_is_truncated() -> None:
    r = p("12/31 " + "流量" * 100)
    assert r.label is not None
    assert len(r.label) == LABEL_MAX


def test_no_aliases_means_operator_words_go_to_label() -> None:
    r = parse_remind("12/31 Smart 月卡", NOW, PP)
    assert r.operator is None
    assert r.label == "Smart 月卡"


def test_operator_only_is_unparseable() -> None:
    r = p("smart")
    assert r.error == "unparseable"
    assert r.operator == "smart"


# --- ambiguity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/04", (date(2027, 3, 4), date(2026, 4, 3))),
        ("04/05", (date(2026, 4, 5), date(2026, 5, 4))),
        ("4-5", (date(2026, 4, 5), date(2026, 5, 4))),
        ("03/04/2027", (date(2027, 3, 4), date(2027, 4, 3))),
    ],
)
def test_ambiguous_day_month(text: str, expected: tuple[date, ...]) -> None:
    r = p(text)
    assert r.error is None
    assert r.expiry is None
    assert r.ambiguous == expected
    assert not r.ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/31", date(2026, 12, 31)),
        ("31/12", date(2026, 12, 31)),
        ("05/05", date(2026, 5, 5)),
        ("2026/03/04", None),  # Y/M/D is never read as Y/D/M (and is past)
        ("2026/04/03", date(2026, 4, 3)),
        # one reading is in the past -> the other one
        ("03/04/2026", date(2026, 4, 3)),
    ],
)
def test_unambiguous_numeric(text: str, expected: date | None) -> None:
    r = p(text)
    assert r.ambiguous == ()
    assert r.expiry == expected


# --- errors --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "/remind", "/remind@renewal_bot  "])
def test_empty(text: str) -> None:
    assert p(text).error == "empty"


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "5",
        "2026",
        "hello",
        "asdf qwer",
        "🎉",
        "🎉🎉🎉",
        "???",
        "December",
        "may",
        "周末",
        "月卡",
        "2/30",
        "30/2",
        "31/4",
        "4/31/2026",
        "2026-02-30",
        "2026-13-01",
        "2026年2月30日",
        "13/13",
        "00/00",
        "下个月31号",  # April has no 31st
        "32号",
        "0号",
        "12/31/26",  # two-digit years are not supported
        "x" * 10_000,
        "12/31 " + "x" * 10_000,
        "\x00\x01",
        "1234567890",
        "20261231",
    ],
)
def test_unparseable(text: str) -> None:
    r = p(text)
    assert r.error == "unparseable", r
    assert r.expiry is None
    assert r.ambiguous == ()


@pytest.mark.parametrize(
    "text",
    ["2026-03-09", "2025-12-31", "yesterday", "本周一", "这周一", "1/1/2026", "2026年1月1日"],
)
def test_past(text: str) -> None:
    assert p(text).error == "past"


@pytest.mark.parametrize(
    "text", ["2029-01-01", "2028-03-11", "732天", "+1000", "3 years", "25个月", "10y", "9999d"]
)
def test_too_far(text: str) -> None:
    assert p(text).error == "too_far"


def test_limit_is_two_years() -> None:
    assert p("730天").expiry == TODAY + timedelta(days=730)
    # 10 March 2028 is 731 days away (29 Feb 2028) but still "two years".
    assert p("2 years").expiry == date(2028, 3, 10)
    assert latest_allowed(TODAY) == date(2028, 3, 10)
    other = date(2029, 6, 1)  # no leap day within two years
    assert latest_allowed(other) == other + timedelta(days=730)


def test_today_is_valid() -> None:
    assert p("2026-03-10").expiry == TODAY


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_remind("12/31", datetime(2026, 3, 10, 12), PP)


# --- parse_date_only -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31)),
        ("下个月5号", date(2026, 4, 5)),
        ("in 2 weeks", date(2026, 3, 24)),
        ("12月31日到期", date(2026, 12, 31)),
        ("31 Dec", date(2026, 12, 31)),
    ],
)
def test_parse_date_only(text: str, expected: date) -> None:
    r = parse_date_only(text, NOW, PP)
    assert r.expiry == expected
    assert r.label is None
    assert r.operator is None


def test_parse_date_only_rejects_extra_words() -> None:
    assert parse_date_only("12/31 Smart 月卡", NOW, PP).error == "unparseable"
    assert parse_date_only("", NOW, PP).error == "empty"
    assert parse_date_only("2025-01-01", NOW, PP).error == "past"
    assert parse_date_only("03/04", NOW, PP).ambiguous == (date(2027, 3, 4), date(2026, 4, 3))


def test_parse_date_only_keeps_time() -> None:
    r = parse_date_only("12/31 08:30", NOW, PP)
    assert r.expiry == date(2026, 12, 31)
    assert r.time_of_day == time(8, 30)


# --- helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


# --- properties ----------------------------------------------------------------------

ZONES = st.sampled_from(
    [
        "Asia/Phnom_Penh",
        "Asia/Shanghai",
        "Asia/Hong_Kong",
        "Asia/Taipei",
        "Asia/Singapore",
        "Asia/Bangkok",
        "America/New_York",
        "Europe/London",
    ]
)
NOWS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=200, deadline=None)
@given(now=NOWS, zone=ZONES, offset=st.integers(min_value=0, max_value=730))
def test_iso_round_trip(now: datetime, zone: str, offset: int) -> None:
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    d = today + timedelta(days=offset)
    for text in (d.isoformat(), d.strftime("%Y/%m/%d"), f"{d.year}年{d.month}月{d.day}日"):
        r = parse_remind(text, now, tz)
        assert r.expiry == d, (text, r)
        assert r.error is None


@settings(max_examples=200, deadline=None)
@given(now=NOWS, zone=ZONES, n=st.integers(min_value=0, max_value=730))
def test_relative_days_property(now: datetime, zone: str, n: int) -> None:
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    for text in (f"{n}天", f"{n}d", f"+{n}", f"{n} days", f"{n}天后"):
        r = parse_remind(text, now, tz)
        assert r.expiry == today + timedelta(days=n), (text, r)


@settings(max_examples=200, deadline=None)
@given(now=NOWS, n=st.integers(min_value=732, max_value=9999))
def test_relative_days_beyond_limit(now: datetime, n: int) -> None:
    assert parse_remind(f"{n}d", now, PP).error == "too_far"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), now=NOWS)
def test_never_raises_and_is_consistent(text: str, now: datetime) -> None:
    r = parse_remind(text, now, PP, ALIASES)
    today = now.astimezone(PP).date()
    assert r.error in {None, "empty", "unparseable", "past", "too_far"}
    if r.error is not None:
        assert r.expiry is None and r.ambiguous == ()
    elif r.ambiguous:
        assert r.expiry is None and len(r.ambiguous) >= 2
    else:
        assert r.expiry is not None
        assert today <= r.expiry <= latest_allowed(today)
    if r.label is not None:
        assert 0 < len(r.label) <= LABEL_MAX
        assert r.label == r.label.strip()


@settings(max_examples=200, deadline=None)
@given(
    now=NOWS,
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=31),
)
def test_yearless_month_day_is_next_occurrence(now: datetime, month: int, day: int) -> None:
    today = now.astimezone(PP).date()
    r = parse_remind(f"{month}月{day}日", now, PP)
    if r.expiry is None:
        # only impossible dates fail (or 29 Feb too far away)
        assert r.error in {"unparseable", "too_far"}
        return
    assert (r.expiry.month, r.expiry.day) == (month, day)
    assert today <= r.expiry
    assert r.expiry.year <= today.year + 1 or (month, day) == (2, 29)


@pytest.mark.parametrize(("text", "operator", "label"), LABELS)
def test_codes_yaml_aliases_read_the_same(
    content, text: str, operator: str | None, label: str | None
) -> None:
    """The parser gets its aliases as data; codes.yaml's table (plus travel words) is that data."""
    r = parse_remind(text, NOW, PP, operator_aliases(content))
    assert (r.operator, r.label) == (operator, label)
