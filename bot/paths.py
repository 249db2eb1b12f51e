"""Where the bundled content lives, in a checkout and in an installed wheel.

The wheel carries `content/` as `bot/_content/` (see pyproject.toml); a checkout
(or an editable install) reads the repository's `content/` next to `bot/`. The
installed copy wins when present, so an unrelated `content` folder next to
site-packages is never picked up.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def content_dir() -> Path:
    installed = _PACKAGE / "_content"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / "content"
