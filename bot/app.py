"""Builds the python-telegram-bot Application: services, handlers, lifecycle."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    Defaults,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.content import Content, load_content
from bot.context import Clock, Services, utc_now
from bot.core.answers import build_matcher
from bot.handlers import (
    flows,
    membership,
    new_date,
    plan_view,
    plans,
    remind_flow,
    rename,
    timezone,
)
from bot.reminders.facts import facts
from bot.reminders.sender import start_sender, stop_sender
from bot.storage import Store

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3


def build_application(
    settings: Settings,
    *,
    content: Content | None = None,
    request: BaseRequest | None = None,
    clock: Clock = utc_now,
    with_updater: bool = True,
    rate_limit: bool = True,
    get_updates_request: BaseRequest | None = None,
) -> Application:
    """The bot. With `request` (an OfflineRequest) it needs no token and no network.

    On the network (no `request`), sends go through AIORateLimiter, which keeps under
    Telegram's limits and waits out a 429 (RetryAfter) before retrying; `rate_limit=False`
    is for benchmarks only.
    """
    content = content or load_content()
    facts(content.root)  # content/facts is checked at start, like the rest of content/
    svc = Services(settings, content, build_matcher(content), clock)
    token = "0:offline" if request is not None else settings.require_token()
    builder = (
        ApplicationBuilder()
        .token(token)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_open_store)
        .post_shutdown(_close_store)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
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


def register_handlers(application: Application) -> None:
    from bot.handlers import codes, common, faq

    common.register_commands(application)
    codes.register(application)
    membership.register(application)  # group -1: blocked users, /start resumes
    remind_flow.register(application)  # the three reminder conversations, in this order
    new_date.register(application)
    rename.register(application)
    timezone.register(application)
    flows.register_cancel(application)  # /cancel outside every conversation
    plans.register(application)
    plan_view.register(application)
    faq.register(application)
    common.register_fallbacks(application)
    application.add_error_handler(common.on_error)


async def _open_store(application: Application) -> None:
    svc: Services = application.bot_data["services"]
    svc.store = await Store.open(svc.settings.database_path)
    await start_sender(application)  # reminders: recover in-flight rows, schedule wake-ups


async def _close_store(application: Application) -> None:
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
