"""Operator codes core: content validation, lookup, free-text detection, rendering."""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import pytest
import yaml

from bot.content import CONTENT_DIR, LANGS, ContentError, Texts, load_codes, load_texts
from bot.core.code_cards import (
    SECTIONS,
    codes_block,
    operator_list_text,
    render_common_card,
    render_operator_card,
    render_operator_section,
    render_purpose,
    render_query,
)
from bot.core.operators import COMMON, CodeBook, CodeQuery
from bot.core.text import TELEGRAM_LIMIT


@pytest.fixture(scope="module")
def book() -> CodeBook:
    return load_codes()


def tri(text: str) -> dict[str, str]:
    return {lang: text for lang in LANGS}


def tiny() -> dict:
    """A minimal valid codes.yaml (card words come from content/texts/)."""
    return {
        "placeholders": {"PIN": tri("card <code> & scratch")},
        "signals": {lang: ["code"] for lang in LANGS},
        "sources": {
            "gov": {
                "url": "https://example.org/a?x=1&y=2",
                "title": "Gov <A&B>",
                "confidence": "A-gov",
            }
        },
        "purposes": [
            {
                "id": "balance",
                "names": tri("Balance <&>"),
                "keywords": {lang: ["balance"] for lang in LANGS},
            },
            {
                "id": "topup-card",
                "names": tri("Top up"),
                "keywords": {lang: ["top up"] for lang in LANGS},
            },
        ],
        "common": [
            {"purpose": "balance", "code": "*1201#", "how": "dial", "sources": ["gov"]},
            {"purpose": "topup-card", "code": "*1203*<PIN>#", "how": "dial", "sources": ["gov"]},
        ],
        "operators": [
            {
                "id": "acme",
                "names": tri("Acme <Tel> & Co"),
                "aliases": ["acme", "阿克米"],
                "company": "Acme & Sons <Ltd>",
                "notes": tri("Note with <b>tags</b> & ampersand"),
                "sources": ["gov"],
                "codes": [
                    {
                        "purpose": "balance",
                        "code": "#999#",
                        "how": "dial",
                        "label": tri("Label <x>"),
                        "notes": tri("a < b & c"),
                        "sources": ["gov"],
                    },
                    {
                        "purpose": "balance",
                        "code": "012 345 678",
                        "how": "call",
                        "sources": ["gov"],
                    },
                ],
            },
            {"id": "empty", "names": tri("Empty"), "aliases": ["emptytel"], "sources": ["gov"]},
        ],
    }


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "codes.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def error_for(tmp_path: Path, data: dict) -> ContentError:
    with pytest.raises(ContentError) as info:
        load_codes(write(tmp_path, data))
    return info.value


# --------------------------------------------------------------------------- validation


def test_tiny_book_loads(tmp_path):
    b = load_codes(write(tmp_path, tiny()))
    assert list(b.operators) == ["acme", "empty"]
    assert [c.code for c in b.lookup("acme", "balance")] == ["#999#", "012 345 678", "*1201#"]


def test_unknown_purpose(tmp_path):
    data = tiny()
    data["operators"][0]["codes"][0]["purpose"] = "horoscope"
    err = error_for(tmp_path, data)
    assert err.file == "codes.yaml"
    assert err.entry == "operators[acme].codes[#999#]"
    assert err.field == "purpose"
    assert "horoscope" in str(err)


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("dial", "*12a#"),
        ("dial", "1201"),
        ("dial", "*1201"),
        ("dial", "*<PIN>#"),
        ("call", "*1201#"),
        ("call", "12-34"),
    ],
)
def test_bad_code_syntax(tmp_path, how, code):
    data = tiny()
    data["operators"][0]["codes"][0].update(how=how, code=code)
    err = error_for(tmp_path, data)
    assert (err.file, err.field) == ("codes.yaml", "code")
    assert err.entry.startswith("operators[acme].codes[")


def test_unknown_placeholder(tmp_path):
    data = tiny()
    data["common"][1]["code"] = "*1203*<CARD>#"
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("common[*1203*<CARD>#]", "code")
    assert "<CARD>" in err.message


def test_sms_needs_text_and_number(tmp_path):
    data = tiny()
    data["operators"][0]["codes"][1] = {
        "purpose": "balance",
        "how": "sms",
        "sms_text": "BAL",
        "sources": ["gov"],
    }
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("operators[acme].codes[BAL]", "sms_to")


