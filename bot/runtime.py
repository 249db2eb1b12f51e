"""`renewal-bot run`: the bot as a long-lived service on Telegram.

- Long polling by default (every update type, pending updates kept across restarts);
  webhook mode when WEBHOOK_URL is set (PTB's own server, WEBHOOK_SECRET checked on
  every request, WEBHOOK_LISTEN/WEBHOOK_PORT configurable).
- At start: the command menu per language (zh, en, default) and per scope (private
  chats, group chats), and the bot's description and short description.
- SIGTERM/SIGINT: PTB stops taking updates, finishes the updates and jobs in flight,
  then post_shutdown closes the database. Unconfirmed updates are fetched again by the
  next start, so a restart with the same database resumes.
- Health: a heartbeat file next to the database, rewritten by a job-queue job (so a
  fresh file proves the scheduler runs), holding the time of the last successful
  getUpdates and of the last update; `renewal-bot health` reads it and checks the DB.
  In webhook mode the same report is served at /healthz on the webhook port.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    TypeHandler,
)
from telegram.request import HTTPXRequest

from bot.app import build_application
from bot.config import ConfigError, Settings
from bot.context import Clock, Services, utc_now

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
HEARTBEAT_STALE = 3 * HEARTBEAT_SECONDS + 5  # no heartbeat for this long: not running
POLL_STALE = 120.0  # polling, no successful getUpdates for this long: unhealthy
POLL_TIMEOUT = 10  # seconds a getUpdates long poll is held by Telegram

# Menu order; a command is listed only when a handler for it is registered.
MENU_ORDER = ("start", "remind", "reminders", "codes", "faq", "help", "timezone", "language")
MENU_PRIVATE_EXTRA = ("cancel",)
MENU_GROUP = ("codes", "faq", "help")
# groups: privacy, export, delete_me answer in the private chat
MENU_ORDER += ("privacy", "export", "delete_me")
MENU_GROUP += ("privacy", "export", "delete_me")
# Telegram keys menus by two-letter language codes; "" is the fallback for everyone else.
MENU_LANGS = {"zh": "zh-Hans", "en": "en", "": "en"}


# --- health state ----------------------------------------------------------------------


@dataclass
class Health:
    """Cheap in-memory stamps, written to the heartbeat file.

    The heartbeat job (every HEARTBEAT_SECONDS, on the job queue) pings the database and
    rewrites the file; arriving updates rewrite it too, at most once a second, so the
    file follows the bot closely without a write per update.
    """

    mode: str = "polling"
    pid: int = field(default_factory=os.getpid)
    started_at: float = field(default_factory=time.time)
    last_poll_at: float | None = None  # last getUpdates answered 200
    last_update_at: float | None = None  # last update handed to the handlers
    updates: int = 0
    db_ok: bool = False  # as of the last heartbeat job
    scheduler: bool = False  # as of the last heartbeat job
    written_at: float = 0.0


def heartbeat_path(settings: Settings) -> Path:
    db = Path(settings.database_path)
    return db.with_name(db.name + ".health.json")


class PollStampRequest(HTTPXRequest):
    """The getUpdates connection; notes the time of every successful long poll."""

    def __init__(self, health: Health, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=1, **kwargs)
        self.health = health

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == 200 and url.endswith("/getUpdates"):
            self.health.last_poll_at = time.time()
        return code, payload


def health_of(application: Application) -> Health:
    return application.bot_data["health"]


REMINDER_JOB = "reminders:poll"  # bot.dispatcher's repeating job


def scheduler_running(application: Application) -> bool:
    """The job queue runs, and so does the reminder dispatcher's job when there is one."""
    jq = application.job_queue
    if jq is None or not jq.scheduler.running:
        return False
    if application.bot_data.get("dispatcher") is not None:
        return bool(jq.get_jobs_by_name(REMINDER_JOB))
    return True


async def heartbeat_report(application: Application) -> dict[str, Any]:
    """Ping the database, look at the scheduler, and return the whole state."""
    svc: Services = application.bot_data["services"]
    health = health_of(application)
    health.db_ok = False
    if svc.store is not None:
        try:
            health.db_ok = await svc.store.ping()
        except Exception:
            log.warning("database ping failed", exc_info=True)
    health.scheduler = scheduler_running(application)
    return asdict(health)


def write_heartbeat(path: Path, report: dict[str, Any]) -> None:
    """Atomically: the health CLI never reads half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report), encoding="utf-8")
    os.replace(tmp, path)


def _write_now(application: Application, report: dict[str, Any]) -> None:
    try:
        now = time.time()
        write_heartbeat(application.bot_data["heartbeat_path"], {**report, "written_at": now})
        health_of(application).written_at = now
    except OSError:
        log.warning("could not write the heartbeat file", exc_info=True)


async def beat(application: Application) -> None:
    """Check the database and scheduler and write the heartbeat file now."""
    _write_now(application, await heartbeat_report(application))


async def _heartbeat_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await beat(context.application)


async def _stamp_update(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -100: runs before every handler, never stops the update."""
    health = health_of(context.application)
    health.last_update_at = now = time.time()
    health.updates += 1
    if health.written_at and now - health.written_at >= 1.0:
        _write_now(context.application, asdict(health))


