"""/privacy, /export and /delete_me: what we keep about a person, a copy of it, and
forgetting it. Sent in a group, each answers in the person's private chat (their data
never goes to the group); when Telegram will not let the bot write to them first, the
group gets a link that opens the private chat with the same command."""

from __future__ import annotations

import json
from datetime import UTC

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.callbacks import ConfirmDeleteMe, KeepMe
from bot.handlers import flows
from bot.handlers.calendar_export import calendar_bytes
from bot.handlers.private_chat import Deliver, in_private
from bot.handlers.reminder_context import Ctx, button, edit, pressed, reminder_ctx
from bot.keyboards import keyboard
from bot.reminders.sender import plans_changed
from bot.retention import PLAN_DAYS, REMINDER_DAYS
from bot.usage import privacy_unanswered


async def show_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What is stored, why, for how long, who sees it (and whom to ask, if configured)."""
    c = await reminder_ctx(update, context)
    await in_private(update, context, c, "privacy", _privacy_sender(context, c))


def privacy_text(c: Ctx, contact: str | None) -> str:
    text = c.html("privacy_text", reminder_days=REMINDER_DAYS, plan_days=PLAN_DAYS)
    if contact:
        text += "\n\n" + c.html("privacy_contact", contact=contact)
    return text


def _privacy_sender(context: ContextTypes.DEFAULT_TYPE, c: Ctx) -> Deliver:
    settings = context.application.bot_data["services"].settings
    # the kept-questions sentence names the deployer's contact (or whom to ask instead)
    text = privacy_text(c, None) + "\n\n" + privacy_unanswered(c.content.texts, settings, c.lang)

    async def send(chat_id: int) -> object:
        return await context.bot.send_message(chat_id, text)

    return send


async def export_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Everything stored about the person as JSON, and their live plans as .ics."""
    c = await reminder_ctx(update, context)

    async def send(chat_id: int) -> object:
        data = await c.store.person_data(c.user_id)
        exported = {"exported_at": c.now.astimezone(UTC).isoformat(), **data}
        blob = json.dumps(exported, ensure_ascii=False, indent=2, default=str).encode()
        await context.bot.send_document(
            chat_id,
            InputFile(blob, filename="my-data.json", attach=True),
            caption=c.html("export_caption"),
        )
        plans = await c.store.owned_live_plans(c.user_id)
        if plans:
            await context.bot.send_document(
                chat_id,
                InputFile(await calendar_bytes(c, plans), filename="reminders.ics", attach=True),
                caption=c.html("reminders_ics_caption"),
            )
        return None

    await in_private(update, context, c, "export", send)


async def ask_delete_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Deleting everything cannot be undone, so it asks first (in the private chat)."""
    c = await reminder_ctx(update, context)
    plans = len(await c.store.owned_plans(c.user_id))
    rows = [
        [
            (c.plain("delete_me_btn_yes"), ConfirmDeleteMe()),
            (c.plain("delete_me_btn_no"), KeepMe()),
        ]
    ]

    async def send(chat_id: int) -> object:
        text = c.html("delete_me_confirm", plans=plans)
        return await context.bot.send_message(chat_id, text, reply_markup=keyboard(rows))

    await in_private(update, context, c, "delete_me", send)


async def delete_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirmed: every row about the person goes, and what the bot holds in memory."""
    c = await reminder_ctx(update, context)
    if await pressed(update, c, ConfirmDeleteMe) is None:
        return
    flows.end(context)
    plans = await c.store.delete_person(c.user_id)
    context.application.drop_user_data(c.user_id)
    if c.chat_id == c.user_id:
        context.application.drop_chat_data(c.chat_id)
    await plans_changed(context)
    await update.callback_query.answer()
    await edit(update, c.html("delete_me_done", plans=plans))


async def keep_me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    c = await reminder_ctx(update, context)
    if await pressed(update, c, KeepMe) is None:
        return
    await update.callback_query.answer()
    await edit(update, c.html("delete_me_kept"))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("privacy", show_privacy))
    application.add_handler(CommandHandler("export", export_data))
    application.add_handler(CommandHandler("delete_me", ask_delete_me))
    application.add_handler(button(delete_me, ConfirmDeleteMe))
    application.add_handler(button(keep_me, KeepMe))
