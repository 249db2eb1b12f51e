"""The unanswered-questions report: masking what people typed, grouping alike questions.

Questions the bot refused or was unsure about are kept so a maintainer can add
paraphrases or a topic. They are kept as text only, so anything that could identify
or harm the asker (phone numbers, card PINs, account numbers) is masked first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.core.text import normalize

KEEP_DAYS = 90  # how long a question is kept; stated in the privacy text
MASK = "####"
SIMILAR = 70  # token-set ratio (0-100) at which two questions count as alike

# Four or more digits, possibly split by spaces, dots or dashes ("012 345 678", "1234-5678").
_DIGIT_RUN = re.compile(r"\d(?:[\s.\-]?\d){3,}")


def mask_digits(text: str) -> str:
    """The text with every run of 4+ digits replaced, so no phone number or PIN is kept."""
    return _DIGIT_RUN.sub(MASK, text)


@dataclass(frozen=True)
class Question:
    text: str
    nearest: str | None  # the topic the matcher thought closest
    outcome: str = ""  # why it was kept: refused, unsure (suggested topics), voted down


@dataclass(frozen=True)
class Cluster:
    """Alike questions: the first one seen stands for the group."""

    example: str
    count: int
    nearest: str | None  # the most common nearest topic in the group
    others: tuple[str, ...]  # distinct other wordings, most frequent first
    outcomes: tuple[tuple[str, int], ...] = ()  # (outcome, count), most frequent first


def cluster(questions: Iterable[Question], similar: int = SIMILAR) -> list[Cluster]:
    """Greedy grouping by token-set ratio of the normalised text, biggest group first.

    Each question joins the first group whose example it resembles (ratio >= `similar`);
    otherwise it starts a group. Quadratic in the number of groups, which stays small for
    90 days of a chat bot's misses.
    """
    heads: list[str] = []  # normalised example of each group
    members: list[list[Question]] = []
    for q in questions:
        key = _tokens(q.text)
        for i, head in enumerate(heads):
            if fuzz.token_set_ratio(key, head) >= similar:
                members[i].append(q)
                break
        else:
            heads.append(key)
            members.append([q])
    clusters = [_summary(group) for group in members]
    return sorted(clusters, key=lambda c: (-c.count, c.example))


def _tokens(text: str) -> str:
    """Normalised text with Chinese split into characters, so token sets work for zh too."""
    words: list[str] = []
    for word in normalize(text).split():
        if word.isascii():
            words.append(word)
        else:
            words.extend(word)
    return " ".join(words)


def _summary(group: Sequence[Question]) -> Cluster:
    wordings = Counter(q.text for q in group)
    example = group[0].text
    nearest = Counter(q.nearest for q in group if q.nearest).most_common(1)
    others = tuple(w for w, _ in wordings.most_common() if w != example)
    outcomes = tuple(Counter(q.outcome for q in group if q.outcome).most_common())
    return Cluster(example, len(group), nearest[0][0] if nearest else None, others, outcomes)
