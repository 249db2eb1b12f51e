"""`renewal-bot run`: the bot as a long-lived service on Telegram, polling or webhook.

- Long polling by default (every update type, pending updates kept across restarts).
- Webhook mode when WEBHOOK_URL is set: our own small HTTP server (PTB's
  "custom webhook" pattern, public API only) takes POSTs on the URL's path, checks
  WEBHOOK_SECRET on every request and queues the update; the same server answers
  GET /healthz. WEBHOOK_LISTEN/WEBHOOK_PORT say where it listens.
- Once running: command menus (bot.menus, a first job: polling does not wait for
  them) and the heartbeat (bot.health).
- SIGTERM/SIGINT: stop taking updates, finish the updates and jobs in flight, then
  post_shutdown closes the database. Unconfirmed updates are fetched again by the next
  start, so a restart with the same database resumes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, TypeHandler

from bot.app import build_application
from bot.config import ConfigError, Settings
from bot.context import Clock, utc_now
from bot.health import (
    Health,
    PollStampRequest,
    heartbeat_path,
    schedule_heartbeat,
    stamp_update,
    write_stopped,
)
from bot.menus import schedule_menus
from bot.process import prepare_loop

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds a getUpdates long poll is held by Telegram
BOOTSTRAP_RETRIES = 3  # setWebhook attempts after the first, one second apart
FAKE_NOW_ENV = "RENEWAL_BOT_FAKE_NOW"


def _chain(
    first: Callable[[Application], Awaitable[None]] | None,
    then: Callable[[Application], Awaitable[None]],
) -> Callable[[Application], Awaitable[None]]:
    async def both(application: Application) -> None:
        if first is not None:
            await first(application)
        await then(application)

    return both


async def _menus_and_heartbeat(application: Application) -> None:
    schedule_menus(application)
    schedule_heartbeat(application)


async def _heartbeat_only(application: Application) -> None:
    schedule_heartbeat(application)


def build_runtime_application(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    mode: str = "polling",
    set_menu: bool = True,
    **kwargs: Any,
) -> Application:
    """The production Application: build_application plus health stamps and start-up calls.

    In webhook mode there is no Updater: updates arrive through `webhook()`'s server.
    """
    health = Health(mode=mode)
    if mode == "polling":
        kwargs["get_updates_request"] = PollStampRequest(health)
    else:
        kwargs["with_updater"] = False
    application = build_application(settings, clock=clock, **kwargs)
    application.bot_data["health"] = health
    application.bot_data["heartbeat_path"] = heartbeat_path(settings)
    application.add_handler(TypeHandler(Update, stamp_update), group=-100)
    start = _menus_and_heartbeat if set_menu else _heartbeat_only
    application.post_init = _chain(application.post_init, start)
    previous_shutdown = application.post_shutdown

    async def shutdown(app: Application) -> None:
        await write_stopped(app)
        if previous_shutdown is not None:
            await previous_shutdown(app)

    application.post_shutdown = shutdown
    return application


async def _start(application: Application) -> None:
    await application.initialize()
    if application.post_init:
        await application.post_init(application)


async def _finish(application: Application) -> None:
    if application.running:
        await application.stop()
    if application.post_stop:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)


@asynccontextmanager
async def polling(application: Application, poll_timeout: float = 1) -> AsyncIterator[Application]:
    """What run_polling does, inside an already running event loop (tests, benchmarks)."""
    await _start(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0,
        timeout=poll_timeout,
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )
    await application.start()
    try:
        yield application
    finally:
        # Updater first: its last getUpdates confirms the offset of what was handled.
        if application.updater.running:
            await application.updater.stop()
        await _finish(application)


def webhook_path(url: str) -> str:
    return urlsplit(url).path.strip("/")


@asynccontextmanager
async def webhook(application: Application, settings: Settings) -> AsyncIterator[Application]:
    """Serve the webhook and /healthz, register the URL with Telegram, run the handlers."""
    assert settings.webhook_url
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    if not secret:
        log.warning("WEBHOOK_SECRET is not set: anyone who finds the URL can post updates")
    import tornado.httpserver  # webhook mode only
    import tornado.web

    from bot.webserver import webhook_routes

    await _start(application)
    routes = webhook_routes(application, webhook_path(settings.webhook_url), secret)
    server = tornado.httpserver.HTTPServer(tornado.web.Application(routes))
    server.listen(settings.webhook_port, address=settings.webhook_listen)
    try:
        await _set_webhook(application, settings.webhook_url, secret)
        await application.start()
        yield application
    finally:
        server.stop()
        await _finish(application)


async def _set_webhook(application: Application, url: str, secret: str | None) -> None:
    for attempt in range(BOOTSTRAP_RETRIES + 1):
        try:
            await application.bot.set_webhook(
                url,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            return
        except TelegramError:
            if attempt == BOOTSTRAP_RETRIES:
                raise
            log.warning("setWebhook failed, retrying", exc_info=True)
            await asyncio.sleep(1)


async def _until_signalled(running: AbstractAsyncContextManager[Any]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running:
        await stop.wait()


def clock_from_env() -> Clock:
    """The real clock, unless RENEWAL_BOT_FAKE_NOW (tests only) gives a start time.

    With e.g. RENEWAL_BOT_FAKE_NOW=2027-03-10T14:34:00+07:00 the bot's clock (reminder
    parsing, scheduling, dispatch) starts there and runs at normal speed, so end-to-end
    tests of a subprocess can put a reminder due time just behind a restart.
    """
    value = os.environ.get(FAKE_NOW_ENV, "").strip()
    if not value:
        return utc_now
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise ConfigError(f"{FAKE_NOW_ENV} must be like 2027-03-10T14:34:00+07:00 (tests only)")
    origin = time.monotonic()
    log.warning("%s is set: the clock starts at %s (for tests only)", FAKE_NOW_ENV, start)
    return lambda: (start + timedelta(seconds=time.monotonic() - origin)).astimezone(UTC)


def run(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT. Returns the process exit code."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta
    mode = "webhook" if settings.webhook_url else "polling"
    application = build_runtime_application(settings, mode=mode, clock=clock_from_env())
    log.info(
        "starting in %s mode, database %s, time zone %s",
        mode,
        settings.database_path,
        settings.default_timezone,
    )
    if settings.webhook_url:
        asyncio.run(_until_signalled(webhook(application, settings)))
    else:
        prepare_loop(application)  # our stop signals: a second SIGTERM must not abort the stop
        application.run_polling(
            poll_interval=0,
            timeout=POLL_TIMEOUT,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            bootstrap_retries=0,  # RetryingRequest repeats getMe etc.; fail fast
            stop_signals=None,
        )
    log.info("stopped")
    return 0
