"""The fact-base data reminders use, read once from content/facts: Smart's validity per
card amount, the number's lifecycle after expiry, the words that tell a plan's kind."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.content import ContentError
from bot.core.lifecycle import Lifecycle, parse_lifecycle
from bot.core.validity import ValidityTable, parse_table


@dataclass(frozen=True)
class Facts:
    validity: dict[str, ValidityTable]  # operator id -> its card table
    lifecycle: Lifecycle
    travel_brands: tuple[str, ...]
    travel_words: tuple[str, ...]
    data_words: tuple[str, ...]


@lru_cache(maxsize=4)
def facts(root: Path) -> Facts:
    """Loaded and checked once per content directory; a bad file stops the bot at start."""
    folder = root / "facts"
    name = "smart-validity.yaml"
    try:
        smart = parse_table(_read(folder / name))
        name = "number-lifecycle.yaml"
        lifecycle = parse_lifecycle(_read(folder / name))
        name = "plan-kinds.yaml"
        kinds = _read(folder / name)
        return Facts(
            validity={smart.operator: smart},
            lifecycle=lifecycle,
            travel_brands=tuple(str(w) for w in kinds["travel"]["brands"]),
            travel_words=tuple(str(w) for w in kinds["travel"]["words"]),
            data_words=tuple(str(w) for w in kinds["data"]["words"]),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ContentError(folder / name, None, None, f"{type(exc).__name__}: {exc}") from None


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
