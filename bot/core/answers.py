"""From a question to a reply: which topic, in which language, with which buttons.

Shared by the Telegram handlers, the terminal chat and `renewal-bot ask`, so
all three answer identically. Buttons are (label, intent) pairs: an intent
says what pressing the button does ("show topic X"); the handlers turn
intents into callback data and keyboards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.core.code_cards import (
    code_urls,
    codes_block,
    confirm_line,
    operator_sections,
    render_operator_card,
    render_query,
    section_of,
)
from bot.core.matching import ANSWER, REFUSE, SUGGEST, Match, Matcher, small_talk
from bot.core.operators import Code, CodeBook, CodeQuery
from bot.core.sources import sources_line
from bot.core.text import (
    LANGS,
    detect_lang,
    has_simplified_only,
    normalize,
    to_traditional,
    visible_text,
)
from bot.core.topics import Content, FaqEntry

MAX_QUESTION_CHARS = 1000
FAQ_PAGE_SIZE = 6

# What fits a phone screen, in visible characters (tags removed): nothing over this
# is sent as one answer; appended codes are left to a button instead.
MAX_VISIBLE = {"zh-Hans": 600, "zh-Hant": 600, "en": 1000}


@dataclass(frozen=True)
class ShowTopic:
    faq_id: str
    lang: str


@dataclass(frozen=True)
class ShowCategory:
    category: str
    page: int


@dataclass(frozen=True)
class ShowMenu:
    """The list of FAQ categories."""


@dataclass(frozen=True)
class ShowOperator:
    operator: str


@dataclass(frozen=True)
class ShowOperatorSection:
    """One part (balance, topup, data, service) of an operator's codes."""

    operator: str
    section: str


Intent = ShowTopic | ShowCategory | ShowMenu | ShowOperator | ShowOperatorSection
IntentButton = tuple[str, Intent]


@dataclass(frozen=True)
class Reply:
    lang: str
    text: str  # Telegram HTML
    buttons: list[list[IntentButton]] = field(default_factory=list)
    match: Match | None = None
    codes: list[dict[str, str]] = field(default_factory=list)

    @property
    def faq_id(self) -> str | None:
        return self.match.faq_id if self.match and self.match.outcome == ANSWER else None


def reply_language(text: str, preferred: str) -> str:
    """The question's own language and script, else the user's preference.

    Characters common to both scripts say nothing, so a zh-Hant user typing
    "充值" still gets Traditional, and a zh user typing "cellcard" gets Chinese.
    """
    detected = detect_lang(text)
    if detected is None:
        return preferred
    if detected == "en" and len(text.split()) <= 1:
        return preferred  # one Latin word ("smart", "ok") is a name or a code, not a language
    if detected == "zh-Hans" and preferred == "zh-Hant" and not has_simplified_only(text):
        return "zh-Hant"
    return detected


def build_matcher(content: Content) -> Matcher:
    questions = {
        entry.id: [q for qs in entry.questions.values() for q in qs]
        for entry in content.faq.values()
    }
    oos = [q for qs in content.out_of_scope.values() for q in qs]
    return Matcher(questions, content.synonyms, oos)


def topic_title(entry: FaqEntry, lang: str) -> str:
    if entry.title.get(lang):
        return entry.title[lang]
    if lang == "zh-Hant":
        return to_traditional(entry.questions["zh-Hans"][0])
    return entry.questions[lang][0]


def visible_length(text: str) -> int:
    """Characters a reader sees of Telegram HTML: tags removed, entities as one."""
    return len(visible_text(text))


def _fits(text: str, lang: str) -> bool:
    return visible_length(text) <= MAX_VISIBLE[lang]


def _with_sources(content: Content, parts: Sequence[str], urls: Sequence[str], lang: str) -> str:
    """The parts of one message and, under them, its one sources line."""
    titles = {u: urlsplit(u).netloc.removeprefix("www.") for u in urls}
    line = sources_line(content.sources, urls, lang, content.texts, titles=titles)
    return "\n\n".join(p for p in [*parts, line] if p)


def operator_codes(book: CodeBook, operator_id: str, purposes: Sequence[str]) -> list[Code]:
    """The operator's codes for a topic's purposes, its own first, each once."""
    return list(dict.fromkeys(c for p in purposes for c in book.lookup(operator_id, p)))


