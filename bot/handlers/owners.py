"""In a group, a plan and a /remind wizard belong to the member who made them.

Plan buttons check the plan's owner (`may_manage`). Wizard and list messages are
replies to the member's own message (PTB quotes in groups), so the message itself
says whose it is: a press by anyone else is refused before any handler runs
(`refuse_others`, handler group -2). Nothing about members is stored for this.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler, ContextTypes

from bot.context import services
from bot.handlers.users import user_language
from bot.storage import Plan

log = logging.getLogger(__name__)

ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
# Buttons of reminder messages, wizards, plan lists and /timezone (callbacks.py prefixes).
REMINDER_BUTTONS = r"^((rm|plan)\.|tz(:|$))"


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != ChatType.PRIVATE


def started_by(message: Message | None) -> int | None:
    """The member whose message this bot message answers (None: not an answer to one)."""
    original = message.reply_to_message if message is not None else None
    author = original.from_user if original is not None else None
    return None if author is None or author.is_bot else author.id


async def may_manage(update: Update, plan: Plan) -> bool:
    """The pressing member owns the plan; a group plan with no recorded owner (made before
    owners were kept) may be managed by the group's admins."""
    user = update.effective_user
    if user is None:
        return False
    if plan.owner_id is not None:
        return plan.owner_id == user.id
    if not in_group(update):
        return plan.chat_id == user.id
    return await is_group_admin(update)


async def is_group_admin(update: Update) -> bool:
    """The sender is an administrator or the owner of this group (asked from Telegram)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or not in_group(update):
        return False
    try:
        member = await update.get_bot().get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("admin check in chat %d failed: %s", chat.id, exc)
        return False
    return member.status in ADMINS


async def refuse_others(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A member pressed a button of someone else's wizard or list: a short alert, and no
    handler sees the press (their own conversation, if any, is untouched)."""
    query = update.callback_query
    owner = started_by(query.message if isinstance(query.message, Message) else None)
    if not in_group(update) or owner is None or owner == query.from_user.id:
        return
    lang = await user_language(update, context)
    await query.answer(
        services(context).content.texts.plain("not_your_reminder", lang), show_alert=True
    )
    raise ApplicationHandlerStop


def register(application: Application) -> None:
    """Before every other handler (group -2), so no conversation sees a refused press."""
    application.add_handler(CallbackQueryHandler(refuse_others, pattern=REMINDER_BUTTONS), group=-2)
