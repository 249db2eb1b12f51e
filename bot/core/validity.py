"""Validity bought by a top-up amount (Smart's scratch-card table, from content/facts).

Pure: the table is data handed in; amounts are found in what the user typed. Whether a
top-up adds to the validity left is unknown, so callers say "at least until".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

RIEL_PER_DOLLAR = 4000

# "$10", "10$", "US$ 5", "10 usd", "10 dollars", "10美元", "10美金", "10刀", "5000 riel", "5000៛"
_DOLLARS = re.compile(
    r"(?:us\s*)?\$\s*(\d{1,15}(?:[.,]\d{1,2})?)(?![\d])"
    r"|(?<![\w.])(\d{1,15}(?:[.,]\d{1,2})?)\s*(?:\$|usd\b|dollars?\b|美元|美金|美刀|刀)",
    re.IGNORECASE,
)
_RIEL = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d{1,15})\s*(?:riels?\b|khr\b|៛|瑞尔|瑞爾)", re.IGNORECASE
)


@dataclass(frozen=True)
class Card:
    cents: int
    days: int


@dataclass(frozen=True)
class ValidityTable:
    operator: str
    source: str
    cards: tuple[Card, ...]

    def days_for(self, cents: int) -> int | None:
        """Days of validity of a card of exactly this amount (None: no such card)."""
        return next((c.days for c in self.cards if c.cents == cents), None)

    def dollar_cards(self) -> tuple[Card, ...]:
        """The whole-dollar cards (the ones to offer as buttons)."""
        return tuple(c for c in self.cards if c.cents % 100 == 0)


def parse_table(data: Mapping[str, Any]) -> ValidityTable:
    """The table from its YAML data; raises ValueError on a malformed one."""
    cards = tuple(Card(int(c["cents"]), int(c["days"])) for c in data["cards"])
    if not cards or any(c.cents <= 0 or c.days <= 0 for c in cards):
        raise ValueError("validity cards need positive amounts and days")
    source = str(data["source"])
    if not source.startswith("https://"):
        raise ValueError("the validity table needs its source URL")
    return ValidityTable(str(data["operator"]), source, cards)


@dataclass(frozen=True)
class Amount:
    cents: int
    start: int
    end: int


def find_amount(text: str) -> Amount | None:
    """The first money amount in the text, in US cents, with where it was found."""
    m = _DOLLARS.search(text)
    if m:
        whole, _, frac = (m.group(1) or m.group(2)).replace(",", ".").partition(".")
        return Amount(int(whole) * 100 + int((frac + "00")[:2]), m.start(), m.end())
    m = _RIEL.search(text)
    if m:
        riel = int(m.group(1).replace(",", ""))
        return Amount(riel * 100 // RIEL_PER_DOLLAR, m.start(), m.end())
    return None


def valid_until(today: date, days: int) -> date:
    """The earliest the validity of a top-up made today can end: today plus its days."""
    return today + timedelta(days=days)


def format_cents(cents: int) -> str:
    """$10, $2.50 (plain text)."""
    return f"${cents // 100}" if cents % 100 == 0 else f"${cents / 100:.2f}"
