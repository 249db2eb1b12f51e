"""Parsing what users type after /remind: an expiry date, a time of day, an operator, a label.

Pure functions: the current time comes in as an argument, nothing is read or
written. Errors are returned as codes in :class:`RemindParse`, never raised.

Strategy:

1. Normalise character by character (NFKC, lower case, Traditional ->
   Simplified) so that positions in the normalised text map 1:1 onto the
   original text; the label is cut from the *original* text.
2. Take out a time of day (``08:30``, ``8:30pm``, ``晚上8点``, ``上午9点半``).
3. Take out an operator alias (whole word for Latin aliases, substring for
   Chinese ones).
4. Find a date with our own regexes, which cover the numeric, compact and
   common Chinese forms that dateparser misses or gets wrong (``12月31日``,
   ``下个月5号``, ``30天``, ``+30``, ``2w``, ``03/04`` ambiguity ...).
5. Otherwise try dateparser on short windows of remaining words, but only on
   windows made entirely of date vocabulary and containing a real date word
   (month, weekday, "tomorrow", "week" ...): dateparser alone turns "a" or
   "5" into dates.
6. Whatever is left is the label.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.text import normalize, to_simplified

__all__ = [
    "LABEL_MAX",
    "MAX_DAYS_AHEAD",
    "RemindParse",
    "add_months",
    "latest_allowed",
    "parse_date_only",
    "parse_remind",
    "parse_time_of_day",
]

MAX_DAYS_AHEAD = 730
LABEL_MAX = 64
_MAX_INPUT = 512

ERROR_EMPTY = "empty"
ERROR_UNPARSEABLE = "unparseable"
ERROR_PAST = "past"
ERROR_TOO_FAR = "too_far"


@dataclass(frozen=True, slots=True)
class RemindParse:
    """Outcome of parsing a /remind line.

    Exactly one of these holds: ``error`` is set; ``ambiguous`` has two or
    more candidate dates (ask the user, ``expiry`` is None); ``expiry`` is set.
    """

    expiry: date | None = None
    time_of_day: time | None = None
    operator: str | None = None
    label: str | None = None
    ambiguous: tuple[date, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.expiry is not None


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _norm_char(c: str) -> str:
    n = unicodedata.normalize("NFKC", c).lower()
    if len(n) != 1:
        n = c.lower() if len(c.lower()) == 1 else c
    s = to_simplified(n)
    if len(s) != 1:
        return n
    if unicodedata.category(s) in ("Cc", "Cf", "Zs") or s in "\u3000":
        return " "
    return s


def _normalise(text: str) -> str:
    """Length-preserving normal form: NFKC per char, lower case, Simplified."""
    return "".join(_norm_char(c) for c in text)


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN = "零〇一二两三四五六七八九十百"
_NUM = rf"(?:\d{{1,3}}|[{_CN}]{{1,5}})"

_EN_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}


def _cn_int(s: str) -> int | None:
    """Arabic digits or a Chinese numeral (一 .. 九百九十九, 两, 〇) as int."""
    if s.isdigit() and s.isascii():
        return int(s)
    if not s or any(c not in _CN for c in s):
        return None
    if "十" not in s and "百" not in s:
        # Digit by digit: 二〇二六 -> 2026, 五 -> 5.
        value = 0
        for c in s:
            value = value * 10 + _CN_DIGITS[c]
        return value
    total = 0
    current = 0
    for c in s:
        if c in _CN_DIGITS:
            current = _CN_DIGITS[c]
        elif c == "十":
            total += (current or 1) * 10
            current = 0
        elif c == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def _count(s: str) -> int | None:
    s = s.strip()
    if s in _EN_NUMBERS:
        return _EN_NUMBERS[s]
    return _cn_int(s)


# ---------------------------------------------------------------------------
# Date arithmetic
# ---------------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months, clamped to the month's last day."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_occurrence(month: int, day: int, today: date) -> date | None:
    """Next month/day on or after today (a year-less date that has passed -> next year)."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    for year in range(today.year, today.year + 9):  # Feb 29 needs up to 8 years
        d = _safe_date(year, month, day)
        if d is not None and d >= today:
            return d
    return None


