"""What a person reads: the answer to what they asked first, codes after (or first when the
code is the question), one named sources line, and a message that fits a phone."""

from __future__ import annotations

import html
import re
import statistics

import pytest

from bot.core.answers import (
    MAX_VISIBLE,
    POPULAR_TOPICS,
    ShowOperatorSection,
    faq_answer,
    inline_results,
    respond,
    visible_length,
)
from bot.core.code_cards import SECTIONS, render_operator_card, render_operator_section
from bot.core.text import LANGS

TYPICAL = {"en": 700, "zh-Hans": 400, "zh-Hant": 400}


def visible(text: str) -> str:
    return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text))


def sources_lines(content, text: str, lang: str) -> list[str]:
    label = content.texts.plain("sources", lang)
    return [ln for ln in visible(text).splitlines() if ln.startswith(label)]


@pytest.fixture(scope="module")
def ask(content, matcher):
    def ask(question: str, lang: str = "en"):
        return respond(content, matcher, question, lang)

    return ask


def test_a_question_naming_an_operator_gets_its_answer_first(ask, content):
    reply = ask("How do I top up my Smart SIM with ABA?")
    assert reply.faq_id == "topup-online"
    first = visible(reply.text).splitlines()[0]
    assert first == visible(content.faq["topup-online"].answer["en"]).splitlines()[0]
    assert "*888*" not in reply.text, "scratch-card codes are not what was asked"
    assert reply.buttons[0][0][0] == "Smart", "the operator's card is a tap away"


def test_chinese_data_question_answers_before_the_operators_codes(ask, content):
    reply = ask("metfone怎么查流量", "zh-Hans")
    answer = content.faq["check-balance-expiry"].answer["zh-Hans"]
    assert reply.text.startswith(answer)
    tail = reply.text[len(answer) :]
    assert "<b>Metfone</b>" in tail and "*1201#" in tail
    assert visible_length(reply.text) <= MAX_VISIBLE["zh-Hans"]
    assert any(c["code"] == "*1201#" for c in reply.codes)


@pytest.mark.parametrize(
    ("question", "lang", "code"),
    [
        ("smart balance code", "en", "*1201#"),
        ("cellcard 查余额", "zh-Hans", "#124#"),
        ("metfone hotline", "en", "1777"),
        ("smart cancel vas", "en", "STOP"),
        ("1204是什么", "zh-Hans", "1204"),
    ],
)
def test_when_the_code_is_the_question_it_comes_first(ask, question, lang, code):
    reply = ask(question, lang)
    head = visible(reply.text).split("\n\n")[0]
    assert code in head, head


def test_a_quoted_code_is_explained_by_its_own_topic(ask):
    assert ask("1204是什么", "zh-Hans").faq_id == "customer-service"


@pytest.mark.parametrize(
    ("question", "lang", "topic"),
    [
        ("怎么续费", "zh-Hans", "topup-methods"),
        ("怎麼續費", "zh-Hant", "topup-methods"),
        ("eSIM怎么买", "zh-Hans", "esim-buy"),
        ("how do i cancel my reminder", "en", "reminder-howto"),
        ("怎么取消提醒", "zh-Hans", "reminder-howto"),
    ],
)
def test_everyday_phrasings_find_their_topic(ask, question, lang, topic):
    reply = ask(question, lang)
    assert reply.faq_id == topic
    assert "*1200#" not in reply.text or topic != "reminder-howto"


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_fits_a_phone_with_and_without_an_operator(content, ask, lang):
    """Each topic's first question, alone and with each operator's name, as sent."""
    names = [None, *(op.name(lang) for op in content.codes.operators.values())]
    sizes: dict[tuple[str, str | None], int] = {}
    for entry in content.faq.values():
        question = entry.questions[lang][0]
        for name in names:
            reply = ask(question if name is None else f"{name} {question}", lang)
            sizes[entry.id, name] = visible_length(reply.text)
            assert len(sources_lines(content, reply.text, lang)) <= 1, (entry.id, name)
        for op in content.codes.operators:
            card = faq_answer(content, entry, lang, op)
            sizes[entry.id, op] = max(sizes.get((entry.id, op), 0), visible_length(card.text))
    too_long = {k: v for k, v in sizes.items() if v > MAX_VISIBLE[lang]}
    assert not too_long, f"{lang}: over {MAX_VISIBLE[lang]} visible characters: {too_long}"
    assert statistics.median(sizes.values()) < TYPICAL[lang]


def test_the_sources_line_names_the_pages_and_the_check_month(content):
    entry = content.faq["topup-retail"]
    for lang in LANGS:
        text = faq_answer(content, entry, lang).text
        (line,) = sources_lines(content, text, lang)
        first = content.sources[entry.sources[0]].name[lang]
        assert first in line and "2026-11" in line
        assert text.rstrip().endswith("</i>"), "the check month is set in italics"
        assert "github.com" not in line, "a reader sees names, not addresses"


def test_appended_codes_share_the_answers_sources_line(content):
    entry = content.faq["check-balance-expiry"]
    reply = faq_answer(content, entry, "en", "cellcard")
    assert "#124#" in reply.text.split(entry.answer["en"])[1]
    assert len(sources_lines(content, reply.text, "en")) == 1
    assert reply.text.count('href="https://www.cellcard.com.kh/en/terms-conditions/"') == 1


@pytest.mark.parametrize(
    ("message", "key"),
    [("ok", "ack"), ("好的", "ack"), ("👍", "ack"), ("😀", "ack"), ("thanks", "thanks")],
)
def test_small_talk_gets_a_short_friendly_reply(ask, content, message, key):
    reply = ask(message)
    assert reply.text == content.texts(key, reply.lang)


def test_thanks_in_chinese(ask, content):
    assert ask("谢谢", "zh-Hans").text == content.texts("thanks", "zh-Hans")


def test_an_operator_alone_gets_its_short_card_with_purpose_buttons(ask, content):
    reply = ask("smart")
    assert reply.text == render_operator_card(content.codes, "smart", "en")
    intents = [intent for row in reply.buttons for _, intent in row]
    sections = [i.section for i in intents if isinstance(i, ShowOperatorSection)]
    assert sections[:2] == ["balance", "topup"]


def test_cards_are_split_by_purpose_and_carry_no_editor_notes(content):
    book = content.codes
    for op in book.operators.values():
        for lang in LANGS:
            parts = [render_operator_card(book, op.id, lang)]
            parts += [render_operator_section(book, op.id, s, lang) for s in SECTIONS]
            if op.notes:
                assert all(op.notes[lang] not in p for p in parts), op.id
    balance = render_operator_section(book, "cellcard", "balance", "en")
    assert "#124#" in balance and "*1615*" not in balance


def test_empty_inline_query_offers_popular_topics(content, matcher):
    items = inline_results(content, matcher, "", "zh-Hant")
    assert [i.id.split("-zh")[0].removeprefix("t-") for i in items] == list(POPULAR_TOPICS)
    assert all(i.text and i.title for i in items)


def test_inline_query_searches_answers_and_codes(content, matcher):
    items = inline_results(content, matcher, "怎么续费", "en")
    assert "t-topup-methods-zh-Hans" in [i.id for i in items]
    items = inline_results(content, matcher, "cellcard", "en")
    assert items[0].id == "op-cellcard-en" and items[0].buttons
    items = inline_results(content, matcher, "smart balance", "en")
    assert "*1201#" in items[0].text
    assert len({i.id for i in items}) == len(items)
    assert all(len(i.id.encode()) <= 64 for i in items)
    assert inline_results(content, matcher, "天气怎么样", "zh-Hans") == []