# --- menus and profile -------------------------------------------------------------------


def _commands_in(handler: BaseHandler) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        found: set[str] = set()
        nested = [*handler.entry_points, *handler.fallbacks]
        nested += [h for hs in handler.states.values() for h in hs]
        for h in nested:
            found |= _commands_in(h)
        return found
    return set()


def handled_commands(application: Application) -> set[str]:
    found: set[str] = set()
    for handlers in application.handlers.values():
        for handler in handlers:
            found |= _commands_in(handler)
    return found


def menu_commands(application: Application, lang: str, names: tuple[str, ...]) -> list:
    svc: Services = application.bot_data["services"]
    texts = svc.content.texts
    present = handled_commands(application)
    return [
        BotCommand(name, texts(f"menu_{name}", lang))
        for name in names
        if name in present and texts.has(f"menu_{name}")
    ]


async def set_menus(application: Application) -> None:
    """setMyCommands per language and scope, setMy(Short)Description per language."""
    bot = application.bot
    texts = application.bot_data["services"].content.texts
    scopes: list[tuple[BotCommandScope, tuple[str, ...]]] = [
        (BotCommandScopeDefault(), MENU_ORDER),
        (BotCommandScopeAllPrivateChats(), MENU_ORDER + MENU_PRIVATE_EXTRA),
        (BotCommandScopeAllGroupChats(), MENU_GROUP),
    ]
    for tg_lang, lang in MENU_LANGS.items():
        code = tg_lang or None
        try:
            for scope, names in scopes:
                commands = menu_commands(application, lang, names)
                await bot.set_my_commands(commands, scope=scope, language_code=code)
            if texts.has("bot_description"):
                await bot.set_my_description(texts("bot_description", lang), language_code=code)
            if texts.has("bot_short_description"):
                await bot.set_my_short_description(
                    texts("bot_short_description", lang), language_code=code
                )
        except TelegramError as exc:  # the menu is cosmetic: never refuse to start over it
            log.warning("could not set the menu for language %r: %s", tg_lang or "default", exc)
    log.info("command menus set for %s", ", ".join(t or "default" for t in MENU_LANGS))


# --- assembling -------------------------------------------------------------------------


def _chain(
    first: Callable[[Application], Awaitable[None]] | None,
    then: Callable[[Application], Awaitable[None]],
) -> Callable[[Application], Awaitable[None]]:
    async def both(application: Application) -> None:
        if first is not None:
            await first(application)
        await then(application)

    return both


async def _on_start(application: Application) -> None:
    await set_menus(application)
    _schedule_heartbeat(application)


def _schedule_heartbeat(application: Application) -> None:
    """Every HEARTBEAT_SECONDS, the first as soon as the scheduler starts.

    Added before the scheduler runs (post_init), APScheduler would compute the first run
    as the next interval after start (`first=0` is lost); an explicit next_run_time with
    no misfire grace keeps it.
    """
    if application.job_queue is None:
        return
    application.job_queue.run_repeating(
        _heartbeat_job,
        interval=HEARTBEAT_SECONDS,
        name="heartbeat",
        job_kwargs={
            "next_run_time": datetime.now(UTC),
            "misfire_grace_time": None,
            "coalesce": True,
        },
    )


async def _on_stop(application: Application) -> None:
    """Before the database closes: a last heartbeat saying the bot stopped."""
    report = await heartbeat_report(application)
    _write_now(application, {**report, "stopped_at": time.time()})


def build_runtime_application(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    mode: str = "polling",
    set_menu: bool = True,
    **kwargs: Any,
) -> Application:
    """The production Application: build_application plus health stamps and start-up calls."""
    health = Health(mode=mode)
    application = build_application(
        settings,
        clock=clock,
        get_updates_request=PollStampRequest(health) if mode == "polling" else None,
        **kwargs,
    )
    application.bot_data["health"] = health
    application.bot_data["heartbeat_path"] = heartbeat_path(settings)
    application.add_handler(TypeHandler(Update, _stamp_update), group=-100)
    start = _on_start if set_menu else _heartbeat_only
    application.post_init = _chain(application.post_init, start)
    previous_shutdown = application.post_shutdown

    async def shutdown(app: Application) -> None:
        await _on_stop(app)
        if previous_shutdown is not None:
            await previous_shutdown(app)

    application.post_shutdown = shutdown
    return application


async def _heartbeat_only(application: Application) -> None:
    _schedule_heartbeat(application)