def _next_day_of_month(day: int, today: date) -> date | None:
    """The next ``day``-th of a month on or after today (``5号``)."""
    if not 1 <= day <= 31:
        return None
    first = today.replace(day=1)
    for k in range(0, 13):
        m = add_months(first, k)
        d = _safe_date(m.year, m.month, day)
        if d is not None and d >= today:
            return d
    return None


def _end_of_month(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _add_unit(today: date, n: int, unit: str) -> date | None:
    try:
        if unit == "d":
            return today + timedelta(days=n)
        if unit == "w":
            return today + timedelta(weeks=n)
        if unit == "m":
            return add_months(today, n)
        if unit == "y":
            return add_months(today, 12 * n)
    except (OverflowError, ValueError):
        return None
    raise AssertionError(unit)


# ---------------------------------------------------------------------------
# Time of day
# ---------------------------------------------------------------------------

_PERIODS_PM = ("下午", "晚上", "傍晚", "夜里", "夜晚", "晚间", "今晚")
_PERIODS_AM = ("上午", "早上", "早晨", "清晨", "早")
_PERIOD_RE = "下午|晚上|傍晚|夜里|夜晚|晚间|今晚|上午|早上|早晨|清晨|凌晨|中午|早"

_TIME_PATTERNS: tuple[re.Pattern[str], ...] = (
    # 08:30, 8:30, 8:30pm, at 20:00, @ 9:05 am
    re.compile(
        r"(?:(?<![a-z0-9])(?:at|@)\s*)?(?<![\d:])(?P<h>\d{1,2}):(?P<m>\d{2})(?![\d:])"
        r"(?:\s*(?P<ap>a\.?m\.?|p\.?m\.?)(?![a-z]))?"
    ),
    # 8am, 8 pm, at 9am
    re.compile(
        r"(?:(?<![a-z0-9])(?:at|@)\s*)?(?<![\d:.])(?P<h>\d{1,2})\s*(?P<ap>a\.?m\.?|p\.?m\.?)(?![a-z])"
    ),
    # at 9, @ 21 (a bare hour only with an explicit "at" / "@")
    re.compile(
        r"(?<![a-z0-9])(?:at|@)\s*(?P<h>\d{1,2})(?![\d:./\-a-z号日月天周个])(?!\s*[-/.]\s*\d)"
    ),
    # 晚上8点, 上午9点半, 20点, 8点15分, 20时30分, 9点一刻
    re.compile(
        rf"(?P<period>{_PERIOD_RE})?\s*(?P<h>{_NUM})\s*[点时]"
        rf"(?:\s*(?P<half>半)|\s*(?P<quarter>一刻|三刻)|\s*(?P<m>{_NUM})\s*分?)?"
    ),
)


def _time_from_match(m: re.Match[str]) -> time | None:
    groups = m.groupdict()
    hour = _cn_int(groups["h"])
    minute = _minute_from(groups)
    if hour is None or minute is None:
        return None
    ap = (groups.get("ap") or "").replace(".", "")
    hour = _hour_in_24h(hour, ap, groups.get("period") or "")
    if hour is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _minute_from(groups: dict[str, str | None]) -> int | None:
    """Minutes written as digits, 半 (half) or 一刻/三刻 (quarters); None if unreadable."""
    minute: int | None = 0
    if groups.get("m"):
        minute = _cn_int(groups["m"])
        if minute is None:
            return None
    if groups.get("half"):
        minute = 30
    if groups.get("quarter"):
        minute = 15 if groups["quarter"] == "一刻" else 45
    return minute


def _hour_in_24h(hour: int, ap: str, period: str) -> int | None:
    """The hour on a 24-hour clock after am/pm or a Chinese period word; None if impossible."""
    if ap:
        if not 1 <= hour <= 12:
            return None
        return hour % 12 + (12 if ap == "pm" else 0)
    if not period:
        return hour
    if period in _PERIODS_PM:
        if hour > 12:
            return hour  # 晚上20点: already 24-hour
        if hour == 12:
            return 0 if period in ("晚上", "夜里", "夜晚", "今晚") else 12
        return hour + 12
    if period == "中午":
        return hour + 12 if 1 <= hour <= 3 else hour
    if period == "凌晨" or period in _PERIODS_AM:
        if hour == 12 and period == "凌晨":
            return 0
        if hour > 12:
            return None
    return hour


def parse_time_of_day(text: str) -> time | None:
    """A time of day on its own: ``08:30``, ``8:30am``, ``8pm``, ``20点``, ``晚上8点``,
    ``上午9点半``, or a bare hour ``9`` / ``21``. None if it is not exactly a time."""
    if not text or len(text) > 64:
        return None
    s = _normalise(text).strip()
    s = re.sub(r"^(?:at|@)\s*", "", s).strip()
    if re.fullmatch(r"\d{1,2}", s):
        hour = int(s)
        return time(hour, 0) if hour <= 23 else None
    for pattern in _TIME_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            return _time_from_match(m)
    return None


# ---------------------------------------------------------------------------
# Date patterns (our own, tried before dateparser)
# ---------------------------------------------------------------------------

_B = r"(?<![a-z0-9])"  # left boundary for Latin / digit tokens
_E = r"(?![a-z0-9])"  # right boundary
_YEAR_CN = r"(?:\d{4}|[零〇一二三四五六七八九]{4})"
_DAY_SUFFIX = r"(?:日|号)"
_AFTER = r"(?:\s*(?:以后|之后|后|過後|过后))"

_WEEKDAYS_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_UNITS_CN = {
    "天": "d",
    "日": "d",
    "周": "w",
    "星期": "w",
    "礼拜": "w",
    "个礼拜": "w",
    "个星期": "w",
    "个月": "m",
    "月": "m",
    "年": "y",
}
_UNITS_EN = {
    "d": "d",
    "day": "d",
    "days": "d",
    "w": "w",
    "wk": "w",
    "wks": "w",
    "week": "w",
    "weeks": "w",
    "mo": "m",
    "mos": "m",
    "mth": "m",
    "mths": "m",
    "month": "m",
    "months": "m",
    "y": "y",
    "yr": "y",
    "yrs": "y",
    "year": "y",
    "years": "y",
}
_EN_UNIT_RE = "|".join(sorted(_UNITS_EN, key=len, reverse=True))
_EN_NUM_RE = "|".join(sorted(_EN_NUMBERS, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class _Found:
    """A date expression found in the text: its span and what it means."""

    start: int
    end: int
    dates: tuple[date, ...]  # () = recognised but invalid (2/30); 2 = ambiguous order
    explicit_year: bool = False


_Handler = Callable[[re.Match[str], date], "tuple[tuple[date, ...], bool] | None"]


def _one(d: date | None, explicit_year: bool = False) -> tuple[tuple[date, ...], bool]:
    return ((d,) if d is not None else ()), explicit_year


def _h_ymd(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    year = _cn_int(m["y"])
    month = _cn_int(m["mo"])
    day = _cn_int(m["d"])
    if year is None or month is None or day is None:
        return (), True
    return _one(_safe_date(year, month, day), True)


def _h_numeric_with_year(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
    md = _safe_date(year, a, b)
    dm = _safe_date(year, b, a)
    return _ambiguous_pair(md, dm), True


def _h_numeric(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    a, b = int(m["a"]), int(m["b"])
    md = _next_occurrence(a, b, today)
    dm = _next_occurrence(b, a, today)
    return _ambiguous_pair(md, dm), False


def _ambiguous_pair(md: date | None, dm: date | None) -> tuple[date, ...]:
    """Month-first and day-first readings; both when both are valid and differ."""
    if md is not None and dm is not None and md != dm:
        return (md, dm)
    if md is not None:
        return (md,)
    if dm is not None:
        return (dm,)
    return ()


def _h_cn_month_day(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    month = _cn_int(m["mo"])
    day = _cn_int(m["d"])
    if month is None or day is None:
        return (), False
    prefix = m["pre"] or ""
    if prefix in ("明年", "来年"):
        return _one(_safe_date(today.year + 1, month, day), True)
    if prefix == "后年":
        return _one(_safe_date(today.year + 2, month, day), True)
    if prefix in ("今年", "本年"):
        return _one(_safe_date(today.year, month, day), True)
    return _one(_next_occurrence(month, day, today))


_REL_MONTH = {
    "这个月": 0,
    "这月": 0,
    "本月": 0,
    "下个月": 1,
    "下月": 1,
    "下下个月": 2,
    "下下月": 2,
}


def _h_rel_month_day(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    day = _cn_int(m["d"])
    if day is None:
        return (), False
    base = add_months(today.replace(day=1), _REL_MONTH[m["rel"]])
    return _one(_safe_date(base.year, base.month, day))


def _h_month_end(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    shift = _REL_MONTH.get(m["rel"] or "", 0)
    return _one(_end_of_month(add_months(today.replace(day=1), shift)))


def _h_month_end_en(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    rel = re.sub(r"\s+", " ", m["rel"] or "")
    shift = 1 if rel == "next month" else 0
    return _one(_end_of_month(add_months(today.replace(day=1), shift)))


def _h_day_only(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    day = _cn_int(m["d"])
    if day is None:
        return (), False
    return _one(_next_day_of_month(day, today))


def _h_cn_keyword(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    offsets = {
        "今天": 0,
        "今日": 0,
        "明天": 1,
        "明日": 1,
        "后天": 2,
        "后日": 2,
        "大后天": 3,
        "下周": 7,
        "下星期": 7,
        "下礼拜": 7,
        "下个星期": 7,
        "下个礼拜": 7,
    }
    word = m["w"]
    if word in offsets:
        return _one(today + timedelta(days=offsets[word]))
    if word in ("下个月", "下月"):
        return _one(add_months(today, 1))
    if word == "明年":
        return _one(add_months(today, 12))
    if word in ("半个月", "半月"):
        return _one(today + timedelta(days=15))
    if word == "半年":
        return _one(add_months(today, 6))
    raise AssertionError(word)


def _h_cn_weekday(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    target = _WEEKDAYS_CN[m["wd"]]
    rel = m["rel"] or ""
    monday = today - timedelta(days=today.weekday())
    if rel.startswith("下下"):
        return _one(monday + timedelta(weeks=2, days=target))
    if rel.startswith("下"):
        return _one(monday + timedelta(weeks=1, days=target))
    if rel:  # 这周五 / 本周五: this calendar week, may be past
        return _one(monday + timedelta(days=target))
    ahead = (target - today.weekday()) % 7 or 7  # bare 周五: the coming one
    return _one(today + timedelta(days=ahead))


def _h_cn_relative(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    n = _cn_int(m["n"])
    if n is None:
        return (), False
    unit = _UNITS_CN[m["u"]]
    return _one(_add_unit(today, n, unit))


def _h_en_relative(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    n = _count(m["n"])
    if n is None:
        return (), False
    unit = _UNITS_EN[m["u"]] if m["u"] else "d"
    return _one(_add_unit(today, n, unit))


def _h_en_keyword(m: re.Match[str], today: date) -> tuple[tuple[date, ...], bool]:
    word = m["w"]
    if word in ("today", "tonight", "tdy"):
        return _one(today)
    if word in ("tomorrow", "tmr", "tmrw", "tomorow", "tommorow", "tommorrow"):
        return _one(today + timedelta(days=1))
    return _one(today + timedelta(days=2))  # day after tomorrow


# Order matters: the first pattern that matches anywhere wins.
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    # 2026-12-31, 2026/12/31, 2026.12.31
    (
        re.compile(
            rf"{_B}(?P<y>\d{{4}})\s*([-/.])\s*(?P<mo>\d{{1,2}})\s*\2\s*(?P<d>\d{{1,2}}){_E}"
        ),
        _h_ymd,
    ),
    # 2026年12月31日, 二〇二六年十二月三十一号
    (
        re.compile(
            rf"(?<!\d)(?P<y>{_YEAR_CN})\s*年\s*(?P<mo>{_NUM})\s*月\s*(?P<d>{_NUM})\s*{_DAY_SUFFIX}?"
        ),
        _h_ymd,
    ),
    # 31/12/2026, 12-31-2026, 31.12.2026 (day/month order may be ambiguous)
    (
        re.compile(rf"{_B}(?P<a>\d{{1,2}})\s*([-/.])\s*(?P<b>\d{{1,2}})\s*\2\s*(?P<y>\d{{4}}){_E}"),
        _h_numeric_with_year,
    ),
    # 下个月5号, 下月5日, 本月20号
    (
        re.compile(
            rf"(?P<rel>下下个月|下下月|下个月|下月|这个月|这月|本月)\s*(?P<d>{_NUM})\s*{_DAY_SUFFIX}"
        ),
        _h_rel_month_day,
    ),
    # 12月31日, 12月31号, 明年1月5日, 12月31
    (
        re.compile(
            rf"(?P<pre>明年|来年|后年|今年|本年)?(?<![\d{_CN}])(?P<mo>{_NUM})\s*月\s*(?P<d>{_NUM})"
            rf"(?:\s*{_DAY_SUFFIX}|(?![\d{_CN}]))"
        ),
        _h_cn_month_day,
    ),
    # 月底, 下个月底, 本月末, end of month, end of next month, eom
    (
        re.compile(
            r"(?:(?P<rel>下下个月|下下月|下个月|下月|这个月|这月|本月)|(?<![\d零〇一二两三四五六七八九十百个])月)"
            r"\s*(?:底|末)"
        ),
        _h_month_end,
    ),
    (
        re.compile(
            r"(?<![a-z])(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<rel>next\s+month|this\s+month|month)(?![a-z])"
            r"|(?<![a-z])eom(?![a-z])"
        ),
        _h_month_end_en,
    ),
    # 下周五, 这周五, 周五, 星期五, 下个礼拜一
    (
        re.compile(
            r"(?P<rel>下下个?|下个?|这个?|本)?\s*(?:周|星期|礼拜)(?P<wd>[一二三四五六日天七])"
        ),
        _h_cn_weekday,
    ),
    # 30天, 30天后, 两周后, 一个月后, 3个月, 半年
    (
        re.compile(
            rf"(?P<n>{_NUM})\s*(?P<u>个礼拜|个星期|个月|天|周|星期|礼拜|年|日(?={_AFTER})|月(?={_AFTER}))"
            rf"{_AFTER}?"
        ),
        _h_cn_relative,
    ),
    # 明天, 后天, 大后天, 下周, 下个月, 半个月
    (
        re.compile(
            r"(?P<w>大后天|今天|今日|明天|明日|后天|后日|下个星期|下个礼拜|下星期|下礼拜|下周"
            r"|下个月|下月|明年|半个月|半月|半年)"
            rf"{_AFTER}?"
        ),
        _h_cn_keyword,
    ),
    # +30, +2w, 30d, 30 days, in 2 weeks, 3 months later, a month from now
    (
        re.compile(
            rf"(?:(?<![a-z0-9])(?:in|after)\s+)?(?<![\w+])\+\s*(?P<n>\d{{1,4}})\s*(?P<u>{_EN_UNIT_RE})?{_E}"
            r"(?:\s+(?:later|from\s+now|from\s+today))?"
        ),
        _h_en_relative,
    ),
    (
        re.compile(
            rf"(?:{_B}(?:in|after)\s+)?(?:{_B}(?P<n>\d{{1,4}}|{_EN_NUM_RE})\s*)(?P<u>{_EN_UNIT_RE}){_E}"
            r"(?:\s+(?:later|from\s+now|from\s+today))?"
        ),
        _h_en_relative,
    ),
    (
        re.compile(
            r"(?<![a-z])(?:the\s+)?(?P<w>day\s+after\s+tomorrow|today|tonight|tdy|tomorrow|tmrw|tmr"
            r"|tomorow|tommorow|tommorrow)(?![a-z])"
        ),
        _h_en_keyword,
    ),
    # 12/31, 31/12, 12-31, 03/04 (ambiguous)
    (
        re.compile(rf"{_B}(?P<a>\d{{1,2}})\s*([-/.])\s*(?P<b>\d{{1,2}}){_E}(?!\s*[-/.]\s*\d)"),
        _h_numeric,
    ),
    # 5号, 20日 (the next such day of a month)
    (
        re.compile(rf"(?<![\d{_CN}月])(?P<d>{_NUM})\s*{_DAY_SUFFIX}"),
        _h_day_only,
    ),
)


def _find_regex_date(s: str, mask: list[bool], today: date) -> _Found | None:
    for pattern, handler in _DATE_PATTERNS:
        for m in pattern.finditer(s):
            start, end = m.span()
            if start == end or any(mask[start:end]):
                continue
            result = handler(m, today)
            if result is None:
                continue
            dates, explicit_year = result
            return _Found(start, end, dates, explicit_year)
    return None


# ---------------------------------------------------------------------------
# dateparser fallback
# ---------------------------------------------------------------------------

_EN_MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_EN_WEEKDAYS = {
    "mon",
    "monday",
    "tue",
    "tues",
    "tuesday",
    "wed",
    "weds",
    "wednesday",
    "thu",
    "thur",
    "thurs",
    "thursday",
    "fri",
    "friday",
    "sat",
    "saturday",
    "sun",
    "sunday",
}
# Words that name a date by themselves (a window needs at least one of them).
_ANCHORS = {
    *_EN_MONTHS,
    *_EN_WEEKDAYS,
    "yesterday",
    "week",
    "weeks",
    "fortnight",
    "month",
    "months",
    "year",
    "years",
    "day",
    "days",
    "weekend",
}
# Words allowed in a window besides anchors and numbers.
_FILLER = {
    "next",
    "this",
    "coming",
    "last",
    "of",
    "the",
    "on",
    "in",
    "after",
    "from",
    "now",
    "later",
    "ago",
    "end",
    "before",
    "a",
    "an",
    *_EN_NUMBERS,
}
_ZH_DATE_CHARS = set(
    "0123456789零〇一二两三四五六七八九十年月日号天周星期礼拜今明后昨前下上个本这半底末初"
)
_ZH_ANCHOR_CHARS = set("年月日号天周星期礼拜今明后昨")

_TOKEN_RE = re.compile(
    r"\d{1,4}(?:st|nd|rd|th)?|[a-z]+\.?|[\u3400-\u9fff]+|[,]|[^\s\w]|\S", re.UNICODE
)
_MAX_WINDOW = 5


def _token_kind(tok: str) -> str | None:
    """'anchor', 'filler', 'number', 'punct' or None (not date vocabulary)."""
    t = tok.rstrip(".")
    if t in _ANCHORS:
        return "anchor"
    if t in _FILLER:
        return "filler"
    if re.fullmatch(r"\d{1,4}(?:st|nd|rd|th)?", t):
        return "number"
    if tok == ",":
        return "punct"
    if t and all(c in _ZH_DATE_CHARS for c in t):
        return "anchor" if any(c in _ZH_ANCHOR_CHARS for c in t) else "number"
    return None


def _dateparser_parse(window: str, now_local: datetime) -> date | None:
    import dateparser

    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now_local,
        "DATE_ORDER": "DMY",
        "PARSERS": ["relative-time", "absolute-time"],
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": False,
    }
    try:
        with warnings.catch_warnings():
            # dateparser / regex occasionally emit Deprecation/FutureWarnings on odd
            # input; they must not turn a user's typo into a crash.
            warnings.simplefilter("ignore")
            result = dateparser.parse(window, languages=["zh", "en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    return result.date() if result is not None else None


def _find_dateparser_date(s: str, mask: list[bool], now_local: datetime) -> _Found | None:
    today = now_local.date()
    tokens = [
        (m.start(), m.end(), m.group())
        for m in _TOKEN_RE.finditer(s)
        if not any(mask[m.start() : m.end()]) and not m.group().isspace()
    ]
    kinds = [_token_kind(t) for _, _, t in tokens]
    n = len(tokens)
    for size in range(min(_MAX_WINDOW, n), 0, -1):
        for i in range(0, n - size + 1):
            window = tokens[i : i + size]
            window_kinds = kinds[i : i + size]
            if any(k is None for k in window_kinds) or "anchor" not in window_kinds:
                continue
            if window_kinds[0] == "punct" or window_kinds[-1] == "punct":
                continue
            start, end = window[0][0], window[-1][1]
            # Contiguous: nothing consumed or non-space between the tokens.
            if any(mask[start:end]):
                continue
            words = [t.rstrip(".") for _, _, t in window]
            has_month = any(w in _EN_MONTHS for w in words)
            has_number = any(k == "number" for k in window_kinds)
            if has_month and not has_number:
                continue  # "December" alone is not a day
            parsed = _dateparser_parse(s[start:end], now_local)
            if parsed is None:
                continue
            explicit_year = any(re.fullmatch(r"\d{4}", w) for w in words)
            if has_month and not explicit_year:
                # dateparser puts "mar 10" on 10 March *next* year when today is
                # 10 March; today counts, so recompute the next occurrence.
                again = _next_occurrence(parsed.month, parsed.day, today)
                parsed = again if again is not None else parsed
            return _Found(start, end, (parsed,), explicit_year)
    return None


# ---------------------------------------------------------------------------
# Operators and label
# ---------------------------------------------------------------------------


def _alias_patterns(
    operator_aliases: Mapping[str, str],
) -> list[tuple[re.Pattern[str], str]]:
    """The aliases as patterns, longest first. The table comes in as data (codes.yaml's
    `CodeBook.alias_table()` plus travel words, built by `reminders.planning`): core reads
    no YAML. Unlike `CodeBook.find_operator` the parser needs where the alias sits, to cut
    it out of the label."""
    keys: dict[str, str] = {}
    for alias, op in operator_aliases.items():
        key = normalize(alias)
        if key:
            keys.setdefault(key, op)
    patterns = []
    for key in sorted(keys, key=len, reverse=True):
        body = r"\s+".join(re.escape(part) for part in key.split(" "))
        if key[0].isascii() and key[0].isalnum():
            body = rf"(?<![a-z0-9]){body}"
        if key[-1].isascii() and key[-1].isalnum():
            body = rf"{body}(?![a-z0-9])"
        patterns.append((re.compile(body), keys[key]))
    return patterns


_EDGE_WORDS = {
    "on",
    "at",
    "@",
    "by",
    "in",
    "until",
    "till",
    "expires",
    "expire",
    "expiry",
    "expiring",
    "exp",
    "的",
    "在",
    "于",
    "到期",
    "过期",
    "到",
}
_EDGE_PUNCT = " \t\r\n,.;:!?-–—/|·、，。；：！？~～()（）[]【】\"'“”‘’"


def _clean_label(original: str, mask: list[bool]) -> str | None:
    kept = "".join(" " if mask[i] else c for i, c in enumerate(original))
    kept = "".join(c for c in kept if unicodedata.category(c) not in ("Cc", "Cf") or c == " ")
    words = kept.split()
    changed = True
    while words and changed:
        changed = False
        for idx in (0, -1):
            if not words:
                break
            w = words[idx].strip(_EDGE_PUNCT)
            if not w or _normalise(w) in _EDGE_WORDS:
                words.pop(idx)
                changed = True
    label = " ".join(words).strip(_EDGE_PUNCT)
    for suffix in ("到期", "過期", "过期"):
        if label.endswith(suffix) and len(label) > len(suffix):
            label = label[: -len(suffix)].rstrip(_EDGE_PUNCT)
    if not label:
        return None
    return label[:LABEL_MAX].rstrip() or None


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------

_COMMAND_RE = re.compile(r"^\s*/remind(?:@\w+)?(?:\s+|$)", re.IGNORECASE)


def latest_allowed(today: date) -> date:
    """The last acceptable expiry: two years ahead (730 days, or the same date
    two years on when a leap day makes that 731)."""
    return max(today + timedelta(days=MAX_DAYS_AHEAD), add_months(today, 24))


def _validate(d: date, today: date) -> str | None:
    if d < today:
        return ERROR_PAST
    if d > latest_allowed(today):
        return ERROR_TOO_FAR
    return None


def _local_now(now: datetime, tz: ZoneInfo) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz)


def parse_remind(
    text: str,
    now: datetime,
    tz: ZoneInfo,
    operator_aliases: Mapping[str, str] | None = None,
) -> RemindParse:
    """Parse the argument of ``/remind`` (a leading ``/remind`` is tolerated).

    ``now`` must be aware; "today" is its date in ``tz``. Returns a
    :class:`RemindParse`; never raises for bad user input (only for a naive
    ``now``).
    """
    return _parse(text, now, tz, operator_aliases, date_only=False)


def parse_date_only(text: str, now: datetime, tz: ZoneInfo) -> RemindParse:
    """Parse a reply that should contain only a date (and optionally a time of day).

    Same date rules as :func:`parse_remind`; any other words make it
    ``unparseable`` (no label, no operator).
    """
    return _parse(text, now, tz, None, date_only=True)


def _parse(
    text: str,
    now: datetime,
    tz: ZoneInfo,
    operator_aliases: Mapping[str, str] | None,
    *,
    date_only: bool,
) -> RemindParse:
    now_local = _local_now(now, tz)
    today = now_local.date()
    if text is None:
        return RemindParse(error=ERROR_EMPTY)
    text = _COMMAND_RE.sub("", text, count=1)
    if not text.strip():
        return RemindParse(error=ERROR_EMPTY)
    if len(text) > _MAX_INPUT:
        return RemindParse(error=ERROR_UNPARSEABLE)

    s = _normalise(text)
    mask = [False] * len(s)

    def take(start: int, end: int) -> None:
        for i in range(start, end):
            mask[i] = True

    # 1. time of day
    time_of_day, span = _find_time_of_day(s)
    if span:
        take(*span)

    # 2. operator
    operator: str | None = None
    if operator_aliases and not date_only:
        operator, span = _find_operator(s, mask, operator_aliases)
        if span:
            take(*span)

    # 3./4. date
    found = _find_regex_date(s, mask, today)
    if found is None:
        found = _find_dateparser_date(s, mask, now_local.replace(tzinfo=None))
    if found is None:
        return RemindParse(error=ERROR_UNPARSEABLE, time_of_day=time_of_day, operator=operator)
    take(found.start, found.end)

    label = _clean_label(text, mask)
    if date_only and label is not None:
        return RemindParse(error=ERROR_UNPARSEABLE, time_of_day=time_of_day)

    common = {"time_of_day": time_of_day, "operator": operator, "label": label}
    return _verdict(found.dates, today, common)


def _find_time_of_day(s: str) -> tuple[time | None, tuple[int, int] | None]:
    """The first readable time of day in the text, and where it is."""
    for pattern in _TIME_PATTERNS:
        for m in pattern.finditer(s):
            t = _time_from_match(m)
            if t is not None:
                return t, m.span()
    return None, None


def _find_operator(
    s: str, mask: list[bool], operator_aliases: Mapping[str, str]
) -> tuple[str | None, tuple[int, int] | None]:
    """The first operator alias not inside text already taken, and where it is."""
    for pattern, op in _alias_patterns(operator_aliases):
        m = pattern.search(s)
        if m and not any(mask[m.start() : m.end()]):
            return op, m.span()
    return None, None


def _verdict(dates: Sequence[date], today: date, common: dict[str, Any]) -> RemindParse:
    """One valid date: the expiry; several: ambiguous; none: why the first is not valid."""
    if not dates:
        return RemindParse(error=ERROR_UNPARSEABLE, **common)
    valid = [d for d in dates if _validate(d, today) is None]
    if len(valid) >= 2:
        return RemindParse(ambiguous=tuple(valid), **common)
    if len(valid) == 1:
        return RemindParse(expiry=valid[0], **common)
    return RemindParse(error=_validate(dates[0], today), **common)
