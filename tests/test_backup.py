"""`renewal-bot backup PATH`: a complete, consistent copy even while the bot writes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.backup import BackupError, backup_database
from bot.cli import main
from bot.storage import MIGRATIONS, Store


def users(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT count(*) FROM users").fetchone()[0]


async def test_backup_while_another_connection_writes(tmp_path: Path) -> None:
    live = tmp_path / "bot.sqlite3"
    store = await Store.open(live)
    # Enough pages that copying takes a while; the -wal file holds recent writes.
    await store.db.execute("CREATE TABLE ballast (blob BLOB)")
    await store.db.executemany("INSERT INTO ballast VALUES (randomblob(4000))", [()] * 2000)
    written = 0
    stop = asyncio.Event()
    copying = asyncio.Event()

    async def writer() -> None:
        nonlocal written
        while not stop.is_set():
            written += 1
            await store.touch_user(written, "en")
            if written == 20:
                copying.set()
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    try:
        await copying.wait()
        started_at = written
        dest = tmp_path / "backups" / "bot-copy.sqlite3"
        size = await asyncio.to_thread(backup_database, live, dest)
        finished_at = written
    finally:
        stop.set()
        await task
        await store.close()

    assert finished_at > started_at, "the bot kept writing while the copy was made"
    assert size == dest.stat().st_size > 2000 * 4000
    with contextlib.closing(sqlite3.connect(dest)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
        assert copy.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert started_at <= users(dest) <= finished_at  # a snapshot from during the copy
    assert not list(dest.parent.glob("*.partial"))
    # The copy is a database the bot opens as it is (restore = put it at DATABASE_PATH).
    restored = await Store.open(dest)
    try:
        assert await restored.get_user(1) is not None
    finally:
        await restored.close()


def test_missing_database_is_one_line_and_nothing_is_created(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no database at"):
        backup_database(tmp_path / "nope.sqlite3", tmp_path / "copy.sqlite3")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(BackupError, match="must not overwrite"):
        (tmp_path / "db").write_bytes(b"")
        backup_database(tmp_path / "db", tmp_path / "db")


async def test_backup_command_uses_database_path(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    live = tmp_path / "state" / "bot.sqlite3"
    store = await Store.open(live)
    await store.touch_user(42, "zh-hans")
    await store.close()
    monkeypatch.setenv("DATABASE_PATH", str(live))
    dest = tmp_path / "copy.sqlite3"
    dest.write_bytes(b"an older backup")
    assert await asyncio.to_thread(main, ["backup", str(dest)]) == 0
    assert "backed up" in capsys.readouterr().out
    assert users(dest) == 1  # the older file was replaced

    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "missing.sqlite3"))
    assert await asyncio.to_thread(main, ["backup", str(dest)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DATABASE_PATH" in err
    assert users(dest) == 1
