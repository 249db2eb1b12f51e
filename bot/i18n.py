"""The one text system: UI strings per language, as Telegram HTML or as plain text.

Every string a user reads comes from content/texts/*.yaml through `Texts`;
`html()` escapes arguments for message bodies, `plain()` gives text for
buttons and alerts, which Telegram never parses. This is the only module that
turns HTML back into text (`html_to_text`, for the terminal chat).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from babel import Locale

from bot.core.text import BABEL_LOCALES, LANGS, join_list

__all__ = ["LANGS", "Html", "Texts", "html_to_text", "join_list", "plural_form"]

_TAG_RE = re.compile(r"</?[a-z][^>]*>")


class Html(str):
    """A string already safe to put into Telegram HTML (not escaped again)."""


@dataclass(frozen=True)
class Texts:
    """UI strings per language; arguments are HTML-escaped unless wrapped in Html."""

    strings: dict[str, dict[str, str]]

    def html(self, key: str, lang: str, **kwargs: object) -> str:
        """Telegram HTML for a message body: arguments escaped unless wrapped in Html."""
        template = self.strings[key].get(lang) or self.strings[key]["en"]
        if not kwargs:
            return template
        safe = {k: v if isinstance(v, Html) else html.escape(str(v)) for k, v in kwargs.items()}
        return template.format(**safe)

    __call__ = html

    def plain(self, key: str, lang: str, **kwargs: object) -> str:
        """Plain text for buttons, alerts and notifications, which Telegram never parses."""
        template = self.strings[key].get(lang) or self.strings[key]["en"]
        text = html.unescape(_TAG_RE.sub("", template))
        if not kwargs:
            return text
        return text.format(**{k: str(v) for k, v in kwargs.items()})

    def has(self, key: str) -> bool:
        return key in self.strings

    def count(self, key: str, lang: str, n: int, **kwargs: object) -> str:
        """HTML for a number of things: `key_one`, `key_other`, ... by CLDR plural rules.

        English picks `key_one` for 1 and `key_other` otherwise; Chinese has only
        `key_other`. A missing form falls back to `key_other`.
        """
        form = f"{key}_{plural_form(n, lang)}"
        return self.html(form if form in self.strings else f"{key}_other", lang, n=n, **kwargs)


def plural_form(n: int, lang: str) -> str:
    """CLDR plural category of n in lang: "one", "other", ... (Chinese has only "other")."""
    return Locale.parse(BABEL_LOCALES[lang]).plural_form(n)


_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_ANY_TAG = re.compile(r"<[^>]+>")


def html_to_text(text: str) -> str:
    """Telegram HTML as plain text; links keep their address in brackets."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", text)
    return html.unescape(_ANY_TAG.sub("", text))
