"""Callback data: packing round-trips and anything malformed parses to None."""

from dataclasses import dataclass
from typing import Literal, get_args

import pytest

from bot.callbacks import CallbackData, OperatorChoice, PickOperator
from bot.handlers.remind_steps import operator_choices


@dataclass(frozen=True)
class _Pick(CallbackData):
    prefix = "t"
    plan_id: int
    lang: Literal["en", "zh-Hans"]
    note: str | None = None


def test_round_trip():
    data = _Pick(12, "en", "x").pack()
    assert data == "t:12:en:x"
    assert _Pick.parse(data) == _Pick(12, "en", "x")
    assert _Pick.parse(_Pick(3, "zh-Hans").pack()) == _Pick(3, "zh-Hans", None)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "t",
        "t:1:en",
        "t:²:en:",
        "t:①:en:",
        "t:" + "9" * 30 + ":en:",
        "t:1:fr:",
        "u:1:en:",
        "t:1:en::",
        "t:01:en:",
        "t:1:en:a b",
    ],
)
def test_malformed_is_none(data):
    assert _Pick.parse(data) is None


def test_pattern_matches_prefix_only():
    assert _Pick.pattern().match("t:1:en:")
    assert _Pick.pattern().match("t")
    assert not _Pick.pattern().match("tt:1")


def test_faq_codes_and_language_buttons_keep_their_wire_format():
    from bot.callbacks import (
        CodesCommon,
        CodesOperator,
        FaqCategory,
        FaqMenu,
        FaqTopic,
        SetLanguage,
        for_intent,
    )
    from bot.core.answers import ShowCategory, ShowMenu, ShowOperator, ShowTopic

    assert FaqTopic("keep-number", "zh-Hant").pack() == "faq:q:keep-number:zh-Hant"
    assert FaqCategory("topup", 2).pack() == "faq:c:topup:2"
    assert FaqMenu().pack() == "faq:menu" and CodesCommon().pack() == "codes:common"
    assert SetLanguage.parse("lang:en") == SetLanguage("en")
    assert FaqMenu.parse("faq:menu") == FaqMenu()
    for bad in ("faq:menux", "faq:menu:1", "faq:c:topup:1x", "faq:q:a:fr", "lang:fr"):
        assert not any(cls.parse(bad) for cls in (FaqMenu, FaqCategory, FaqTopic, SetLanguage)), bad
    assert for_intent(ShowTopic("a", "en")) == FaqTopic("a", "en")
    assert for_intent(ShowCategory("b", 1)) == FaqCategory("b", 1)
    assert for_intent(ShowMenu()) == FaqMenu()
    assert for_intent(ShowOperator("smart")) == CodesOperator("smart")


def test_operator_buttons_follow_codes_yaml(content):
    """The operator buttons come from codes.yaml; the callback type must accept each one."""
    choices = operator_choices(content)
    assert choices[: len(content.codes.operators)] == tuple(content.codes.operators)
    assert set(choices) == set(get_args(OperatorChoice))
    assert all(PickOperator.parse(PickOperator(op).pack()) for op in choices)  # type: ignore[arg-type]
