"""Issue #13.3: an unusable database is explained, leaves no thread behind, and a damaged
one is reported unhealthy by `renewal-bot health` (SQLite's quick_check)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from conftest import scaled

from bot.config import load_settings
from bot.db_checks import open_store, quick_check
from bot.exits import DatabaseUnusable
from bot.health import check_health
from bot.storage import Store


async def new_threads_alive(before: set[threading.Thread]) -> list[threading.Thread]:
    """Threads started since `before` still running after a grace period (aiosqlite's
    worker ends just after close() returns)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + scaled(5)
    while True:
        alive = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not alive or loop.time() > deadline:
            return alive
        await asyncio.sleep(0.02)


async def test_a_garbage_file_is_unusable_and_its_connection_is_closed(tmp_path: Path):
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all " * 500)
    before = set(threading.enumerate())
    with pytest.raises(DatabaseUnusable, match=r"garbage\.sqlite3 is unusable: file is not a"):
        await open_store(garbage)
    assert await new_threads_alive(before) == []  # a live worker keeps the process alive


async def test_a_failing_migration_closes_the_connection(tmp_path: Path):
    path = tmp_path / "m.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (x)")
    before = set(threading.enumerate())
    with pytest.raises(DatabaseUnusable, match="already exists"):
        await open_store(path)
    assert await new_threads_alive(before) == []


async def damaged_database(tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    for chat in range(400):  # enough rows for several b-tree pages
        await store.touch_user(chat, "en")
    await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await store.close()
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 4
    data = bytearray(path.read_bytes())
    start = page_size * (pages - 2)  # a page of the users table, not the schema
    data[start : start + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))
    return path


async def test_health_reports_a_damaged_database(tmp_path: Path):
    path = await damaged_database(tmp_path)
    assert quick_check(path)
    healthy, report = check_health(load_settings(_env_file=None, database_path=path))
    assert not healthy and not report["db_ok"]
    assert any(p.startswith("database damaged (quick_check)") for p in report["problems"])


async def test_a_sound_database_passes_quick_check(tmp_path: Path):
    store = await Store.open(tmp_path / "ok.sqlite3")
    await store.close()
    assert quick_check(tmp_path / "ok.sqlite3") == []
