"""A scratch card's PIN turned into the complete code to dial, from the fact base only.

Typing `*1203*` and 13-16 digits without a slip is fiddly on a phone; the user sends the
digits and gets the whole code as one copy button. Only codes the fact base labels A-gov
or A-op are offered: the common `*1203*PIN#` (MPTC, every network since 2022) and Smart's
own `*888*<13-digit card code>#`. Cellcard's `*123*PIN#` is only reported by users, so it
is not offered. The PIN is never stored or logged; it only passes through.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PIN_DIGITS = (13, 16)  # shortest and longest scratch-card PIN accepted
SMART_PIN_DIGITS = 13  # Smart's page gives a 13-digit card code
# The digits, maybe in groups split by spaces or dashes, nothing else but an operator name.
_PIN_RE = re.compile(r"(?<![0-9*#])[0-9](?:[\s\-]?[0-9]){12,15}(?![0-9#])")


@dataclass(frozen=True)
class CardCode:
    code: str  # the complete code, e.g. *1203*1234567890123#
    network: str  # an operator id from codes.yaml, or "all"


def find_pin(text: str) -> str | None:
    """The card PIN in a message that is only a PIN (maybe with an operator name), else None.

    A longer message with digits in it is a question, not a card, and phone numbers
    (9-10 digits) are too short to be taken for one.
    """
    text = unicodedata.normalize("NFKC", text)  # full-width digits from Chinese keyboards
    matches = list(_PIN_RE.finditer(text))
    if len(matches) != 1:
        return None
    rest = (text[: matches[0].start()] + text[matches[0].end() :]).strip()
    if len(rest.split()) > 2 or any(c.isdigit() or c in "*#" for c in rest):
        return None
    digits = re.sub(r"[^0-9]", "", matches[0].group())
    return digits if PIN_DIGITS[0] <= len(digits) <= PIN_DIGITS[1] else None


def card_codes(pin: str, operator: str | None) -> list[CardCode]:
    """The codes that top up with this PIN on `operator`, most specific first."""
    codes = []
    if operator == "smart" and len(pin) == SMART_PIN_DIGITS:
        codes.append(CardCode(f"*888*{pin}#", "smart"))
    codes.append(CardCode(f"*1203*{pin}#", "all"))
    return codes
