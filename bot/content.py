"""Content files (FAQ, synonyms, codes, UI texts) loaded into validated models.

Content is edited by people who are not programmers, so every problem is
reported with the file, the entry and the field it concerns.
"""

from __future__ import annotations

from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
LANGS = ("zh-Hans", "zh-Hant", "en")


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
