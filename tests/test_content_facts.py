"""FAQ answers and codes say only what the fact base supports, fit a phone, and read natively.

These tests read the team's fact base (../shared/telecom-facts.md): every USSD code and
hotline in an answer must appear there, and the page the fact base cites for it must be
among the entry's sources, so a code can't drift away from its evidence.
"""

from __future__ import annotations

import html
import json
import re
import statistics
from pathlib import Path

import pytest
import yaml

from bot.content import CONTENT_DIR, LANGS, load_content
from bot.core.answers import faq_answer, topic_title
from tests.shared_docs import shared_file

COMMON = ("*1200#", "*1201#", "*1202#", "*1203*", "1204")
URL_RE = re.compile(r"https?://[^\s)|>`,;]+")
USSD_RE = re.compile(r"[*#]\d[^\s#]*#")
CODE_TAG_RE = re.compile(r"<code>([^<]*)</code>")
PRICE_RE = re.compile(r"\$\d|美元|美分|瑞尔|瑞爾|riel|cents")
CONFIRM = {
    "en": "Operator pages change; confirm with ",
    "zh-Hans": "运营商页面会变，请向 ",
    "zh-Hant": "電信業者網頁會更新，請向 ",
}
# Mainland-only words a Traditional (Taiwan) reader should never see, with what we write instead.
MAINLAND = {
    "充值": "儲值",
    "套餐": "方案",
    "營業廳": "門市",
    "登出": "(注銷 ≠ log out)",
    "信息": "資訊/訊息",
    "視頻": "影片",
    "軟件": "軟體",
    "默認": "預設",
    "激活": "啟用",
    "賬戶": "帳戶",
    "二維碼": "QR Code",
    "運營商": "電信業者",
    "電信商": "電信業者",
    "短信": "簡訊",
    "渠道": "管道",
    "網上": "線上",
    "號段": "門號開頭",
    "牌照": "執照",
}
NEW_TOPICS = (
    "validity-stack",
    "own-number",
    "data-not-working",
    "registered-other-name",
    "switch-operator",
    "topup-wrong-number",
    "riel-dollar",
    "khmer-sms",
)
# Topics about something a code does: that code comes first, in every language.
CODE_FIRST = {
    "check-balance-expiry": "*1201#",
    "topup-retail": "*1203*",
    "topup-methods": "*1203*",
    "cancel-services": "*1200#",
    "auto-renew": "*1200#",
    "sim-registration": "*1202#",
    "registered-other-name": "*1202#",
    "customer-service": "1204",
}
LIMITS = {"en": (700, 1000), "zh-Hans": (400, 600), "zh-Hant": (400, 600)}


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture(scope="module")
def facts() -> str:
    return shared_file("telecom-facts.md").read_text(encoding="utf-8").replace("\\*", "*")


def visible(text: str) -> str:
    return html.unescape(re.sub(r"</?[a-z][^>]*>", "", text))


def fixed_part(code: str) -> str:
    """The literal part of a code: '*1203*PIN#' -> '*1203*', '#124#' -> '#124#'."""
    return re.match(r"[*#][\d*#]*", code).group()


def codes_in(answer: str) -> set[str]:
    text = visible(answer)
    found = {fixed_part(c) for c in USSD_RE.findall(text)}
    found |= {c.strip() for c in CODE_TAG_RE.findall(answer) if re.fullmatch(r"\d[\d ]*\d", c)}
    return found


def _lines_with(facts: str, token: str) -> list[str]:
    if token[0] in "*#":  # a whole code: "*888#" must not match inside "*1700*500*888#"
        pattern = re.compile(rf"(?<![\d*#]){re.escape(token)}")
    else:  # a number on its own: "812" must not match inside "012 812 812"
        pattern = re.compile(rf"(?<!\d)(?<!\d ){re.escape(token)}(?!\d)(?! \d)")
    return [line for line in facts.splitlines() if pattern.search(line)]


# Table rows that cite a page by name rather than by URL.
NAMED_PAGES = {
    "Metfone Privilege page": "https://metfone.com.kh/en/support/metfone-privilege",
    "Smart top-up page": "https://www.smart.com.kh/km/get-smart/top-up/",
}


