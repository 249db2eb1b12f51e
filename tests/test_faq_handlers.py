"""/start, /help, /language, /faq and free text through the real PTB Application."""

import pytest

from bot.app import running
from bot.testing.offline import OfflineRequest
from tests.helpers import Session, offline_application, settings_for


def texts(sent):
    return [s.text for s in sent if s.method in {"sendMessage", "editMessageText"}]


@pytest.mark.parametrize(
    ("code", "needle"),
    [("zh-hans", "续费保号"), ("zh-hant", "續費保號"), ("en", "keep a Cambodian")],
)
async def test_start_in_each_language(offline_app, code, needle):
    session = Session(*offline_app, language_code=code)
    (reply,) = texts(await session.send("/start"))
    assert needle in reply
    assert "Dara" in reply


async def test_start_escapes_the_users_name(offline_app):
    session = Session(*offline_app, first_name="<b>&x")
    (reply,) = texts(await session.send("/start"))
    assert "&lt;b&gt;&amp;x" in reply


async def test_free_text_question_gets_answer_sources_and_related_buttons(offline_app):
    session = Session(*offline_app, language_code="en")
    (sent,) = await session.send("回国了怎么保号")
    assert sent.method == "sendMessage"
    assert "来源" in sent.text  # answered in the question's script, not the UI language
    data = [b["callback_data"] for row in sent.buttons for b in row]
    assert "faq:menu" in data
    assert all(len(d.encode()) <= 64 for d in data)
    related = next(d for d in data if d.startswith("faq:q:"))
    (_ack, card) = await session.press(sent, related)
    assert card.method == "sendMessage" and "来源" in card.text


async def test_out_of_scope_shows_what_the_bot_can_do(offline_app):
    session = Session(*offline_app, language_code="zh-hans")
    (sent,) = await session.send("金边今天天气怎么样")
    assert "帮不上忙" in sent.text
    assert any(b["callback_data"].startswith("faq:c:") for row in sent.buttons for b in row)


async def test_markup_and_emoji_are_harmless(offline_app):
    session = Session(*offline_app)
    (sent,) = await session.send("<script>alert(1)</script> 😀 *1201# &amp;")
    assert "<script>" not in sent.text


async def test_faq_menu_navigation_edits_in_place(offline_app):
    session = Session(*offline_app, language_code="zh-hans")
    (menu,) = await session.send("/faq")
    first_category = menu.buttons[0][0]["callback_data"]
    (_ack, page) = await session.press(menu, first_category)
    assert page.method == "editMessageText"
    assert "第 1/" in page.text
    nav = [b["callback_data"] for b in page.buttons[-1]]
    if any(d.endswith(":1") for d in nav):
        (_ack, page2) = await session.press(page, next(d for d in nav if d.endswith(":1")))
        assert "第 2/" in page2.text
    (_ack, back) = await session.press(page, "faq:menu")
    assert back.text == menu.text


async def test_stale_faq_button_is_answered_gracefully(offline_app):
    session = Session(*offline_app)
    (menu,) = await session.send("/faq")
    (alert,) = await session.press(menu, "faq:q:topic-that-was-removed")
    assert alert.method == "answerCallbackQuery"
    assert alert.params.get("show_alert") is True


async def test_language_choice_is_remembered_across_restarts(tmp_path):
    request = OfflineRequest()
    first = offline_application(settings_for(tmp_path / "bot.sqlite3"), request)
    async with running(first):
        session = Session(first, request, language_code="en")
        (picker,) = await session.send("/language")
        (_ack, done, menu) = await session.press(picker, "lang:zh-Hant")
        assert "繁體中文" in done.text
        assert menu.method == "setMyCommands"  # the chat's own Traditional menu
    request = OfflineRequest()
    second = offline_application(settings_for(tmp_path / "bot.sqlite3"), request)
    async with running(second):
        session = Session(second, request, language_code="en")
        (welcome,) = texts(await session.send("/start"))
        assert "續費保號" in welcome


async def test_unknown_command(offline_app):
    session = Session(*offline_app)
    (reply,) = texts(await session.send("/frobnicate"))
    assert "/help" in reply


async def test_help(offline_app):
    session = Session(*offline_app, language_code="zh-tw")
    (reply,) = texts(await session.send("/help"))
    assert "我能做什麼" in reply


@pytest.mark.parametrize(
    ("command", "data"),
    [
        ("/language", "lang:fr"),
        ("/language", "lang:"),
        ("/faq", "faq:c:topup:x"),
        ("/faq", "faq:c:no-such-category:0"),
        ("/faq", "faq:menu:extra"),
        ("/codes", "codes:common:extra"),
    ],
)
async def test_malformed_buttons_get_the_stale_alert(offline_app, content, command, data):
    session = Session(*offline_app, language_code="zh-hant")
    (message,) = await session.send(command)
    (alert,) = await session.press(message, data)
    assert alert.method == "answerCallbackQuery" and alert.params["show_alert"] is True
    assert alert.params["text"] == content.texts.plain("stale_button", "zh-Hant")


async def test_deep_link_opens_a_topic(offline_app, content):
    session = Session(*offline_app, language_code="en")
    (card,) = await session.send("/start faq_keep-number")
    assert content.faq["keep-number"].answer["en"][:30] in card.text
    assert any(b["callback_data"] == "faq:menu" for row in card.buttons for b in row)


async def test_topic_buttons_of_old_menus_still_open(offline_app, content):
    session = Session(*offline_app, language_code="zh-hant")
    (menu,) = await session.send("/faq")
    (_ack, card) = await session.press(menu, "faq:q:keep-number")
    assert content.faq["keep-number"].answer["zh-Hant"][:20] in card.text
