"""Operators, their codes, and finding them in what a user types.

One model: pydantic validates codes.yaml into these frozen objects and the
bot uses the very same objects at run time, so every field has one type and
every object is hashable (an answer can de-duplicate the codes it appends).

Rules checked while validating (cross-references come from the validation
context that `bot.content` passes: known purposes, placeholders and sources):

* ``dial`` codes are USSD: ``*...#`` or ``#...#`` made of digits, ``*``, ``#``
  and placeholders such as ``<PIN>`` (declared under ``placeholders``);
* ``call`` codes and ``sms_to`` are phone numbers: digits, single spaces;
* ``sms`` entries have ``sms_text`` and ``sms_to`` and no ``code``;
* every code and operator cites at least one known source whose confidence is
  A-gov, A-op or B-news (third-party and unverified facts never go in);
* names, labels, notes, keywords and signals exist in every language of LANGS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bot.core.code_request import CodeRequestDetector, literal_finder
from bot.core.sources import NamedSource
from bot.core.text import LANGS, normalize

COMMON = "common"
CONFIDENCES = ("A-gov", "A-op", "B-news")

ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")
PLACEHOLDER_RE = re.compile(r"<([A-Z][A-Z0-9_]*)>")
URL_RE = re.compile(r"^https?://\S+$")
_USSD = re.compile(r"^[*#](?:[0-9]|[*#]|<[A-Z][A-Z0-9_]*>)*#$")
_PHONE = re.compile(r"^[0-9]{3,}(?: [0-9]+)*$")
_SMS_TEXT = re.compile(r"^[A-Z0-9]+(?: (?:[A-Z0-9]+|<[A-Z][A-Z0-9_]*>))*$")
_LATIN_TERM = re.compile(r"^[a-z0-9 *#+]+$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _require_every_lang(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    missing = [lang for lang in LANGS if not value.get(lang)]
    if missing:
        raise ValueError(f"missing language(s): {', '.join(missing)}")
    unknown = sorted(set(value) - set(LANGS))
    if unknown:
        raise ValueError(f"unknown language(s): {', '.join(unknown)}; use {', '.join(LANGS)}")
    return value


class _PerLang(_Frozen):
    """One value per language of LANGS, read as ``texts[lang]``."""

    @model_validator(mode="before")
    @classmethod
    def _every_lang(cls, value: Any) -> Any:
        return _require_every_lang(value)

    def __getitem__(self, lang: str) -> Any:
        return getattr(self, lang.lower().replace("-", "_"))

    def values(self) -> Iterator[Any]:
        return (self[lang] for lang in LANGS)


class Localized(_PerLang):
    zh_hans: str = Field(alias="zh-Hans")
    zh_hant: str = Field(alias="zh-Hant")
    en: str


class LocalizedWords(_PerLang):
    zh_hans: tuple[str, ...] = Field(alias="zh-Hans")
    zh_hant: tuple[str, ...] = Field(alias="zh-Hant")
    en: tuple[str, ...]


def _known(info: ValidationInfo, kind: str) -> set[str] | None:
    """Ids of `kind` known to the file being validated (None: not checked)."""
    return (info.context or {}).get(kind)


class Source(_Frozen):
    url: str
    title: str
    confidence: Literal["A-gov", "A-op", "B-news"]
    date: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not URL_RE.match(value):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value


class Purpose(_Frozen):
    id: str
    names: Localized
    keywords: LocalizedWords
    direct: bool = False  # naming the purpose already asks for a number (hotline, emergency)
    national: bool = False  # a national number, never an operator service (emergency, TRC)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_RE.match(value):
            raise ValueError("ids are lower-case letters, digits and '-'")
        return value

    def name(self, lang: str) -> str:
        return self.names[lang]


def _check_sources(value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    known = _known(info, "sources")
    for sid in value:
        if known is not None and sid not in known:
            raise ValueError(f"unknown source {sid!r}; define it under `sources`")
    return value


class Code(_Frozen):
    """One code or number. ``operator`` is an operator id or "common".

    ``code`` is the USSD code or phone number; for an SMS it reads
    "SMS <text> to <number>" so every code has one text to quote and match.
    """

    purpose: str
    how: Literal["dial", "call", "sms"]
    sms_text: str | None = Field(default=None, validate_default=True)
    sms_to: str | None = Field(default=None, validate_default=True)
    code: str = Field(default="", validate_default=True)
    label: Localized | None = None
    notes: Localized | None = None
    sources: tuple[str, ...] = Field(min_length=1)
    operator: str = COMMON
    # set by CodeBook.lookup: the operator this common code stands in for (it has none)
    fallback_for: str | None = None

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, value: str, info: ValidationInfo) -> str:
        known = _known(info, "purposes")
        if known is not None and value not in known:
            raise ValueError(f"unknown purpose {value!r}; known: " + ", ".join(sorted(known)))
        return value

    @field_validator("sms_text")
    @classmethod
    def _sms_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("how") != "sms":
            if value is not None:
                raise ValueError("sms_text/sms_to only go with how: sms")
            return value
        if not value or not _SMS_TEXT.match(value):
            raise ValueError(
                f"needs the message text: CAPITALS, digits, <PLACEHOLDERS> (got {value!r})"
            )
        return value

    @field_validator("sms_to")
    @classmethod
    def _sms_to(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("how") != "sms":
            if value is not None:
                raise ValueError("sms_text/sms_to only go with how: sms")
            return value
        if not value or not _PHONE.match(value):
            raise ValueError(f"needs a phone number of digits (got {value!r})")
        return value

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any, info: ValidationInfo) -> str:
        how = info.data.get("how")
        if how == "sms":
            if value:
                raise ValueError("an sms entry has sms_text and sms_to, not code")
            text = f"SMS {info.data.get('sms_text')} to {info.data.get('sms_to')}"
        else:
            text = _dial_or_call(how, value)
        known = _known(info, "placeholders")
        for name in PLACEHOLDER_RE.findall(text):
            if known is not None and name not in known:
                raise ValueError(f"unknown placeholder <{name}>; explain it under `placeholders`")
        return text

    _sources = field_validator("sources")(_check_sources)

    @property
    def is_common(self) -> bool:
        return self.operator == COMMON

    @property
    def fallback(self) -> bool:
        return self.fallback_for is not None

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(PLACEHOLDER_RE.findall(self.sms_text if self.how == "sms" else self.code))

    def as_json(self) -> dict[str, str]:
        return {"operator": self.operator, "purpose": self.purpose, "code": self.code}


def _dial_or_call(how: str | None, value: Any) -> str:
    if not value or not isinstance(value, str):
        raise ValueError("missing code")
    if how == "dial" and not (_USSD.match(value) and re.search(r"\d", value)):
        raise ValueError(
            f"not a USSD code (*...# or #...# with digits, *, <PLACEHOLDER>): {value!r}"
        )
    if how == "call" and not _PHONE.match(value):
        raise ValueError(f"not a phone number (digits and single spaces): {value!r}")
    return value


def _owned_codes(value: Any, owner: str) -> Any:
    """Codes written under an operator (or `common`) belong to it."""
    if isinstance(value, list):
        return [{**c, "operator": owner} if isinstance(c, dict) else c for c in value]
    return value


class Operator(_Frozen):
    id: str
    names: Localized
    aliases: tuple[str, ...] = Field(min_length=1)
    exact_aliases: tuple[str, ...] = ()
    company: str | None = None
    app: str | None = None
    website: str | None = None
    online_topup: str | None = None
    notes: Localized | None = None
    sources: tuple[str, ...] = Field(min_length=1)
    codes: tuple[Code, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _own_codes(cls, value: Any) -> Any:
        if isinstance(value, dict) and "codes" in value:
            return {**value, "codes": _owned_codes(value["codes"], str(value.get("id")))}
        return value

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_RE.match(value) or value == COMMON:
            raise ValueError("ids are lower-case letters, digits and '-', not 'common'")
        return value

    @field_validator("website", "online_topup")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not URL_RE.match(value):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    _sources = field_validator("sources")(_check_sources)

    def name(self, lang: str) -> str:
        return self.names[lang]

    @property
    def has_own_codes(self) -> bool:
        return bool(self.codes)

    @property
    def hotlines(self) -> tuple[Code, ...]:
        return tuple(c for c in self.codes if c.purpose == "customer-service" and c.how == "call")


class CodeFile(_Frozen):
    """codes.yaml as written: the facts about operators and their codes.

    `labels` is no longer read (card words live in content/texts/codes.yaml); it is
    accepted until the section is deleted from codes.yaml.
    """

    labels: dict[str, Localized] = {}
    placeholders: dict[str, Localized]
    signals: LocalizedWords
    sources: dict[str, Source]
    purposes: tuple[Purpose, ...] = Field(min_length=1)
    common: tuple[Code, ...] = Field(min_length=1)
    operators: tuple[Operator, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _common_codes(cls, value: Any) -> Any:
        if isinstance(value, dict) and "common" in value:
            return {**value, "common": _owned_codes(value["common"], COMMON)}
        return value


@dataclass(frozen=True)
class CodeQuery:
    """What a free-text message asks for. ``code`` is set when it quotes a known code."""

    operator: str | None
    purpose: str | None
    code: str | None = None


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Term:
    target: str
    compact: str  # normalised, spaces removed
    pattern: re.Pattern[str] | None  # word-bounded regex for Latin terms

    def found_in(self, key: str, compact: str) -> bool:
        return bool(self.pattern.search(key)) if self.pattern else self.compact in compact


def compact_form(text: str) -> str:
    """Normalised text without spaces: how aliases are compared for uniqueness."""
    return normalize(text).replace(" ", "")


def _term(target: str, text: str) -> _Term | None:
    key = normalize(text)
    compact = key.replace(" ", "")
    if not compact:
        return None
    pattern = None
    if _LATIN_TERM.match(key):
        body = r"\s*".join(re.escape(part) for part in key.split())
        pattern = re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")
    return _Term(target, compact, pattern)


def _best(terms: Iterable[_Term], key: str, compact: str) -> tuple[str, int] | None:
    """The target of the longest term found in the text (first one wins ties)."""
    best: tuple[str, int] | None = None
    for term in terms:
        if term.found_in(key, compact) and (best is None or len(term.compact) > best[1]):
            best = (term.target, len(term.compact))
    return best


def _literal_pattern(code: Code) -> tuple[re.Pattern[str], bool] | None:
    """Regex that finds this code quoted in normalised text; bool: match on compact form."""
    if code.how == "dial":
        parts = re.split(r"(<[A-Z][A-Z0-9_]*>)", code.code)
        body = "".join("[0-9a-z_]*" if p.startswith("<") else re.escape(p) for p in parts if p)
        return re.compile(rf"(?<![0-9*#]){body}(?![0-9*#])"), True
    if code.how == "call":
        digits = code.code.replace(" ", "")
        return re.compile(rf"(?<![0-9*#+]){digits}(?![0-9*#])"), False
    return None


# --------------------------------------------------------------------------- the book


class PlainTexts(Protocol):
    """Where card words come from (bot.i18n.Texts)."""

    def plain(self, key: str, lang: str, **kwargs: object) -> str: ...


LABEL_PREFIX = "codes_"  # card words are the text keys codes_<label>


class CodeBook:
    """All codes, purposes and operators of one codes.yaml, with lookups over them."""

    def __init__(
        self, data: CodeFile, texts: PlainTexts, names: Mapping[str, NamedSource] | None = None
    ) -> None:
        self.data = data
        self.texts = texts
        self.names: Mapping[str, NamedSource] = names or {}  # sources.yaml, by URL
        self.placeholders = data.placeholders
        self.sources = data.sources
        self.purposes: dict[str, Purpose] = {p.id: p for p in data.purposes}
        self.operators: dict[str, Operator] = {o.id: o for o in data.operators}
        self.common: tuple[Code, ...] = data.common
        self._alias_terms = [
            t
            for op in data.operators
            for text in (op.id, *op.names.values(), *op.aliases)
            if (t := _term(op.id, text))
        ]
        self._exact = {compact_form(a): op.id for op in data.operators for a in op.exact_aliases}
        self._keyword_terms = [
            t
            for p in data.purposes
            for word in (p.id, *p.names.values(), *(w for ws in p.keywords.values() for w in ws))
            if (t := _term(p.id, word))
        ]
        self._signal_terms = [
            t for words in data.signals.values() for w in words if (t := _term("signal", w))
        ]
        self._literals = [
            (*found, code) for code in self.all_codes() if (found := _literal_pattern(code))
        ]
        self._detector = CodeRequestDetector(
            alias_terms=self._alias_terms,
            keyword_terms=self._keyword_terms,
            signal_terms=self._signal_terms,
            exact=self._exact,
            direct_purposes=[p.id for p in data.purposes if p.direct],
            find_literal=literal_finder(self._literals),
        )

    # ---- access

    def all_codes(self) -> list[Code]:
        """Every operator's codes, then the common ones."""
        return [c for op in self.operators.values() for c in op.codes] + list(self.common)

    def operator(self, operator_id: str) -> Operator:
        try:
            return self.operators[operator_id]
        except KeyError:
            raise KeyError(f"unknown operator {operator_id!r}") from None

    def purpose(self, purpose_id: str) -> Purpose:
        try:
            return self.purposes[purpose_id]
        except KeyError:
            raise KeyError(f"unknown purpose {purpose_id!r}") from None

    def label(self, key: str, lang: str, **values: str) -> str:
        """A card word as plain text (the renderer escapes it)."""
        return self.texts.plain(LABEL_PREFIX + key, lang, **values)

    def operator_name(self, operator_id: str, lang: str) -> str:
        if operator_id == COMMON:
            return self.label("all_networks", lang)
        return self.operator(operator_id).name(lang)

    def sources_of(self, codes: Iterable[Code], *extra: str) -> dict[str, Source]:
        """The sources the codes cite (and `extra` ids), each once, in order of citation."""
        ids = [*extra, *(sid for c in codes for sid in c.sources)]
        return {sid: self.sources[sid] for sid in dict.fromkeys(ids)}

    def confidence(self, code: Code) -> str:
        """The strongest confidence among a code's sources."""
        return min((self.sources[s].confidence for s in code.sources), key=CONFIDENCES.index)

    def alias_table(self) -> dict[str, str]:
        """Every name an operator goes by (id, names, aliases) -> operator id."""
        table: dict[str, str] = {}
        for op in self.operators.values():
            for alias in (op.id, *op.names.values(), *op.aliases, *op.exact_aliases):
                table.setdefault(alias, op.id)
        return table

    # ---- finding

    def find_operator(self, text: str) -> Operator | None:
        """The operator named in the text (alias in any script), or None."""
        key = normalize(text)
        compact = key.replace(" ", "")
        if compact in self._exact:
            return self.operators[self._exact[compact]]
        best = _best(self._alias_terms, key, compact)
        return self.operators[best[0]] if best else None

    def find_purpose(self, text: str) -> Purpose | None:
        """The purpose whose keyword (any language/script) matches the text best."""
        key = normalize(text)
        best = _best(self._keyword_terms, key, key.replace(" ", ""))
        return self.purposes[best[0]] if best else None

    def find_literal(self, text: str, operator_id: str | None = None) -> Code | None:
        """A known code quoted in the text ("1204是什么", "*1201# 是干嘛的")."""
        key = normalize(text)
        compact = key.replace(" ", "")
        digits = re.sub(r"(?<=\d) (?=\d)", "", key)
        hits = [
            c
            for pattern, on_compact, c in self._literals
            if pattern.search(compact if on_compact else digits)
        ]
        if not hits:
            return None
        preferred = [c for c in hits if c.operator == operator_id]
        return (preferred or [c for c in hits if c.is_common] or hits)[0]

    def lookup(self, operator_id: str | None = None, purpose_id: str | None = None) -> list[Code]:
        """Codes for an operator and/or purpose: operator-specific first, then common.

        A common code is marked as a fallback (``fallback_for``) when the
        operator has no code of its own for that purpose (national numbers
        such as 117 are never fallbacks).
        Without an operator, every operator's codes for the purpose are listed.
        """
        if purpose_id is not None:
            self.purpose(purpose_id)
        common = [c for c in self.common if purpose_id in (None, c.purpose)]
        if operator_id is None:
            if purpose_id is None:
                return common
            own = [c for op in self.operators.values() for c in op.codes if c.purpose == purpose_id]
            return own + common
        op = self.operator(operator_id)
        own = [c for c in op.codes if purpose_id in (None, c.purpose)]
        covered = {c.purpose for c in op.codes}
        marked = [
            c.model_copy(update={"fallback_for": op.id})
            if c.purpose not in covered and not self.purposes[c.purpose].national
            else c
            for c in common
        ]
        return own + marked

    def detect_request(self, text: str) -> CodeQuery | None:
        """Is this message asking for a code or number? Returns what it asks for.

        Yes when it quotes a known code; or names a purpose together with an
        operator, a code-ish word (代码, 号码, 拨打, 查, code, dial, hotline ...),
        a keyword of a "direct" purpose (customer service, emergency,
        regulator), or nothing else; or names an operator with a code-ish word or on its own.
        "柬埔寨电话卡怎么续费" names neither, so it is left to the FAQ.
        """
        found = self._detector.detect(text)
        return None if found is None else CodeQuery(found.operator, found.purpose, found.code)

    def codes_for(self, query: CodeQuery) -> list[Code]:
        """The codes to show for a detected request."""
        if query.code:
            return [
                c
                for c in self.all_codes()
                if c.code == query.code and c.operator in (query.operator, COMMON)
            ] or [c for c in self.all_codes() if c.code == query.code]
        return self.lookup(query.operator, query.purpose)