def test_code_without_source(tmp_path):
    data = tiny()
    data["operators"][0]["codes"][0]["sources"] = []
    err = error_for(tmp_path, data)
    assert (err.file, err.entry, err.field) == (
        "codes.yaml",
        "operators[acme].codes[#999#]",
        "sources",
    )


def test_code_with_unknown_source(tmp_path):
    data = tiny()
    data["common"][0]["sources"] = ["blog"]
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("common[*1201#]", "sources")
    assert "blog" in err.message


def test_third_party_confidence_rejected(tmp_path):
    data = tiny()
    data["sources"]["gov"]["confidence"] = "C-3rd"
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("sources[gov]", "confidence")


def test_missing_language(tmp_path):
    data = tiny()
    del data["purposes"][0]["names"]["zh-Hant"]
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("purposes[balance]", "names")
    assert "zh-Hant" in err.message


def test_missing_language_in_notes(tmp_path):
    data = tiny()
    del data["operators"][0]["codes"][0]["notes"]["en"]
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("operators[acme].codes[#999#]", "notes")


def test_duplicate_operator(tmp_path):
    data = tiny()
    dup = copy.deepcopy(data["operators"][1])
    dup["aliases"] = ["other"]
    data["operators"].append(dup)
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("operators[empty]", "id")
    assert "duplicate" in err.message


def test_duplicate_alias_across_operators(tmp_path):
    data = tiny()
    data["operators"][1]["aliases"] = ["ACME"]
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("operators[empty]", "aliases")


def test_duplicate_purpose(tmp_path):
    data = tiny()
    data["purposes"].append(copy.deepcopy(data["purposes"][0]))
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("purposes[balance]", "id")


def test_unknown_field_and_invalid_yaml(tmp_path):
    data = tiny()
    data["operators"][0]["hotline"] = "812"
    err = error_for(tmp_path, data)
    assert (err.entry, err.field) == ("operators[acme]", "hotline")
    path = tmp_path / "broken.yaml"
    path.write_text("labels: [unclosed", encoding="utf-8")
    with pytest.raises(ContentError, match=r"broken\.yaml"):
        load_codes(path)


# --------------------------------------------------------------------------- real content


def test_real_content_only_verified_facts(book):
    assert {s.confidence for s in book.sources.values()} <= {"A-gov", "A-op", "B-news"}
    codes = {c.code for c in book.all_codes()}
    for banned in ("*888#", "*123*<PIN>#", "*097#", "*101#", "888", "*100#", "*887#", "*99#"):
        assert banned not in codes
    assert {"*1200#", "*1201#", "*1202#", "*1203*<PIN>#", "1204", "6789", "117", "118", "119"} <= {
        c.code for c in book.common
    }
    assert [c.code for c in book.operator("metfone").hotlines] == ["1777", "097 9097 097"]
    assert [c.code for c in book.operator("cellcard").hotlines] == ["812", "012 812 812"]
    assert book.operator("cellcard").company.startswith("CamGSM")
    assert "truemove" not in (CONTENT_DIR / "codes.yaml").read_text(encoding="utf-8").lower()


def test_every_code_has_source(book):
    for code in book.all_codes():
        assert code.sources, code
        assert book.confidence(code) in ("A-gov", "A-op", "B-news")
        assert set(code.as_json()) == {"operator", "purpose", "code"}


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cellcard", "cellcard"),
        ("CELLCARD查余额", "cellcard"),
        ("cellcard查餘額", "cellcard"),
        ("camgsm", "cellcard"),
        ("Mobitel", "cellcard"),
        ("សែលកាត", "cellcard"),
        ("斯玛特", "smart"),
        ("斯瑪特", "smart"),
        ("思麦特怎么查余额", "smart"),
        ("smart axiata", "smart"),
        ("ស្មាត", "smart"),
        ("Ｍｅｔｆｏｎｅ", "metfone"),
        ("viettel", "metfone"),
        ("មេតហ្វូន", "metfone"),
        ("yes", "seatel"),
        ("Seatel 018", "seatel"),
        ("CooTel", "cootel"),
        ("信威", "cootel"),
    ],
)
def test_find_operator(book, text, expected):
    op = book.find_operator(text)
    assert op is not None and op.id == expected


