"""The one error content problems raise, in a module of its own so that commands which
never read content (`health`, `run`'s exit codes) can name it without loading content."""

from __future__ import annotations

from pathlib import Path


class ContentError(ValueError):
    """A content problem, located by file, entry and field."""

    def __init__(self, file: str | Path, entry: str | None, field: str | None, message: str):
        self.file = str(file)
        self.entry = entry
        self.field = field
        self.message = message
        where = self.file
        if entry:
            where += f", entry {entry!r}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