def _third_party(facts: str) -> set[str]:
    return set(URL_RE.findall(facts[facts.index("Third party (C-3rd") :]))


def _row_urls(lines: list[str], i: int) -> set[str]:
    """URLs a fact-base line rests on; a table row saying "same" rests on the row above."""
    urls = set(URL_RE.findall(lines[i]))
    urls |= {url for name, url in NAMED_PAGES.items() if name in lines[i]}
    j = i
    while not urls and lines[j].startswith("|") and "same" in lines[j] and j > 0:
        j -= 1
        urls = set(URL_RE.findall(lines[j]))
    return urls


def fact_urls(facts: str, token: str) -> set[str]:
    """The A/B pages the fact base cites for a code (+ the §2.1 notices for common codes)."""
    lines = facts.splitlines()
    hits = set(_lines_with(facts, token))
    urls = {u for i, line in enumerate(lines) if line in hits for u in _row_urls(lines, i)}
    if token in COMMON:
        section = facts[facts.index("### 2.1") : facts.index("### 2.2")]
        urls |= set(URL_RE.findall(section))
    return urls - _third_party(facts)


def test_every_code_in_an_answer_is_in_the_fact_base_and_its_sources(content, facts):
    problems = []
    for entry in content.faq.values():
        for lang in LANGS:
            for code in codes_in(entry.answer[lang]):
                if not _lines_with(facts, code):
                    problems.append(f"{entry.id} {lang}: {code} is not in telecom-facts.md")
                elif not fact_urls(facts, code) & set(entry.sources):
                    problems.append(
                        f"{entry.id} {lang}: {code} needs one of its fact-base pages in sources: "
                        f"{sorted(fact_urls(facts, code))}"
                    )
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_cross_check_catches_an_unverified_code(facts):
    assert codes_in("dial <code>*888#</code> or call <code>888</code>") == {"*888#", "888"}
    assert not fact_urls(facts, "*888#"), "the Smart balance code rests on third-party pages only"
    assert fact_urls(facts, "1777") and fact_urls(facts, "*1201#")


def test_every_source_url_is_in_the_fact_base(content, facts):
    for entry in content.faq.values():
        for url in entry.sources:
            assert url in facts, f"{entry.id}: source not in telecom-facts.md: {url}"


def _zh_hant_problems(text: str) -> list[str]:
    return [f"{word} (write {instead})" for word, instead in MAINLAND.items() if word in text]


def test_zh_hant_answers_and_titles_use_taiwan_words(content):
    problems = []
    for entry in content.faq.values():
        for what, text in (
            ("answer", entry.answer["zh-Hant"]),
            ("title", topic_title(entry, "zh-Hant")),
        ):
            problems += [f"{entry.id} {what}: {p}" for p in _zh_hant_problems(text)]
    for category in content.categories:
        problems += [
            f"category {category.id}: {p}" for p in _zh_hant_problems(category.name["zh-Hant"])
        ]
    assert not problems, "\n".join(problems)