@pytest.mark.parametrize("text", ["my smartphone broke", "yes please", "柬埔寨电话卡怎么续费", ""])
def test_find_operator_none(book, text):
    assert book.find_operator(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("查余额", "balance"),
        ("查餘額", "balance"),
        ("話費還有多少", "balance"),
        ("check balance", "balance"),
        ("充值卡", "topup-card"),
        ("儲值卡怎麼用", "topup-card"),
        ("scratch card", "topup-card"),
        ("给别人充值", "topup-other"),
        ("幫別人儲值", "topup-other"),
        ("客服", "customer-service"),
        ("客服專線", "customer-service"),
        ("hotline", "customer-service"),
        ("转话费", "credit-transfer"),
        ("轉餘額", "credit-transfer"),
        ("credit transfer", "credit-transfer"),
        ("乱扣费", "cancel-vas"),
        ("亂扣費", "cancel-vas"),
        ("unsubscribe vas", "cancel-vas"),
        ("实名", "id-check"),
        ("實名登記", "id-check"),
        ("報警", "emergency"),
        ("ambulance", "emergency"),
        ("投訴", "regulator"),
    ],
)
def test_find_purpose(book, text, expected):
    purpose = book.find_purpose(text)
    assert purpose is not None and purpose.id == expected


def test_lookup_operator_first_then_common(book):
    codes = book.lookup("cellcard", "balance")
    assert [c.code for c in codes] == ["#124#", "#823#", "*1201#"]
    assert not any(c.fallback for c in codes)
    assert codes[-1].operator == COMMON


@pytest.mark.parametrize("operator_id", ["seatel", "cootel"])
def test_fallback_for_operators_without_codes(book, operator_id):
    assert not book.operator(operator_id).has_own_codes
    codes = book.lookup(operator_id, "balance")
    assert [c.code for c in codes] == ["*1201#"]
    assert codes[0].fallback and codes[0].fallback_for == operator_id
    emergency = book.lookup(operator_id, "emergency")
    assert emergency and not any(c.fallback for c in emergency)
    for lang in LANGS:
        card = render_operator_card(book, operator_id, lang)
        assert card.count("⚠️") == 1
        assert "<code>*1201#</code>" in render_operator_section(book, operator_id, "balance", lang)
        assert "<code>1204</code>" in render_operator_section(book, operator_id, "service", lang)
    for lang in LANGS:
        name = book.operator(operator_id).name(lang)
        warning = html.escape(book.label("fallback", lang, operator=name))
        assert warning in render_operator_card(book, operator_id, lang)
    assert "⚠️" not in render_operator_card(book, "smart", "en")


def test_lookup_purpose_across_operators(book):
    codes = book.lookup(None, "customer-service")
    assert {c.operator for c in codes} == {"smart", "cellcard", "metfone", COMMON}
    with pytest.raises(KeyError):
        book.lookup("truemove", None)


# --------------------------------------------------------------------------- detect_request


@pytest.mark.parametrize(
    ("text", "operator", "purpose"),
    [
        ("cellcard 查余额", "cellcard", "balance"),
        ("metfone客服电话", "metfone", "customer-service"),
        ("怎么用充值卡充值", None, "topup-card"),
        ("smart balance code", "smart", "balance"),
        ("查余额代码", None, "balance"),
        ("1204是什么", None, "customer-service"),
        ("怎么查话费余额", None, "balance"),
        ("話費餘額怎麼查", None, "balance"),
        ("what is the Metfone hotline?", "metfone", "customer-service"),
        ("cellcard", "cellcard", None),
        ("斯瑪特", "smart", None),
        ("yes seatel 余额", "seatel", "balance"),
        ("报警电话", None, "emergency"),
        ("#124#", "cellcard", "balance"),
    ],
)
def test_detect_request_true(book, text, operator, purpose):
    query = book.detect_request(text)
    assert query is not None
    assert (query.operator, query.purpose) == (operator, purpose)
    assert book.codes_for(query)


@pytest.mark.parametrize(
    "text",
    [
        "柬埔寨电话卡怎么续费",
        "余额不足会怎样",
        "eSIM 怎么续费",
        "smart的卡过期了还能用吗",
        "yes, I want to renew",
        "my smartphone is broken",
        "",
        "   ",
    ],
)
def test_detect_request_false(book, text):
    assert book.detect_request(text) is None


