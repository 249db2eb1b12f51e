"""Operator codes: load content/codes.yaml, find operators and purposes, render cards.

Pure module (no Telegram imports). Cards are Telegram HTML: every piece of
content text goes through ``html.escape`` and every code sits in ``<code>``
so a tap copies it. Plain text for the terminal is derived elsewhere by
stripping tags.

Content rules (checked at load, each problem raised as ContentError naming
file, entry and field):

* ``dial`` codes are USSD: ``*...#`` or ``#...#`` made of digits, ``*``, ``#``
  and placeholders such as ``<PIN>`` (declared under ``placeholders``);
* ``call`` codes and ``sms_to`` are phone numbers: digits, single spaces;
* ``sms`` entries have ``sms_text`` and ``sms_to`` and no ``code``;
* every code and operator cites at least one known source, and every source's
  confidence is A-gov, A-op or B-news (third-party and unverified facts never
  go in);
* purposes and operators referenced are known; ids and aliases are unique;
* names, labels, notes, keywords and signals exist in every language of LANGS.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from bot.content import CONTENT_DIR, LANGS, ContentError
from bot.core.text import normalize

COMMON = "common"
CONFIDENCES = ("A-gov", "A-op", "B-news")
HOWS = ("dial", "call", "sms")
MESSAGE_LIMIT = 4096

_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")
_USSD = re.compile(r"^[*#](?:[0-9]|[*#]|<[A-Z][A-Z0-9_]*>)*#$")
_PHONE = re.compile(r"^[0-9]{3,}(?: [0-9]+)*$")
_SMS_TEXT = re.compile(r"^[A-Z0-9]+(?: (?:[A-Z0-9]+|<[A-Z][A-Z0-9_]*>))*$")
_URL = re.compile(r"^https?://\S+$")
_LATIN_TERM = re.compile(r"^[a-z0-9 *#+]+$")

# Labels the renderer needs; codes.yaml must define each in every language.
REQUIRED_LABELS = (
    "dial",
    "call",
    "sms_send",
    "sms_to",
    "sources",
    "hotline",
    "app",
    "website",
    "online_topup",
    "company",
    "common_title",
    "common_intro",
    "common_caveat",
    "also_common",
    "fallback",
    "fallback_short",
    "placeholders",
    "codes_title",
    "choose_operator",
    "common_hint",
    "all_networks",
    "emergency_note",
    *(f"confidence_{c}" for c in CONFIDENCES),
)


# --------------------------------------------------------------------------- raw YAML schema


def _all_langs(value: dict[str, Any]) -> dict[str, Any]:
    missing = [lang for lang in LANGS if not value.get(lang)]
    if missing:
        raise ValueError(f"missing language(s): {', '.join(missing)}")
    unknown = sorted(set(value) - set(LANGS))
    if unknown:
        raise ValueError(f"unknown language(s): {', '.join(unknown)}; use {', '.join(LANGS)}")
    return value


Texts = Annotated[dict[str, str], AfterValidator(_all_langs)]
WordLists = Annotated[dict[str, list[str]], AfterValidator(_all_langs)]


class _Raw(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _SourceIn(_Raw):
    url: str
    title: str
    confidence: Literal["A-gov", "A-op", "B-news"]
    date: str | None = None


class _CodeIn(_Raw):
    purpose: str
    how: Literal["dial", "call", "sms"]
    code: str | None = None
    sms_text: str | None = None
    sms_to: str | None = None
    label: Texts | None = None
    notes: Texts | None = None
    sources: list[str] = Field(min_length=1)


class _PurposeIn(_Raw):
    id: str
    names: Texts
    keywords: WordLists
    direct: bool = False
    national: bool = False


class _OperatorIn(_Raw):
    id: str
    names: Texts
    aliases: list[str] = Field(min_length=1)
    exact_aliases: list[str] = []
    company: str | None = None
    app: str | None = None
    website: str | None = None
    online_topup: str | None = None
    notes: Texts | None = None
    sources: list[str] = Field(min_length=1)
    codes: list[_CodeIn] = []


class _FileIn(_Raw):
    labels: dict[str, Texts]
    placeholders: dict[str, Texts]
    signals: WordLists
    sources: dict[str, _SourceIn]
    purposes: list[_PurposeIn] = Field(min_length=1)
    common: list[_CodeIn] = Field(min_length=1)
    operators: list[_OperatorIn] = Field(min_length=1)


# --------------------------------------------------------------------------- runtime objects


@dataclass(frozen=True)
class Source:
    id: str
    url: str
    title: str
    confidence: str  # A-gov | A-op | B-news
    date: str | None = None


@dataclass(frozen=True)
class Code:
    """One code or number. ``operator`` is an operator id or "common"."""

    operator: str
    purpose: str
    code: str  # USSD or phone number; for SMS "SMS <text> to <number>"
    how: str  # dial | call | sms
    sources: tuple[Source, ...]
    label: Mapping[str, str] | None = None
    notes: Mapping[str, str] | None = None
    sms_text: str | None = None
    sms_to: str | None = None
    # set by lookup(): the operator this common code stands in for (it has none of its own)
    fallback_for: str | None = None

    @property
    def is_common(self) -> bool:
        return self.operator == COMMON

    @property
    def fallback(self) -> bool:
        return self.fallback_for is not None

    @property
    def confidence(self) -> str:
        """The strongest confidence among the sources."""
        return min((s.confidence for s in self.sources), key=CONFIDENCES.index)

    @property
    def placeholders(self) -> tuple[str, ...]:
        text = self.sms_text if self.how == "sms" else self.code
        return tuple(_PLACEHOLDER.findall(text or ""))

    def as_json(self) -> dict[str, str]:
        return {"operator": self.operator, "purpose": self.purpose, "code": self.code}


@dataclass(frozen=True)
class Purpose:
    id: str
    names: Mapping[str, str]
    keywords: Mapping[str, tuple[str, ...]]
    direct: bool = False  # naming the purpose already asks for a number (hotline, emergency)
    national: bool = False  # a national number, never an operator service (emergency, TRC)

    def name(self, lang: str) -> str:
        return self.names[lang]


@dataclass(frozen=True)
class Operator:
    id: str
    names: Mapping[str, str]
    aliases: tuple[str, ...]
    exact_aliases: tuple[str, ...]
    sources: tuple[Source, ...]
    codes: tuple[Code, ...]
    company: str | None = None
    app: str | None = None
    website: str | None = None
    online_topup: str | None = None
    notes: Mapping[str, str] | None = None

    def name(self, lang: str) -> str:
        return self.names[lang]

    @property
    def has_own_codes(self) -> bool:
        return bool(self.codes)

    @property
    def hotlines(self) -> tuple[Code, ...]:
        return tuple(c for c in self.codes if c.purpose == "customer-service" and c.how == "call")


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


def _forms(text: str) -> tuple[str, str]:
    key = normalize(text)
    return key, key.replace(" ", "")


def _term(target: str, text: str) -> _Term | None:
    key, compact = _forms(text)
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
        found = term.pattern.search(key) if term.pattern else term.compact in compact
        if found and (best is None or len(term.compact) > best[1]):
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


class CodeBook:
    """All codes, purposes and operators from one codes.yaml."""

    def __init__(
        self,
        *,
        path: Path,
        labels: Mapping[str, Mapping[str, str]],
        placeholders: Mapping[str, Mapping[str, str]],
        signals: Mapping[str, tuple[str, ...]],
        sources: Mapping[str, Source],
        purposes: Sequence[Purpose],
        common: Sequence[Code],
        operators: Sequence[Operator],
    ) -> None:
        self.path = path
        self.labels = labels
        self.placeholders = placeholders
        self.sources = sources
        self.purposes: dict[str, Purpose] = {p.id: p for p in purposes}
        self.operators: dict[str, Operator] = {o.id: o for o in operators}
        self.common: tuple[Code, ...] = tuple(common)

        self._alias_terms: list[_Term] = []
        self._exact: dict[str, str] = {}
        for op in operators:
            for text in (op.id, *op.names.values(), *op.aliases):
                if term := _term(op.id, text):
                    self._alias_terms.append(term)
            for text in op.exact_aliases:
                self._exact[_forms(text)[1]] = op.id
        self._keyword_terms: list[_Term] = []
        for purpose in purposes:
            words = [purpose.id, *purpose.names.values()]
            for lang in LANGS:
                words.extend(purpose.keywords[lang])
            self._keyword_terms.extend(t for w in words if (t := _term(purpose.id, w)))
        self._signal_terms = [
            t for lang in LANGS for w in signals[lang] if (t := _term("signal", w))
        ]
        self._literals: list[tuple[re.Pattern[str], bool, Code]] = []
        for code in self.all_codes():
            if found := _literal_pattern(code):
                self._literals.append((*found, code))

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
        text = self.labels[key][lang]
        return text.format(**values) if values else text

    def operator_name(self, operator_id: str, lang: str) -> str:
        if operator_id == COMMON:
            return self.label("all_networks", lang)
        return self.operator(operator_id).name(lang)

    # ---- finding

    def find_operator(self, text: str) -> Operator | None:
        """The operator named in the text (alias in any script), or None."""
        key, compact = _forms(text)
        if compact in self._exact:
            return self.operators[self._exact[compact]]
        best = _best(self._alias_terms, key, compact)
        return self.operators[best[0]] if best else None

    def find_purpose(self, text: str) -> Purpose | None:
        """The purpose whose keyword (any language/script) matches the text best."""
        key, compact = _forms(text)
        best = _best(self._keyword_terms, key, compact)
        return self.purposes[best[0]] if best else None

    def find_literal(self, text: str, operator_id: str | None = None) -> Code | None:
        """A known code quoted in the text ("1204是什么", "*1201# 是干嘛的")."""
        key, compact = _forms(text)
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
            replace(c, fallback_for=op.id)
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
        key, compact = _forms(text)
        if not compact:
            return None
        op = self.find_operator(text)
        op_id = op.id if op else None
        if literal := self.find_literal(text, op_id):
            owner = None if literal.is_common else literal.operator
            return CodeQuery(op_id or owner, literal.purpose, literal.code)
        alias = _best(self._alias_terms, key, compact)
        alias_len = alias[1] if alias else (len(compact) if op else 0)
        keyword = _best(self._keyword_terms, key, compact)
        signal = _best(self._signal_terms, key, compact) is not None
        bare = len(compact) - alias_len - (keyword[1] if keyword else 0) <= 2
        if keyword:
            purpose = self.purposes[keyword[0]]
            direct = any(
                self.purposes[t.target].direct
                for t in self._keyword_terms
                if (t.pattern.search(key) if t.pattern else t.compact in compact)
            )
            if op or signal or direct or bare:
                return CodeQuery(op_id, purpose.id)
            return None
        if op and (signal or bare):
            return CodeQuery(op_id, None)
        return None

    def codes_for(self, query: CodeQuery) -> list[Code]:
        """The codes to show for a detected request."""
        if query.code:
            return [
                c
                for c in self.all_codes()
                if c.code == query.code and c.operator in (query.operator, COMMON)
            ] or [c for c in self.all_codes() if c.code == query.code]
        return self.lookup(query.operator, query.purpose)


# --------------------------------------------------------------------------- loading


def load_codes(path: Path = CONTENT_DIR / "codes.yaml") -> CodeBook:
    """Load and validate codes.yaml; every problem raises ContentError."""
    path = Path(path)
    name = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError(name, None, None, f"cannot read file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(name, None, None, f"invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ContentError(name, None, None, "the file must be a mapping with sections")
    try:
        data = _FileIn.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        entry, field = _locate(raw, err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        raise ContentError(name, entry, field, message) from None
    return _build(path, data)


def _locate(raw: Any, loc: Sequence[int | str]) -> tuple[str | None, str | None]:
    """Turn a pydantic error location into (entry, field) a content editor understands."""
    entry: list[str] = []
    fields: list[str] = []
    node = raw
    for i, part in enumerate(loc):
        parent_key = loc[i - 1] if i else None
        if isinstance(part, int) and isinstance(node, list):
            node = node[part] if part < len(node) else None
            name = str(part)
            if isinstance(node, dict):
                name = str(node.get("id") or node.get("code") or node.get("sms_text") or part)
            entry = [*entry, *fields] if entry else [*fields]
            entry[-1:] = [f"{entry[-1]}[{name}]"] if entry else [f"[{name}]"]
            fields = []
        elif i == 1 and parent_key in ("sources", "labels", "placeholders"):
            entry = [f"{parent_key}[{part}]"]
            fields = []
            node = node.get(part) if isinstance(node, dict) else None
        else:
            fields.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    if not entry:
        return (fields[0] if fields else None), (".".join(fields[1:]) or None)
    return ".".join(entry), (".".join(fields) or None)


def _build(path: Path, data: _FileIn) -> CodeBook:
    name = path.name

    def fail(entry: str | None, field: str | None, message: str) -> ContentError:
        return ContentError(name, entry, field, message)

    missing_labels = [k for k in REQUIRED_LABELS if k not in data.labels]
    if missing_labels:
        raise fail("labels", None, f"missing label(s): {', '.join(missing_labels)}")
    for key in data.placeholders:
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", key):
            raise fail(f"placeholders[{key}]", None, "placeholder names are CAPITALS, e.g. PIN")

    sources: dict[str, Source] = {}
    for sid, s in data.sources.items():
        if not _ID.match(sid):
            raise fail(f"sources[{sid}]", None, "ids are lower-case letters, digits and '-'")
        if not _URL.match(s.url):
            raise fail(f"sources[{sid}]", "url", f"not an http(s) URL: {s.url!r}")
        sources[sid] = Source(sid, s.url, s.title, s.confidence, s.date)

    def resolve(entry: str, ids: list[str]) -> tuple[Source, ...]:
        for sid in ids:
            if sid not in sources:
                raise fail(entry, "sources", f"unknown source {sid!r}; define it under `sources`")
        return tuple(sources[sid] for sid in ids)

    purposes: list[Purpose] = []
    for i, p in enumerate(data.purposes):
        entry = f"purposes[{p.id or i}]"
        if not _ID.match(p.id):
            raise fail(entry, "id", "ids are lower-case letters, digits and '-'")
        if any(q.id == p.id for q in purposes):
            raise fail(entry, "id", f"duplicate purpose id {p.id!r}")
        keywords = {lang: tuple(p.keywords[lang]) for lang in LANGS}
        purposes.append(Purpose(p.id, dict(p.names), keywords, p.direct, p.national))
    purpose_ids = {p.id for p in purposes}

    def build_code(owner: str, entry: str, c: _CodeIn) -> Code:
        if c.purpose not in purpose_ids:
            raise fail(
                entry,
                "purpose",
                f"unknown purpose {c.purpose!r}; known: " + ", ".join(sorted(purpose_ids)),
            )
        if c.how == "sms":
            if c.code is not None:
                raise fail(entry, "code", "an sms entry has sms_text and sms_to, not code")
            if not c.sms_text or not _SMS_TEXT.match(c.sms_text):
                raise fail(
                    entry,
                    "sms_text",
                    "needs the message text: CAPITALS, digits, "
                    f"<PLACEHOLDERS> (got {c.sms_text!r})",
                )
            if not c.sms_to or not _PHONE.match(c.sms_to):
                raise fail(entry, "sms_to", f"needs a phone number of digits (got {c.sms_to!r})")
            text = f"SMS {c.sms_text} to {c.sms_to}"
        else:
            if c.sms_text is not None or c.sms_to is not None:
                raise fail(entry, "sms_text", f"sms_text/sms_to only go with how: sms, not {c.how}")
            if not c.code:
                raise fail(entry, "code", "missing code")
            if c.how == "dial" and not (_USSD.match(c.code) and re.search(r"\d", c.code)):
                raise fail(
                    entry,
                    "code",
                    f"not a USSD code (*...# or #...# with digits, *, <PLACEHOLDER>): {c.code!r}",
                )
            if c.how == "call" and not _PHONE.match(c.code):
                raise fail(
                    entry, "code", f"not a phone number (digits and single spaces): {c.code!r}"
                )
            text = c.code
        for ph in _PLACEHOLDER.findall(c.sms_text or c.code or ""):
            if ph not in data.placeholders:
                raise fail(
                    entry, "code", f"unknown placeholder <{ph}>; explain it under `placeholders`"
                )
        return Code(
            operator=owner,
            purpose=c.purpose,
            code=text,
            how=c.how,
            sources=resolve(entry, c.sources),
            label=dict(c.label) if c.label else None,
            notes=dict(c.notes) if c.notes else None,
            sms_text=c.sms_text,
            sms_to=c.sms_to,
        )

    def build_codes(owner: str, prefix: str, items: list[_CodeIn]) -> tuple[Code, ...]:
        codes: list[Code] = []
        for i, c in enumerate(items):
            entry = f"{prefix}[{c.code or c.sms_text or i}]"
            code = build_code(owner, entry, c)
            if any((k.purpose, k.code) == (code.purpose, code.code) for k in codes):
                raise fail(entry, "code", f"duplicate code {code.code!r} for {code.purpose!r}")
            codes.append(code)
        return tuple(codes)

    common = build_codes(COMMON, "common", data.common)

    operators: list[Operator] = []
    alias_owner: dict[str, str] = {}
    for i, o in enumerate(data.operators):
        entry = f"operators[{o.id or i}]"
        if not _ID.match(o.id) or o.id == COMMON:
            raise fail(entry, "id", "ids are lower-case letters, digits and '-', not 'common'")
        if any(op.id == o.id for op in operators):
            raise fail(entry, "id", f"duplicate operator id {o.id!r}")
        for field in ("website", "online_topup"):
            value = getattr(o, field)
            if value is not None and not _URL.match(value):
                raise fail(entry, field, f"not an http(s) URL: {value!r}")
        for alias in (*o.aliases, *o.exact_aliases):
            compact = _forms(alias)[1]
            if not compact:
                raise fail(entry, "aliases", f"alias {alias!r} is empty after normalising")
            owner = alias_owner.setdefault(compact, o.id)
            if owner != o.id:
                raise fail(entry, "aliases", f"alias {alias!r} is also used by {owner!r}")
        operators.append(
            Operator(
                id=o.id,
                names=dict(o.names),
                aliases=tuple(o.aliases),
                exact_aliases=tuple(o.exact_aliases),
                sources=resolve(entry, o.sources),
                codes=build_codes(o.id, f"{entry}.codes", o.codes),
                company=o.company,
                app=o.app,
                website=o.website,
                online_topup=o.online_topup,
                notes=dict(o.notes) if o.notes else None,
            )
        )

    return CodeBook(
        path=path,
        labels={k: dict(v) for k, v in data.labels.items()},
        placeholders={k: dict(v) for k, v in data.placeholders.items()},
        signals={lang: tuple(data.signals[lang]) for lang in LANGS},
        sources=sources,
        purposes=purposes,
        common=common,
        operators=operators,
    )


# --------------------------------------------------------------------------- rendering

_e = html.escape


def _colon(lang: str) -> str:
    return "：" if lang.startswith("zh") else ": "


def _code_html(book: CodeBook, code: Code, lang: str) -> str:
    if code.how == "sms":
        return (
            f"{_e(book.label('sms_send', lang))} <code>{_e(code.sms_text or '')}</code> "
            f"{_e(book.label('sms_to', lang))} <code>{_e(code.sms_to or '')}</code>"
        )
    return f"{_e(book.label(code.how, lang))} <code>{_e(code.code)}</code>"


def _code_line(
    book: CodeBook, code: Code, lang: str, *, prefix: str = "", notes: bool = True
) -> str:
    head = prefix
    if code.label:
        head += _e(code.label[lang])
    line = f"• {head}{_colon(lang) if head else ''}{_code_html(book, code, lang)}"
    if notes and code.notes:
        line += f"\n  <i>{_e(code.notes[lang])}</i>"
    return line


def _placeholder_lines(book: CodeBook, codes: Iterable[Code], lang: str) -> list[str]:
    seen: list[str] = []
    for code in codes:
        seen.extend(p for p in code.placeholders if p not in seen)
    if not seen:
        return []
    items = [f"<code>&lt;{_e(p)}&gt;</code> = {_e(book.placeholders[p][lang])}" for p in seen]
    return [f"{_e(book.label('placeholders', lang))}{_colon(lang)}" + "; ".join(items)]


def _sources_line(book: CodeBook, sources: Iterable[Source], lang: str) -> str:
    unique: dict[str, Source] = {}
    for s in sources:
        unique.setdefault(s.id, s)
    links = [
        f'<a href="{_e(s.url)}">{_e(s.title)}</a> '
        f"({_e(book.label('confidence_' + s.confidence, lang))})"
        for s in unique.values()
    ]
    return f"{_e(book.label('sources', lang))}{_colon(lang)}" + " · ".join(links)


def _grouped(book: CodeBook, codes: Sequence[Code], lang: str, *, notes: bool = True) -> list[str]:
    """Codes grouped under their purpose name, in purpose order."""
    lines: list[str] = []
    for purpose in book.purposes.values():
        group = [c for c in codes if c.purpose == purpose.id]
        if group:
            lines.append(f"<b>{_e(purpose.name(lang))}</b>")
            lines.extend(_code_line(book, c, lang, notes=notes) for c in group)
    return lines


def _join(blocks: Iterable[Sequence[str] | str]) -> str:
    parts = []
    for block in blocks:
        text = block if isinstance(block, str) else "\n".join(block)
        if text:
            parts.append(text)
    return "\n\n".join(parts)


def _fit(full: str, short: str) -> str:
    return full if len(full) < MESSAGE_LIMIT else short[: MESSAGE_LIMIT - 1]


def render_operator_card(book: CodeBook, operator_id: str, lang: str) -> str:
    """One operator: own codes by purpose, common codes, hotline, app, website, sources."""
    op = book.operator(operator_id)
    title = f"<b>{_e(op.name(lang))}</b>"
    if op.company:
        title += f" · {_e(op.company)}"
    head = [title]
    if op.notes:
        head.append(f"<i>{_e(op.notes[lang])}</i>")

    common = [
        c for c in book.lookup(op.id) if c.is_common and not book.purposes[c.purpose].national
    ]
    info: list[str] = []
    if op.hotlines:
        numbers = " · ".join(f"<code>{_e(c.code)}</code>" for c in op.hotlines)
        info.append(f"☎️ {_e(book.label('hotline', lang))}{_colon(lang)}{numbers}")
    if op.app:
        info.append(f"📲 {_e(book.label('app', lang))}{_colon(lang)}{_e(op.app)}")
    for key, url in (("website", op.website), ("online_topup", op.online_topup)):
        if url:
            shown = url.split("://", 1)[1].rstrip("/")
            info.append(
                f'🌐 {_e(book.label(key, lang))}{_colon(lang)}<a href="{_e(url)}">{_e(shown)}</a>'
            )
    info.append(f"🆘 {_e(book.label('emergency_note', lang))}")

    shown_codes = [*op.codes, *common]
    sources = [*op.sources, *(s for c in shown_codes for s in c.sources)]

    def card(notes: bool) -> str:
        if op.has_own_codes:
            body = [
                _grouped(book, op.codes, lang, notes=notes),
                [f"<b>{_e(book.label('also_common', lang))}</b>"]
                + [
                    _code_line(
                        book, c, lang, prefix=_e(book.purposes[c.purpose].name(lang)), notes=False
                    )
                    for c in common
                ],
            ]
        else:
            body = [
                [f"⚠️ {_e(book.label('fallback', lang, operator=op.name(lang)))}"],
                _grouped(book, common, lang, notes=notes),
            ]
        return _join(
            [
                head,
                *body,
                info,
                _placeholder_lines(book, shown_codes, lang),
                [_sources_line(book, sources, lang)],
            ]
        )

    return _fit(card(notes=True), card(notes=False))


def render_common_card(book: CodeBook, lang: str) -> str:
    """The MPTC codes for every network, the regulator and emergency numbers."""
    codes = list(book.common)
    return _join(
        [
            [
                f"<b>{_e(book.label('common_title', lang))}</b>",
                _e(book.label("common_intro", lang)),
            ],
            _grouped(book, codes, lang),
            [
                f"🆘 {_e(book.label('emergency_note', lang))}",
                f"<i>{_e(book.label('common_caveat', lang))}</i>",
            ],
            _placeholder_lines(book, codes, lang),
            [_sources_line(book, (s for c in codes for s in c.sources), lang)],
        ]
    )


def render_purpose(book: CodeBook, purpose_id: str, lang: str) -> str:
    """One purpose: the common code(s), then each operator's own."""
    purpose = book.purpose(purpose_id)
    codes = book.lookup(None, purpose_id)
    blocks: list[Sequence[str] | str] = [[f"<b>{_e(purpose.name(lang))}</b>"]]
    common = [c for c in codes if c.is_common]
    if common:  # the code that works everywhere first, then the operator-specific ones
        blocks.append(
            [f"<b>{_e(book.label('all_networks', lang))}</b>"]
            + [_code_line(book, c, lang) for c in common]
        )
    for op in book.operators.values():
        own = [c for c in codes if c.operator == op.id]
        if own:
            blocks.append(
                [f"<b>{_e(op.name(lang))}</b>"] + [_code_line(book, c, lang) for c in own]
            )
    if common and not purpose.national:
        without = [
            op.name(lang)
            for op in book.operators.values()
            if not any(c.operator == op.id for c in codes)
        ]
        if without:
            names = ("、" if lang.startswith("zh") else ", ").join(without)
            blocks.append(f"<i>{_e(book.label('fallback_short', lang, operator=names))}</i>")
    if purpose_id == "emergency":
        blocks.append(f"🆘 {_e(book.label('emergency_note', lang))}")
    blocks.append(_placeholder_lines(book, codes, lang))
    blocks.append([_sources_line(book, (s for c in codes for s in c.sources), lang)])
    return _join(blocks)


