"""Content files (FAQ, synonyms, codes, UI texts) loaded into validated models.

Content is edited by people who are not programmers, so every problem is
reported with the file, the entry and the field it concerns, and the bot
refuses to start on bad content rather than answer wrongly.
"""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.core.zones import Places

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
LANGS = ("zh-Hans", "zh-Hant", "en")
TELEGRAM_LIMIT = 4096
ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KNOWN_OPERATORS = ("smart", "cellcard", "metfone", "seatel", "cootel")
MIN_QUESTIONS = {"zh-Hans": 8, "en": 5}


class ContentError(ValueError):
    """A content problem, located by file, entry and field."""

    def __init__(self, file: str | Path, entry: str | None, field: str | None, message: str):
        self.file = str(file)
        self.entry = entry
        self.field = field
        self.message = message
        where = self.file
        if entry:
            where += f", entry {entry!r}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


# --- models -----------------------------------------------------------------


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

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_RE.match(value):
            raise ValueError("ids are lower-case words joined by '-'")
        return value

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        _known_langs(value)
        for lang, minimum in MIN_QUESTIONS.items():
            got = [q for q in value.get(lang, []) if q.strip()]
            if len(got) < minimum:
                raise ValueError(f"needs at least {minimum} {lang} questions, has {len(got)}")
        return value

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: dict[str, str]) -> dict[str, str]:
        _known_langs(value)
        missing = [lang for lang in LANGS if not value.get(lang, "").strip()]
        if missing:
            raise ValueError(f"missing language(s): {', '.join(missing)}")
        for lang, text in value.items():
            if len(text) > TELEGRAM_LIMIT:
                raise ValueError(f"{lang} answer has {len(text)} characters, over Telegram's 4096")
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
    def _operators(cls, value: list[str]) -> list[str]:
        unknown = [op for op in value if op not in KNOWN_OPERATORS]
        if unknown:
            raise ValueError(f"unknown operator(s) {unknown}; known: {', '.join(KNOWN_OPERATORS)}")
        return value


class Category(_Strict):
    id: str
    name: dict[str, str]

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        _all_langs(value)
        return value


def _known_langs(value: dict[str, Any]) -> None:
    unknown = [lang for lang in value if lang not in LANGS]
    if unknown:
        raise ValueError(f"unknown language key(s) {unknown}; use {', '.join(LANGS)}")


def _all_langs(value: dict[str, str]) -> None:
    _known_langs(value)
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


# --- texts --------------------------------------------------------------------


_TAG_RE = re.compile(r"</?[a-z][^>]*>")


class Html(str):
    """A string already safe to put into Telegram HTML (not escaped again)."""


