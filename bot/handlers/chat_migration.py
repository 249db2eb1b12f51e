"""A group upgraded to a supergroup gets a new chat id: its reminders follow it.

Telegram posts a service message in both chats (migrate_to_chat_id in the old group,
migrate_from_chat_id in the new supergroup); either one moves the plans, and the
reminder sender does the same when a send answers ChatMigrated. Moving twice is a
no-op, so whichever comes first wins.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.context import services
from bot.reminders.sender import plans_changed

log = logging.getLogger(__name__)

# Beside membership changes, after flood control (a flooded group's service message is
# dropped like any update: the sender still moves the plans on its first ChatMigrated).
GROUP = -1


def old_and_new(update: Update) -> tuple[int, int] | None:
    """(old chat id, new chat id) from either service message, else None."""
    message = update.effective_message
    if message is None:
        return None
    if message.migrate_to_chat_id:
        return message.chat.id, message.migrate_to_chat_id
    if message.migrate_from_chat_id:
        return message.migrate_from_chat_id, message.chat.id
    return None


async def follow_the_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Move the group's plans, reminders and settings to its supergroup id."""
    svc = services(context)
    ids = old_and_new(update)
    if svc.store is None or ids is None:
        return
    moved = await svc.store.move_chat(*ids)
    if moved:
        log.info("chat %d is now %d: %d plan(s) moved", ids[0], ids[1], moved)
        await plans_changed(context)


def register(application: Application) -> None:
    application.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, follow_the_group), group=GROUP
    )