def test_literal_code_query(book):
    query = book.detect_request("*1203*PIN# 怎么用")
    assert query == CodeQuery(None, "topup-card", "*1203*<PIN>#")
    assert [c.as_json() for c in book.codes_for(query)] == [
        {"operator": "common", "purpose": "topup-card", "code": "*1203*<PIN>#"}
    ]


# --------------------------------------------------------------------------- rendering


def test_rendering_escapes(tmp_path):
    b = load_codes(write(tmp_path, tiny()))
    outputs = [full_card(b, "acme", lang) for lang in LANGS]
    outputs += [render_purpose(b, "balance", "en"), render_common_card(b, "en")]
    outputs += [codes_block(b, b.lookup("acme", "balance"), "en"), operator_list_text(b, "en")]
    outputs += [render_query(b, CodeQuery("empty", "balance"), "en")]
    for html_text in outputs:
        stripped = re.sub(r"</?(b|i|code)>|<a href=\"[^\"<>]*\">|</a>", "", html_text)
        assert "<" not in stripped and ">" not in stripped, html_text
        assert not re.search(r"&(?!amp;|lt;|gt;|quot;|#x27;)", html_text), html_text
    card = outputs[0]
    assert "Acme &lt;Tel&gt; &amp; Co" in card
    assert "Acme &amp; Sons &lt;Ltd&gt;" in card
    assert "Note with" not in card, "operator notes are for editors, not on cards"
    assert "a &lt; b &amp; c" in card
    assert "<code>*1203*&lt;PIN&gt;#</code>" in card
    assert '<a href="https://example.org/a?x=1&amp;y=2">Gov &lt;A&amp;B&gt;</a>' in card
    assert "Balance &lt;&amp;&gt;" in outputs[3]


def full_card(book, operator_id, lang):
    """The short card and every part of it, as a person pressing each button sees them."""
    parts = [render_operator_card(book, operator_id, lang)]
    parts += [render_operator_section(book, operator_id, s, lang) for s in SECTIONS]
    return "\n\n".join(parts)


def test_every_real_card_fits(book):
    for lang in LANGS:
        texts = [render_common_card(book, lang), operator_list_text(book, lang)]
        texts += [render_operator_card(book, op, lang) for op in book.operators]
        texts += [
            render_operator_section(book, op, s, lang) for op in book.operators for s in SECTIONS
        ]
        texts += [render_purpose(book, p, lang) for p in book.purposes]
        texts += [
            render_query(book, CodeQuery(op, p), lang)
            for op in book.operators
            for p in book.purposes
        ]
        for text in texts:
            assert 0 < len(text) < TELEGRAM_LIMIT


def test_operator_card_contents(book):
    card = full_card(book, "cellcard", "zh-Hans")
    assert "<code>#124#</code>" in card and "<code>812</code>" in card
    assert "<code>012 812 812</code>" in card
    assert "https://www.cellcard.com.kh/en/terms-conditions/" in card
    assert "来源" in card and "117" in card
    en = full_card(book, "metfone", "en")
    assert "<code>1777</code>" in en and "Sources" in en and "pay.metfone.com.kh" in en
    assert book.operator("cootel").company.startswith("Xinwei")


def test_common_card_and_lists(book):
    card = render_common_card(book, "zh-Hant")
    for code in ("*1200#", "*1201#", "*1202#", "*1203*&lt;PIN&gt;#", "1204", "6789", "117", "119"):
        assert f"<code>{code}</code>" in card
    assert "來源" in card
    listing = operator_list_text(book, "en")
    for op in ("smart", "cellcard", "metfone", "seatel", "cootel"):
        assert f"/codes {op}" in listing
    short = codes_block(book, book.lookup("cootel", "balance"), "zh-Hans")
    assert "<code>*1201#</code>" in short and "CooTel" in short
    assert codes_block(book, [], "en") == ""


def test_card_words_come_from_the_texts(tmp_path):
    texts = load_texts(CONTENT_DIR / "texts")
    partial = Texts({k: v for k, v in texts.strings.items() if k != "codes_hotline"})
    with pytest.raises(ContentError, match="codes_hotline"):
        load_codes(write(tmp_path, tiny()), partial)
    book = load_codes(write(tmp_path, tiny()), texts)
    assert book.label("hotline", "zh-Hant") == texts.plain("codes_hotline", "zh-Hant")