def faq_answer(
    content: Content,
    entry: FaqEntry,
    lang: str,
    operator: str | None = None,
    purposes: Sequence[str] | None = None,
    match: Match | None = None,
) -> Reply:
    """A topic's answer first; then, when an operator is named, its codes for the
    topic's purposes (if they fit a phone screen); one sources line; related topics."""
    urls = list(entry.sources)
    answer = entry.answer[lang]
    text = ""
    buttons: list[list[IntentButton]] = []
    codes: list[Code] = []
    book = content.codes
    if operator is not None and book is not None:
        wanted = purposes if purposes is not None else entry.code_purposes
        codes = operator_codes(book, operator, wanted)
        block = codes_block(book, codes, lang, title=book.operator_name(operator, lang))
        if block:
            confirm = confirm_line(book, codes, lang, shown=answer)
            more = urls + code_urls(book, codes)
            text = _with_sources(content, [answer, block, confirm], more, lang)
        if not _fits(text, lang):
            text, codes = "", []
        buttons.append([(book.operator_name(operator, lang), ShowOperator(operator))])
    buttons += related_buttons(content, entry, lang)
    text = text or _with_sources(content, [answer], urls, lang)
    return Reply(lang, text, buttons, match, [c.as_json() for c in codes])


def related_buttons(content: Content, entry: FaqEntry, lang: str) -> list[list[IntentButton]]:
    buttons: list[list[IntentButton]] = [
        [(_short(topic_title(content.faq[rel], lang)), ShowTopic(rel, lang))]
        for rel in entry.related
    ]
    buttons.append([(content.texts("button_all_topics", lang), ShowMenu())])
    return buttons


def respond(content: Content, matcher: Matcher, question: str, preferred: str) -> Reply:
    """Everything the bot says to a free-text question."""
    lang = reply_language(question, preferred)
    stripped = question.strip()
    if not stripped:
        return Reply(lang, content.texts("empty_message", lang))
    if len(stripped) > MAX_QUESTION_CHARS:
        return Reply(lang, content.texts("too_long", lang))
    talk = small_talk(stripped)
    if talk:
        return Reply(lang, content.texts(talk, lang), match=Match(REFUSE, None, 0.0))
    match = matcher.match(stripped)
    book = content.codes
    query = book.detect_request(stripped) if book is not None else None
    entry = content.faq.get(match.faq_id or "") if match.outcome == ANSWER else None
    if query is not None and query.code:
        # A quoted code ("1204是什么") is about its own topic whatever else the words suggest.
        entry = _topic_of(content, query.purpose) or entry
        if entry is not None:
            match = Match(ANSWER, entry.id, match.score, match.suggestions, match.ranking)
            return _code_then_answer(content, query, entry, match, lang)
    if query is not None and _only_an_operator(book, query, stripped):
        entry = None  # "smart": its card, not a topic that mentions operators
    if entry is None:
        if query is not None:
            return _codes_only(content, query, match, lang)
        if match.outcome == SUGGEST and match.suggestions:
            buttons = _topic_buttons(content, match.suggestions, lang)
            buttons.append([(content.texts("button_all_topics", lang), ShowMenu())])
            return Reply(lang, content.texts("suggest", lang), buttons, match)
        return Reply(
            lang, content.texts("out_of_scope", lang), category_buttons(content, lang), match
        )
    if query is not None and query.operator and query.purpose in entry.code_purposes:
        return _code_then_answer(content, query, entry, match, lang)
    operator = query.operator if query is not None else None
    if operator is None and book is not None:
        found = book.find_operator(stripped)
        operator = found.id if found else None
    return faq_answer(content, entry, lang, operator, match=match)


def _only_an_operator(book: CodeBook, query: CodeQuery, text: str) -> bool:
    """The message is just an operator's name ("smart", "小金"), nothing asked about it."""
    if query.operator is None or query.purpose or query.code:
        return False
    op = book.operators[query.operator]
    names = [*op.aliases, *op.exact_aliases, *(op.name(lang) for lang in LANGS)]
    return normalize(text).replace(" ", "") in {normalize(n).replace(" ", "") for n in names}


