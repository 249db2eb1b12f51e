"""The list of sources users are shown, so a person can judge where a fact comes from.

FAQ entries and codes.yaml cite bare URLs; a URL alone ("github.com/…/photo-1.webp")
tells a reader nothing. `content/sources.yaml` names every cited page once per
language (publisher and page), says what kind of publisher it is and when it was
last checked, and `validate_sources` keeps that list and the citations in step:
no cited URL without a name, no named URL that nothing cites.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.content import CONTENT_DIR, LANGS, Content, ContentError, _read_yaml

KINDS = ("operator", "regulator", "news", "seller")
CHECKED_RE = re.compile(r"^\d{4}-\d{2}$")

_CHECKED = {"zh-Hans": "核对于", "zh-Hant": "查核於", "en": "checked"}
_LABEL = {"zh-Hans": "来源：", "zh-Hant": "來源：", "en": "Sources: "}


class Source(BaseModel):
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


@dataclass(frozen=True)
class SourceBook:
    by_url: dict[str, Source]

    def line(self, urls: list[str], lang: str) -> str:
        """Telegram HTML for the end of an answer: named, linked sources and the check month.

        e.g. "Sources: Smart – Top-up cards · MPTC notice (photo) · checked 2026-11".
        URLs without an entry are skipped (validation keeps that from happening).
        """
        known = [self.by_url[u] for u in urls if u in self.by_url]
        if not known:
            return ""
        links = " · ".join(
            f'<a href="{html.escape(s.url, quote=True)}">{html.escape(s.name[lang])}</a>'
            for s in known
        )
        checked = max(s.checked for s in known)
        return f"<i>{_LABEL[lang]}{links} · {_CHECKED[lang]} {checked}</i>"


def load_sources(path: Path = CONTENT_DIR / "sources.yaml") -> SourceBook:
    """Every named source; a bad or duplicate entry raises ContentError naming it."""
    data = _read_yaml(path)
    if not isinstance(data, list):
        raise ContentError(path, None, None, "expected a list of sources")
    by_url: dict[str, Source] = {}
    for i, item in enumerate(data):
        where = str(item.get("url", f"#{i + 1}")) if isinstance(item, dict) else f"#{i + 1}"
        if not isinstance(item, dict):
            raise ContentError(path, where, None, "expected a mapping with url, name, kind")
        try:
            source = Source(**item)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or None
            message = err["msg"].removeprefix("Value error, ")
            raise ContentError(path, where, field, message) from None
        if source.url in by_url:
            raise ContentError(path, where, "url", "listed twice")
        by_url[source.url] = source
    return SourceBook(by_url)


def cited_urls(content: Content) -> dict[str, list[str]]:
    """Every URL cited in the FAQ and codes.yaml, with who cites it."""
    cited: dict[str, list[str]] = {}
    for entry in content.faq.values():
        for url in entry.sources:
            cited.setdefault(url, []).append(f"faq/{entry.id}")
    if content.codes is not None:
        for sid, source in content.codes.sources.items():
            cited.setdefault(source.url, []).append(f"codes.yaml {sid}")
    return cited


def validate_sources(content: Content, book: SourceBook) -> list[str]:
    """Problems between citations and sources.yaml, as sentences; empty when in step."""
    cited = cited_urls(content)
    problems = [
        f"{url} is cited by {', '.join(who)} but has no entry in sources.yaml"
        for url, who in cited.items()
        if url not in book.by_url
    ]
    problems += [
        f"{url} is in sources.yaml but nothing cites it" for url in book.by_url if url not in cited
    ]
    return problems
