"""Operator code cards as Telegram HTML.

Every piece of content text goes through ``html.escape`` and every code sits
in ``<code>`` so a tap copies it. Plain text for the terminal is derived
elsewhere by stripping tags.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

from bot.core.operators import CONFIDENCES, Code, CodeBook, CodeQuery, Source
from bot.core.text import TELEGRAM_LIMIT, join_list

# Card words the renderer and /codes need: text keys codes_<label> in content/texts/.
REQUIRED_LABELS = (
    "common_button",
    "back_button",
    "unknown_operator",
    "inline_description",
    "inline_common_description",
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


def _sources_line(book: CodeBook, sources: Mapping[str, Source], lang: str) -> str:
    links = [
        f'<a href="{_e(s.url)}">{_e(s.title)}</a> '
        f"({_e(book.label('confidence_' + s.confidence, lang))})"
        for s in sources.values()
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
    return full if len(full) < TELEGRAM_LIMIT else short[: TELEGRAM_LIMIT - 1]


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
    sources = book.sources_of(shown_codes, *op.sources)

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
            [_sources_line(book, book.sources_of(codes), lang)],
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
            names = join_list(without, lang)
            blocks.append(f"<i>{_e(book.label('fallback_short', lang, operator=names))}</i>")
    if purpose_id == "emergency":
        blocks.append(f"🆘 {_e(book.label('emergency_note', lang))}")
    blocks.append(_placeholder_lines(book, codes, lang))
    blocks.append([_sources_line(book, book.sources_of(codes), lang)])
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
    blocks.append([_sources_line(book, book.sources_of(codes), lang)])
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
    blocks.append([_sources_line(book, book.sources_of(codes), lang)])
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
