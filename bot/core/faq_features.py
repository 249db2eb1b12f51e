"""What a question looks like to the FAQ classifier: weighted sparse features.

Chinese has no spaces between words, so Han text gives character unigrams and
bigrams; English gives Snowball stems, misspellings corrected against the
words the FAQ knows. Domain synonyms ("续费", "充值", "top up", "refill") are
folded to one concept feature first, so the model learns one weight for all
of them. In a long post the sentence that asks weighs more than the story
around it. Features the model has never seen still count towards the length of
the vector, so a question in mostly unknown words comes out unsure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from bot.core.text import normalize

UNIGRAM_WEIGHT = 0.7  # single Han characters are weak evidence next to bigrams
CONTEXT_WEIGHT = 0.5  # sentences of a long post that do not ask anything
MAX_CORRECTIONS = 6  # typo look-ups per message: a long post must not cost milliseconds

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
# Sentence ends in raw text (before normalisation removes punctuation).
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+|(?<=[a-zA-Z])\.\s+")
_ASKS = re.compile(
    r"[?？]|吗|么|如何|怎|咋|哪|什么|啥|多少|多久|能不能|可不可以|是不是|有没有|"
    r"\b(how|what|where|which|when|why|can|could|do|does|is|are|should|will|any)\b",
    re.IGNORECASE,
)
_stemmer = snowballstemmer.stemmer("english")

Features = dict[str, float]


class Featurizer:
    """Turns text into {feature: weight}; `known` words steer typo correction."""

    def __init__(self, synonyms: Sequence[Sequence[str]], known: Iterable[str] = ()):
        self._synonyms = SynonymFolder(synonyms)
        words = {f[2:]: f for f in known if f.startswith("w:") and f[2:].isalpha()}
        words.update(self._synonyms.single_words())
        self._vocab_feature = words
        # Inflections of one-word synonyms ("recharged", "refills") mean the same concept.
        self._synonym_stems = {_stem(w): f for w, f in self._synonyms.single_words().items()}
        # Candidates by length: a word one or two edits away differs in length by at most that.
        self._by_length: dict[int, list[str]] = {}
        for w in sorted(words):
            self._by_length.setdefault(len(w), []).append(w)
        self._known_stems = frozenset(f[2:] for f in known if f.startswith("w:"))
        self._corrections_left = MAX_CORRECTIONS
        self._correct: Callable[[str, str], str] = lru_cache(maxsize=4096)(self._correct_uncached)

    def features(self, text: str, *, correct: bool = True) -> Features:
        """Weighted features of a message; the asking sentences of a long one weigh most."""
        self._corrections_left = MAX_CORRECTIONS
        sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
        asking = [bool(_ASKS.search(s)) for s in sentences]
        story = len(sentences) > 1 and any(asking) and not all(asking)
        feats: Features = {}
        for sentence, asks in zip(sentences, asking, strict=True):
            weight = CONTEXT_WEIGHT if story and not asks else 1.0
            for f in self.sentence_features(normalize(sentence), correct=correct):
                w = weight * (UNIGRAM_WEIGHT if f.startswith("c:") else 1.0)
                feats[f] = feats.get(f, 0.0) + w
        return feats

    def sentence_features(self, norm: str, *, correct: bool = True) -> list[str]:
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
            if stem in self._synonym_stems:
                feats.append(self._synonym_stems[stem])
            elif correct and word.isalpha() and stem not in self._known_stems:
                if self._corrections_left > 0:
                    self._corrections_left -= 1
                    feats.append(self._correct(word, stem))
                else:
                    feats.append("w:" + stem)
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
        if n == 4:  # only a swap: the same letters in another order
            letters = sorted(word)
            candidates = [w for w in self._by_length.get(4, ()) if sorted(w) == letters]
        else:
            candidates = [
                w for k in range(n - limit, n + limit + 1) for w in self._by_length.get(k, ())
            ]
        best = process.extractOne(
            word, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=limit
        )
        if best is None:
            return "w:" + stem
        return self._vocab_feature[best[0]]


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


class SynonymFolder:
    """Replaces every member of a synonym group by one marker token for the group.

    Scans the text once: at each position only the members starting with that
    character are tried, longest first (Chinese before English at the same spot,
    English only at a word's start and end). One regex alternation of a few
    hundred members cost half a millisecond on a long post.
    """

    def __init__(self, groups: Sequence[Sequence[str]]):
        self._canon: dict[str, str] = {}
        han: set[str] = set()
        latin: set[str] = set()
        for i, group in enumerate(groups):
            for word in group:
                word = normalize(word)
                if not word:
                    continue
                if _HAN_RUN.fullmatch(word.replace(" ", "")):
                    if len(word) < 2:  # one character is too ambiguous to fold
                        continue
                    han.add(word)
                else:
                    latin.add(word)
                self._canon.setdefault(word, f"{_SYN_MARK}{i}{_SYN_MARK}")
        # first character -> [(length, is_latin)], Chinese first, each longest first
        starts: dict[str, list[tuple[int, bool]]] = {}
        for words, is_latin in ((han, False), (latin, True)):
            lengths: dict[str, set[int]] = {}
            for w in words:
                lengths.setdefault(w[0], set()).add(len(w))
            for ch, ls in lengths.items():
                starts.setdefault(ch, []).extend((n, is_latin) for n in sorted(ls, reverse=True))
        self._starts = starts
        self._han = frozenset(han)
        self._latin = frozenset(latin)

    def single_words(self) -> dict[str, str]:
        """One-word Latin synonyms and the feature each folds to."""
        return {
            word: "s:" + marker.strip(_SYN_MARK)
            for word, marker in self._canon.items()
            if word.isalpha() and word.isascii()
        }

    def fold(self, norm: str) -> str:
        out: list[str] = []
        i, plain, end = 0, 0, len(norm)
        starts = self._starts
        while i < end:
            found = 0
            for n, is_latin in starts.get(norm[i], ()):
                if i + n > end:
                    continue
                piece = norm[i : i + n]
                if is_latin:
                    if (
                        piece in self._latin
                        and (i == 0 or not _is_word_char(norm[i - 1]))
                        and (i + n == end or not _is_word_char(norm[i + n]))
                    ):
                        found = n
                        break
                elif piece in self._han:
                    found = n
                    break
            if found:
                out.append(norm[plain:i])
                out.append(f" {self._canon[norm[i : i + found]]} ")
                i += found
                plain = i
            else:
                i += 1
        out.append(norm[plain:])
        return "".join(out)


def _is_word_char(ch: str) -> bool:
    return "a" <= ch <= "z" or "0" <= ch <= "9"