@asynccontextmanager
async def polling(application: Application, poll_timeout: float = 1) -> AsyncIterator[Application]:
    """What run_polling does, inside an already running event loop (tests, benchmarks)."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
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
        if application.running:
            await application.stop()
        if application.post_stop:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


FAKE_NOW_ENV = "RENEWAL_BOT_FAKE_NOW"


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


def webhook_path(url: str) -> str:
    return urlsplit(url).path.strip("/")


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
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        if not secret:
            log.warning("WEBHOOK_SECRET is not set: anyone who finds the URL can post updates")
        application.post_init = _chain(application.post_init, _add_health_route_soon)
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=webhook_path(settings.webhook_url),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            bootstrap_retries=3,
        )
    else:
        application.run_polling(
            poll_interval=0,
            timeout=POLL_TIMEOUT,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            bootstrap_retries=3,
        )
    log.info("stopped")
    return 0


# --- webhook health route ----------------------------------------------------------------


async def _add_health_route_soon(application: Application) -> None:
    """PTB starts its webhook server after post_init; add /healthz once the app runs."""
    assert application.job_queue is not None
    application.job_queue.run_once(
        _add_health_route, when=0, job_kwargs={"misfire_grace_time": None}
    )


async def _add_health_route(context: ContextTypes.DEFAULT_TYPE) -> None:
    add_health_route(context.application)


def add_health_route(application: Application) -> bool:
    """Serve GET /healthz on PTB's webhook server (tornado). False if not possible."""
    import tornado.web

    server = getattr(application.updater, "_httpd", None)
    tornado_app = getattr(getattr(server, "_http_server", None), "request_callback", None)
    if not isinstance(tornado_app, tornado.web.Application):
        log.warning("no webhook server to add /healthz to")
        return False

    class HealthHandler(tornado.web.RequestHandler):
        async def get(self) -> None:
            report = await heartbeat_report(application)
            healthy = bool(report["db_ok"] and report["scheduler"])
            self.set_status(200 if healthy else 503)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"healthy": healthy, **report}))

    tornado_app.add_handlers(r".*", [(r"/healthz/?", HealthHandler)])
    return True


# --- `renewal-bot health` ---------------------------------------------------------------


def check_health(settings: Settings, now: float | None = None) -> tuple[bool, dict[str, Any]]:
    """DB reachable, bot running (fresh heartbeat), scheduler running, last poll recent."""
    now = time.time() if now is None else now
    result: dict[str, Any] = {"database": str(settings.database_path)}
    problems: list[str] = []
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{settings.database_path}?mode=ro", uri=True, timeout=2)
        ) as db:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            result["schema_version"] = db.execute("PRAGMA user_version").fetchone()[0]
        result["db_ok"] = True
    except sqlite3.Error as exc:
        result["db_ok"] = False
        problems.append(f"database not reachable: {exc}")
    path = heartbeat_path(settings)
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        beat = None
        problems.append(f"no heartbeat at {path}: the bot is not running")
    if beat is not None:
        result.update(
            mode=beat.get("mode"),
            pid=beat.get("pid"),
            started_at=_iso(beat.get("started_at")),
            heartbeat_age_s=round(now - beat.get("written_at", 0), 1),
            scheduler=bool(beat.get("scheduler")),
            last_poll_at=_iso(beat.get("last_poll_at")),
            last_update_at=_iso(beat.get("last_update_at")),
            updates=beat.get("updates", 0),
        )
        if beat.get("stopped_at"):
            problems.append(f"the bot stopped at {_iso(beat['stopped_at'])}")
        elif now - beat.get("written_at", 0) > HEARTBEAT_STALE:
            problems.append(f"heartbeat is {result['heartbeat_age_s']} s old: bot hung or gone")
        else:
            if not beat.get("scheduler"):
                problems.append("the scheduler is not running")
            if not beat.get("db_ok"):
                problems.append("the bot cannot reach its database")
            if beat.get("mode") == "polling":
                # Just started: the first long poll may still be open.
                last = beat.get("last_poll_at") or beat.get("started_at") or 0
                if now - last > POLL_STALE:
                    problems.append("no successful getUpdates in the last 2 minutes")
    result["problems"] = problems
    result["healthy"] = not problems
    return not problems, result


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def format_health(result: dict[str, Any]) -> str:
    lines = [f"status: {'healthy' if result['healthy'] else 'UNHEALTHY'}"]
    db = "ok" if result.get("db_ok") else "NOT reachable"
    lines.append(f"database: {db} ({result['database']}, schema {result.get('schema_version')})")
    if "pid" in result:
        lines.append(
            f"bot: pid {result['pid']}, {result['mode']} mode, since {result['started_at']}"
        )
        lines.append(f"heartbeat: {result['heartbeat_age_s']} s ago")
        lines.append(f"scheduler: {'running' if result['scheduler'] else 'NOT running'}")
        lines.append(f"last successful poll: {result['last_poll_at'] or 'never'}")
        lines.append(
            f"last update: {result['last_update_at'] or 'never'} ({result['updates']} total)"
        )
    lines += [f"problem: {p}" for p in result["problems"]]
    return "\n".join(lines)
