"""People ask in captions, with stickers, in groups and inline: each gets a fitting answer.

Private-chat cases run through the real Application on the offline Bot API; captions,
groups and inline mode also run over HTTP against the fake Bot API server, where PTB
parses the updates and encodes the answers as it does in production.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from fakebotapi import BOT_FROM, BOT_USER, FakeBotApi
from telegram import Update

from bot.core.answers import POPULAR_TOPICS, visible_length
from tests.helpers import Session, says

_ids = itertools.count(500_000)


def private_message(chat_id: int = 42, lang: str = "en", **fields: Any) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Dara", "language_code": lang}
    return {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Dara"},
        "from": user,
        **fields,
    }


async def send_raw(session: Session, message: dict[str, Any]):
    update = Update.de_json({"update_id": next(_ids), "message": message}, session.app.bot)
    await session.app.process_update(update)
    return session.request.take()


PHOTO = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
NOT_TEXT = {
    "photo": {"photo": PHOTO},
    "sticker": {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "su1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "vu1", "duration": 3}},
    "location": {"location": {"latitude": 11.55, "longitude": 104.92}},
    "document": {"document": {"file_id": "d1", "file_unique_id": "du1"}},
}


async def test_a_photo_with_a_caption_is_answered_like_text(offline_app, content):
    session = Session(*offline_app, language_code="zh-hans")
    (by_text,) = await session.send("怎么查余额")
    (by_photo,) = await send_raw(
        session, private_message(lang="zh-hans", photo=PHOTO, caption="怎么查余额")
    )
    assert by_photo.text == by_text.text
    assert content.faq["check-balance-expiry"].answer["zh-Hans"] in by_photo.text


async def test_a_document_with_a_caption_is_answered_like_text(offline_app):
    session = Session(*offline_app)
    message = private_message(caption="how do I renew my eSIM", **NOT_TEXT["document"])
    (reply,) = await send_raw(session, message)
    assert "eSIM" in reply.text and reply.buttons


@pytest.mark.parametrize("kind", sorted(NOT_TEXT))
async def test_things_without_words_get_asked_for_text(offline_app, content, kind):
    session = Session(*offline_app, language_code="zh-hant")
    (reply,) = await send_raw(session, private_message(lang="zh-hant", **NOT_TEXT[kind]))
    assert reply.text == content.texts("send_text", "zh-Hant")


async def test_an_inline_answer_sent_into_the_bots_chat_is_not_answered_again(offline_app):
    session = Session(*offline_app)
    me = await session.app.bot.get_me()
    via = {"id": me.id, "is_bot": True, "first_name": me.first_name, "username": me.username}
    card = "<b>Cellcard</b> hotline 812"
    assert await send_raw(session, private_message(text=card, via_bot=via)) == []
    assert await send_raw(session, private_message(text="cellcard hotline"))


@pytest.mark.parametrize(
    ("message", "key", "lang"),
    [
        ("ok", "ack", "en"),
        ("好的", "ack", "zh-Hans"),
        ("👍", "ack", "en"),
        ("😀", "ack", "en"),
        ("thanks", "thanks", "en"),
        ("谢谢", "thanks", "zh-Hans"),
    ],
)
async def test_small_talk_is_answered_kindly(offline_app, content, message, key, lang):
    session = Session(*offline_app, language_code="en")
    (reply,) = await session.send(message)
    assert reply.text == content.texts(key, lang)


# ---- over HTTP ---------------------------------------------------------------------------

GROUP = -100_777


def group_message(text: str, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": GROUP, "type": "supergroup", "title": "SIM help"},
        "from": {"id": 77, "is_bot": False, "first_name": "Sok", "language_code": "zh-hans"},
        "text": text,
        **fields,
    }


def mention(text: str, word: str) -> list[dict[str, Any]]:
    offset = len(text[: text.index(word)].encode("utf-16-le")) // 2
    return [{"type": "mention", "offset": offset, "length": len(word)}]


async def test_in_a_group_only_what_is_said_to_the_bot_is_answered(
    fake_api: FakeBotApi, live_bot, content
):
    answer = content.faq["topup-methods"].answer["zh-Hans"]
    fake_api.push_update({"message": group_message("怎么续费")})  # chatter: not for the bot
    text = "@renewal_test_bot 怎么续费"
    fake_api.push_update(
        {"message": group_message(text, entities=mention(text, "@renewal_test_bot"))}
    )
    [reply] = await fake_api.wait_for("sendMessage", chat_id=GROUP)
    assert answer in reply.params["text"], "the mention is stripped before matching"

    since = len(fake_api.calls)
    bots_message = {
        "message_id": 5,
        "date": int(time.time()),
        "chat": {"id": GROUP, "type": "supergroup", "title": "SIM help"},
        "from": BOT_FROM,
        "text": "…",
    }
    fake_api.push_update({"message": group_message("@someone_else 怎么续费")})
    fake_api.push_update({"message": group_message("eSIM怎么买", reply_to_message=bots_message)})
    by_name = {"type": "text_mention", "offset": 0, "length": 3, "user": BOT_USER}
    fake_api.push_update({"message": group_message("机器人 怎么查余额", entities=[by_name])})
    replies = await fake_api.wait_for("sendMessage", chat_id=GROUP, since=since, count=2)
    assert content.faq["esim-buy"].answer["zh-Hans"] in replies[0].params["text"]
    assert "*1201#" in replies[1].params["text"]
    assert len(fake_api.calls_of("sendMessage", GROUP)) == 3, "chatter got no reply"


async def test_captions_over_http(fake_api: FakeBotApi, live_bot):
    fake_api.push_update(
        {"message": private_message(chat_id=31, photo=PHOTO, caption="how do I check my balance")}
    )
    fake_api.push_update({"message": private_message(chat_id=31, **NOT_TEXT["sticker"])})
    first, second = await fake_api.wait_for("sendMessage", chat_id=31, count=2)
    assert "*1201#" in first.params["text"]
    assert says(second.params["text"], "send_text")


async def test_inline_mode_searches_and_is_personal(fake_api: FakeBotApi, live_bot, content):
    fake_api.user_inline_query(55, "how do I renew my esim")
    [found] = await fake_api.wait_for("answerInlineQuery")
    assert found.params["is_personal"] is True and found.params["cache_time"] == 30
    results = found.params["results"]
    assert results[0]["id"] == "t-esim-renew-en"
    message = results[0]["input_message_content"]
    assert message["parse_mode"] == "HTML"
    assert visible_length(message["message_text"]) <= 1000

    fake_api.user_inline_query(56, "", language_code="zh-hans")
    await fake_api.wait_for("answerInlineQuery", count=2)
    popular = fake_api.calls_of("answerInlineQuery")[-1]
    ids = [r["id"] for r in popular.params["results"]]
    assert ids == [f"t-{t}-zh-Hans" for t in POPULAR_TOPICS]

    fake_api.user_inline_query(57, "metfone")
    await fake_api.wait_for("answerInlineQuery", count=3)
    card = fake_api.calls_of("answerInlineQuery")[-1].params["results"][0]
    assert card["id"] == "op-metfone-en" and "1777" in card["input_message_content"]["message_text"]
    assert card["reply_markup"]["inline_keyboard"], "purpose buttons travel with the card"
