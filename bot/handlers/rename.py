"""A new name for a saved plan, typed by the user ("✏️ Name" in the plan view). One
state; diagram: rename.mmd beside this file."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, ContextTypes, ConversationHandler, MessageHandler

from bot.callbacks import RenamePlan
from bot.core.dates import LABEL_MAX
from bot.handlers import flows
from bot.handlers.plan_view import view
from bot.handlers.reminder_context import (
    button,
    live_plan,
    pressed_plan,
    reminder_ctx,
    reply,
    typed_plan,
)
from bot.reminders.planning import kind_of, rows_for
from bot.reminders.wording import plan_name

FLOW = "rename"
NEW_NAME = "new_name"  # waiting for the typed name
END = flows.END


@dataclass(frozen=True)
class Target:
    plan_id: int


async def ask_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores which plan to rename; asks for the name."""
    c = await reminder_ctx(update, context)
    found = await pressed_plan(update, c, RenamePlan)
    if found is None:
        return END
    plan = found[1]
    await update.callback_query.answer()
    flows.begin(context, FLOW, Target(plan.id))
    name = plan_name(c.content, plan.label, plan.operator, c.lang)
    await reply(update, c.html("plan_ask_name", name=name, max=LABEL_MAX), [flows.cancel_row(c)])
    return NEW_NAME


async def type_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Stores the typed name (empty or too long: says why and asks again); shows the plan."""
    c = await reminder_ctx(update, context)
    target = flows.current(context, FLOW)
    if target is None:
        return END
    name = " ".join((update.effective_message.text or "").split())
    if not name:
        await reply(update, c.html("plan_name_empty", max=LABEL_MAX))
        return NEW_NAME
    if len(name) > LABEL_MAX:
        await reply(update, c.html("remind_label_too_long", length=len(name), max=LABEL_MAX))
        return NEW_NAME
    flows.end_if(context, FLOW)
    plan = await typed_plan(update, c, target.plan_id)
    if plan is None:
        return END
    kind = kind_of(c.content, plan.operator, name)
    rows = rows_for(c.content, plan, c.tz, c.now, kind=kind)
    await c.store.update_plan(
        plan.id, reminders=rows, now=c.now_ts, why="renamed", label=name, kind=kind
    )
    new = await live_plan(c, plan.id)
    if new is not None:
        text, buttons = await view(c, new)
        await reply(update, c.html("plan_changed_html") + "\n\n" + text, buttons)
    return END


def conversation(application: Application) -> ConversationHandler:
    return flows.conversation(
        application,
        FLOW,
        entry_points=[button(ask_name, RenamePlan)],
        states={NEW_NAME: [MessageHandler(flows.typed_text(application, FLOW), type_name)]},
    )


def register(application: Application) -> None:
    application.add_handler(conversation(application))
