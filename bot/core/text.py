"""Text normalisation and script detection shared by FAQ matching and code lookup.

Users type Simplified or Traditional Chinese, English, full-width characters,
emoji and stray punctuation. Matching works on one canonical form: NFKC,
lower case, Simplified Chinese, punctuation folded to spaces.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
import unicodedata
from functools import cache, lru_cache

import opencc
from babel.lists import format_list

LANGS = ("zh-Hans", "zh-Hant", "en")
TELEGRAM_LIMIT = 4096  # characters in one Telegram message
BABEL_LOCALES = {"zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW", "en": "en"}

# OpenCC converters are built on first use: Simplified -> Taiwan Traditional with phrase
# tables (s2twp) holds 43 MB that a process never gives back, and the running bot needs it
# only when content lacks a precomputed zh-Hant form (see bot/content.py).


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")  # 3 MB


@cache
def _s2twp() -> opencc.OpenCC:
    return opencc.OpenCC("s2twp")  # 43 MB: Simplified phrases, then Taiwan phrases


@cache
def _st_characters() -> opencc.OpenCC:
    """OpenCC's Simplified -> Traditional character table alone (1 MB; `s2t` is 27 MB).

    OpenCC finds dictionaries only beside a config file, so the config names the
    package's table by absolute path. For NFKC-normalised text it flags exactly the
    characters `s2t` changes (checked over every CJK ideograph).
    """
    table = os.path.join(os.path.dirname(opencc.__file__), "clib", "share", "opencc")
    config = {
        "name": "Simplified to Traditional, characters only",
        "conversion_chain": [
            {"dict": {"type": "ocd2", "file": os.path.join(table, "STCharacters.ocd2")}}
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "st_characters.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(config, fh)
        return opencc.OpenCC(path)


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[a-zA-Z]")
# Everything that is not a letter, digit, Han character or the USSD symbols * and #.
_NOISE = re.compile(r"[^\w\u3400-\u4dbf\u4e00-\u9fff*#+]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    return _t2s().convert(text)


@lru_cache(maxsize=1024)
def to_traditional(text: str) -> str:
    return _s2twp().convert(text)


def normalize(text: str) -> str:
    """Canonical form for matching: NFKC, lower case, Simplified, no punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = to_simplified(text)
    text = _NOISE.sub(" ", text.replace("_", " "))
    return _SPACES.sub(" ", text).strip()


def detect_lang(text: str) -> str | None:
    """The language and script a question is written in: zh-Hans, zh-Hant, en or None.

    Counts characters that only Traditional uses (they change when converted
    to Simplified) against characters that only Simplified uses; most
    characters are shared and count for neither. Text with no Chinese or
    Latin letters (emoji, digits) gives None so the caller falls back to the
    user's settings.
    """
    text = unicodedata.normalize("NFKC", text)
    han = _HAN.findall(text)
    if han:
        t2s, s2t = _t2s(), _st_characters()
        traditional = sum(t2s.convert(c) != c for c in han)
        simplified = sum(s2t.convert(c) != c for c in han)
        return "zh-Hant" if traditional > simplified else "zh-Hans"
    if _LATIN.search(text):
        return "en"
    return None


def has_simplified_only(text: str) -> bool:
    """Whether any character of `text` is written differently in Traditional.

    Character tables only: words that Taiwan phrases differently (信息/資訊) but that
    share their characters count as common to both scripts.
    """
    s2t = _st_characters()
    return any(s2t.convert(c) != c for c in _HAN.findall(unicodedata.normalize("NFKC", text)))


def lang_from_telegram(language_code: str | None) -> str:
    """Map Telegram's IETF language_code to one of our three languages."""
    code = (language_code or "").lower()
    if code.startswith("zh"):
        if any(tag in code for tag in ("hant", "tw", "hk", "mo")):
            return "zh-Hant"
        return "zh-Hans"
    return "en"


def join_list(items: list[str], lang: str) -> str:
    """Items as the language lists them ("A、B和C", "A, B, and C")."""
    return format_list(items, locale=BABEL_LOCALES[lang]) if items else ""


_TAG = re.compile(r"</?[a-z][^>]*>")


def visible_text(text: str) -> str:
    """What a reader sees of Telegram HTML: tags gone, entities as characters.

    Phone-size budgets count these characters, not the markup around them.
    """
    return html.unescape(_TAG.sub("", text))
