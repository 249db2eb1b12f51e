"""Content files (FAQ, synonyms, codes, UI texts) loaded into validated models.

Content is edited by people who are not programmers, so every problem is
reported with the file, the entry and the field it concerns, and the bot
refuses to start on bad content rather than answer wrongly.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ValidationError

from bot.content_error import ContentError
from bot.core.code_cards import REQUIRED_LABELS
from bot.core.operators import ID_RE as CODE_ID_RE
from bot.core.operators import LABEL_PREFIX, CodeBook, CodeFile, compact_form
from bot.core.sources import NamedSource
from bot.core.text import LANGS, TELEGRAM_LIMIT, normalize, to_traditional
from bot.core.topics import (
    Category,
    Content,
    FaqEntry,
    html_problem,
    require_all_langs,
    require_known_langs,
)
from bot.core.zones import Places
from bot.i18n import Html, Texts
from bot.paths import content_dir

__all__ = [
    "LANGS",
    "TELEGRAM_LIMIT",
    "Category",
    "Content",
    "ContentError",
    "FaqEntry",
    "Html",
    "Texts",
    "html_problem",
    "load_content",
]

CONTENT_DIR = content_dir()
# zh-Hans question -> its zh-Hant form (OpenCC s2twp), precomputed by `check-content`: the
# converter's phrase tables would add 43 MB to every running bot for a start-up job.
DERIVED_ZH_HANT = "zh-Hant-derived.json"


# --- texts --------------------------------------------------------------------


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
            require_all_langs(value)
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


# libyaml's loader: 8x faster than the pure-Python one (codes.yaml: 5.5 ms against 44 ms).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_YAML_LOADER)
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


def load_faq(
    faq_dir: Path,
    categories: list[Category],
    operators: list[str] | None = None,
    derived: Mapping[str, str] | None = None,
) -> dict[str, FaqEntry]:
    """FAQ entries; `operators` (from codes.yaml) are the ids an entry may name.

    `derived` holds precomputed zh-Hant forms of zh-Hans questions; a question missing
    there (content edited since `check-content` last ran) is converted here, the same way.
    """
    derived = derived or {}
    context = {"operators": operators} if operators is not None else None
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
            entry = FaqEntry.model_validate(data, context=context)
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
        converted = [derived.get(q) or to_traditional(q) for q in entry.questions["zh-Hans"]]
        extra = entry.questions.get("zh-Hant", [])
        questions = dict(entry.questions)
        questions["zh-Hant"] = list(dict.fromkeys([*extra, *converted]))
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


def load_derived(path: Path) -> dict[str, str]:
    """The precomputed zh-Hant questions; none (all converted at load) if the file is absent."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise ContentError(path, None, None, f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ContentError(path, None, None, "expected a mapping of question to question")
    return data


def derive_zh_hant(faq: Mapping[str, FaqEntry]) -> dict[str, str]:
    """Every zh-Hans question of the FAQ with its zh-Hant form, as load_faq derives it."""
    questions = sorted({q for entry in faq.values() for q in entry.questions["zh-Hans"]})
    return {q: to_traditional(q) for q in questions}


def refresh_derived(content: Content) -> bool:
    """Rewrite the content's zh-Hant-derived.json if it is out of date; True when it changed."""
    path = (content.root or CONTENT_DIR) / DERIVED_ZH_HANT
    fresh = derive_zh_hant(content.faq)
    if load_derived(path) == fresh:
        return False
    text = json.dumps(fresh, ensure_ascii=False, indent=0, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")
    return True


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
        require_known_langs(questions)
    except ValueError as exc:
        raise ContentError(path, None, "questions", str(exc)) from None
    return {lang: [str(q) for q in qs or []] for lang, qs in questions.items()}


def load_content(root: Path = CONTENT_DIR) -> Content:
    """Load and cross-check every content file; raises ContentError on the first problem."""
    categories = load_categories(root / "categories.yaml")
    texts = load_texts(root / "texts")
    sources = load_sources(root / "sources.yaml") if (root / "sources.yaml").exists() else {}
    codes = (
        load_codes(root / "codes.yaml", texts, sources) if (root / "codes.yaml").exists() else None
    )
    operators = list(codes.operators) if codes else None
    faq = load_faq(root / "faq", categories, operators, load_derived(root / DERIVED_ZH_HANT))
    if codes is not None:
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
        texts=texts,
        codes=codes,
        sources=sources,
        root=root,
        places=load_places(root / "cities.yaml"),
    )


def load_sources(path: Path = CONTENT_DIR / "sources.yaml") -> dict[str, NamedSource]:
    """Every named source by URL; a bad or duplicate entry raises ContentError naming it."""
    data = _read_yaml(path)
    if not isinstance(data, list):
        raise ContentError(path, None, None, "expected a list of sources")
    by_url: dict[str, NamedSource] = {}
    for i, item in enumerate(data):
        where = str(item.get("url", f"#{i + 1}")) if isinstance(item, dict) else f"#{i + 1}"
        if not isinstance(item, dict):
            raise ContentError(path, where, None, "expected a mapping with url, name, kind")
        try:
            source = NamedSource(**item)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or None
            message = err["msg"].removeprefix("Value error, ")
            raise ContentError(path, where, field, message) from None
        if source.url in by_url:
            raise ContentError(path, where, "url", "listed twice")
        by_url[source.url] = source
    return by_url


