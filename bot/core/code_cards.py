"""Operator code cards as Telegram HTML.

Every piece of content text goes through ``html.escape`` and every code sits
in ``<code>`` so a tap copies it. Plain text for the terminal is derived
elsewhere by stripping tags.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

from bot.core.operators import Code, CodeBook, CodeQuery, Source
from bot.core.sources import sources_line
from bot.core.text import TELEGRAM_LIMIT, join_list

# An operator's card is split by what people come for; each part is one button.
SECTIONS: dict[str, tuple[str, ...]] = {
    "balance": ("balance", "bonus-balance", "loyalty"),
    "topup": ("topup-card", "topup-other", "credit-transfer"),
    "data": ("plan-subscribe",),
    "service": ("customer-service", "cancel-vas", "id-check"),
}

# Card words the renderer and /codes need: text keys codes_<label> in content/texts/.
REQUIRED_LABELS = (
    "common_button",
    "back_button",
    "unknown_operator",
    "inline_description",
    "dial",
    "call",
    "sms_send",
    "sms_to",
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
    "pick_section",
    "confirm",
    *(f"section_{s}" for s in SECTIONS),
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
    """The pages by their names in sources.yaml (codes.yaml titles if a page has none)."""
    titles = {s.url: s.title for s in sources.values()}
    return sources_line(book.names, titles, lang, book.texts, titles=titles)


CONFIRM_NUMBERS = ("1204", "812", "1777")  # the common, Cellcard and Metfone hotlines
_SLOT = "\x00"


def confirm_line(book: CodeBook, codes: Iterable[Code], lang: str, shown: str = "") -> str:
    """ "Operator pages change; confirm with 1204 / 812 / 1777." under operator-specific
    codes, unless the message (`shown`) already says it."""
    if all(c.is_common for c in codes):
        return ""
    line = _e(book.label("confirm", lang, numbers=_SLOT))
    if line.split(_SLOT)[0] in shown:
        return ""
    numbers = " / ".join(f"<code>{n}</code>" for n in CONFIRM_NUMBERS)
    return line.replace(_SLOT, numbers)


def code_urls(book: CodeBook, codes: Iterable[Code], *source_ids: str) -> list[str]:
    """The pages the codes (and `source_ids`) rest on, each once, for a message's one line."""
    return [s.url for s in book.sources_of(codes, *source_ids).values()]


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


def _operator_title(book: CodeBook, operator_id: str, lang: str, section: str | None = None) -> str:
    op = book.operator(operator_id)
    title = f"<b>{_e(op.name(lang))}"
    if section:
        title += f" · {_e(book.label('section_' + section, lang))}"
    return title + "</b>"


def _contact_lines(book: CodeBook, operator_id: str, lang: str) -> list[str]:
    op = book.operator(operator_id)
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
    return info


def section_codes(book: CodeBook, operator_id: str, section: str) -> list[Code]:
    """An operator's codes for one part of its card: its own, else the common fallback."""
    wanted = SECTIONS[section]
    codes = [c for c in book.lookup(operator_id) if c.purpose in wanted]
    own = {c.purpose for c in codes if c.operator == operator_id}
    codes = [c for c in codes if c.operator == operator_id or c.purpose not in own]
    return sorted(codes, key=lambda c: wanted.index(c.purpose))


def operator_sections(book: CodeBook, operator_id: str) -> list[str]:
    """The parts of an operator's card that have at least one code."""
    return [s for s in SECTIONS if section_codes(book, operator_id, s)]


def section_of(purpose_id: str | None) -> str | None:
    return next((s for s, purposes in SECTIONS.items() if purpose_id in purposes), None)


def render_operator_card(book: CodeBook, operator_id: str, lang: str) -> str:
    """One operator, short: name, hotline, app and sites; its codes are one button per part.

    Operator notes are for whoever edits codes.yaml (where a fact comes from),
    so cards leave them out.
    """
    op = book.operator(operator_id)
    title = _operator_title(book, operator_id, lang)
    if op.company:
        title += f" · {_e(op.company)}"
    warning = (
        [f"⚠️ {_e(book.label('fallback', lang, operator=op.name(lang)))}"]
        if not op.has_own_codes
        else []
    )
    return _join(
        [
            [title],
            warning,
            [
                *_contact_lines(book, operator_id, lang),
                f"🆘 {_e(book.label('emergency_note', lang))}",
            ],
            _e(book.label("pick_section", lang)),
            [_sources_line(book, book.sources_of(op.hotlines, *op.sources), lang)],
        ]
    )


def render_operator_section(book: CodeBook, operator_id: str, section: str, lang: str) -> str:
    """One part of an operator's card (balance, top-up, data, service), with notes and sources."""
    op = book.operator(operator_id)
    codes = section_codes(book, operator_id, section)
    blocks: list[Sequence[str] | str] = [[_operator_title(book, operator_id, lang, section)]]
    if codes and all(c.fallback for c in codes):
        blocks.append(f"⚠️ {_e(book.label('fallback', lang, operator=op.name(lang)))}")
    blocks.append(_grouped(book, codes, lang))
    blocks.append(_placeholder_lines(book, codes, lang))
    blocks.append(confirm_line(book, codes, lang))
    blocks.append([_sources_line(book, book.sources_of(codes), lang)])
    return _fit(_join(blocks), _join(blocks[:-1]))


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


def codes_block(
    book: CodeBook, codes: Sequence[Code], lang: str, *, title: str | None = None
) -> str:
    """A short list to put under an FAQ answer: purpose: code, one line each, no sources.

    The message's one sources line cites `code_urls(book, codes)`.
    """
    if not codes:
        return ""
    lines = [f"<b>{_e(title if title is not None else book.label('codes_title', lang))}</b>"]
    several_operators = len({c.operator for c in codes}) > 1
    several_purposes = len({c.purpose for c in codes}) > 1
    for c in codes:
        head = []
        if several_operators:
            head.append(_e(book.operator_name(c.operator, lang)))
        if several_purposes:
            head.append(_e(book.purposes[c.purpose].name(lang)))
        prefix = " · ".join(head)
        if c.label:
            prefix += f" ({_e(c.label[lang])})" if prefix else _e(c.label[lang])
        lines.append(f"• {prefix}{_colon(lang) if prefix else ''}{_code_html(book, c, lang)}")
    fallback_ops = dict.fromkeys(c.fallback_for for c in codes if c.fallback_for)
    notes = [
        f"<i>{_e(book.label('fallback_short', lang, operator=book.operator_name(op, lang)))}</i>"
        for op in fallback_ops
        if op
    ]
    return _join([lines, notes, _placeholder_lines(book, codes, lang)])


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
    blocks.append(confirm_line(book, codes, lang))
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
