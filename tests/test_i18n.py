"""The text system: plural forms and list joins by CLDR (Babel), language names as texts."""

from __future__ import annotations

import pytest

from bot.core.text import LANGS, join_list
from bot.i18n import Texts, plural_form


def test_plural_forms_follow_cldr() -> None:
    assert [plural_form(n, "en") for n in (0, 1, 2)] == ["other", "one", "other"]
    assert {plural_form(n, lang) for n in (0, 1, 2) for lang in ("zh-Hans", "zh-Hant")} == {"other"}


def test_count_picks_the_form_and_escapes() -> None:
    texts = Texts(
        {
            "left_one": {"en": "{n} day left for {who}"},
            "left_other": {"en": "{n} days left for {who}", "zh-Hans": "{who}还有 {n} 天"},
        }
    )
    assert texts.count("left", "en", 1, who="<A>") == "1 day left for &lt;A&gt;"
    assert texts.count("left", "en", 3, who="B") == "3 days left for B"
    assert texts.count("left", "zh-Hans", 1, who="B") == "B还有 1 天"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Seatel and CooTel"), ("zh-Hans", "Seatel和CooTel"), ("zh-Hant", "Seatel和CooTel")],
)
def test_lists_join_per_language(lang: str, expected: str) -> None:
    assert join_list(["Seatel", "CooTel"], lang) == expected
    assert join_list([], lang) == ""


def test_every_language_is_named_in_itself(content) -> None:
    names = {lang: content.texts.plain(f"language_name_{lang}", "en") for lang in LANGS}
    assert names == {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
    for lang in LANGS:
        assert content.texts.plain(f"language_name_{lang}", lang) == names[lang]