# --- codes.yaml ---------------------------------------------------------------


def load_codes(
    path: Path = CONTENT_DIR / "codes.yaml",
    texts: Texts | None = None,
    names: dict[str, NamedSource] | None = None,
) -> CodeBook:
    """codes.yaml validated into the one operator model; every problem raises ContentError.

    Card words come from `texts` (default: the texts in content/texts/); `names`
    (sources.yaml) name the pages the cards cite.
    """
    path = Path(path)
    if texts is None:
        texts = load_texts(CONTENT_DIR / "texts")
    missing = [k for k in REQUIRED_LABELS if not texts.has(LABEL_PREFIX + k)]
    if missing:
        keys = ", ".join(LABEL_PREFIX + k for k in missing)
        raise ContentError("texts", None, None, f"missing card text(s): {keys}")
    name = path.name
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except OSError as exc:
        raise ContentError(name, None, None, f"cannot read file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(name, None, None, f"invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ContentError(name, None, None, "the file must be a mapping with sections")
    _check_keys(name, raw)
    try:
        data = CodeFile.model_validate(raw, context=_references(raw))
    except ValidationError as exc:
        err = exc.errors()[0]
        entry, field = _locate(raw, err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        raise ContentError(name, entry, field, message) from None
    _check_unique(name, data)
    return CodeBook(data, texts, names or {})


def _ids(raw: dict[str, Any], section: str) -> set[str]:
    value = raw.get(section)
    if isinstance(value, dict):
        return {str(k) for k in value}
    if isinstance(value, list):
        return {str(item.get("id")) for item in value if isinstance(item, dict)}
    return set()


def _references(raw: dict[str, Any]) -> dict[str, set[str]]:
    """What codes may refer to: the validation context of CodeFile."""
    return {kind: _ids(raw, kind) for kind in ("purposes", "placeholders", "sources")}


def _check_keys(name: str, raw: dict[str, Any]) -> None:
    """The shape of placeholder and source ids."""
    for key in _ids(raw, "placeholders"):
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", key):
            raise ContentError(
                name, f"placeholders[{key}]", None, "placeholder names are CAPITALS, e.g. PIN"
            )
    for sid in _ids(raw, "sources"):
        if not CODE_ID_RE.match(sid):
            raise ContentError(
                name, f"sources[{sid}]", None, "ids are lower-case letters, digits and '-'"
            )


def _check_unique(name: str, data: CodeFile) -> None:
    """Ids, aliases and each owner's codes appear once."""
    purposes: set[str] = set()
    for p in data.purposes:
        if p.id in purposes:
            raise ContentError(name, f"purposes[{p.id}]", "id", f"duplicate purpose id {p.id!r}")
        purposes.add(p.id)
    _check_codes_unique(name, "common", data.common)
    alias_owner: dict[str, str] = {}
    seen: set[str] = set()
    for op in data.operators:
        entry = f"operators[{op.id}]"
        if op.id in seen:
            raise ContentError(name, entry, "id", f"duplicate operator id {op.id!r}")
        seen.add(op.id)
        for alias in (*op.aliases, *op.exact_aliases):
            compact = compact_form(alias)
            if not compact:
                raise ContentError(
                    name, entry, "aliases", f"alias {alias!r} is empty after normalising"
                )
            owner = alias_owner.setdefault(compact, op.id)
            if owner != op.id:
                raise ContentError(
                    name, entry, "aliases", f"alias {alias!r} is also used by {owner!r}"
                )
        _check_codes_unique(name, f"{entry}.codes", op.codes)


def _check_codes_unique(name: str, prefix: str, codes: Any) -> None:
    seen: set[tuple[str, str]] = set()
    for code in codes:
        if (code.purpose, code.code) in seen:
            raise ContentError(
                name,
                f"{prefix}[{code.code}]",
                "code",
                f"duplicate code {code.code!r} for {code.purpose!r}",
            )
        seen.add((code.purpose, code.code))


def _locate(raw: Any, loc: Any) -> tuple[str | None, str | None]:
    """Turn a pydantic error location into (entry, field) a content editor understands."""
    entry: list[str] = []
    fields: list[str] = []
    node = raw
    for i, part in enumerate(loc):
        parent_key = loc[i - 1] if i else None
        if isinstance(part, int) and isinstance(node, list):
            node = node[part] if part < len(node) else None
            label = str(part)
            if isinstance(node, dict):
                label = str(node.get("id") or node.get("code") or node.get("sms_text") or part)
            entry = [*entry, *fields] if entry else [*fields]
            entry[-1:] = [f"{entry[-1]}[{label}]"] if entry else [f"[{label}]"]
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
