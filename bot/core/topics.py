"""FAQ topics and everything content/ holds, as validated objects.

Content is edited by people who are not programmers, so the models say
exactly what is wrong; `bot.content` reads the YAML and locates each problem
by file, entry and field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from bot.core.operators import CodeBook
from bot.core.sources import NamedSource
from bot.core.text import LANGS, TELEGRAM_LIMIT
from bot.core.zones import Places

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_QUESTIONS = {"zh-Hans": 8, "en": 5}


class HtmlTexts(Protocol):
    """UI strings (bot.i18n.Texts): Telegram HTML, or plain text for buttons."""

    def __call__(self, key: str, lang: str, **kwargs: object) -> str: ...

    def html(self, key: str, lang: str, **kwargs: object) -> str: ...

    def plain(self, key: str, lang: str, **kwargs: object) -> str: ...

    def has(self, key: str) -> bool: ...


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FaqEntry(_Strict):
    id: str
    category: str
    questions: dict[str, list[str]]
    answer: dict[str, str]
    sources: list[str]
    operators: list[str] = []
    related: list[str] = []
    code_purposes: list[str] = []  # codes appended when the user names an operator
    title: dict[str, str] = {}  # written topic titles for buttons; else the first question

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_RE.match(value):
            raise ValueError("ids are lower-case words joined by '-'")
        return value

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        require_known_langs(value)
        for lang, minimum in MIN_QUESTIONS.items():
            got = [q for q in value.get(lang, []) if q.strip()]
            if len(got) < minimum:
                raise ValueError(f"needs at least {minimum} {lang} questions, has {len(got)}")
        return value

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: dict[str, str]) -> dict[str, str]:
        require_known_langs(value)
        missing = [lang for lang in LANGS if not value.get(lang, "").strip()]
        if missing:
            raise ValueError(f"missing language(s): {', '.join(missing)}")
        for lang, text in value.items():
            if len(text) > TELEGRAM_LIMIT:
                raise ValueError(
                    f"{lang} answer has {len(text)} characters, over Telegram's {TELEGRAM_LIMIT}"
                )
            problem = html_problem(text)
            if problem:
                raise ValueError(f"{lang} answer: {problem}")
        return {lang: text.strip() for lang, text in value.items()}

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("every entry needs at least one source URL")
        for url in value:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"not a URL: {url!r}")
        return value

    @field_validator("operators")
    @classmethod
    def _operators(cls, value: list[str], info: ValidationInfo) -> list[str]:
        known = (info.context or {}).get("operators")  # the operators of codes.yaml
        unknown = [op for op in value if known is not None and op not in known]
        if unknown:
            raise ValueError(f"unknown operator(s) {unknown}; known: {', '.join(known)}")
        return value


class Category(_Strict):
    id: str
    name: dict[str, str]

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        require_all_langs(value)
        return value


def require_known_langs(value: dict[str, Any]) -> None:
    unknown = [lang for lang in value if lang not in LANGS]
    if unknown:
        raise ValueError(f"unknown language key(s) {unknown}; use {', '.join(LANGS)}")


def require_all_langs(value: dict[str, str]) -> None:
    require_known_langs(value)
    missing = [lang for lang in LANGS if not str(value.get(lang, "")).strip()]
    if missing:
        raise ValueError(f"missing language(s): {', '.join(missing)}")


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problem = self.problem or f"tag <{tag}> is not allowed by Telegram HTML"
        if tag == "a" and not dict(attrs).get("href"):
            self.problem = self.problem or "<a> needs an href"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problem = self.problem or f"</{tag}> does not close the last opened tag"
        else:
            self.stack.pop()


def html_problem(text: str) -> str | None:
    """Why Telegram would reject this HTML, or None. Stray '<' and '&' must be escaped."""
    if re.search(r"<(?![a-z/])", text) or re.search(r"&(?![a-z]+;|#\d+;|#x[0-9a-f]+;)", text):
        return "a bare '<' or '&' must be written &lt; or &amp;"
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    if checker.problem:
        return checker.problem
    if checker.stack:
        return f"<{checker.stack[-1]}> is never closed"
    return None


@dataclass(frozen=True)
class Content:
    """Everything in content/, validated; read by bot.content, used everywhere."""

    faq: dict[str, FaqEntry]
    categories: list[Category]
    synonyms: list[list[str]]
    out_of_scope: dict[str, list[str]]
    texts: HtmlTexts
    codes: CodeBook | None = None  # when content/codes.yaml exists
    sources: Mapping[str, NamedSource] = field(default_factory=dict)  # sources.yaml, by URL
    root: Path | None = None  # the folder it was read from
    places: Places = field(default_factory=Places)  # content/cities.yaml, for /timezone

    def entries_in(self, category: str) -> list[FaqEntry]:
        return [e for e in self.faq.values() if e.category == category]
