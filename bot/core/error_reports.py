"""What admins are told about a bug, and how often.

The summary names the exception type and where it happened (the last frames' file and
line), never the exception's message: messages can carry what the user typed or a URL
with the bot token in it. A flood of one error becomes one report a minute with a count.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

FRAMES = 3  # innermost frames listed
WINDOW = 60.0  # seconds: at most one report per error type in this time


def error_kind(error: BaseException) -> str:
    kind = type(error)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def frames(error: BaseException, limit: int = FRAMES) -> list[str]:
    """`file:line in function` of the innermost frames, innermost last; paths shortened."""
    summary = traceback.extract_tb(error.__traceback__)[-limit:]
    return [f"{_short(f.filename)}:{f.lineno} in {f.name}" for f in summary]


def _short(path: str) -> str:
    """From the package folder on (bot/..., telegram/...), so no home directory is shown."""
    parts = PurePath(path).parts
    for anchor in ("bot", "telegram", "site-packages"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[i + (anchor == "site-packages") :])
    return PurePath(path).name


@dataclass
class _Window:
    opened: float
    suppressed: int = 0


@dataclass
class RateLimit:
    """One report per error kind per `window` seconds; later ones are counted, not sent."""

    monotonic: Callable[[], float]
    window: float = WINDOW
    _open: dict[str, _Window] = field(default_factory=dict)

    def admit(self, kind: str) -> int | None:
        """None: stay quiet. Otherwise send, mentioning this many suppressed since the last."""
        now = self.monotonic()
        current = self._open.get(kind)
        if current is not None and now - current.opened < self.window:
            current.suppressed += 1
            return None
        suppressed = current.suppressed if current is not None else 0
        self._open[kind] = _Window(now)
        return suppressed
