"""FAQ matching: which topic a free-text question is about, or none.

Chinese has no spaces between words, so questions are indexed by character
unigrams and bigrams; English by Snowball stems, with typos corrected against
the vocabulary. Domain synonyms ("续费", "充值", "top up") are folded to one
feature first. Each paraphrase is a BM25 document (IDF over the questions), a
topic scores as its best paraphrase, and a set of out-of-scope examples acts as
a competing class, so "天气怎么样" lands there rather than on a random topic.

The confidence is the best score relative to the query's score against
itself: a question whose words the FAQ has never seen scores low however the
ranking falls.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from bot.core.text import normalize

OUT_OF_SCOPE = "__out_of_scope__"
ANSWER, SUGGEST, REFUSE = "answer", "suggest", "out_of_scope"

# Tuned on our own paraphrases (tests/data/faq-holdout.jsonl), checked on the dev set.
ANSWER_MIN = 0.30  # confidence needed to answer outright
ANSWER_MARGIN = 1.06  # best topic must beat the runner-up by this factor
CLEAR_WINNER_MIN = 0.20  # an in-domain question whose best topic leads by
CLEAR_WINNER_MARGIN = 1.6  # this factor is answered at lower confidence
SUGGEST_MIN = 0.22  # below this nothing in the FAQ is close: out of scope
DOMAIN_SUGGEST_MIN = 0.10  # the same, for questions that use the FAQ's domain words
SUGGEST_RATIO = 0.75  # runner-ups within this fraction of the best are offered
K1, B = 1.2, 0.75
UNIGRAM_WEIGHT = 0.5  # single Han characters are weak evidence next to bigrams
SUPPORT_WEIGHT = 0.6  # a topic also scores for its 2nd and 3rd best paraphrases
SUPPORT_CLASSES = 8  # only the leading classes by best paraphrase are ranked further

EN_STOP = frozenset(
    """a an the i me my mine we our you your it its is am are was were be been being do does did
    doing have has had having to of in on at for from with by about as into than then so and or
    but if can could would should will shall may might must please hi hey there here this that
    these those what which who whom how when where why get got any some just also very much
    really thank thanks""".split()
)
ZH_STOP = frozenset("的了吗呢吧啊呀么我你他她它们是在有个和也都就还要会能可以请问")

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z0-9*#+]+")
_SYN_MARK = "\x00"
_stemmer = snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class Match:
    outcome: str  # "answer", "suggest" or "out_of_scope"
    faq_id: str | None
    score: float
    suggestions: tuple[str, ...] = ()
    ranking: tuple[tuple[str, float], ...] = field(default=(), compare=False)


class Matcher:
    def __init__(
        self,
        questions: Mapping[str, Sequence[str]],
        synonyms: Sequence[Sequence[str]] = (),
        out_of_scope: Sequence[str] = (),
    ):
        self._synonyms = _SynonymFolder(synonyms)
        docs: list[list[str]] = []
        self._doc_class: list[str] = []
        for topic, qs in questions.items():
            for q in dict.fromkeys(normalize(q) for q in qs):
                if q:
                    docs.append(self._features(q, correct=False))
                    self._doc_class.append(topic)
        for q in dict.fromkeys(normalize(q) for q in out_of_scope):
            if q:
                docs.append(self._features(q, correct=False))
                self._doc_class.append(OUT_OF_SCOPE)
        # Known words for typo correction: stems seen in questions, and one-word
        # synonyms (which matching folds away before stemming).
        self._vocab_feature = {
            f[2:]: f for d in docs for f in d if f.startswith("w:") and f[2:].isalpha()
        }
        self._vocab_feature.update(self._synonyms.single_words())
        self._vocab = sorted(self._vocab_feature)
        self._vocab_set = frozenset(f[2:] for d in docs for f in d if f.startswith("w:"))
        n = len(docs)
        avgdl = sum(len(d) for d in docs) / max(n, 1)
        df: dict[str, int] = defaultdict(int)
        for d in docs:
            for f in set(d):
                df[f] += 1
        self._idf = {f: math.log(1 + (n - c + 0.5) / (c + 0.5)) for f, c in df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self._avgdl = avgdl
        # Docs are grouped by class so per-class maxima are one reduceat call.
        order = sorted(range(n), key=lambda i: self._doc_class[i])
        position = {doc: pos for pos, doc in enumerate(order)}
        self._classes = sorted(set(self._doc_class))
        sorted_class = [self._doc_class[i] for i in order]
        self._class_start = np.array([sorted_class.index(c) for c in self._classes])
        self._class_of = np.array([self._classes.index(c) for c in sorted_class])
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, d in enumerate(docs):
            norm = K1 * (1 - B + B * len(d) / avgdl)
            counts: dict[str, int] = defaultdict(int)
            for f in d:
                counts[f] += 1
            for f, tf in counts.items():
                weight = self._idf[f] * tf * (K1 + 1) / (tf + norm)
                postings[f][0].append(position[i])
                postings[f][1].append(weight * _feature_weight(f))
        self._postings = {
            f: (np.array(ix, dtype=np.int32), np.array(w)) for f, (ix, w) in postings.items()
        }
        self._n_docs = n
        self._cached_correct = lru_cache(maxsize=4096)(self._correct_uncached)

    # --- features -------------------------------------------------------------

    def _features(self, norm: str, *, correct: bool = True) -> list[str]:
        text = self._synonyms.fold(norm)
        feats: list[str] = []
        for chunk in text.split(" "):
            if not chunk:
                continue
            if chunk.startswith(_SYN_MARK):
                feats.append("s:" + chunk.strip(_SYN_MARK))
                continue
            pos = 0
            for m in _HAN_RUN.finditer(chunk):
                self._latin(chunk[pos : m.start()], feats, correct)
                run = m.group()
                feats.extend("c:" + ch for ch in run if ch not in ZH_STOP)
                feats.extend("b:" + run[i : i + 2] for i in range(len(run) - 1))
                pos = m.end()
            self._latin(chunk[pos:], feats, correct)
        return feats

    def _latin(self, text: str, feats: list[str], correct: bool) -> None:
        for word in _LATIN_WORD.findall(text):
            if word in EN_STOP:
                continue
            stem = _stem(word) if word.isalpha() else word
            if correct and word.isalpha() and stem not in self._vocab_set:
                feats.append(self._cached_correct(word, stem))
            else:
                feats.append("w:" + stem)

    def _correct_uncached(self, word: str, stem: str) -> str:
        """The feature of the closest known word for a misspelt one.

        Damerau-Levenshtein, so a swap ("esmi") costs one edit: one edit from
        5 letters, two from 8; 4-letter words only by a swap of two letters.
        """
        n = len(word)
        if n < 4:
            return "w:" + stem
        limit = 2 if n >= 8 else 1
        best = process.extractOne(
            word, self._vocab, scorer=DamerauLevenshtein.distance, score_cutoff=limit
        )
        if best is None or (n == 4 and sorted(best[0]) != sorted(word)):
            return "w:" + stem
        return self._vocab_feature[best[0]]

    # --- scoring ----------------------------------------------------------------

    def _rank_features(self, feats: list[str]) -> tuple[list[tuple[str, float]], float]:
        """Classes by score (best paraphrase plus support), and the query's self-score."""
        if not feats:
            return [], 0.0
        counts: dict[str, int] = defaultdict(int)
        for f in feats:
            counts[f] += 1
        scores = np.zeros(self._n_docs)
        self_score = 0.0
        norm = K1 * (1 - B + B * len(feats) / self._avgdl)
        for f, tf in counts.items():
            idf = self._idf.get(f, self._unknown_idf)
            self_score += idf * tf * (K1 + 1) / (tf + norm) * _feature_weight(f)
            posting = self._postings.get(f)
            if posting is not None:
                scores[posting[0]] += posting[1]
        best = np.maximum.reduceat(scores, self._class_start)
        # Support: the 2nd and 3rd best paraphrases of the leading classes.
        result: dict[str, float] = {}
        for k in np.argsort(-best)[:SUPPORT_CLASSES]:
            if best[k] <= 0:
                break
            start = self._class_start[k]
            end = self._class_start[k + 1] if k + 1 < len(self._class_start) else self._n_docs
            top = np.sort(scores[start:end])[-3:]
            support = top[:-1].sum() / 2  # mean of the 2nd and 3rd (0 when missing)
            result[self._classes[k]] = float(top[-1] + SUPPORT_WEIGHT * support)
        self_score *= 1 + SUPPORT_WEIGHT
        return sorted(result.items(), key=lambda kv: -kv[1]), self_score

    def match(self, text: str) -> Match:
        feats = self._features(normalize(text))
        ranking, self_score = self._rank_features(feats)
        if not ranking or self_score <= 0:
            return Match(REFUSE, None, 0.0)
        scaled = tuple((cls, round(s / self_score, 4)) for cls, s in ranking[:6])
        topics = [(cls, s) for cls, s in scaled if cls != OUT_OF_SCOPE]
        oos = next((s for cls, s in scaled if cls == OUT_OF_SCOPE), 0.0)
        if not topics:
            return Match(REFUSE, None, oos, ranking=scaled)
        top, conf = topics[0]
        runner = topics[1][1] if len(topics) > 1 else 0.0
        # A domain word (a synonym-group member: 号码, 信号, expire ...) means the
        # user is asking about their SIM: offer the nearest topics, don't refuse.
        in_domain = any(f.startswith("s:") for f in feats)
        floor = DOMAIN_SUGGEST_MIN if in_domain else SUGGEST_MIN
        if oos >= conf or conf < floor:
            return Match(REFUSE, None, conf, ranking=scaled)
        if conf >= ANSWER_MIN and conf >= runner * ANSWER_MARGIN:
            return Match(ANSWER, top, conf, ranking=scaled)
        if in_domain and conf >= CLEAR_WINNER_MIN and conf >= runner * CLEAR_WINNER_MARGIN:
            return Match(ANSWER, top, conf, ranking=scaled)
        close = tuple(cls for cls, s in topics[:3] if s >= conf * SUGGEST_RATIO)
        if len(close) == 1 and conf >= ANSWER_MIN:
            return Match(ANSWER, top, conf, ranking=scaled)
        return Match(SUGGEST, None, conf, suggestions=close, ranking=scaled)


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def _feature_weight(feature: str) -> float:
    return UNIGRAM_WEIGHT if feature.startswith("c:") else 1.0


