"""Users who block the bot or come back: their reminders pause and resume."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, ChatMemberHandler, CommandHandler, ContextTypes

from bot.context import services
from bot.reminders.sender import plans_changed

log = logging.getLogger(__name__)

BLOCKED = (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
BACK = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def come_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any /start: a user who had blocked the bot is active again, reminders resume."""
    svc = services(context)
    chat = update.effective_chat
    if svc.store is None or chat is None:
        return
    user = await svc.store.get_user(chat.id)
    if user is not None and not user.active:
        resumed = await svc.store.reactivate_user(chat.id, int(svc.clock().timestamp()))
        log.info("chat %d is back: %d reminder(s) resumed", chat.id, resumed)
        await plans_changed(context)


async def block_or_unblock(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram tells us the bot was blocked (kicked) or unblocked (member) in a chat."""
    change = update.my_chat_member
    svc = services(context)
    if change is None or svc.store is None:
        return
    now = int(svc.clock().timestamp())
    status = change.new_chat_member.status
    chat_id = change.chat.id
    if status in BLOCKED:
        paused = await svc.store.deactivate_user(chat_id, now)
        log.info("chat %d blocked the bot: %d reminder(s) paused", chat_id, paused)
    elif status in BACK:
        resumed = await svc.store.reactivate_user(chat_id, now)
        log.info("chat %d unblocked the bot: %d reminder(s) resumed", chat_id, resumed)
        await plans_changed(context)


def register(application: Application) -> None:
    """In group -1, so that /start still reaches its own handler."""
    application.add_handler(CommandHandler("start", come_back), group=-1)
    application.add_handler(
        ChatMemberHandler(block_or_unblock, ChatMemberHandler.MY_CHAT_MEMBER), group=-1
    )
