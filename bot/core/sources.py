"""Named sources and the one "Sources" line under a message.

A bare URL ("github.com/…/photo-1.webp") tells a reader nothing, so every cited
page has a name per language (publisher and page) and the month it was last
checked (`content/sources.yaml`, loaded by `bot.content`). A message cites each
page once however many parts of it (answer, appended codes) rest on that page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from pydantic import BaseModel, ConfigDict, field_validator

from bot.core.text import LANGS

KINDS = ("operator", "regulator", "news", "seller")
CHECKED_RE = re.compile(r"^\d{4}-\d{2}$")

# Named links cost characters on a phone: after this many visible characters of
# names, further sources are linked by their number alone.
NAMED_BUDGET = {"zh-Hans": 60, "zh-Hant": 60, "en": 110}


class NamedSource(BaseModel):
    """One cited page: its URL, a name per language, the publisher's kind, the check month."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    name: dict[str, str]
    kind: str
    checked: str

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"not a URL: {value!r}")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [lang for lang in LANGS if not value.get(lang, "").strip()]
        unknown = [lang for lang in value if lang not in LANGS]
        if missing or unknown:
            raise ValueError(f"needs a name in each of {', '.join(LANGS)}")
        return value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        return value

    @field_validator("checked", mode="before")
    @classmethod
    def _checked(cls, value: object) -> str:
        text = str(value)
        if not CHECKED_RE.match(text):
            raise ValueError("checked is a month, written YYYY-MM")
        return text


class LineTexts(Protocol):
    """The words of the line (bot.i18n.Texts)."""

    def plain(self, key: str, lang: str, **kwargs: object) -> str: ...


def sources_line(
    names: Mapping[str, NamedSource],
    urls: Iterable[str],
    lang: str,
    texts: LineTexts,
    *,
    titles: Mapping[str, str] | None = None,
) -> str:
    """Telegram HTML, one line: "Sources: Smart – Top-up · MPTC notice · 3 · 4 · checked 2026-11".

    Each page once, in order of citation. Pages are named until the names fill
    the language's budget, the rest linked by their number. `titles` names pages that
    sources.yaml does not (a test keeps that from happening in our content).
    """
    titles = titles or {}
    pages = [u for u in dict.fromkeys(urls) if u in names or u in titles]
    if not pages:
        return ""
    links: list[str] = []
    used, naming = 0, True
    for i, url in enumerate(pages, 1):
        name = names[url].name[lang] if url in names else titles[url]
        naming = naming and (i == 1 or used + len(name) <= NAMED_BUDGET[lang])
        shown = name if naming else str(i)
        used += len(name)
        links.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(shown)}</a>')
    colon = "：" if lang.startswith("zh") else ": "
    line = html.escape(texts.plain("sources", lang)) + colon + " · ".join(links)
    checked = max((names[u].checked for u in pages if u in names), default=None)
    if checked:
        line += f" · <i>{html.escape(texts.plain('sources_checked', lang, month=checked))}</i>"
    return line
