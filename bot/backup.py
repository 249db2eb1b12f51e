"""`renewal-bot backup PATH`: a consistent copy of the live database.

Copying the file with `cp` while the bot runs can catch the database between the
main file and its `-wal` file and produce a corrupt copy. SQLite's online backup
API (`sqlite3.Connection.backup`) copies pages inside one read transaction: in WAL
mode that is a consistent snapshot and the bot's writes are not blocked. It runs
in a single step on purpose: a stepwise backup restarts whenever another
connection writes, and might never finish while reminders are being sent.

The copy is checked, switched to a rollback journal (one self-contained file to
move or keep; the bot turns WAL back on when it opens it) and only then renamed
onto PATH, so PATH is either the previous file or a complete new copy.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from pathlib import Path

from bot.config import Settings


class BackupError(RuntimeError):
    """The copy could not be made; the message is one line for the operator."""


def backup_database(source: Path, dest: Path) -> int:
    """Copy `source` to `dest` safely while other connections write; returns its size."""
    source, dest = Path(source), Path(dest)
    if not source.is_file():
        raise BackupError(f"no database at {source} (check DATABASE_PATH)")
    if dest.resolve() == source.resolve():
        raise BackupError(f"the backup must not overwrite the database itself ({source})")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        # mode=rw: never create an empty database where the real one was expected.
        with (
            contextlib.closing(
                sqlite3.connect(source.resolve().as_uri() + "?mode=rw", uri=True, timeout=30)
            ) as src,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            src.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")
            (status,) = copy.execute("PRAGMA integrity_check").fetchone()
        if status != "ok":
            raise BackupError(f"the copy failed its integrity check: {status}")
        os.replace(partial, dest)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"backup of {source} failed: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return dest.stat().st_size


def backup_command(settings: Settings, path: str) -> int:
    """The CLI entry: one line on success (stdout) or failure (stderr, exit 1)."""
    try:
        size = backup_database(settings.database_path, Path(path))
    except BackupError as exc:
        print(f"renewal-bot backup: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {settings.database_path} to {path} ({size:,} bytes)")
    return 0
