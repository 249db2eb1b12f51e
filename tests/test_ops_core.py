"""Pure parts of the ops features: masking and grouping unanswered questions, the card-PIN
helper, the admin error summary and its rate limit."""

from __future__ import annotations

import pytest

from bot.core.card_pin import card_codes, find_pin
from bot.core.error_reports import RateLimit, error_kind, frames
from bot.core.unanswered import MASK, Question, cluster, mask_digits


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("my number 012 345 678 expired", f"my number {MASK} expired"),
        ("PIN 1234-5678-9012-3 did not work", f"PIN {MASK} did not work"),
        ("充值卡1234567890123没用", f"充值卡{MASK}没用"),
        ("top up $5 for 30 days", "top up $5 for 30 days"),  # short numbers stay
        ("dial *123# then 1204", "dial *123# then 1204".replace("1204", MASK)),
    ],
)
def test_digit_runs_of_four_or_more_are_masked(text: str, masked: str) -> None:
    assert mask_digits(text) == masked


def test_alike_questions_group_with_their_nearest_topic() -> None:
    questions = [
        Question("how to buy a SIM at the airport", "esim-buy"),
        Question("where can I buy a sim card", None),
        Question("airport sim buy how", "esim-buy"),
        Question("天气怎么样", None),
        Question("how to buy SIM at airport?", "tourist-sim"),
        Question("how to buy a SIM at the airport", "esim-buy"),
    ]
    groups = cluster(questions)
    biggest = groups[0]
    assert biggest.count == 4
    assert biggest.example == "how to buy a SIM at the airport"
    assert biggest.nearest == "esim-buy"
    assert "how to buy SIM at airport?" in biggest.others
    assert sum(g.count for g in groups) == len(questions)
    assert any(g.example == "天气怎么样" and g.count == 1 for g in groups)


def test_chinese_questions_group_by_characters() -> None:
    groups = cluster([Question("机场怎么买电话卡", None), Question("機場怎麼買電話卡？", None)])
    assert [g.count for g in groups] == [2]


@pytest.mark.parametrize(
    ("text", "pin"),
    [
        ("1234567890123", "1234567890123"),
        ("1234 5678 9012 3", "1234567890123"),
        ("1234-5678-9012-3456", "1234567890123456"),
        ("smart 1234567890123", "1234567890123"),
        ("０１２３４５６７８９０１２", "0123456789012"),  # a Chinese keyboard's full width
    ],
)
def test_a_message_that_is_a_card_pin(text: str, pin: str) -> None:
    assert find_pin(text) == pin


@pytest.mark.parametrize(
    "text",
    [
        "012 345 678",  # a phone number
        "123456789012",  # 12 digits
        "12345678901234567",  # 17 digits
        "*1203*1234567890123#",  # already a code
        "my card 1234567890123 does not work on cellcard why",  # a question
        "1234567890123 and 9876543210987",
    ],
)
def test_other_messages_are_not_card_pins(text: str) -> None:
    assert find_pin(text) is None


def test_card_codes_come_from_the_fact_base() -> None:
    pin = "1234567890123"
    assert [c.code for c in card_codes(pin, "smart")] == [f"*888*{pin}#", f"*1203*{pin}#"]
    assert [c.network for c in card_codes(pin, "smart")] == ["smart", "all"]
    # Cellcard's *123*PIN# is only reported by users (C-3rd): the MPTC common code only.
    assert [c.code for c in card_codes(pin, "cellcard")] == [f"*1203*{pin}#"]
    assert [c.code for c in card_codes(pin, None)] == [f"*1203*{pin}#"]
    # Smart's page gives 13 digits: a 16-digit PIN gets the common code only.
    assert [c.code for c in card_codes("1" * 16, "smart")] == [f"*1203*{'1' * 16}#"]


def _raise_inner(secret: str) -> None:
    raise ValueError(f"user typed {secret}")


def test_error_summary_has_type_and_frames_but_no_message() -> None:
    try:
        _raise_inner("my phone 012345678")
    except ValueError as exc:
        error = exc
    where = frames(error)
    assert error_kind(error) == "ValueError"
    assert where[-1].startswith("test_ops_core.py:") and where[-1].endswith("in _raise_inner")
    assert not any("012345678" in line for line in where)
    assert all("/home/" not in line and "/work/" not in line for line in where)


def test_one_report_per_kind_per_minute_with_a_count() -> None:
    now = [0.0]
    limit = RateLimit(lambda: now[0], window=60)
    assert limit.admit("ValueError") == 0
    assert limit.admit("ValueError") is None
    assert limit.admit("KeyError") == 0  # another kind is reported at once
    now[0] = 30
    assert limit.admit("ValueError") is None
    now[0] = 61
    assert limit.admit("ValueError") == 2  # two were held back
    assert limit.admit("ValueError") is None


def test_a_group_says_why_its_questions_were_kept() -> None:
    [group] = cluster(
        [
            Question("esim renew how", "esim-renew", "voted_down"),
            Question("how renew esim", "esim-renew", "suggest"),
            Question("renew esim how", "esim-renew", "voted_down"),
        ]
    )
    assert group.outcomes == (("voted_down", 2), ("suggest", 1))
