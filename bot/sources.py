"""Keeping content/sources.yaml and the citations in step.

FAQ entries and codes.yaml cite bare URLs; `content/sources.yaml` names every
cited page once per language (the model and the line users see are in
`bot.core.sources`, loading is in `bot.content`). This module checks the two
against each other: no cited URL without a name, no named URL that nothing cites.
"""

from __future__ import annotations

from bot.content import Content, load_sources
from bot.core.sources import KINDS, NamedSource

__all__ = ["KINDS", "NamedSource", "cited_urls", "load_sources", "validate_sources"]


def cited_urls(content: Content) -> dict[str, list[str]]:
    """Every URL cited in the FAQ and codes.yaml, with who cites it."""
    cited: dict[str, list[str]] = {}
    for entry in content.faq.values():
        for url in entry.sources:
            cited.setdefault(url, []).append(f"faq/{entry.id}")
    if content.codes is not None:
        for sid, source in content.codes.sources.items():
            cited.setdefault(source.url, []).append(f"codes.yaml {sid}")
    return cited


def validate_sources(content: Content, names: dict[str, NamedSource]) -> list[str]:
    """Problems between citations and sources.yaml, as sentences; empty when in step."""
    cited = cited_urls(content)
    problems = [
        f"{url} is cited by {', '.join(who)} but has no entry in sources.yaml"
        for url, who in cited.items()
        if url not in names
    ]
    problems += [
        f"{url} is in sources.yaml but nothing cites it" for url in names if url not in cited
    ]
    return problems
