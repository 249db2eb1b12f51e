"""The trained FAQ model: fresh weights, cross-validation floors, the blind set, odd input."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from bot.content import load_content
from bot.core.answers import build_matcher
from bot.core.faq_features import Featurizer, SynonymFolder
from bot.core.faq_model import RETRAIN, WEIGHTS, Model, Thresholds, in_domain
from bot.core.matching import ANSWER, OUT_OF_SCOPE, REFUSE, SUGGEST, Matcher

DATA = Path(__file__).parent / "data"
BLIND = DATA / "faq-blind.jsonl"
# Written blind by another engineer; never tune on it (tune on faq-tune.jsonl instead).
BLIND_SHA256 = "be7298fd6d7a92ee54c5610218a721f7f78d630e0dd4fe10198e958cfbf34814"
BLIND_FLOORS = {"right": 0.95, "first": 0.95, "refused": 0.95}
# Written blind too (280 + 280 questions, half of the out-of-scope ones twins of real
# questions); measured while writing training data, never trained or tuned on.
CHECK = DATA / "faq-check.jsonl"
CHECK_SHA256 = "73190036aa33ef350768c9bd5798d31f44a181f77db1fddbb7628f190c5774f8"
CHECK_FLOORS = {"right": 0.93, "first": 0.93, "refused": 0.92}


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture(scope="module")
def matcher(content):
    return build_matcher(content)


def test_weights_are_trained_on_the_current_content(matcher):
    assert not matcher.stale, f"bot/core/faq_weights.npz is stale: run `{RETRAIN}`"


def test_cross_validation_floors(matcher):
    """Figures of k-fold CV over the content's paraphrases, stored by the trainer.

    They belong to the current content because the weights are not stale.
    """
    report = matcher.model.report
    assert report["folds"] >= 5
    assert report["cv_top1"] >= 0.90, report
    assert report["cv_top3"] >= 0.96, report
    assert report["cv_answered_right"] >= 0.85, report
    # Held-out folds lose a fifth of the near-miss twins (Netflix vs the operator's
    # paid services, a China Mobile number vs a Cambodian one), the hardest part.
    assert report["cv_oos_refused"] >= 0.80, report
    # The thresholds must refuse real users' out-of-scope questions (faq-tune.jsonl).
    assert report["tune_oos_refused"] >= 0.95, report


@pytest.mark.parametrize(("path", "digest"), [(BLIND, BLIND_SHA256), (CHECK, CHECK_SHA256)])
def test_unseen_question_files_are_frozen(path, digest):
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def unseen_figures(matcher, topics, path: Path) -> dict[str, float]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    right = first = n_in = refused = n_out = 0
    for case in cases:
        match = matcher.match(case["q"])
        if case["expect"] is None:
            n_out += 1
            refused += match.outcome == REFUSE
        elif case["expect"] in topics:
            ok = [case["expect"], *case.get("also", [])]
            n_in += 1
            right += match.faq_id in ok
            first += match.faq_id in ok or match.suggestions[:1] in [(t,) for t in ok]
    return {"right": right / n_in, "first": first / n_in, "refused": refused / n_out}


def test_blind_set_figures(content, matcher):
    """Questions nobody tuned on, on the topics that exist in content/.

    Floors at the team's targets for answered right and refused (0.95); right
    first is floored there too, a little under its 0.98 target and today's figure
    (a regression guard).
    """
    figures = unseen_figures(matcher, set(content.faq), BLIND)
    print(figures)
    assert figures["right"] >= BLIND_FLOORS["right"], figures
    assert figures["first"] >= BLIND_FLOORS["first"], figures
    assert figures["refused"] >= BLIND_FLOORS["refused"], figures


def test_check_set_figures(content, matcher):
    """A second, larger set of unseen questions, heavier on near misses."""
    figures = unseen_figures(matcher, set(content.faq), CHECK)
    print(figures)
    for key, floor in CHECK_FLOORS.items():
        assert figures[key] >= floor, figures


@pytest.mark.parametrize("text", ["", "   ", "🙂", "🙂🙂🙂", "???", "……", "\u200b", "ـــ", "12"])
def test_featureless_input_is_refused(matcher, text):
    assert matcher.match(text).outcome == REFUSE


@pytest.mark.parametrize(
    "text",
    ["xqzv plorth wubble frandistan", "blorf snarp quizzle zorp", "qwertyuiop asdfghjkl"],
)
def test_mostly_unknown_words_are_not_answered(matcher, text):
    assert matcher.match(text).outcome != ANSWER


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("怎么续费", "topup-methods"),
        ("eSIM怎么买", "esim-buy"),
        ("how do i cancel my reminder", "reminder-howto"),
    ],
)
def test_special_cases(matcher, question, topic):
    match = matcher.match(question)
    assert (match.outcome, match.faq_id) == (ANSWER, topic), match


def test_the_question_in_a_long_post_outweighs_the_story(matcher):
    story = (
        "I came to Phnom Penh last year for work and bought a Smart SIM at the airport. "
        "The hotel was nice and the weather is hot. My friend says the coverage in Kampot is fine. "
        "How do I check when my SIM expires?"
    )
    match = matcher.match(story)
    first = [t for t in (match.faq_id, *match.suggestions) if t][:1]
    assert first == ["check-balance-expiry"], match


def test_sentence_weighting():
    featurizer = Featurizer([])
    feats = featurizer.features("The hotel was nice. How do I renew?", correct=False)
    assert feats["w:renew"] == 1.0
    assert feats["w:hotel"] < 1.0
    single = featurizer.features("hotel renew", correct=False)
    assert single["w:hotel"] == single["w:renew"] == 1.0


def test_thresholds_decide():
    th = Thresholds(answer=0.3, suggest=0.2, also=0.5)
    classes = ["a", "b", OUT_OF_SCOPE]
    assert th.decide(classes, np.array([0.7, 0.2, 0.1])).faq_id == "a"
    suggest = th.decide(classes, np.array([0.45, 0.35, 0.2]))
    assert (suggest.outcome, suggest.suggestions) == (SUGGEST, ("a", "b"))
    assert th.decide(classes, np.array([0.3, 0.2, 0.5])).outcome == REFUSE
    assert th.decide(classes, np.array([0.15, 0.1, 0.05])).outcome == REFUSE
    domain = Thresholds(answer=0.3, suggest=0.2, also=0.5, domain_suggest=0.1)
    assert domain.decide(classes, np.array([0.15, 0.1, 0.05])).outcome == REFUSE
    assert domain.decide(classes, np.array([0.15, 0.1, 0.05]), in_domain=True).outcome == SUGGEST
    confident = Thresholds(answer=0.3, suggest=0.2, also=0.5, confident=0.55)
    assert th.decide(classes, np.array([0.6, 0.35, 0.05])).outcome == SUGGEST
    assert confident.decide(classes, np.array([0.6, 0.35, 0.05])).faq_id == "a"
    assert confident.decide(classes, np.array([0.4, 0.0, 0.6])).outcome == REFUSE


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("怎么充值卡充值", "怎么 <0> "),  # the longest member starting at a spot wins
        ("充值卡", " <0> 卡"),
        ("top up my sim", " <0>  my  <1> "),
        ("topupx simcard", "topupx  <1> "),  # English only as whole words
        ("xsim sim2", "xsim sim2"),
        ("sim卡余额", " <1>  <2> "),
        ("", ""),
    ],
)
def test_synonym_folding(text, folded):
    folder = SynonymFolder(
        [["充值", "top up", "充值卡充值"], ["sim", "sim卡", "simcard"], ["余额"]]
    )
    for group in range(3):
        folded = folded.replace(f"<{group}>", f"\x00{group}\x00")
    assert folder.fold(text) == folded


def test_words_that_point_away_from_the_faq_do_not_lower_the_refusal_floor(matcher):
    """China Mobile or Netflix are domain-like words the model learnt as out-of-scope evidence."""
    featurizer = matcher._featurizer
    elsewhere = matcher.model.elsewhere
    assert in_domain(featurizer.features("netflix"), elsewhere) is False
    assert in_domain(featurizer.features("china mobile"), elsewhere) is False
    assert in_domain(featurizer.features("china mobile top up"), elsewhere) is True  # "top up"
    assert in_domain(featurizer.features("怎么充值"), elsewhere) is True
    assert not elsewhere & set(featurizer.features("充值 余额 esim 到期"))


def test_model_round_trips_through_the_weights_file(tmp_path):
    model = Model.load(WEIGHTS)
    model.save(tmp_path / "w.npz")
    again = Model.load(tmp_path / "w.npz")
    assert again.features == model.features
    assert again.classes == model.classes
    assert again.thresholds == model.thresholds
    assert again.trained_on == model.trained_on
    np.testing.assert_allclose(again.weights, model.weights)


def test_stale_weights_are_flagged_and_never_answer_a_missing_topic(content, caplog):
    """Between a content merge and retraining the bot keeps working on what it knows."""
    questions = {
        entry.id: [q for qs in entry.questions.values() for q in qs]
        for entry in content.faq.values()
        if entry.id != "esim-buy"
    }
    oos = [q for qs in content.out_of_scope.values() for q in qs]
    stale = Matcher(questions, content.synonyms, oos)
    assert stale.stale
    assert RETRAIN in caplog.text
    assert stale.match("eSIM怎么买").faq_id != "esim-buy"
    assert stale.match("怎么续费").faq_id == "topup-methods"
