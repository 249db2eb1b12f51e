"""Bot API requests that survive transient failures without ever sending a reply twice.

A request is repeated only when it surely did not reach Telegram, or when repeating it
changes nothing:

- the connection could not be made (refused, connect timeout, pool timeout), the
  request could not be written completely, or the server closed the connection
  without a single byte of answer (a keep-alive connection dropped under us);
- Telegram answered 5xx (it did not do the work) or 429 (it refused; we wait
  `retry_after`, and every other send through this request waits with us, as Telegram
  asks);
- any failure of a read-only method (getMe, getFile, ...).

A read timeout after the request was written may mean Telegram already delivered the
message, so sendMessage and other methods that change something are then NOT repeated:
the caller sees TimedOut. Retries are bounded in count and in total time so a handler
never waits for ever. This layer sits below PTB's AIORateLimiter, which keeps sends
under Telegram's rates; the limiter is built with max_retries=0 so 429s are retried
here only and attempts never multiply.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # the first try and up to seven repeats (429s: Telegram says when)
MAX_NETWORK_ATTEMPTS = 4  # connection errors and 5xx: a network that is down fails fast
MAX_TOTAL_SECONDS = 60.0  # never start a repeat that would end after this
BASE_DELAY = 0.25  # back-off after a connection error or 5xx: 0.25, 0.5, 1 s
MAX_DELAY = 8.0
# Methods that only read, or set the bot's own settings to a given value: repeating one
# has the same effect as doing it once.
IDEMPOTENT_METHODS = frozenset(
    m.lower()
    for m in """setMyCommands deleteMyCommands setMyDescription setMyShortDescription
    setMyName setChatMenuButton setWebhook deleteWebhook logOut close""".split()
)
# The connection failed before Telegram could read a whole request.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError)
NOT_SENT_TIMEOUTS = (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)


def api_method(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def is_idempotent(method: str) -> bool:
    method = method.lower()
    return method.startswith("get") or method in IDEMPOTENT_METHODS


def surely_not_sent(exc: BaseException) -> bool:
    """PTB wraps httpx errors in TimedOut/NetworkError; the cause tells what happened."""
    cause = exc.__cause__
    if isinstance(exc, TimedOut):
        return isinstance(cause, NOT_SENT_TIMEOUTS) or "Pool timeout" in str(exc)
    if isinstance(cause, NOT_SENT):
        return True
    return isinstance(cause, httpx.RemoteProtocolError) and "without sending a response" in str(
        cause
    )


def retry_after_of(payload: bytes) -> float | None:
    try:
        body = json.loads(payload)
        return float(body["parameters"]["retry_after"])
    except (ValueError, KeyError, TypeError):
        return None


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that repeats what surely did not arrive (see the module docstring)."""

    def __init__(
        self,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        max_network_attempts: int = MAX_NETWORK_ATTEMPTS,
        max_total: float = MAX_TOTAL_SECONDS,
        base_delay: float = BASE_DELAY,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("connection_pool_size", 256)  # as PTB's default for the bot
        super().__init__(**kwargs)
        self.max_attempts = max_attempts
        self.max_network_attempts = max_network_attempts
        self.max_total = max_total
        self.base_delay = base_delay
        self._sleep = sleep
        self._clock = clock
        self._paused_until = 0.0  # after a 429, every send waits until then

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        name = api_method(url)
        started = self._clock()
        attempt = network_failures = 0
        while True:
            attempt += 1
            pause = self._paused_until - self._clock()
            if pause > 0:
                await self._sleep(pause)
            try:
                code, payload = await super().do_request(url, method, *args, **kwargs)
            except (TimedOut, NetworkError) as exc:
                if not (is_idempotent(name) or surely_not_sent(exc)):
                    raise
                network_failures += 1
                delay, outcome = self._backoff(network_failures), exc
            else:
                if code == 429:
                    delay = retry_after_of(payload) or self._backoff(attempt)
                    self._paused_until = max(self._paused_until, self._clock() + delay)
                elif code >= 500:
                    network_failures += 1
                    delay = self._backoff(network_failures)
                else:
                    return code, payload
                outcome = (code, payload)
            spent = self._clock() - started
            if (
                attempt >= self.max_attempts
                or network_failures >= self.max_network_attempts
                or spent + delay > self.max_total
            ):
                # The caller sees the error (and the error handler logs it): INFO here.
                log.info("%s failed %d times in %.1f s: giving up", name, attempt, spent)
                if isinstance(outcome, BaseException):
                    raise outcome
                return outcome
            what = f"HTTP {outcome[0]}" if isinstance(outcome, tuple) else type(outcome).__name__
            log.info("%s failed (%s), repeating in %.1f s", name, what, delay)
            await self._sleep(delay)

    def _backoff(self, attempt: int) -> float:
        delay = min(MAX_DELAY, self.base_delay * 2 ** (attempt - 1))
        return delay * random.uniform(0.8, 1.0)
