"""`renewal-bot run` as a process: stop signals and the last line of defence for errors.

Stop signals: under `uv run`, a process-group SIGTERM (a supervisor, Ctrl-C in a
terminal) reaches the bot twice: once from the group and once forwarded by uv. PTB's
own handler raises SystemExit on every signal, so the second one lands in the middle of
the graceful shutdown, aborts it, and the database connection stays open; aiosqlite's
worker thread is not a daemon, so the interpreter then waits for it for ever. Here the
first SIGTERM/SIGINT asks PTB to stop (Application.stop_running) and later ones are
only logged, so the shutdown always runs to the end.

Errors: an exception nobody caught (sys.excepthook) or an asyncio task that failed
unobserved (the loop's exception handler) is logged as one line through the redacting
root handler (bot.logs), so neither can print the bot token.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import traceback
from types import TracebackType
from typing import Any

from telegram.ext import Application

from bot.logs import redact

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def prepare_loop(application: Application) -> asyncio.AbstractEventLoop:
    """The event loop PTB's run_polling/run_webhook will use (pass stop_signals=None)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(_loop_exception)
    stopping = False

    def on_signal(signum: int) -> None:
        nonlocal stopping
        name = signal.Signals(signum).name
        if stopping:
            log.info("%s again: already stopping", name)
            return
        stopping = True
        log.info("%s: stopping", name)
        application.stop_running()

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    return loop


class StartupAbortFilter(logging.Filter):
    """Drops PTB's "Network Retry Loop (Bootstrap ...): ... Aborting" records: their
    traceback is many lines, and `renewal-bot run` ends with one line explaining the same
    failure (bot/exits.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to judge
            return True
        return not ("Network Retry Loop (Bootstrap" in message and "Abort" in message)


def quiet_startup_aborts() -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(StartupAbortFilter())


def _loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    exc = context.get("exception")
    message = context.get("message", "error in the event loop")
    if exc is None:
        log.error("%s", message)
    else:
        log.error("%s", message, exc_info=(type(exc), exc, exc.__traceback__))


def install_excepthook(secrets: tuple[str, ...] = ()) -> None:
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        if logging.getLogger().handlers:  # the redacting one-line handler (setup_logging)
            log.critical("uncaught exception", exc_info=(kind, exc, tb))
        else:
            text = "".join(traceback.format_exception(kind, exc, tb))
            print(" | ".join(redact(text, secrets).splitlines()), file=sys.stderr)

    sys.excepthook = hook
