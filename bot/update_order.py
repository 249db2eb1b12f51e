"""Updates of different chats run concurrently; each chat's and user's stay in order.

PTB processes updates one at a time by default, so a slow send to one user (a hung
connection, a 429 wait) holds up everybody. With this processor an update waits only
for earlier updates of the same chat or the same user. That keeps what
ConversationHandler and the /remind wizard rely on (a conversation is keyed by chat and
user, and its steps never run concurrently) while strangers never wait for each other.

Order: PTB starts one task per update in arrival order; each task takes its locks
before its first await, and asyncio locks are first-come first-served, so updates of one
key run in arrival order. Locks are acquired in sorted key order, so two updates that
share a chat and a user cannot deadlock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 64


def order_keys(update: object) -> list[tuple[str, int]]:
    """The queues an update must wait in: its chat and its user (none for others)."""
    if not isinstance(update, Update):
        return []
    keys: list[tuple[str, int]] = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return sorted(keys)


class _KeyLock:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats and users, sequential within one (see module docstring)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[tuple[str, int], _KeyLock] = {}

    @property
    def busy_keys(self) -> int:
        """Keys with an update running or waiting (0 when idle: nothing leaks)."""
        return len(self._locks)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = order_keys(update)
        held = [self._locks.setdefault(key, _KeyLock()) for key in keys]
        for entry in held:
            entry.users += 1
        started = False
        try:
            async with AsyncExitStack() as stack:
                for entry in held:
                    await stack.enter_async_context(entry.lock)
                started = True
                await coroutine
        finally:
            if not started and hasattr(coroutine, "close"):
                coroutine.close()  # cancelled while waiting: never ran, must not warn
            for key, entry in zip(keys, held, strict=True):
                entry.users -= 1
                if entry.users == 0:
                    del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to allocate: locks are made per key on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for running updates before shutting down."""
