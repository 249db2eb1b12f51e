"""Telegram HTML as plain text, for the terminal (`chat`, `ask`).

Its own module so that `renewal-bot ask` prints an answer without importing the
Telegram stack that the terminal chat needs.
"""

from __future__ import annotations

import html
import re

_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(text: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", text)
    return html.unescape(_TAG.sub("", text))
