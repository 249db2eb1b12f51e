"""/remind's name-or-question check: a typed name that reads like a question asks
which it is; a question is answered as the FAQ would, then the name is asked again.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.callbacks import LabelIsName, LabelIsQuestion
from bot.context import services
from bot.core.answers import respond
from bot.handlers.remind_steps import (
    END,
    EXPIRY,
    LABEL,
    LABEL_CHECK,
    OPERATOR,
    Draft,
    current_draft,
    date_buttons,
    label_question,
    nav,
    skip_button,
)
from bot.handlers.reminder_context import Ctx, edit, reminder_ctx, reply, stale_button
from bot.keyboards import Row


async def ask_name_or_question(update: Update, c: Ctx, draft: Draft, label: str) -> str:
    """Keeps the typed text aside and asks whether it is the plan's name or a question."""
    draft.pending_label = label
    rows: list[Row] = [
        [
            (c.plain("remind_btn_is_name"), LabelIsName()),
            (c.plain("remind_btn_is_question"), LabelIsQuestion()),
        ],
        nav(c, OPERATOR),
    ]
    await reply(update, c.html("remind_label_or_question", text=label), rows)
    return LABEL_CHECK


async def label_is_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """The question-like text is the plan's name after all; asks for the expiry date."""
    c = await reminder_ctx(update, context)
    draft = await _answered(update, context, c)
    if draft is None:
        return END
    draft.label, draft.pending_label = draft.pending_label, None
    await edit(update, c.html("remind_ask_date"), date_buttons(c))
    return EXPIRY


async def label_is_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """Answers the typed question as the FAQ would, then asks for the name again."""
    c = await reminder_ctx(update, context)
    draft = await _answered(update, context, c)
    if draft is None:
        return END
    svc = services(context)
    answer = respond(svc.content, svc.matcher, draft.pending_label, c.lang)
    draft.pending_label = None
    await edit(update, answer.text)
    await reply(update, label_question(c), skip_button(c))
    return LABEL


async def _answered(update: Update, context: ContextTypes.DEFAULT_TYPE, c: Ctx) -> Draft | None:
    """The draft holding a text set aside, once the press is answered; None after the
    stale-button alert (the conversation moved on)."""
    draft = current_draft(context)
    if draft is None or draft.pending_label is None:
        await stale_button(update, c)
        return None
    await update.callback_query.answer()
    return draft