class _SynonymFolder:
    """Replaces every member of a synonym group by one marker token for the group."""

    def __init__(self, groups: Sequence[Sequence[str]]):
        self._canon: dict[str, str] = {}
        han: list[str] = []
        latin: list[str] = []
        for i, group in enumerate(groups):
            for word in group:
                word = normalize(word)
                if not word:
                    continue
                if _HAN_RUN.fullmatch(word.replace(" ", "")):
                    if len(word) < 2:  # one character is too ambiguous to fold
                        continue
                    han.append(word)
                else:
                    latin.append(word)
                self._canon[word] = f"{_SYN_MARK}{i}{_SYN_MARK}"
        parts = sorted(set(han), key=len, reverse=True)
        latin_parts = sorted(set(latin), key=len, reverse=True)
        alternatives = [re.escape(w) for w in parts] + [
            rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" for w in latin_parts
        ]
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None

    def single_words(self) -> dict[str, str]:
        """One-word Latin synonyms and the feature each folds to."""
        return {
            word: "s:" + marker.strip(_SYN_MARK)
            for word, marker in self._canon.items()
            if word.isalpha() and word.isascii()
        }

    def fold(self, norm: str) -> str:
        if self._pattern is None:
            return norm
        return self._pattern.sub(lambda m: f" {self._canon[m.group()]} ", norm)


GREETINGS = frozenset(
    "你好,您好,嗨,哈喽,哈啰,早上好,晚上好,早安,午安,晚安,在吗,在不在,"
    "hi,hello,hey,yo,hola,good morning,good evening,good afternoon".split(",")
)
THANKS = frozenset("谢谢,谢谢你,多谢,感谢,好的谢谢,thanks,thank you,thx,ty,ok thanks".split(","))


def small_talk(text: str) -> str | None:
    """'greeting' or 'thanks' for a message that is only that, else None."""
    norm = normalize(text)
    if norm in GREETINGS:
        return "greeting"
    if norm in THANKS or norm.rstrip("啦了呀") in THANKS:
        return "thanks"
    return None
