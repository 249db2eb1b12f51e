"""Which group messages are meant for the bot, and the question in them.

In a group the bot answers only when spoken to: a message that mentions it
(@username, or a text mention of its account) or replies to one of its own
messages. Everything else is other people's conversation. A message sent through
the bot's inline mode is the bot's own answer and is never answered again. The mention is
taken out before matching, so "@renewal_bot 怎么续费" is matched as "怎么续费".
"""

from __future__ import annotations

from telegram import Message, MessageEntity
from telegram.ext import filters


def _mentions(message: Message) -> list[tuple[MessageEntity, str]]:
    parsed = message.parse_entities() if message.text else message.parse_caption_entities()
    kinds = (MessageEntity.MENTION, MessageEntity.TEXT_MENTION)
    return [(e, text) for e, text in parsed.items() if e.type in kinds]


def _is_me(message: Message, entity: MessageEntity, text: str) -> bool:
    bot = message.get_bot()
    if entity.type == MessageEntity.TEXT_MENTION:
        return entity.user is not None and entity.user.id == bot.id
    return bool(bot.username) and text.lstrip("@").lower() == bot.username.lower()


class AddressedToBot(filters.MessageFilter):
    """A message that mentions the bot or replies to one of its messages."""

    def filter(self, message: Message) -> bool:
        reply = message.reply_to_message
        author = reply.from_user if reply is not None else None
        if author is not None and author.id == message.get_bot().id:
            return True
        return any(_is_me(message, e, t) for e, t in _mentions(message))


ADDRESSED_TO_BOT = AddressedToBot(name="AddressedToBot")


class SentViaThisBot(filters.MessageFilter):
    """A message the user sent through this bot's inline mode: the bot's own answer."""

    def filter(self, message: Message) -> bool:
        return message.via_bot is not None and message.via_bot.id == message.get_bot().id


SENT_VIA_THIS_BOT = SentViaThisBot(name="SentViaThisBot")


def question_of(message: Message) -> str:
    """The text or caption a person sent, without the mentions of the bot."""
    text = message.text or message.caption or ""
    mine = sorted(
        (e for e, t in _mentions(message) if _is_me(message, e, t)),
        key=lambda e: e.offset,
        reverse=True,
    )
    if not mine:
        return text
    units = text.encode("utf-16-le")  # entity offsets count UTF-16 code units
    for e in mine:
        units = units[: 2 * e.offset] + units[2 * (e.offset + e.length) :]
    return units.decode("utf-16-le").strip()
