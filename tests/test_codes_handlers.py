"""/codes, its buttons, inline mode and free-text code questions through the real Application."""

import html

import pytest

from bot.core.answers import respond
from bot.core.code_cards import operator_list_text
from bot.core.text import TELEGRAM_LIMIT
from tests.helpers import Session


def all_callback_data(sent):
    return [b["callback_data"] for row in sent.buttons for b in row if "callback_data" in b]


async def test_codes_menu_then_operator_card_then_back(offline_app):
    session = Session(*offline_app, language_code="zh-hans")
    (menu,) = await session.send("/codes")
    data = all_callback_data(menu)
    assert "codes:op:cellcard" in data and "codes:common" in data
    assert all(len(d.encode()) <= 64 for d in data)
    (_ack, card) = await session.press(menu, "codes:op:cellcard")
    assert card.method == "editMessageText"
    assert "<code>812</code>" in card.text and "<a href=" in card.text  # hotline, sources
    assert "#124#" not in card.text, "the short card leaves codes to its buttons"
    sections = [d for d in all_callback_data(card) if d.startswith("codes:sec:cellcard:")]
    assert sections[:2] == ["codes:sec:cellcard:balance", "codes:sec:cellcard:topup"]
    (_ack, balance) = await session.press(card, "codes:sec:cellcard:balance")
    assert balance.method == "editMessageText" and "<code>#124#</code>" in balance.text
    assert "codes:sec:cellcard:data" in all_callback_data(balance)
    (_ack, common) = await session.press(balance, "codes:common")
    assert "<code>*1201#</code>" in common.text
    (_ack, back) = await session.press(common, "codes:list")
    assert back.text == menu.text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ("cellcard", "812"),
        ("cellcard balance", "#124#"),
        ("斯玛特 充值卡", "*888*"),
        ("metfone 余额", "*1201#"),
        ("Metfone hotline", "1777"),
        ("balance", "*1201#"),
        ("seatel", "1204"),
    ],
)
async def test_codes_with_arguments(offline_app, args, needle):
    session = Session(*offline_app)
    (reply,) = await session.send(f"/codes {args}")
    assert needle in reply.text


async def test_codes_for_a_purpose_put_its_part_first(offline_app):
    session = Session(*offline_app)
    (reply,) = await session.send("/codes smart hotline")
    assert "<code>1204</code>" in reply.text
    sections = [d for d in all_callback_data(reply) if d.startswith("codes:sec:smart:")]
    assert sections[0] == "codes:sec:smart:service"


async def test_operator_name_keeps_the_users_language(offline_app):
    session = Session(*offline_app, language_code="zh-hans")
    (reply,) = await session.send("/codes cellcard")
    assert "客服热线" in reply.text
    assert "余额" in [b["text"] for row in reply.buttons for b in row]


async def test_seatel_falls_back_to_common_codes_and_says_so(offline_app, content):
    session = Session(*offline_app, language_code="en")
    (reply,) = await session.send("/codes seatel balance")
    assert "*1201#" in reply.text
    name = content.codes.operator("seatel").name("en")
    assert html.escape(content.codes.label("fallback", "en", operator=name)) in reply.text


async def test_unknown_operator_lists_the_known_ones(offline_app, content):
    session = Session(*offline_app, language_code="en")
    (reply,) = await session.send("/codes <b>truemove</b>")
    said = content.codes.label("unknown_operator", "en", query="<b>truemove</b>")
    assert html.escape(said) in reply.text  # user text escaped
    assert operator_list_text(content.codes, "en") in reply.text
    assert "codes:op:smart" in all_callback_data(reply)


@pytest.mark.parametrize("data", ["codes:op:qb", "codes:sec:qb:balance", "codes:sec:smart:wifi"])
async def test_stale_codes_button(offline_app, data):
    session = Session(*offline_app)
    (menu,) = await session.send("/codes")
    (alert,) = await session.press(menu, data)
    assert alert.method == "answerCallbackQuery" and alert.params["show_alert"] is True


@pytest.fixture(scope="module")
def core(content, matcher):
    return content, matcher


@pytest.mark.parametrize(
    ("question", "code"),
    [("cellcard 查余额", "#124#"), ("metfone客服电话", "1777"), ("怎么用充值卡充值", "*1203*")],
)
def test_free_text_code_questions_show_codes_first(core, question, code):
    content, matcher = core
    reply = respond(content, matcher, question, "zh-Hans")
    assert code in reply.text.split("\n\n")[0]
    assert all({"operator", "purpose", "code"} == set(c) for c in reply.codes)


def test_general_question_is_not_a_code_request(core):
    content, matcher = core
    reply = respond(content, matcher, "柬埔寨电话卡怎么续费", "zh-Hans")
    assert reply.faq_id == "topup-methods" and reply.codes == []


def test_faq_answer_ends_with_the_named_operators_codes(core):
    content, matcher = core
    reply = respond(content, matcher, "how do I check my balance and expiry on Cellcard", "en")
    assert reply.faq_id == "check-balance-expiry"
    assert "#124#" in reply.text
    assert any(c["operator"] == "cellcard" for c in reply.codes)
    assert len(reply.text) <= TELEGRAM_LIMIT