def _topic_of(content: Content, purpose: str | None) -> FaqEntry | None:
    """The topic that explains a purpose's codes ("1204是什么" -> customer service)."""
    return next((e for e in content.faq.values() if purpose in e.code_purposes), None)


def _code_then_answer(
    content: Content, query: CodeQuery, entry: FaqEntry, match: Match, lang: str
) -> Reply:
    """The question asks for a code ("smart balance code", "1204是什么"): the code is the
    answer, so it leads; the topic's answer follows if the whole still fits a phone."""
    book = content.codes
    codes = book.codes_for(query)
    title = book.label("codes_title", lang)
    if query.operator:
        title = book.operator_name(query.operator, lang)
        if query.purpose and not query.code:
            title += f" · {book.purposes[query.purpose].name(lang)}"
    lead = codes_block(book, codes, lang, title=title)
    urls = code_urls(book, codes)
    buttons: list[list[IntentButton]] = []
    if query.operator:
        buttons.append([(book.operator_name(query.operator, lang), ShowOperator(query.operator))])
    answer = entry.answer[lang]
    confirm = confirm_line(book, codes, lang, shown=answer)
    text = _with_sources(content, [lead, answer, confirm], urls + list(entry.sources), lang)
    if _fits(text, lang):
        buttons += related_buttons(content, entry, lang)
    else:
        text = _with_sources(content, [lead, confirm_line(book, codes, lang)], urls, lang)
        buttons.append([(_short(topic_title(entry, lang)), ShowTopic(entry.id, lang))])
    return Reply(lang, text, buttons, match, [c.as_json() for c in codes])


def _codes_only(content: Content, query: CodeQuery, match: Match, lang: str) -> Reply:
    """A code request no topic answers: the card or list it asks for, and any near topics."""
    book = content.codes
    buttons: list[list[IntentButton]] = []
    if query.operator and query.purpose is None and query.code is None:
        text = render_operator_card(book, query.operator, lang)
        buttons += operator_section_buttons(book, query.operator, lang)
        codes: list[Code] = []
    else:
        text = render_query(book, query, lang)
        codes = book.codes_for(query)
        if query.operator:
            buttons.append(
                [(book.operator_name(query.operator, lang), ShowOperator(query.operator))]
            )
    if match.outcome == SUGGEST:
        buttons += _topic_buttons(content, match.suggestions, lang)
    return Reply(lang, text, buttons, match, [c.as_json() for c in codes])


def operator_section_buttons(
    book: CodeBook, operator_id: str, lang: str, first: str | None = None
) -> list[list[IntentButton]]:
    """One button per part of the operator's card, two a row; `first` (the asked part) leads."""
    sections = operator_sections(book, operator_id)
    if first in sections:
        sections.remove(first)
        sections.insert(0, first)
    row = [
        (book.label("section_" + s, lang), ShowOperatorSection(operator_id, s)) for s in sections
    ]
    return [row[i : i + 2] for i in range(0, len(row), 2)]


def asked_section(query: CodeQuery | None) -> str | None:
    return section_of(query.purpose) if query else None


def _topic_buttons(content: Content, faq_ids: Sequence[str], lang: str) -> list[list[IntentButton]]:
    return [
        [(_short(topic_title(content.faq[t], lang)), ShowTopic(t, lang))]
        for t in faq_ids
        if t in content.faq
    ]


# What an empty inline query offers: the questions people ask most.
POPULAR_TOPICS = (
    "topup-methods",
    "check-balance-expiry",
    "keep-number",
    "expired-what-happens",
    "esim-renew",
)
INLINE_TOPICS = 5
INLINE_MIN_SCORE = 0.15  # weaker topic matches are noise in a result list


@dataclass(frozen=True)
class InlineItem:
    """One result of `@bot <query>`: a message the user can send into any chat."""

    id: str
    title: str
    description: str
    text: str  # Telegram HTML
    buttons: list[list[IntentButton]] = field(default_factory=list)


