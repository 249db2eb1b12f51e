"""Callback data: packing round-trips and anything malformed parses to None."""

from dataclasses import dataclass
from typing import Literal

import pytest

from bot.callbacks import CallbackData


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