def render_codes(
    book: CodeBook, codes: Sequence[Code], lang: str, *, title: str | None = None
) -> str:
    """A short list (for appending to an FAQ answer): operator · purpose: code, then sources."""
    if not codes:
        return ""
    lines = [f"<b>{_e(title if title is not None else book.label('codes_title', lang))}</b>"]
    for c in codes:
        purpose = book.purposes[c.purpose].name(lang)
        prefix = f"{_e(book.operator_name(c.operator, lang))} · {_e(purpose)}"
        if c.label:
            prefix += f" ({_e(c.label[lang])})"
        line = f"• {prefix}{_colon(lang)}{_code_html(book, c, lang)}"
        lines.append(line)
    blocks: list[Sequence[str] | str] = [lines]
    fallback_ops = dict.fromkeys(c.fallback_for for c in codes if c.fallback_for)
    for op_id in fallback_ops:
        name = book.operator_name(op_id, lang)
        blocks.append(f"<i>{_e(book.label('fallback_short', lang, operator=name))}</i>")
    blocks.append(_placeholder_lines(book, codes, lang))
    blocks.append([_sources_line(book, (s for c in codes for s in c.sources), lang)])
    return _fit(_join(blocks), "\n".join(lines))


def render_query(book: CodeBook, query: CodeQuery, lang: str) -> str:
    """The answer to a detected request: the right card or list."""
    if query.code is None and query.operator and query.purpose is None:
        return render_operator_card(book, query.operator, lang)
    if query.code is None and query.purpose and query.operator is None:
        return render_purpose(book, query.purpose, lang)
    codes = book.codes_for(query)
    title = book.label("codes_title", lang)
    if query.operator:
        title = book.operator_name(query.operator, lang)
        if query.purpose:
            title += f" · {book.purposes[query.purpose].name(lang)}"
    blocks: list[Sequence[str] | str] = [[f"<b>{_e(title)}</b>"]]
    if query.operator and codes and all(c.fallback for c in codes):
        name = book.operator_name(query.operator, lang)
        blocks.append(f"⚠️ {_e(book.label('fallback', lang, operator=name))}")
    blocks.append(
        [_code_line(book, c, lang, prefix=_prefix_for(book, c, query, lang)) for c in codes]
    )
    if any(c.purpose == "emergency" for c in codes):
        blocks.append(f"🆘 {_e(book.label('emergency_note', lang))}")
    blocks.append(_placeholder_lines(book, codes, lang))
    blocks.append([_sources_line(book, (s for c in codes for s in c.sources), lang)])
    return _join(blocks)


def _prefix_for(book: CodeBook, code: Code, query: CodeQuery, lang: str) -> str:
    if code.operator == query.operator:
        return ""
    return _e(book.operator_name(code.operator, lang))


def operator_list_text(book: CodeBook, lang: str) -> str:
    """The known operators (for /codes without an argument or with an unknown one)."""
    lines = [_e(book.label("choose_operator", lang))]
    for op in book.operators.values():
        lines.append(f"• <b>{_e(op.name(lang))}</b> — <code>/codes {_e(op.id)}</code>")
    return _join([lines, [_e(book.label("common_hint", lang))]])
