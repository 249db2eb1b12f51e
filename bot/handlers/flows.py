"""One conversation at a time per user, across the reminder flows.

/remind, a plan's new date and /timezone are separate ConversationHandlers in one
handler group, and PTB gives an update to the first one that wants it. A flow the
user walked away from (by starting another) would otherwise keep catching their
typed text. So starting a flow makes it the user's *active* flow, and the steps
that read typed text (and /cancel) only listen while their flow is the active one.
An abandoned conversation's state just times out.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.callbacks import CancelFlow
from bot.handlers.reminder_context import button, edit, pressed, reminder_ctx, reply

ACTIVE = "active_flow"  # user_data key: the name of the flow the user is in
END = ConversationHandler.END


class InFlow(filters.UpdateFilter):
    """Passes updates from users whose active flow is `name`."""

    def __init__(self, application: Application, name: str) -> None:
        super().__init__(name=f"InFlow({name})")
        self.application = application
        self.flow = name

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        data = self.application.user_data.get(user.id) if user else None
        return bool(data) and data.get(ACTIVE) == self.flow


def begin(context: ContextTypes.DEFAULT_TYPE, name: str, state: Any) -> None:
    """Make `name` the active flow, holding `state` (what its steps have collected)."""
    end(context)
    context.user_data[ACTIVE] = name
    context.user_data[name] = state


def current(context: ContextTypes.DEFAULT_TYPE, name: str) -> Any:
    """What flow `name` has collected, or None if it is not the active flow."""
    data = context.user_data
    if data is None or data.get(ACTIVE) != name:
        return None
    return data.get(name)


def end(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget the active flow and what it collected."""
    data = context.user_data
    if data is not None:
        name = data.pop(ACTIVE, None)
        if name is not None:
            data.pop(name, None)


def typed_text(application: Application, name: str) -> filters.BaseFilter:
    """Typed text (not a command) from a user in flow `name`."""
    return filters.TEXT & ~filters.COMMAND & InFlow(application, name)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel inside a flow: drop what it collected, say so."""
    c = await reminder_ctx(update, context)
    end(context)
    await reply(update, c.html("remind_cancelled"))
    return END


async def cancel_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """✖ Cancel under a step: like /cancel; the step's message becomes the answer
    (malformed data: the stale alert, and the step stays)."""
    c = await reminder_ctx(update, context)
    if await pressed(update, c, CancelFlow) is None:
        return None
    await update.callback_query.answer()
    end(context)
    await edit(update, c.html("remind_cancelled"))
    return END


def cancel_row(c) -> list:
    """The ✖ Cancel button, for a step's keyboard."""
    return [(c.plain("remind_btn_cancel"), CancelFlow())]


async def nothing_to_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    c = await reminder_ctx(update, context)
    await reply(update, c.html("remind_nothing_to_cancel"))


def end_if(context: ContextTypes.DEFAULT_TYPE, name: str) -> None:
    """Forget flow `name` if it is still the active one (another may have started since)."""
    if context.user_data is not None and context.user_data.get(ACTIVE) == name:
        end(context)


def _timed_out(name: str) -> MessageHandler:
    async def timed_out(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        end_if(context, name)

    return MessageHandler(filters.ALL, timed_out)


def conversation(
    application: Application,
    name: str,
    *,
    entry_points: Sequence[BaseHandler],
    states: dict[object, list[BaseHandler]],
    fallbacks: Sequence[BaseHandler] = (),
    timeout_minutes: int = 30,
) -> ConversationHandler:
    """A flow's ConversationHandler with what all flows share: /cancel and the ✖ Cancel
    button, the timeout."""
    with warnings.catch_warnings():
        # per_message=False is intended: steps mix typed text and buttons.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=list(entry_points),
            states={**states, ConversationHandler.TIMEOUT: [_timed_out(name)]},
            fallbacks=[
                CommandHandler("cancel", cancel, filters=InFlow(application, name)),
                button(cancel_pressed, CancelFlow),
                *fallbacks,
            ],
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=timeout_minutes),
            name=name,
        )


async def old_cancel_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """✖ Cancel under a step whose conversation is already over."""
    c = await reminder_ctx(update, context)
    await update.callback_query.answer(c.plain("stale_button"), show_alert=True)


def register_cancel(application: Application) -> None:
    """/cancel and ✖ Cancel outside every flow (after the conversations in the handler
    table, so that each conversation sees its own Cancel first)."""
    application.add_handler(CommandHandler("cancel", nothing_to_cancel))
    application.add_handler(button(old_cancel_button, CancelFlow))
