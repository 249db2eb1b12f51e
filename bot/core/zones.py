"""Which time zone a person means by what they type in /timezone: a city or country
("Shanghai", "上海", "臺北"), an IANA name ("Europe/Paris") or a UTC offset ("UTC+8",
"GMT-5:30", "+7"). Pure: the place names come in as `Places` (content/cities.yaml).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MAX_INPUT = 64
_IGNORED = re.compile(r"[\s\-_.·'’]+")
_SPACES = re.compile(r"\s+")
_OFFSET = re.compile(r"^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$")


@dataclass(frozen=True)
class Places:
    """Normalised place name -> IANA zone; "+05:30"-style offsets -> IANA zone."""

    names: Mapping[str, str] = field(default_factory=dict)
    offsets: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, zones: Mapping[str, list[str]], offsets: Mapping[str, str]) -> Places:
        names: dict[str, str] = {}
        for zone, places in zones.items():
            for place in places:
                key = normalise(place)
                if names.get(key, zone) != zone:
                    raise ValueError(f"{place!r} names both {names[key]} and {zone}")
                names[key] = zone
        return cls(names, dict(offsets))


def normalise(text: str) -> str:
    """Full-width to ASCII, lower case, no spaces, hyphens, dots or apostrophes."""
    text = unicodedata.normalize("NFKC", text).replace("−", "-").casefold()
    return _IGNORED.sub("", text)


def find_zone(text: str, places: Places) -> str | None:
    """The IANA zone `text` names, or None."""
    raw = text.strip()
    if not raw or len(raw) > MAX_INPUT:
        return None
    key = normalise(raw)
    if key in ("utc", "gmt", "z"):
        return "Etc/UTC"
    found = places.names.get(key) or places.names.get(key.removesuffix("市"))
    if found:
        return found
    compact = _SPACES.sub("", unicodedata.normalize("NFKC", raw).replace("−", "-").casefold())
    offset = _offset_zone(compact, places)
    if offset:
        return offset
    return _iana(raw)


def _offset_zone(key: str, places: Places) -> str | None:
    match = _OFFSET.match(key)
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if minutes:
        return places.offsets.get(f"{sign}{hours:02d}:{minutes:02d}")
    if hours == 0:
        return "Etc/UTC"
    if (sign == "+" and hours > 14) or (sign == "-" and hours > 12):
        return None
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"  # POSIX: the sign is inverted


def zone_label(zone: str) -> str:
    """How to show a zone: Etc/GMT-8 (POSIX sign) reads as UTC+8."""
    match = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", zone)
    if match is None:
        return "UTC" if zone in ("Etc/UTC", "UTC") else zone
    return f"UTC{'-' if match.group(1) == '+' else '+'}{match.group(2)}"


@cache
def _zones_by_lower() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones()}


def _iana(text: str) -> str | None:
    """An IANA zone name, case-insensitive, spaces allowed for underscores."""
    found = _zones_by_lower().get(text.replace(" ", "_").lower())
    if found is None:
        return None
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return found
