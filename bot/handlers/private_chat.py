"""Answers that carry a person's data go to their private chat, never to a group.

Sent in a group, the answer goes to the person (Telegram lets a bot write to anyone
who has started it) and the group gets a short note; if Telegram refuses (they never
started the bot), the group gets a t.me link that opens the private chat with the same
command as a /start payload.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.handlers.reminder_context import Ctx, reply

Deliver = Callable[[int], Awaitable[object]]  # send to this chat id


async def in_private(
    update: Update, context: ContextTypes.DEFAULT_TYPE, c: Ctx, command: str, send: Deliver
) -> None:
    """Answer in the private chat: here if this is it, else sent to the person, with a
    note in the group; if Telegram refuses (they never started the bot), a link."""
    if not c.group:
        await send(c.chat_id)
        return
    try:
        await send(c.user_id)
    except (Forbidden, BadRequest) as exc:
        if isinstance(exc, BadRequest) and "chat not found" not in str(exc).lower():
            raise
        link = f"https://t.me/{context.bot.username}?start={command}"
        await reply(update, c.html("private_only_link", link=link))
        return
    await reply(update, c.html("private_sent"))
