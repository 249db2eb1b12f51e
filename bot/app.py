"""The composition root: builds the Application and shows, in one table, which handler
answers which update. Everything else is imported from here, never the other way round."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.callbacks import (
    CodesCommon,
    CodesList,
    CodesOperator,
    CodesSection,
    FaqCategory,
    FaqMenu,
    FaqTopic,
    RateAnswer,
    SetLanguage,
    TopUpCard,
)
from bot.config import Settings
from bot.content import Content, load_content
from bot.context import BotContext, Clock, Services, utc_now
from bot.core.answers import build_matcher
from bot.core.matching import Matcher
from bot.db_checks import open_store
from bot.handlers import (
    addressed,
    admin,
    calendar_export,
    card_pin,
    chat_migration,
    codes,
    errors,
    fallbacks,
    faq,
    feedback,
    flood,
    flows,
    language,
    membership,
    new_date,
    owners,
    plan_view,
    plans,
    privacy,
    remind_flow,
    rename,
    renewed,
    start,
    timezone,
)
from bot.reminders.facts import facts
from bot.reminders.sender import start_sender, stop_sender
from bot.retention import schedule_purge
from bot.retrying_request import RetryingRequest
from bot.update_order import PerChatUpdateProcessor
from bot.usage import schedule_purge as schedule_unanswered_purge

log = logging.getLogger(__name__)

# 429s are waited out and repeated by RetryingRequest (bounded); the limiter only paces.
RATE_LIMIT_RETRIES = 0

# What the FAQ reads: text or a caption in a private chat; in a group, only what is
# said to the bot (a mention or a reply to it). Anything else sent privately
# (sticker, voice, location, uncaptioned photo) is asked to come as text.
_WORDS = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND & ~addressed.SENT_VIA_THIS_BOT
PRIVATE_QUESTION = _WORDS & filters.ChatType.PRIVATE
GROUP_QUESTION = _WORDS & filters.ChatType.GROUPS & addressed.ADDRESSED_TO_BOT
PRIVATE_NOT_TEXT = (
    filters.ChatType.PRIVATE
    & ~filters.TEXT
    & ~filters.CAPTION
    & ~filters.COMMAND
    & ~filters.StatusUpdate.ALL
    & ~addressed.SENT_VIA_THIS_BOT
)


def build_application(
    settings: Settings,
    *,
    content: Content | None = None,
    matcher: Matcher | None = None,
    request: BaseRequest | None = None,
    clock: Clock = utc_now,
    with_updater: bool = True,
    rate_limit: bool = True,
    get_updates_request: BaseRequest | None = None,
) -> Application:
    """The bot. With `request` (an OfflineRequest) it needs no token and no network.

    On the network (no `request`), sends go through AIORateLimiter, which keeps under
    Telegram's limits, and RetryingRequest, which repeats what surely did not arrive
    (bot/retrying_request.py); `rate_limit=False` is for benchmarks only. Updates of
    different chats run concurrently, each chat's in order (bot/update_order.py).
    """
    content = content or load_content()
    facts(content.root)  # content/facts is checked at start, like the rest of content/
    svc = Services(settings, content, matcher or build_matcher(content), clock)
    token = "0:offline" if request is not None else settings.require_token()
    builder = (
        ApplicationBuilder()
        .token(token)
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_open_store)
        .post_shutdown(_close_store)
        .concurrent_updates(PerChatUpdateProcessor())
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.request(RetryingRequest())
        if rate_limit:
            builder = builder.rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        if get_updates_request is not None:
            builder = builder.get_updates_request(get_updates_request)
    if not with_updater:
        builder = builder.updater(None)
    if settings.telegram_api_base_url:
        base, file_base = api_urls(settings.telegram_api_base_url)
        builder = builder.base_url(base).base_file_url(file_base)
    application = builder.build()
    application.bot_data["services"] = svc
    register_handlers(application)
    return application


def api_urls(base_url: str) -> tuple[str, str]:
    """Bot API and file URLs from TELEGRAM_API_BASE_URL.

    Accepts `http://host:port/bot` (the token is appended), a template such as
    `http://host:port/bot{token}` (PTB fills it in), and a bare `http://host:port`
    of a self-hosted telegram-bot-api (`/bot` is added).
    """
    base = base_url.strip()
    if "{" not in base:
        base = base.rstrip("/")
        if not base.endswith("/bot"):
            base += "/bot"
    else:
        base = base.rstrip("/")
    head, sep, tail = base.rpartition("/bot")
    file_base = f"{head}/file/bot{tail}" if sep else base
    return base, file_base


def commands_and_buttons() -> list[BaseHandler]:
    """Handlers answering before the reminder conversations: commands, buttons, inline."""
    return [
        CommandHandler("start", start.start),
        CommandHandler("help", start.show_help),
        CommandHandler("language", language.choose_language),
        CallbackQueryHandler(language.set_language, pattern=SetLanguage.pattern()),
        CommandHandler("codes", codes.show_codes),
        CallbackQueryHandler(codes.open_operator, pattern=CodesOperator.pattern()),
        CallbackQueryHandler(codes.open_section, pattern=CodesSection.pattern()),
        CallbackQueryHandler(codes.open_common, pattern=CodesCommon.pattern()),
        CallbackQueryHandler(codes.back_to_operators, pattern=CodesList.pattern()),
        InlineQueryHandler(codes.answer_inline_query),
        CommandHandler("stats", admin.show_stats),
        CallbackQueryHandler(feedback.rate_answer, pattern=RateAnswer.pattern()),
        CallbackQueryHandler(card_pin.pick_card_operator, pattern=TopUpCard.pattern()),
    ]


def questions_and_fallbacks() -> list[BaseHandler]:
    """Handlers answering after the reminder conversations had their chance."""
    return [
        CommandHandler("faq", faq.show_menu),
        CallbackQueryHandler(faq.open_topic, pattern=FaqTopic.pattern()),
        CallbackQueryHandler(faq.open_category, pattern=FaqCategory.pattern()),
        CallbackQueryHandler(faq.back_to_menu, pattern=FaqMenu.pattern()),
        MessageHandler(
            filters.TEXT
            & ~filters.COMMAND
            & filters.ChatType.PRIVATE
            & card_pin.LOOKS_LIKE_CARD_PIN,
            card_pin.send_card_pin,
        ),
        MessageHandler(PRIVATE_QUESTION | GROUP_QUESTION, faq.ask_question),
        MessageHandler(PRIVATE_NOT_TEXT, faq.ask_for_text),
        MessageHandler(filters.COMMAND, fallbacks.unknown_command),
        CallbackQueryHandler(fallbacks.stale_button),
    ]


def register_handlers(application: Application) -> None:
    """The handler table, in the order PTB tries them."""
    flood.register(application)  # group -3: a flooded update reaches no other handler
    application.add_handlers(commands_and_buttons())
    owners.register(application)  # group -2: presses on another member's wizard or list
    membership.register(application)  # group -1: blocked users, /start resumes
    chat_migration.register(application)  # group -1: a group's new supergroup id
    remind_flow.register(application)  # the reminder conversations, in this order
    new_date.register(application)
    rename.register(application)
    timezone.register(application)
    flows.register_cancel(application)  # /cancel outside every conversation
    plans.register(application)
    renewed.register(application)
    calendar_export.register(application)
    plan_view.register(application)
    privacy.register(application)  # /privacy, /export, /delete_me
    application.add_handlers(questions_and_fallbacks())
    application.add_error_handler(errors.on_error)


async def _open_store(application: Application) -> None:
    svc: Services = application.bot_data["services"]
    svc.store = await open_store(svc.settings.database_path)
    await start_sender(application)  # reminders: recover in-flight rows, schedule wake-ups
    schedule_purge(application)  # retention: the daily purge of old rows
    schedule_unanswered_purge(application)  # unanswered questions older than 90 days, daily
    # Content, matcher and libraries live as long as the process: keep the cyclic
    # garbage collector off them, or each full collection walks them all (a 40 ms stall
    # of the event loop while a burst of reminders is sent).
    gc.freeze()


async def _close_store(application: Application) -> None:
    gc.unfreeze()  # the application is going: what it held may become garbage (tests build many)
    svc: Services = application.bot_data["services"]
    await stop_sender(application)
    if svc.store is not None:
        await svc.store.close()
        svc.store = None


@asynccontextmanager
async def running(application: Application) -> AsyncIterator[Application]:
    """Start an application without an updater, as run_polling would (post_init included).

    The terminal chat and tests feed updates with process_update; the job
    queue runs as in production.
    """
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.start()
    try:
        yield application
    finally:
        await application.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
