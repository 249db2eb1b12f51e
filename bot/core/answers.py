"""From a question to a reply: which topic, in which language, with which buttons.

Shared by the Telegram handlers, the terminal chat and `renewal-bot ask`, so
all three answer identically. Buttons are (label, callback_data) pairs;
the handlers turn them into Telegram keyboards.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from bot.content import TELEGRAM_LIMIT, Content, FaqEntry
from bot.core.codes import CodeQuery, render_codes, render_query
from bot.core.matching import ANSWER, REFUSE, SUGGEST, Match, Matcher, small_talk
from bot.core.text import detect_lang, to_traditional

MAX_QUESTION_CHARS = 1000
FAQ_PAGE_SIZE = 6

Button = tuple[str, str]


@dataclass(frozen=True)
class Reply:
    lang: str
    text: str  # Telegram HTML
    buttons: list[list[Button]] = field(default_factory=list)
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
    if detected == "zh-Hans" and preferred == "zh-Hant" and to_traditional(text) == text:
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
    if lang == "zh-Hant":
        return to_traditional(entry.questions["zh-Hans"][0])
    return entry.questions[lang][0]


def faq_answer(content: Content, entry: FaqEntry, lang: str) -> Reply:
    """The answer card for one topic: answer, sources, related-topic buttons."""
    links = " · ".join(
        f'<a href="{html.escape(url, quote=True)}">{i}</a>'
        for i, url in enumerate(entry.sources, 1)
    )
    text = f"{entry.answer[lang]}\n\n<i>{content.texts('sources', lang)}: {links}</i>"
    buttons = [
        [(_short(topic_title(content.faq[rel], lang)), f"faq:q:{rel}:{lang}")]
        for rel in entry.related
    ]
    buttons.append([(content.texts("button_all_topics", lang), "faq:menu")])
    return Reply(lang, text, buttons)


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
        key = "greeting" if talk == "greeting" else "thanks"
        return Reply(lang, content.texts(key, lang), match=Match(REFUSE, None, 0.0))
    match = matcher.match(stripped)
    book = content.codes
    query = book.detect_request(stripped) if book is not None else None
    if query is not None:
        return _codes_first(content, query, match, lang)
    if match.outcome == ANSWER and match.faq_id in content.faq:
        entry = content.faq[match.faq_id]
        card = faq_answer(content, entry, lang)
        operator = book.find_operator(stripped) if book and entry.code_purposes else None
        if operator is not None:
            codes = [c for p in entry.code_purposes for c in book.lookup(operator.id, p)]
            # Codes carry label/notes dicts (unhashable): dedupe by what the user sees.
            codes = list({(c.operator, c.purpose, c.code): c for c in codes}.values())
            block = render_codes(book, codes, lang, title=operator.name(lang))
            text = f"{card.text}\n\n{block}"
            if block and len(text) <= TELEGRAM_LIMIT:
                return Reply(lang, text, card.buttons, match, [c.as_json() for c in codes])
        return Reply(lang, card.text, card.buttons, match)
    if match.outcome == SUGGEST and match.suggestions:
        buttons = [
            [(_short(topic_title(content.faq[t], lang)), f"faq:q:{t}:{lang}")]
            for t in match.suggestions
            if t in content.faq
        ]
        buttons.append([(content.texts("button_all_topics", lang), "faq:menu")])
        return Reply(lang, content.texts("suggest", lang), buttons, match)
    return Reply(lang, content.texts("out_of_scope", lang), category_buttons(content, lang), match)


def _codes_first(content: Content, query: CodeQuery, match: Match, lang: str) -> Reply:
    """A question asking for a code: the code(s) first, then the related FAQ answer."""
    book = content.codes
    codes = book.codes_for(query)
    text = render_query(book, query, lang)
    buttons: list[list[Button]] = []
    if query.operator:
        buttons.append([(book.operator_name(query.operator, lang), f"codes:op:{query.operator}")])
    if match.outcome == ANSWER and match.faq_id in content.faq:
        card = faq_answer(content, content.faq[match.faq_id], lang)
        combined = f"{text}\n\n{card.text}"
        if len(combined) <= TELEGRAM_LIMIT:
            text = combined
            buttons += card.buttons
        else:
            title = topic_title(content.faq[match.faq_id], lang)
            buttons.append([(_short(title), f"faq:q:{match.faq_id}:{lang}")])
    elif match.outcome == SUGGEST:
        buttons += [
            [(_short(topic_title(content.faq[t], lang)), f"faq:q:{t}:{lang}")]
            for t in match.suggestions
            if t in content.faq
        ]
    return Reply(lang, text, buttons, match, [c.as_json() for c in codes])


def category_buttons(content: Content, lang: str) -> list[list[Button]]:
    names = [(c.name[lang], f"faq:c:{c.id}:0") for c in content.categories]
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
    buttons: list[list[Button]] = [[(_short(topic_title(e, lang)), f"faq:q:{e.id}")] for e in chunk]
    nav: list[Button] = []
    if page > 0:
        nav.append((content.texts("button_prev", lang), f"faq:c:{category}:{page - 1}"))
    nav.append((content.texts("button_back", lang), "faq:menu"))
    if page < pages - 1:
        nav.append((content.texts("button_next", lang), f"faq:c:{category}:{page + 1}"))
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
