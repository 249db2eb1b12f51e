"""/stats for the admins (ADMIN_IDS); everyone else gets the unknown-command reply."""

from __future__ import annotations

from telegram import Update

from bot.admin_alerts import is_admin
from bot.context import BotContext
from bot.handlers.fallbacks import unknown_command
from bot.handlers.users import user_language
from bot.usage import Stats, collect_stats

STAT_ROWS = (
    ("reminders_sent", "stats_reminders_sent"),
    ("reminders_failed", "stats_reminders_failed"),
    ("reminders_paused", "stats_reminders_paused"),
    ("questions_answered", "stats_questions_answered"),
    ("questions_suggested", "stats_questions_suggested"),
    ("questions_refused", "stats_questions_refused"),
    ("votes_up", "stats_votes_up"),
    ("votes_down", "stats_votes_down"),
)


async def show_stats(update: Update, context: BotContext) -> None:
    """Users, plans, reminders and questions, today and over the last 7 days."""
    user = update.effective_user
    if not is_admin(context, user.id if user else None) or context.store is None:
        await unknown_command(update, context)
        return
    lang = await user_language(update, context)
    stats = await collect_stats(context.store, context.services)
    await update.effective_message.reply_text(stats_text(context, stats, lang))


def stats_text(context: BotContext, stats: Stats, lang: str) -> str:
    texts = context.content.texts
    lines = [
        texts.html(
            "stats_head",
            lang,
            users=stats.users,
            active=stats.active_users,
            plans=stats.active_plans,
        )
    ]
    for counter, key in STAT_ROWS:
        lines.append(
            texts.html(
                key, lang, today=stats.today.get(counter, 0), week=stats.week.get(counter, 0)
            )
        )
    return "\n".join(lines)
