"""Inbound flood control: token buckets per user and per group, pure logic.

A person types a few messages or presses a few buttons in a burst, then slows down. A
script, a stuck key or a group in a spam wave keeps going. Each sender (a user, and a
group chat as a whole) has a bucket of BURST tokens refilled at RATE per second; an
update takes one token, and with none left it is refused. The first refusal of an
episode asks for ONE notice ("slow down"); the episode ends when the bucket is full
again, so a flooder is told once, not once per message. Other senders have their own
buckets and never notice.

Time is monotonic seconds from an injectable clock: tests drive it with a fake one. It
is real time, not the bot's settable Services.clock: a flood is about how fast updates
really arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    NOTICE = "notice"  # refuse, and tell the sender once
    REFUSE = "refuse"  # refuse silently (already told)


@dataclass(frozen=True)
class Limit:
    burst: float  # updates accepted at once after a quiet spell
    rate: float  # updates per second sustained


USER_LIMIT = Limit(burst=30, rate=0.5)  # 30 at once, then one every 2 s
GROUP_LIMIT = Limit(burst=60, rate=1.0)  # a lively group of people stays well under


@dataclass
class _Bucket:
    tokens: float
    at: float
    told: bool = False


class FloodGate:
    """Buckets keyed by anything hashable, e.g. ("user", 42) or ("chat", -100123)."""

    MAX_KEYS = 10_000  # past this, full buckets (quiet senders) are forgotten

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[object, _Bucket] = {}

    def check(self, keys: list[tuple[object, Limit]], now: float | None = None) -> Verdict:
        """One update from the senders `keys`: take a token from each, or refuse."""
        now = self.clock() if now is None else now
        buckets = [(self._refill(key, limit, now), limit) for key, limit in keys]
        if all(bucket.tokens >= 1 for bucket, _ in buckets):
            for bucket, _ in buckets:
                bucket.tokens -= 1
            return Verdict.ALLOW
        empty = [bucket for bucket, _ in buckets if bucket.tokens < 1]
        if any(bucket.told for bucket in empty):
            return Verdict.REFUSE
        for bucket in empty:
            bucket.told = True
        return Verdict.NOTICE

    def _refill(self, key: object, limit: Limit, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.MAX_KEYS:
                self._forget_quiet(now)
            bucket = self._buckets[key] = _Bucket(limit.burst, now)
            return bucket
        bucket.tokens = min(limit.burst, bucket.tokens + (now - bucket.at) * limit.rate)
        bucket.at = now
        if bucket.tokens >= limit.burst:
            bucket.told = False  # quiet long enough: a new episode may be told again
        return bucket

    def _forget_quiet(self, now: float) -> None:
        slowest = min(USER_LIMIT.rate, GROUP_LIMIT.rate)
        horizon = max(USER_LIMIT.burst, GROUP_LIMIT.burst) / slowest
        for key in [k for k, b in self._buckets.items() if now - b.at >= horizon]:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