def inline_results(
    content: Content, matcher: Matcher, query: str, preferred: str
) -> list[InlineItem]:
    """`@bot <query>`: the codes it asks for, then the FAQ topics it matches; an empty
    query offers the popular topics. Results depend on the user's language."""
    lang = reply_language(query, preferred)
    text = query.strip()[:MAX_QUESTION_CHARS]
    if not text:
        return [
            _topic_item(content, content.faq[t], lang) for t in POPULAR_TOPICS if t in content.faq
        ]
    items: list[InlineItem] = []
    book = content.codes
    request = book.detect_request(text) if book is not None else None
    if request is not None:
        items.append(_codes_item(book, request, lang))
    match = matcher.match(text)
    ids = [match.faq_id] if match.outcome == ANSWER and match.faq_id else []
    ids += [*match.suggestions]
    ids += [t for t, score in match.ranking if score >= INLINE_MIN_SCORE]
    topics = [t for t in dict.fromkeys(ids) if t in content.faq][:INLINE_TOPICS]
    operator = request.operator if request is not None else None
    items += [_topic_item(content, content.faq[t], lang, operator) for t in topics]
    return items


def _topic_item(
    content: Content, entry: FaqEntry, lang: str, operator: str | None = None
) -> InlineItem:
    reply = faq_answer(content, entry, lang, operator)
    first = next((ln for ln in visible_text(entry.answer[lang]).splitlines() if ln), "")
    suffix = f"-{operator}" if operator and reply.codes else ""
    return InlineItem(
        id=f"t-{entry.id}-{lang}{suffix}",
        title=topic_title(entry, lang),
        description=_short(first, 90),
        text=reply.text,
    )


def _codes_item(book: CodeBook, request: CodeQuery, lang: str) -> InlineItem:
    if request.operator and request.purpose is None and request.code is None:
        name = book.operator_name(request.operator, lang)
        return InlineItem(
            id=f"op-{request.operator}-{lang}",
            title=name,
            description=book.label("inline_description", lang, operator=name),
            text=render_operator_card(book, request.operator, lang),
            buttons=operator_section_buttons(book, request.operator, lang),
        )
    title = book.label("codes_title", lang)
    if request.operator:
        title = book.operator_name(request.operator, lang)
    if request.purpose:
        title += f" · {book.purposes[request.purpose].name(lang)}"
    key = "-".join(x or "_" for x in (request.operator, request.purpose))
    codes = [c.code or c.sms_text or "" for c in book.codes_for(request)]
    return InlineItem(
        id=f"c-{key}-{lang}"[:64],
        title=title,
        description=_short(" · ".join(codes), 90),
        text=render_query(book, request, lang),
    )


def category_buttons(content: Content, lang: str) -> list[list[IntentButton]]:
    names = [(c.name[lang], ShowCategory(c.id, 0)) for c in content.categories]
    return [names[i : i + 2] for i in range(0, len(names), 2)]


def faq_menu(content: Content, lang: str) -> Reply:
    return Reply(lang, content.texts("faq_menu", lang), category_buttons(content, lang))


def faq_category_page(content: Content, category: str, page: int, lang: str) -> Reply | None:
    """One page of a category's topics; None if the category no longer exists."""
    cat = next((c for c in content.categories if c.id == category), None)
    if cat is None:
        return None
    entries = content.entries_in(category)
    pages = max(1, -(-len(entries) // FAQ_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = entries[page * FAQ_PAGE_SIZE : (page + 1) * FAQ_PAGE_SIZE]
    buttons: list[list[IntentButton]] = [
        [(_short(topic_title(e, lang)), ShowTopic(e.id, lang))] for e in chunk
    ]
    nav: list[IntentButton] = []
    if page > 0:
        nav.append((content.texts("button_prev", lang), ShowCategory(category, page - 1)))
    nav.append((content.texts("button_back", lang), ShowMenu()))
    if page < pages - 1:
        nav.append((content.texts("button_next", lang), ShowCategory(category, page + 1)))
    buttons.append(nav)
    text = content.texts("faq_category", lang, category=cat.name[lang], page=page + 1, pages=pages)
    return Reply(lang, text, buttons)


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def as_json(question: str, reply: Reply) -> dict[str, Any]:
    """The public `ask --json` record."""
    match = reply.match
    return {
        "question": question,
        "lang": reply.lang,
        "faq_id": reply.faq_id,
        "score": match.score if match else 0.0,
        "suggestions": list(match.suggestions) if match else [],
        "answer": reply.text,
        "codes": reply.codes,
    }
