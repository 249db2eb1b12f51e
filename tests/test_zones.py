"""/timezone input: city names in English, Simplified and Traditional Chinese (from
content/cities.yaml), UTC offsets and IANA names; anything else is None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.content import load_content
from bot.core.zones import Places, find_zone, zone_label
from bot.handlers.timezone import ZONES


@pytest.fixture(scope="module")
def places() -> Places:
    return load_content().places


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Shanghai", "Asia/Shanghai"),
        ("上海", "Asia/Shanghai"),
        ("上海市", "Asia/Shanghai"),
        ("beijing", "Asia/Shanghai"),
        ("北京", "Asia/Shanghai"),
        ("Taipei", "Asia/Taipei"),
        ("台北", "Asia/Taipei"),
        ("臺北", "Asia/Taipei"),
        ("Hong Kong", "Asia/Hong_Kong"),
        ("hongkong", "Asia/Hong_Kong"),
        ("香港", "Asia/Hong_Kong"),
        ("Bangkok", "Asia/Bangkok"),
        ("曼谷", "Asia/Bangkok"),
        ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),
        ("Saigon", "Asia/Ho_Chi_Minh"),
        ("胡志明市", "Asia/Ho_Chi_Minh"),
        ("Kuala Lumpur", "Asia/Kuala_Lumpur"),
        ("吉隆坡", "Asia/Kuala_Lumpur"),
        ("Singapore", "Asia/Singapore"),
        ("新加坡", "Asia/Singapore"),
        ("Sydney", "Australia/Sydney"),
        ("悉尼", "Australia/Sydney"),
        ("雪梨", "Australia/Sydney"),
        ("London", "Europe/London"),
        ("伦敦", "Europe/London"),
        ("倫敦", "Europe/London"),
        ("New York", "America/New_York"),
        ("new-york", "America/New_York"),
        ("纽约", "America/New_York"),
        ("紐約", "America/New_York"),
        ("Phnom Penh", "Asia/Phnom_Penh"),
        ("金边", "Asia/Phnom_Penh"),
        ("金邊", "Asia/Phnom_Penh"),
        ("Siem Reap", "Asia/Phnom_Penh"),
        ("暹粒", "Asia/Phnom_Penh"),
        ("UTC+8", "Etc/GMT-8"),
        ("utc +8", "Etc/GMT-8"),
        ("GMT+8", "Etc/GMT-8"),
        ("+8", "Etc/GMT-8"),
        ("＋7", "Etc/GMT-7"),
        ("UTC-5", "Etc/GMT+5"),
        ("GMT−3", "Etc/GMT+3"),
        ("UTC+05:30", "Asia/Kolkata"),
        ("+0530", "Asia/Kolkata"),
        ("UTC+5:45", "Asia/Kathmandu"),
        ("UTC-3:30", "America/St_Johns"),
        ("UTC", "Etc/UTC"),
        ("UTC+0", "Etc/UTC"),
        ("+14", "Etc/GMT-14"),
        ("Europe/Paris", "Europe/Paris"),
        ("asia/phnom penh", "Asia/Phnom_Penh"),
    ],
)
def test_finds_the_zone(places: Places, text: str, zone: str) -> None:
    assert find_zone(text, places) == zone


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Atlantis",
        "UTC+15",
        "UTC-13",
        "+5:17",
        "UTC+8:30",
        "🙂",
        "<b>London</b>",
        "x" * 200,
        "Mars/Olympus",
        "上海上海",
    ],
)
def test_unknown_is_none(places: Places, text: str) -> None:
    assert find_zone(text, places) is None


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_every_button_name_is_understood_when_typed(lang: str) -> None:
    content = load_content()
    for key, zone in ZONES:
        assert find_zone(content.texts.plain(key, lang), content.places) == zone, (key, lang)


def test_offsets_keep_their_offset_and_read_as_utc(places: Places) -> None:
    now = datetime(2027, 7, 1, tzinfo=UTC)
    for text, hours in [("UTC+8", 8), ("UTC-5", -5), ("UTC+05:30", 5.5)]:
        zone = find_zone(text, places)
        assert ZoneInfo(zone).utcoffset(now) == timedelta(hours=hours)
    assert zone_label("Etc/GMT-8") == "UTC+8" and zone_label("Etc/GMT+5") == "UTC-5"
    assert zone_label("Europe/London") == "Europe/London" and zone_label("Etc/UTC") == "UTC"


def test_a_name_for_two_zones_is_refused() -> None:
    with pytest.raises(ValueError, match="names both"):
        Places.build({"Asia/Shanghai": ["X"], "Asia/Taipei": ["x"]}, {})
