import pytest

from bot.core.answers import reply_language
from bot.core.text import detect_lang, lang_from_telegram, normalize, to_simplified


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ　１２３", "abc 123"),  # full-width letters, digits and space
        (
            "柬埔寨eSIM卡怎麼續費？",
            "柬埔寨esim卡怎么续费",
        ),  # Traditional -> Simplified, punctuation
        ("  Top-Up!!  my   SIM ", "top up my sim"),
        ("拨 *1201# 查余额", "拨 *1201# 查余额"),  # USSD symbols survive
        ("😀🎉", ""),
        ("<b>&amp;</b>", "b amp b"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("怎么查话费余额", "zh-Hans"),
        ("怎麼查話費餘額", "zh-Hant"),
        ("柬埔寨註冊卡怎麽續費", "zh-Hant"),
        ("台灣門號儲值", "zh-Hant"),
        ("保号", "zh-Hans"),
        ("Smart 怎么充值", "zh-Hans"),
        ("How do I top up?", "en"),
        ("😀👍", None),
        ("12345", None),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("zh-hans", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh-hant", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("en", "en"),
        ("km", "en"),
        (None, "en"),
    ],
)
def test_lang_from_telegram(code, lang):
    assert lang_from_telegram(code) == lang


def test_reply_language_prefers_the_question_script():
    assert reply_language("怎麼儲值", "en") == "zh-Hant"
    assert reply_language("how to top up", "zh-Hans") == "en"
    assert reply_language("👍", "zh-Hant") == "zh-Hant"
    # Characters shared by both scripts say nothing: keep the user's choice.
    assert reply_language("充值", "zh-Hant") == "zh-Hant"
    assert reply_language("充值", "en") == "zh-Hans"
    # One Latin word is an operator name or a code, not a language.
    assert reply_language("cellcard", "zh-Hans") == "zh-Hans"
    assert reply_language("cellcard balance", "zh-Hans") == "en"


def test_to_simplified_uses_phrases():
    assert to_simplified("儲值") == "储值"