def _zh_hant_strings(node, path=()):
    """zh-Hant strings users read; keywords, signals and aliases recognise input, not output."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("keywords", "signals", "aliases", "exact_aliases"):
                continue
            if key == "zh-Hant" and isinstance(value, str):
                yield ".".join(map(str, path)), value
            else:
                yield from _zh_hant_strings(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _zh_hant_strings(value, (*path, i))


def test_zh_hant_code_cards_and_sources_use_taiwan_words():
    problems = []
    for name in ("codes.yaml", "sources.yaml", "categories.yaml"):
        data = yaml.safe_load((CONTENT_DIR / name).read_text(encoding="utf-8"))
        for where, text in _zh_hant_strings(data):
            problems += [f"{name} {where}: {p}" for p in _zh_hant_problems(text)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "path", sorted((CONTENT_DIR / "texts").glob("*.yaml")), ids=lambda p: p.name
)
def test_zh_hant_ui_texts_use_taiwan_words(path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = [
        f"{where}: {p}" for where, text in _zh_hant_strings(data) for p in _zh_hant_problems(text)
    ]
    assert not problems, "\n".join(problems)


def test_the_word_check_catches_conversion_output():
    assert _zh_hant_problems("號碼登出了怎麼辦，去營業廳充值")


def test_answers_fit_a_phone(content):
    """Whole message, as the user sees it: answer and its named sources line."""
    for lang, (typical, most) in LIMITS.items():
        sizes = {}
        for entry in content.faq.values():
            card = faq_answer(content, entry, lang).text
            sizes[entry.id] = len(visible(card))
        too_long = {k: v for k, v in sizes.items() if v > most}
        assert not too_long, f"{lang} over {most} visible characters: {too_long}"
        assert statistics.median(sizes.values()) < typical, f"{lang} typical answer too long"


def test_operator_specific_answers_end_with_the_confirm_line(content):
    for entry in content.faq.values():
        for lang in LANGS:
            answer = entry.answer[lang]
            specific = any(c not in COMMON for c in codes_in(answer) if c[0] in "*#")
            if specific or PRICE_RE.search(answer):
                last = answer.strip().splitlines()[-1]
                assert last.startswith(CONFIRM[lang]), f"{entry.id} {lang} ends with {last!r}"


@pytest.mark.parametrize(("topic", "code"), sorted(CODE_FIRST.items()))
def test_the_code_comes_first(content, topic, code):
    for lang in LANGS:
        head = "\n".join(visible(content.faq[topic].answer[lang]).splitlines()[:2])
        assert code in head, f"{topic} {lang}: {code} not in the first lines"


def test_no_answer_says_a_balance_check_shows_the_expiry(content):
    claim = re.compile(r"\*1201#[^。.\n]{0,40}(expiry|validity|到期|有效期)")
    for entry in content.faq.values():
        for lang in LANGS:
            for match in claim.finditer(visible(entry.answer[lang])):
                assert re.search(r"may|可能", match.group()), f"{entry.id} {lang}: {match.group()}"


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?i)top-?up within the 180 days",  # Metfone: from day 91 only a restore request helps
        r"180 天内充值",
        r"180 天內儲值",
        r"(?i)not CooTel|不是 CooTel",  # internal notes belong in YAML comments
        r"卡号",  # the PIN under the scratch panel is not the card number
    ],
)
def test_known_wrong_statements_are_gone(content, pattern):
    texts = [a for e in content.faq.values() for a in e.answer.values()]
    data = yaml.safe_load((CONTENT_DIR / "codes.yaml").read_text(encoding="utf-8"))
    texts += [t for _, t in _zh_hant_strings(data)] + [json.dumps(data, ensure_ascii=False)]
    for text in texts:
        assert not re.search(pattern, text), pattern


def test_every_topic_has_written_titles(content):
    for entry in content.faq.values():
        assert set(entry.title) == set(LANGS), entry.id
        assert len(entry.title["en"]) <= 40, entry.id
        assert entry.title["en"][0].isupper(), entry.id
        assert len(entry.title["zh-Hans"]) <= 16 and len(entry.title["zh-Hant"]) <= 16, entry.id
        assert topic_title(entry, "en") == entry.title["en"]


@pytest.mark.parametrize("topic", NEW_TOPICS)
def test_new_topics_have_enough_real_questions(content, topic):
    raw = yaml.safe_load((CONTENT_DIR / "faq" / f"{topic}.yaml").read_text(encoding="utf-8"))
    minimum = {"zh-Hans": 10, "zh-Hant": 4, "en": 8}
    for lang, n in minimum.items():
        assert len(raw["questions"][lang]) >= n, f"{topic} {lang}"
    assert topic in content.faq and raw["sources"] and raw["title"]


def test_new_topic_questions_are_not_copied_from_the_dev_set():
    dev = shared_file("eval/faq-dev.jsonl")
    norm = lambda q: re.sub(r"[\s?？!！.,，。]", "", q.lower())  # noqa: E731
    held_out = {
        norm(json.loads(line)["q"])
        for line in dev.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    for topic in NEW_TOPICS:
        raw = yaml.safe_load((CONTENT_DIR / "faq" / f"{topic}.yaml").read_text(encoding="utf-8"))
        copied = [q for qs in raw["questions"].values() for q in qs if norm(q) in held_out]
        assert not copied, f"{topic}: {copied}"
