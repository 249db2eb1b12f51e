"""Is a message asking for an operator code? The answer of ``CodeBook.detect_request``,
at a fraction of its cost.

``detect_request`` runs for every free-text message before the FAQ matcher, and it
cost about as much as the matcher itself: the text was normalised three times and each
of some 350 alias, keyword and signal terms was searched on its own (the keywords
twice). Here the text is normalised once and each family of terms is one precompiled
regular expression: a lookahead alternation, longest term first, finds at every
position the longest term starting there, which is all that "the longest term found,
the first listed on a tie" needs. Pure: built from the book's terms, no Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.text import normalize


class Term(Protocol):
    """One alias, keyword or signal, as the code book prepares it."""

    target: str
    compact: str  # normalised, spaces removed
    pattern: re.Pattern[str] | None  # word-bounded regex for Latin terms, else None


@dataclass(frozen=True)
class Query:
    operator: str | None
    purpose: str | None
    code: str | None = None


class _TermSet:
    """Finds the longest of many terms in a text (the first listed wins a tie)."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self.targets = [t.target for t in terms]
        self.lengths = [len(t.compact) for t in terms]
        self._latin_index: dict[str, int] = {}
        self._cjk_index: dict[str, int] = {}
        latin, cjk = [], []
        for index, term in enumerate(terms):
            if term.pattern is not None:
                self._latin_index.setdefault(term.compact, index)
                latin.append((index, term))
            else:
                self._cjk_index.setdefault(term.compact, index)
                cjk.append((index, term))

        def longest_first(pair: tuple[int, Term]) -> tuple[int, int]:
            return (-len(pair[1].compact), pair[0])

        self._latin = _alternation(
            # the term's own regex without its leading look-behind, which is shared
            [_body(t.pattern) for _, t in sorted(latin, key=longest_first)],  # type: ignore[arg-type]
            prefix=r"(?<![a-z0-9])",
        )
        self._cjk = _alternation(
            [re.escape(t.compact) for _, t in sorted(cjk, key=longest_first)], prefix=""
        )

    def best(self, key: str, compact: str) -> tuple[str, int] | None:
        found = self._found(key, compact)
        if not found:
            return None
        index = min(found, key=lambda i: (-self.lengths[i], i))
        return self.targets[index], self.lengths[index]

    def any(self, key: str, compact: str) -> bool:
        return bool(
            (self._latin and self._latin.search(key)) or (self._cjk and self._cjk.search(compact))
        )

    def _found(self, key: str, compact: str) -> set[int]:
        found: set[int] = set()
        if self._latin:
            for m in self._latin.finditer(key):
                found.add(self._latin_index[m.group(1).replace(" ", "")])
        if self._cjk:
            for m in self._cjk.finditer(compact):
                found.add(self._cjk_index[m.group(1)])
        return found


def _body(pattern: re.Pattern[str]) -> str:
    """``(?<![a-z0-9])BODY(?![a-z0-9])`` -> ``BODY(?![a-z0-9])``."""
    lead = "(?<![a-z0-9])"
    assert pattern.pattern.startswith(lead), pattern.pattern
    return pattern.pattern[len(lead) :]


def _alternation(bodies: list[str], prefix: str) -> re.Pattern[str] | None:
    if not bodies:
        return None
    return re.compile(prefix + "(?=(" + "|".join(f"(?:{b})" for b in bodies) + "))")


class CodeRequestDetector:
    """Built once per code book; ``detect(text)`` is ``CodeBook.detect_request(text)``."""

    def __init__(
        self,
        *,
        alias_terms: Sequence[Term],
        keyword_terms: Sequence[Term],
        signal_terms: Sequence[Term],
        exact: Mapping[str, str],
        direct_purposes: Iterable[str],
        find_literal: Callable[[str, str, str | None], Any],
    ) -> None:
        """`find_literal(compact, digits, operator)`: a known code quoted in the text
        (an object with ``code``, ``purpose``, ``operator`` and ``is_common``) or None."""
        direct = set(direct_purposes)
        self._aliases = _TermSet(alias_terms)
        self._keywords = _TermSet(keyword_terms)
        self._direct = _TermSet([t for t in keyword_terms if t.target in direct])
        self._signals = _TermSet(signal_terms)
        self._exact = dict(exact)
        self._find_literal = find_literal

    def detect(self, text: str) -> Query | None:
        key = normalize(text)
        compact = key.replace(" ", "")
        if not compact:
            return None
        alias = self._aliases.best(key, compact)
        op_id = self._exact.get(compact) or (alias[0] if alias else None)
        digits = re.sub(r"(?<=\d) (?=\d)", "", key)
        if literal := self._find_literal(compact, digits, op_id):
            owner = None if literal.is_common else literal.operator
            return Query(op_id or owner, literal.purpose, literal.code)
        alias_len = alias[1] if alias else (len(compact) if op_id else 0)
        keyword = self._keywords.best(key, compact)
        signal = self._signals.any(key, compact)
        bare = len(compact) - alias_len - (keyword[1] if keyword else 0) <= 2
        if keyword:
            direct = self._direct.any(key, compact)
            if op_id or signal or direct or bare:
                return Query(op_id, keyword[0])
            return None
        if op_id and (signal or bare):
            return Query(op_id, None)
        return None


def literal_finder(
    literals: Sequence[tuple[re.Pattern[str], bool, Any]],
) -> Callable[[str, str, str | None], Any]:
    """`find_literal` from the book's (pattern, on_compact, code) list: the operator's own
    code first, then a common one, then any (as ``CodeBook.find_literal``)."""

    def find(compact: str, digits: str, operator_id: str | None) -> Any:
        hits = [
            c
            for pattern, on_compact, c in literals
            if pattern.search(compact if on_compact else digits)
        ]
        if not hits:
            return None
        preferred = [c for c in hits if c.operator == operator_id]
        return (preferred or [c for c in hits if c.is_common] or hits)[0]

    return find
