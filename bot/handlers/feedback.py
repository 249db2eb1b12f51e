"""👍/👎 under FAQ answers: one vote per message, then the buttons give way to a thanks."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.callbacks import RateAnswer
from bot.context import BotContext
from bot.core.answers import Reply
from bot.core.unanswered import mask_digits
from bot.handlers.fallbacks import stale_button
from bot.handlers.users import user_language
from bot.usage import Asked, counted_outcome, record_question, record_vote, usage


def vote_row(context: BotContext, faq_id: str, lang: str) -> list[tuple[str, RateAnswer]]:
    texts = context.content.texts
    return [
        (texts.plain("feedback_up", lang), RateAnswer(faq_id, True)),
        (texts.plain("feedback_down", lang), RateAnswer(faq_id, False)),
    ]


async def rate_answer(update: Update, context: BotContext) -> None:
    """Count the vote once; the vote buttons are removed and the rest of the keyboard stays."""
    query = update.callback_query
    vote = RateAnswer.parse(query.data)
    if vote is None or query.message is None:
        await stale_button(update, context)
        return
    lang = await user_language(update, context)
    first, asked = usage(context).vote(query.message.chat.id, query.message.message_id)
    if first:
        record_vote(context, vote.up, asked)
    key = "feedback_thanks" if vote.up else "feedback_thanks_down"
    await query.answer(context.content.texts.plain(key, lang))
    markup = query.message.reply_markup
    rows = [
        row
        for row in (markup.inline_keyboard if markup else ())
        if not any(RateAnswer.parse(b.callback_data) for b in row)
    ]
    if first:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)


def after_answer(context: BotContext, sent: Message, question: str, reply: Reply) -> None:
    """Once the reply is out: count the question, keep it for the report or for a 👎."""
    outcome = counted_outcome(question, reply.match, bool(reply.codes))
    if outcome is None:
        return
    record_question(context, question, reply.lang, outcome, reply.match)
    if reply.faq_id:
        asked = Asked(reply.lang, mask_digits(question), reply.faq_id)
        usage(context).remember(sent.chat.id, sent.message_id, asked)
