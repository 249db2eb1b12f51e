"""FAQ matching quality on the shared dev set and on our own held-out questions."""

import json
from pathlib import Path

import pytest

from bot.callbacks import for_intent
from bot.core.answers import ShowCategory, respond
from bot.core.matching import ANSWER, REFUSE, SUGGEST
from tests.shared_docs import shared_file as require_shared

HOLDOUT = Path(__file__).parent / "data" / "faq-holdout.jsonl"


def evaluate(matcher, path: Path) -> tuple[float, float, list[str]]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    hits_in = n_in = hits_out = n_out = 0
    misses = []
    for case in cases:
        result = matcher.match(case["q"])
        got = result.faq_id if result.outcome == ANSWER else None
        if case["expect"] is None:
            n_out += 1
            ok = got is None
            hits_out += ok
        else:
            n_in += 1
            ok = got in [case["expect"], *case.get("also", [])]
            hits_in += ok
        if not ok:
            misses.append(f"{case['q']!r}: expected {case['expect']}, got {result.outcome} {got}")
    print(f"{path.name}: in-scope {hits_in}/{n_in}, out-of-scope refused {hits_out}/{n_out}")
    print("\n".join(misses))
    return hits_in / max(n_in, 1), hits_out / max(n_out, 1), misses


def test_dev_set_accuracy(matcher):
    in_scope, out_of_scope, misses = evaluate(matcher, require_shared("eval/faq-dev.jsonl"))
    assert in_scope >= 0.95, misses
    assert out_of_scope >= 0.90, misses


def test_holdout_accuracy(matcher):
    """Questions written by us, never used to pick thresholds' neighbours."""
    in_scope, out_of_scope, misses = evaluate(matcher, HOLDOUT)
    assert in_scope >= 0.85, misses
    assert out_of_scope >= 0.90, misses


@pytest.mark.parametrize(
    "question",
    [
        "今天金边天气怎么样",
        "recommend a good hotel",
        "中国移动套餐怎么改",
        "who won the football",
        "🙂",
    ],
)
def test_out_of_scope_is_refused(matcher, question):
    assert matcher.match(question).outcome == REFUSE


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("how do I recharg my esim", "esim-renew"),  # typo
        ("where can I buy an esmi", "esim-buy"),
        ("怎麼查話費餘額", "check-balance-expiry"),  # Traditional
        ("回国了怎么保号", "keep-number"),
    ],
)
def test_paraphrases_and_typos(matcher, question, topic):
    result = matcher.match(question)
    assert (result.faq_id if result.outcome == ANSWER else result.suggestions[:1]) in (
        topic,
        (topic,),
    ), result


def test_vague_question_gets_suggestions_not_a_guess(matcher):
    result = matcher.match("卡")
    assert result.outcome in (SUGGEST, REFUSE)


def test_respond_answers_in_the_question_script(content, matcher):
    reply = respond(content, matcher, "怎麼查話費餘額", "en")
    assert reply.lang == "zh-Hant"
    assert content.faq[reply.faq_id].answer["zh-Hant"][:20] in reply.text


def test_respond_out_of_scope_offers_the_menu(content, matcher):
    reply = respond(content, matcher, "柬埔寨落地签多少钱", "zh-Hans")
    assert reply.faq_id is None
    assert reply.text == content.texts("out_of_scope", "zh-Hans")
    assert any(isinstance(intent, ShowCategory) for row in reply.buttons for _, intent in row)


@pytest.mark.parametrize(
    ("text", "key"),
    [("", "empty_message"), ("   ", "empty_message"), ("好" * 1200, "too_long")],
)
def test_respond_to_empty_and_huge(content, matcher, text, key):
    assert respond(content, matcher, text, "zh-Hans").text == content.texts(key, "zh-Hans")


def test_greeting_and_thanks(content, matcher):
    assert respond(content, matcher, "你好", "zh-Hans").text == content.texts("greeting", "zh-Hans")
    assert respond(content, matcher, "thanks!", "en").text == content.texts("thanks", "en")
    assert respond(content, matcher, "hello", "en").faq_id is None


def test_callback_data_fits_telegram(content, matcher):
    for entry in content.faq.values():
        reply = respond(content, matcher, entry.questions["en"][0], "en")
        for row in reply.buttons:
            for _, intent in row:
                assert len(for_intent(intent).pack().encode()) <= 64