@dataclass(frozen=True)
class Texts:
    """UI strings per language; arguments are HTML-escaped unless wrapped in Html."""

    strings: dict[str, dict[str, str]]

    def html(self, key: str, lang: str, **kwargs: object) -> str:
        """Telegram HTML for a message body: arguments escaped unless wrapped in Html."""
        template = self.strings[key].get(lang) or self.strings[key]["en"]
        if not kwargs:
            return template
        safe = {k: v if isinstance(v, Html) else html.escape(str(v)) for k, v in kwargs.items()}
        return template.format(**safe)

    __call__ = html

    def plain(self, key: str, lang: str, **kwargs: object) -> str:
        """Plain text for buttons, alerts and notifications, which Telegram never parses."""
        template = self.strings[key].get(lang) or self.strings[key]["en"]
        text = html.unescape(_TAG_RE.sub("", template))
        if not kwargs:
            return text
        return text.format(**{k: str(v) for k, v in kwargs.items()})

    def has(self, key: str) -> bool:
        return key in self.strings


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_texts(path: Path) -> Texts:
    """UI texts from one YAML file, or from every *.yaml in a folder (one per feature)."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    strings: dict[str, dict[str, str]] = {}
    origin: dict[str, Path] = {}
    for file in files:
        for key, value in _load_text_file(file).items():
            if key in strings:
                raise ContentError(file, key, None, f"duplicate text key, also in {origin[key]}")
            strings[key], origin[key] = value, file
    return Texts(strings)


def _load_text_file(path: Path) -> dict[str, dict[str, str]]:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ContentError(path, None, None, "expected a mapping of text keys")
    strings: dict[str, dict[str, str]] = {}
    for key, value in data.items():
        if not isinstance(value, dict):
            raise ContentError(path, key, None, "expected zh-Hans, zh-Hant and en texts")
        try:
            _all_langs(value)
        except ValueError as exc:
            raise ContentError(path, key, None, str(exc)) from None
        names = {lang: _placeholders(value[lang]) for lang in LANGS}
        if len({frozenset(n) for n in names.values()}) != 1:
            raise ContentError(path, key, None, f"placeholders differ between languages: {names}")
        for lang in LANGS:
            problem = html_problem(value[lang])
            if problem:
                raise ContentError(path, key, lang, problem)
        strings[key] = {lang: str(value[lang]).rstrip("\n") for lang in LANGS}
    return strings


# --- loading ----------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    faq: dict[str, FaqEntry]
    categories: list[Category]
    synonyms: list[list[str]]
    out_of_scope: dict[str, list[str]]
    texts: Texts
    codes: Any = None  # bot.core.codes.CodeBook when content/codes.yaml exists
    root: Path = field(default=CONTENT_DIR)
    places: Places = field(default_factory=Places)  # content/cities.yaml, for /timezone

    def entries_in(self, category: str) -> list[FaqEntry]:
        return [e for e in self.faq.values() if e.category == category]


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise ContentError(path, None, None, "file not found") from None
    except yaml.YAMLError as exc:
        raise ContentError(path, None, None, f"not valid YAML: {exc}") from None


def _pydantic_error(path: Path, entry: str | None, exc: ValidationError) -> ContentError:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or None
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown field"
    elif err["type"] == "missing":
        message = "required field is missing"
    return ContentError(path, entry, loc, message)


def load_faq(faq_dir: Path, categories: list[Category]) -> dict[str, FaqEntry]:
    from bot.core.text import to_traditional

    category_ids = {c.id for c in categories}
    entries: dict[str, FaqEntry] = {}
    where: dict[str, Path] = {}
    files = sorted(faq_dir.glob("*.yaml"))
    if not files:
        raise ContentError(faq_dir, None, None, "no FAQ files (*.yaml)")
    for path in files:
        data = _read_yaml(path)
        if not isinstance(data, dict):
            raise ContentError(path, None, None, "expected one FAQ entry (a mapping)")
        entry_id = str(data.get("id") or path.stem)
        try:
            entry = FaqEntry(**data)
        except ValidationError as exc:
            raise _pydantic_error(path, entry_id, exc) from None
        except TypeError as exc:
            raise ContentError(path, entry_id, None, str(exc)) from None
        if entry.id in entries:
            raise ContentError(path, entry.id, "id", f"duplicate id, also in {where[entry.id]}")
        if entry.category not in category_ids:
            raise ContentError(
                path, entry.id, "category", f"unknown category; known: {sorted(category_ids)}"
            )
        # zh-Hant paraphrases are derived from zh-Hans; explicit ones add local wording.
        derived = [to_traditional(q) for q in entry.questions["zh-Hans"]]
        extra = entry.questions.get("zh-Hant", [])
        questions = dict(entry.questions)
        questions["zh-Hant"] = list(dict.fromkeys([*extra, *derived]))
        entries[entry.id] = entry.model_copy(update={"questions": questions})
        where[entry.id] = path
    for entry in entries.values():
        for rel in entry.related:
            if rel not in entries:
                raise ContentError(where[entry.id], entry.id, "related", f"unknown id {rel!r}")
            if rel == entry.id:
                raise ContentError(
                    where[entry.id], entry.id, "related", "an entry cannot relate to itself"
                )
    return entries


def load_categories(path: Path) -> list[Category]:
    data = _read_yaml(path)
    if not isinstance(data, list):
        raise ContentError(path, None, None, "expected a list of categories")
    result = []
    for i, item in enumerate(data):
        entry = str(item.get("id", f"#{i + 1}")) if isinstance(item, dict) else f"#{i + 1}"
        try:
            result.append(Category(**item))
        except (ValidationError, TypeError) as exc:
            if isinstance(exc, ValidationError):
                raise _pydantic_error(path, entry, exc) from None
            raise ContentError(path, entry, None, str(exc)) from None
    return result


def load_synonyms(path: Path) -> list[list[str]]:
    data = _read_yaml(path)
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise ContentError(path, None, "groups", "expected a list of word groups")
    from bot.core.text import normalize

    result = []
    seen: dict[str, int] = {}
    for i, group in enumerate(groups):
        if not isinstance(group, list) or len(group) < 2:
            raise ContentError(path, f"group {i + 1}", None, "a group needs two or more words")
        words = [normalize(str(w)) for w in group]
        for w in words:
            if not w:
                raise ContentError(path, f"group {i + 1}", None, "empty word")
            if w in seen and seen[w] != i:
                raise ContentError(
                    path, f"group {i + 1}", None, f"{w!r} is also in group {seen[w] + 1}"
                )
            seen[w] = i
        result.append(list(dict.fromkeys(words)))
    return result


def load_out_of_scope(path: Path) -> dict[str, list[str]]:
    data = _read_yaml(path)
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, dict):
        raise ContentError(path, None, "questions", "expected questions per language")
    try:
        _known_langs(questions)
    except ValueError as exc:
        raise ContentError(path, None, "questions", str(exc)) from None
    return {lang: [str(q) for q in qs or []] for lang, qs in questions.items()}


def load_content(root: Path = CONTENT_DIR) -> Content:
    """Load and cross-check every content file; raises ContentError on the first problem."""
    categories = load_categories(root / "categories.yaml")
    faq = load_faq(root / "faq", categories)
    codes = None
    if (root / "codes.yaml").exists():
        from bot.core.codes import load_codes

        codes = load_codes(root / "codes.yaml")
        for entry in faq.values():
            unknown = [p for p in entry.code_purposes if p not in codes.purposes]
            if unknown:
                raise ContentError(
                    root / "faq" / f"{entry.id}.yaml",
                    entry.id,
                    "code_purposes",
                    f"unknown purpose(s) {unknown}; known: {sorted(codes.purposes)}",
                )
    return Content(
        faq=faq,
        categories=categories,
        synonyms=load_synonyms(root / "synonyms.yaml"),
        out_of_scope=load_out_of_scope(root / "out_of_scope.yaml"),
        texts=load_texts(root / "texts"),
        codes=codes,
        root=root,
        places=load_places(root / "cities.yaml"),
    )


def load_places(path: Path) -> Places:
    """City and country names per IANA zone; every zone must exist on this machine."""
    if not path.exists():
        return Places()
    data = _read_yaml(path) or {}
    zones, offsets = data.get("zones") or {}, data.get("offsets") or {}
    for zone in [*zones, *offsets.values()]:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ContentError(path, zone, None, "unknown IANA time zone") from None
    try:
        return Places.build(
            {z: [str(n) for n in names] for z, names in zones.items()},
            {str(k): str(v) for k, v in offsets.items()},
        )
    except ValueError as exc:
        raise ContentError(path, None, "zones", str(exc)) from None
