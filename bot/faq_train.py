"""Train the FAQ classifier from content/ and write bot/core/faq_weights.npz.

    uv run python -m bot.faq_train

Run it after changing any `questions:` list, out_of_scope.yaml, synonyms.yaml
or bot/core/faq_features.py (a test fails until you do). The regularisation
strength is chosen by stratified k-fold cross-validation on the content's own
paraphrases; the answer / suggest / refuse thresholds by the same held-out
predictions together with tests/data/faq-tune.jsonl (real users' phrasings,
written for tuning, never copied into content/). No threshold is set by hand,
and the unseen sets (tests/data/faq-blind.jsonl, faq-check.jsonl) are never
read here. Needs scikit-learn (a dev dependency); the bot itself only reads
the weights with numpy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from bot.content import Content, load_content
from bot.core.faq_features import Features, Featurizer
from bot.core.faq_model import (
    ANSWER,
    OUT_OF_SCOPE,
    REFUSE,
    SUGGEST,
    WEIGHTS,
    Model,
    Thresholds,
    in_domain,
    inputs_hash,
    pointing_elsewhere,
)
from bot.core.text import normalize

FOLDS = 5
C_GRID = (32.0, 64.0, 128.0)
TUNE = Path(__file__).resolve().parents[1] / "tests" / "data" / "faq-tune.jsonl"
ANSWER_GRID = tuple(np.round(np.arange(0.0, 0.81, 0.025), 3))
SUGGEST_GRID = tuple(np.round(np.arange(0.02, 0.61, 0.02), 3))
CONFIDENT_GRID = (0.5, 0.6, 0.7, 0.8, 1.01)  # 1.01: the margin alone decides
ALSO = 0.35
# What each outcome is worth to the person asking, when picking thresholds. A
# right answer first time is what people come for. A wrong answer misleads,
# though its card still offers related topics and the menu; "I can't help" to
# a real question is as bad (they leave without an answer). A did-you-mean
# whose first button is right still costs a tap and a second read, so it is
# worth a quarter of an answer: answering outright pays once the best topic is
# right more often than 2 times in 5 (p > 0.4 with these values).
# Out-of-scope questions as a group count half as much as in-scope ones.
GAIN = {
    (True, ANSWER, True): 1.0,
    (True, ANSWER, False): -1.0,
    (True, SUGGEST, True): 0.25,
    (True, SUGGEST, False): -0.5,
    (True, REFUSE, False): -1.0,
    (False, REFUSE, True): 1.0,
    (False, SUGGEST, False): -1.6,
    (False, ANSWER, False): -2.0,
}
OOS_SHARE = 0.5
# People asking about visas or hotels must not be sent to a SIM answer: a product floor.
OOS_FLOOR = 0.95


def matcher_inputs(content: Content):
    """The same inputs `bot.core.answers.build_matcher` hands to the Matcher."""
    questions = {
        entry.id: [q for qs in entry.questions.values() for q in qs]
        for entry in content.faq.values()
    }
    oos = [q for qs in content.out_of_scope.values() for q in qs]
    return questions, content.synonyms, oos


def samples(
    questions: Mapping[str, Sequence[str]], out_of_scope: Sequence[str]
) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for topic, qs in [*questions.items(), (OUT_OF_SCOPE, out_of_scope)]:
        for q in dict.fromkeys(qs):
            if normalize(q):
                texts.append(q)
                labels.append(topic)
    return texts, labels


def matrix(feats: Sequence[Features], index: Mapping[str, int]) -> sparse.csr_matrix:
    """Rows scaled by the length of all their features, as `Model.probabilities` does."""
    rows, cols, vals = [], [], []
    for r, f in enumerate(feats):
        norm = math.sqrt(sum(w * w for w in f.values())) or 1.0
        for name, w in f.items():
            if name in index:
                rows.append(r)
                cols.append(index[name])
                vals.append(w / norm)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(feats), len(index)))


def fit(feats: Sequence[Features], labels: Sequence[str], c: float):
    vocab = sorted({name for f in feats for name in f})
    index = {name: i for i, name in enumerate(vocab)}
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(matrix(feats, index), labels)
    return vocab, index, model


@dataclass
class Fold:
    probs: np.ndarray  # held-out probabilities, rows in sample order
    classes: list[str]
    in_domain: np.ndarray  # per row: the question uses a domain word
    summary: _Summary | None = None


def cross_validate(texts, labels, synonyms, c: float, seed: int = 7) -> Fold:
    train_featurizer = Featurizer(synonyms)
    train_feats = [train_featurizer.features(t, correct=False) for t in texts]
    classes = sorted(set(labels))
    probs = np.zeros((len(texts), len(classes)))
    domain = np.zeros(len(texts), dtype=bool)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for train, test in folds.split(texts, labels):
        vocab, index, model = fit([train_feats[i] for i in train], [labels[i] for i in train], c)
        # Held-out questions go through the run-time path: typo correction
        # against the training vocabulary, unknown words counted.
        featurizer = Featurizer(synonyms, vocab)
        held_out = [featurizer.features(texts[i]) for i in test]
        elsewhere = pointing_elsewhere(vocab, model.coef_.T, [str(x) for x in model.classes_])
        domain[test] = [in_domain(f, elsewhere) for f in held_out]
        x = matrix(held_out, index)
        p = model.predict_proba(x)
        cols = [classes.index(c) for c in model.classes_]
        probs[np.ix_(test, cols)] = p
    return Fold(probs, classes, domain)


def score(fold: Fold, labels: Sequence[str], th: Thresholds) -> tuple[float, dict[str, float]]:
    """Utility of the thresholds on held-out predictions, and the figures behind it.

    Vectorised form of `Thresholds.decide` (whose first suggestion is always
    the best topic), so the whole grid is searched in a moment.
    """
    s = _summary(fold, tuple(labels))
    floor = np.where(fold.in_domain, th.domain_suggest, th.suggest)
    refuse = (s.oos >= s.conf) | (s.conf < floor)
    answer = ~refuse & ((s.lead >= th.answer) | (s.conf >= th.confident))
    suggest = ~refuse & ~answer
    inn, out, right = s.in_scope, ~s.in_scope, s.right
    n_in, n_out = max(inn.sum(), 1), max(out.sum(), 1)
    gain_in = (
        GAIN[(True, ANSWER, True)] * (answer & right)
        + GAIN[(True, ANSWER, False)] * (answer & ~right)
        + GAIN[(True, SUGGEST, True)] * (suggest & right)
        + GAIN[(True, SUGGEST, False)] * (suggest & ~right)
        + GAIN[(True, REFUSE, False)] * refuse
    )
    gain_out = (
        GAIN[(False, REFUSE, True)] * refuse
        + GAIN[(False, SUGGEST, False)] * suggest
        + GAIN[(False, ANSWER, False)] * answer
    )
    total = gain_in[inn].sum() / n_in + OOS_SHARE * gain_out[out].sum() / n_out
    return float(total), {
        "cv_top1": float(right[inn].mean()),
        "cv_top3": float(s.top3[inn].mean()),
        "cv_answered_right": float((answer & right)[inn].mean()),
        "cv_answer_or_first_suggestion": float(((answer | suggest) & right)[inn].mean()),
        "cv_oos_refused": float(refuse[out].mean()),
    }


@dataclass
class _Summary:
    conf: np.ndarray
    lead: np.ndarray  # best topic minus the next class (topic or out-of-scope)
    oos: np.ndarray
    right: np.ndarray
    top3: np.ndarray
    in_scope: np.ndarray


def _summary(fold: Fold, labels: tuple[str, ...]) -> _Summary:
    """Per-question figures that do not depend on the thresholds, computed once per fold."""
    if fold.summary is None:
        oos_col = fold.classes.index(OUT_OF_SCOPE)
        topic_probs = fold.probs.copy()
        topic_probs[:, oos_col] = -1.0
        order = np.argsort(-topic_probs, axis=1)[:, :3]
        ranked = np.sort(fold.probs, axis=1)
        truth = np.array([fold.classes.index(lab) for lab in labels])
        fold.summary = _Summary(
            conf=topic_probs.max(axis=1),
            lead=topic_probs.max(axis=1) - ranked[:, -2],
            oos=fold.probs[:, oos_col],
            right=order[:, 0] == truth,
            top3=(order == truth[:, None]).any(axis=1),
            in_scope=truth != oos_col,
        )
    return fold.summary


def best_thresholds(
    folds: Sequence[tuple[Fold, Sequence[str]]], confident_grid: Sequence[float] = CONFIDENT_GRID
):
    """The thresholds most useful summed over the held-out sets, refusing at least
    OOS_FLOOR of the out-of-scope questions of the last set (else simply the most useful).

    The floor binds on real users' questions (the tuning set when there is one):
    cross-validation holds out a fifth of the hand-picked near-miss examples,
    which leaves the out-of-scope class weaker than it is in the final model.
    """
    best = (-math.inf, None, [])
    fallback = best
    grid = itertools.product(ANSWER_GRID, SUGGEST_GRID, SUGGEST_GRID, confident_grid)
    for answer, suggest, domain_suggest, confident in grid:
        if domain_suggest > suggest:
            continue  # a domain word is evidence for the FAQ, never against it
        th = Thresholds(
            float(answer), float(suggest), ALSO, float(domain_suggest), float(confident)
        )
        scored = [score(fold, labels, th) for fold, labels in folds]
        utility = sum(u for u, _ in scored)
        figures = [f for _, f in scored]
        if figures[-1]["cv_oos_refused"] >= OOS_FLOOR and utility > best[0]:
            best = (utility, th, figures)
        if utility > fallback[0]:
            fallback = (utility, th, figures)
    return best if best[1] is not None else fallback


def tune_fold(model: Model, synonyms, topics) -> tuple[Fold, list[str]]:
    """Predictions of the final model on the tuning questions of known topics."""
    if not TUNE.exists():
        return None
    featurizer = Featurizer(synonyms, model.features)
    rows, labels, domain = [], [], []
    for line in TUNE.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        expect = case["expect"] or OUT_OF_SCOPE
        if expect != OUT_OF_SCOPE and expect not in topics:
            continue  # a topic this content does not have yet
        feats = featurizer.features(case["q"])
        probs = model.probabilities(feats)
        if probs is not None:
            rows.append(probs)
            labels.append(expect)
            domain.append(in_domain(feats, model.elsewhere))
    return Fold(np.array(rows), model.classes, np.array(domain)), labels


def train(content: Content | None = None, verbose: bool = True) -> Model:
    content = content or load_content()
    questions, synonyms, oos = matcher_inputs(content)
    texts, labels = samples(questions, oos)
    start = time.perf_counter()
    chosen = None
    for c in C_GRID:
        fold = cross_validate(texts, labels, synonyms, c)
        # The margin alone is enough to compare regularisations (a fifth of the search).
        utility, th, [figures] = best_thresholds([(fold, labels)], confident_grid=(1.01,))
        if verbose:
            print(f"C={c:<5} utility={utility:.3f} {th} {_fmt(figures)}")
        if chosen is None or utility > chosen[0]:
            chosen = (utility, c, fold)
    _, c, fold = chosen
    featurizer = Featurizer(synonyms)
    feats = [featurizer.features(t, correct=False) for t in texts]
    vocab, _, fitted = fit(feats, labels, c)
    classes = [str(x) for x in fitted.classes_]
    trained = Model(
        vocab,
        fitted.coef_.T,
        fitted.intercept_,
        classes,
        Thresholds(1.0, 1.0, ALSO),
        inputs_hash(questions, synonyms, oos),
    )
    held_out = [(fold, labels)]
    tuning = tune_fold(trained, synonyms, set(questions))
    if tuning is not None:
        held_out.append(tuning)
    _, th, figures = best_thresholds(held_out)
    trained.thresholds = th
    trained.report = {**figures[0], "C": c, "folds": FOLDS, "questions": len(texts)}
    if len(figures) > 1:
        trained.report.update({k.replace("cv_", "tune_"): v for k, v in figures[1].items()})
    if verbose:
        print(f"chose C={c} {th}: {_fmt(trained.report)}")
        print(
            f"{len(vocab)} features, {len(classes)} classes, {len(texts)} questions, "
            f"{time.perf_counter() - start:.1f} s"
        )
    return trained


def _fmt(figures: Mapping[str, float]) -> str:
    return " ".join(f"{k}={v:.3f}" for k, v in figures.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(WEIGHTS))
    args = parser.parse_args()
    model = train()
    model.save(Path(args.out))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
