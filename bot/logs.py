"""Logging for the long-running bot: one line per event, and never the bot token.

- Every record becomes exactly one line (tracebacks are folded with " | "), so
  journald, `docker logs` and grep see one event per line.
- One INFO line per meaningful event (a plan saved, reminders sent, start, stop):
  libraries are kept at WARNING. APScheduler alone logs two INFO lines each time a
  job runs (the 15 s heartbeat: ~17,000 lines a day); PTB logs its routine at INFO.
  With LOG_LEVEL=DEBUG those two speak again, for debugging.
- httpx/httpcore log every request URL at INFO, and the URL contains the token:
  they stay at WARNING at every level. PTB's own messages (and exceptions that quote a URL)
  can contain it too, so a filter on the root handlers redacts the configured
  token and anything shaped like `bot<digits>:<secret>` from every record,
  including formatted tracebacks.
- Nothing in this project logs message texts at INFO; user ids appear only as
  numbers.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

REDACTED = "[REDACTED]"
# "bot123456:AA..." in URLs, and a bare "123456:AA..." token anywhere.
_URL_TOKEN = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
_BARE_TOKEN = re.compile(r"(?<![\w:])\d{3,}:[A-Za-z0-9_-]{20,}")
QUIET_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING}
CHATTY_LOGGERS = ("apscheduler", "telegram")  # WARNING unless LOG_LEVEL is DEBUG
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _URL_TOKEN.sub("bot" + REDACTED, text)
    return _BARE_TOKEN.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record so that neither its message nor its traceback holds a token."""

    def __init__(self, secrets: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class OneLineFormatter(logging.Formatter):
    """The usual format, with newlines of messages and tracebacks folded into ' | '."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return " | ".join(line for line in text.splitlines() if line.strip())


def setup_logging(
    level: str | int = "INFO",
    secrets: tuple[str, ...] | list[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Replace the root handlers with one redacting, one-line handler; returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
    debugging = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if debugging else logging.WARNING)
    # PTB's Application logs each handled exception itself only when no error handler is
    # registered; ours (bot.handlers.errors.on_error) logs the update id and traceback.
    logging.captureWarnings(True)
    return handler
