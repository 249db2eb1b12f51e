"""The trained FAQ classifier at run time: numpy only, weights from a file.

A multinomial logistic regression over `faq_features` features, with
out-of-scope as a class of its own. Its weights, and the answer / suggest /
refuse thresholds picked by cross-validation, are written by
`uv run python -m bot.faq_train` into `faq_weights.npz` beside this file,
with a hash of the training inputs so a stale file is noticed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.core import faq_features

WEIGHTS = Path(__file__).with_name("faq_weights.npz")
RETRAIN = "uv run python -m bot.faq_train"
OUT_OF_SCOPE = "__out_of_scope__"
ANSWER, SUGGEST, REFUSE = "answer", "suggest", "out_of_scope"
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Match:
    outcome: str  # "answer", "suggest" or "out_of_scope"
    faq_id: str | None
    score: float
    suggestions: tuple[str, ...] = ()
    ranking: tuple[tuple[str, float], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Thresholds:
    """When the best topic's probability is enough to answer, to suggest, or neither."""

    answer: float  # answer outright when the best topic leads the next class by this much
    suggest: float  # below this nothing is close enough: out of scope
    also: float  # runner-ups within this fraction of the best are suggested too
    # The same floor for questions that use a domain word (a synonym concept:
    # top up, 号码, eSIM ...): such a person is probably asking about their SIM.
    domain_suggest: float | None = None
    # ... or when the best topic alone is this likely, however the rest is spread
    # (a clear favourite with two weak runners-up is still a clear answer).
    confident: float = 1.01

    def decide(self, classes: Sequence[str], probs: np.ndarray, in_domain: bool = False) -> Match:
        order = np.argsort(-probs)[:6]
        ranking = tuple((classes[i], round(float(probs[i]), 4)) for i in order)
        topics = [(c, p) for c, p in ranking if c != OUT_OF_SCOPE]
        oos = next((p for c, p in ranking if c == OUT_OF_SCOPE), 0.0)
        if not topics:
            return Match(REFUSE, None, 0.0, ranking=ranking)
        top, conf = topics[0]
        floor = self.suggest
        if in_domain and self.domain_suggest is not None:
            floor = self.domain_suggest
        if oos >= conf or conf < floor:
            return Match(REFUSE, None, conf, ranking=ranking)
        runner = ranking[1][1] if len(ranking) > 1 else 0.0
        if conf - runner >= self.answer or conf >= self.confident:
            return Match(ANSWER, top, conf, ranking=ranking)
        close = tuple(c for c, p in topics[:MAX_SUGGESTIONS] if p >= conf * self.also)
        return Match(SUGGEST, None, conf, suggestions=close, ranking=ranking)


def inputs_hash(
    questions: Mapping[str, Sequence[str]],
    synonyms: Sequence[Sequence[str]],
    out_of_scope: Sequence[str],
) -> str:
    """Hash of everything training reads, including the feature code itself."""
    payload = json.dumps(
        {
            "questions": {k: list(v) for k, v in sorted(questions.items())},
            "synonyms": [list(g) for g in synonyms],
            "out_of_scope": list(out_of_scope),
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    digest = hashlib.sha256(payload.encode())
    digest.update(Path(faq_features.__file__).read_bytes())
    return digest.hexdigest()


class Model:
    """Weights, classes and thresholds; scores feature dicts."""

    def __init__(
        self,
        features: Sequence[str],
        weights: np.ndarray,
        bias: np.ndarray,
        classes: Sequence[str],
        thresholds: Thresholds,
        trained_on: str = "",
        report: Mapping[str, float] | None = None,
    ):
        self.features = list(features)
        self._index = {f: i for i, f in enumerate(self.features)}
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float64)
        self.classes = list(classes)
        self.thresholds = thresholds
        self.trained_on = trained_on
        self.report = dict(report or {})
        self.elsewhere = pointing_elsewhere(self.features, self.weights, self.classes)

    def probabilities(self, feats: faq_features.Features) -> np.ndarray | None:
        """Class probabilities; None when the text has no features at all.

        The vector is scaled by the length of ALL its features, known or not,
        so unknown words shrink the evidence towards the prior.
        """
        if not feats:
            return None
        norm = math.sqrt(sum(w * w for w in feats.values()))
        rows, values = [], []
        for f, w in feats.items():
            i = self._index.get(f)
            if i is not None:
                rows.append(i)
                values.append(w / norm)
        logits = self.bias.copy()
        if rows:
            logits += np.asarray(values, dtype=np.float32) @ self.weights[rows]
        logits -= logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def save(self, path: Path = WEIGHTS) -> None:
        t = self.thresholds
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                features=np.array(self.features),
                weights=self.weights.astype(np.float16),
                bias=self.bias,
                classes=np.array(self.classes),
                thresholds=np.array(
                    [t.answer, t.suggest, t.also, _or(t.domain_suggest, t.suggest), t.confident]
                ),
                trained_on=np.array(self.trained_on),
                report=np.array(json.dumps(self.report, sort_keys=True)),
            )

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Model:
        with np.load(path, allow_pickle=False) as data:
            answer, suggest, also, domain_suggest, *confident = (
                float(x) for x in data["thresholds"]
            )
            return cls(
                data["features"].tolist(),
                data["weights"].astype(np.float32),
                data["bias"],
                data["classes"].tolist(),
                Thresholds(answer, suggest, also, domain_suggest, *confident),
                str(data["trained_on"]),
                json.loads(str(data["report"])),
            )


def in_domain(feats: faq_features.Features, elsewhere: frozenset[str] = frozenset()) -> bool:
    """Whether a question uses one of the FAQ's domain words (a synonym concept).

    Concepts in `elsewhere` (China Mobile, Netflix, Steam ...) are domain-like
    words that point away from the FAQ, so they do not count.
    """
    return any(f.startswith("s:") and f not in elsewhere for f in feats)


def pointing_elsewhere(
    features: Sequence[str], weights: np.ndarray, classes: Sequence[str]
) -> frozenset[str]:
    """Synonym concepts the model weighs most for out-of-scope: evidence against the FAQ."""
    if OUT_OF_SCOPE not in classes:
        return frozenset()
    oos = list(classes).index(OUT_OF_SCOPE)
    concepts = [i for i, f in enumerate(features) if f.startswith("s:")]
    strongest = np.argmax(np.asarray(weights)[concepts], axis=1) if concepts else []
    return frozenset(features[i] for i, s in zip(concepts, strongest, strict=True) if s == oos)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
