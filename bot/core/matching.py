"""FAQ matching: which topic a free-text question is about, or none.

The decisions are learnt from the content, not tuned by hand: a logistic
regression over `faq_features` (Han character n-grams, English stems,
synonym concepts), with out-of-scope as a class of its own, and answer /
suggest / refuse thresholds chosen by cross-validation on the content's own
paraphrases (`bot.faq_train`). At run time this is a sparse dot product
with numpy.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.core.faq_features import Featurizer
from bot.core.faq_model import (
    ANSWER,
    OUT_OF_SCOPE,
    REFUSE,
    RETRAIN,
    SUGGEST,
    WEIGHTS,
    Match,
    Model,
    in_domain,
    inputs_hash,
)
from bot.core.text import normalize

__all__ = ["ANSWER", "OUT_OF_SCOPE", "REFUSE", "SUGGEST", "Match", "Matcher", "small_talk"]

log = logging.getLogger(__name__)


class Matcher:
    """Loads the trained weights for these inputs and classifies questions."""

    def __init__(
        self,
        questions: Mapping[str, Sequence[str]],
        synonyms: Sequence[Sequence[str]] = (),
        out_of_scope: Sequence[str] = (),
        weights: Path = WEIGHTS,
    ):
        self.model = Model.load(weights)
        self.stale = self.model.trained_on != inputs_hash(questions, synonyms, out_of_scope)
        if self.stale:
            # Still usable (topics it was trained on keep working); the test suite fails on it.
            log.warning("FAQ weights are older than content/: run `%s`", RETRAIN)
        self._topics = frozenset(questions)
        self._featurizer = Featurizer(synonyms, self.model.features)

    def match(self, text: str) -> Match:
        feats = self._featurizer.features(text)
        probs = self.model.probabilities(feats)
        if probs is None:
            return Match(REFUSE, None, 0.0)
        match = self.model.thresholds.decide(
            self.model.classes, probs, in_domain(feats, self.model.elsewhere)
        )
        if match.faq_id is not None and match.faq_id not in self._topics:
            return Match(REFUSE, None, match.score, ranking=match.ranking)
        return match


GREETINGS = frozenset(
    "你好,您好,嗨,哈喽,哈啰,早上好,晚上好,早安,午安,晚安,在吗,在不在,"
    "hi,hello,hey,yo,hola,good morning,good evening,good afternoon".split(",")
)
THANKS = frozenset("谢谢,谢谢你,多谢,感谢,好的谢谢,thanks,thank you,thx,ty,ok thanks".split(","))


ACKS = frozenset(
    "ok,okay,okk,k,kk,cool,great,nice,got it,i see,alright,sure,好,好的,好滴,嗯,嗯嗯,哦,哦哦,"
    "知道了,明白,明白了,懂了,收到,行,可以,好吧,ok了".split(",")
)


def small_talk(text: str) -> str | None:
    """'greeting', 'thanks' or 'ack' (ok, 好的, an emoji) for a message that is only that."""
    norm = normalize(text)
    if not any(ch.isalnum() for ch in text):
        return "ack" if text.strip() else None  # 👍, 😀, "!!": nothing to match
    if norm in ACKS:
        return "ack"
    if norm in GREETINGS:
        return "greeting"
    if norm in THANKS or norm.rstrip("啦了呀") in THANKS:
        return "thanks"
    return None
