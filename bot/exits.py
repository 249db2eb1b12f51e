"""Exit codes of `renewal-bot`, and the one line that explains a failed start.

The codes are a contract with the supervisor (deploy/renewal-bot.service):

- 0: stopped on request (SIGTERM, SIGINT), or a command succeeded;
- 1: a problem a restart may fix (network down, Telegram unreachable, unexpected error)
  -> systemd restarts (Restart=on-failure);
- 2: a problem a restart cannot fix (configuration, a rejected token, an unusable
  database) -> RestartPreventExitStatus=2 stops the restart loop;
- 130: interrupted in the terminal (Ctrl-C) before the bot ran.

`renewal-bot health` answers 0 healthy, 1 unhealthy (Docker's HEALTHCHECK contract);
wrong command-line usage is 2, like argparse's own errors.

The message never contains the token: PTB's InvalidToken quotes it, so Telegram errors
are described by their kind, and everything else goes through bot.logs.redact.
"""

from __future__ import annotations

import sqlite3

from bot.config import ConfigError
from bot.content_error import ContentError
from bot.logs import redact

OK = 0
RETRYABLE = 1
CONFIG = 2
INTERRUPTED = 130
UNHEALTHY = 1


class DatabaseUnusable(Exception):
    """The database cannot be opened, read or migrated: an operator must look at it."""


def explain(exc: BaseException, secrets: tuple[str, ...] = ()) -> tuple[int, str]:
    """(exit code, one line without the token) for an exception that ended the start."""
    if isinstance(exc, ConfigError | ContentError | DatabaseUnusable):
        return CONFIG, _one_line(str(exc), secrets)
    # Telegram's errors only matter once `run` has imported it; `ask` and `health` stay light.
    from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

    if isinstance(exc, InvalidToken):
        return (
            CONFIG,
            "Telegram rejected the bot token (TELEGRAM_BOT_TOKEN): check it with @BotFather",
        )
    if isinstance(exc, Conflict):
        return RETRYABLE, "another instance of the bot is polling with this token"
    if isinstance(exc, NetworkError):  # includes TimedOut
        detail = _one_line(exc.message, secrets)
        return RETRYABLE, f"cannot reach the Telegram Bot API ({detail}): is the network up?"
    if isinstance(exc, TelegramError):
        return RETRYABLE, f"Telegram refused to start the bot: {_one_line(exc.message, secrets)}"
    if isinstance(exc, sqlite3.Error):
        return CONFIG, f"database error: {_one_line(str(exc), secrets)}"
    name = type(exc).__name__
    return RETRYABLE, f"unexpected error ({name}): {_one_line(str(exc), secrets)}"


def _one_line(text: str, secrets: tuple[str, ...]) -> str:
    return " ".join(redact(text, secrets).split())
