"""Imports in the reminder code point down (app -> handlers -> reminders -> core) and
none hides inside a function to dodge a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "bot"
REMINDER_HANDLERS = [
    *("remind_flow", "new_date", "plans", "timezone", "membership", "flows", "owners"),
    *("privacy", "private_chat"),
]
FILES = [
    *(ROOT / "handlers" / f"{name}.py" for name in REMINDER_HANDLERS),
    ROOT / "handlers" / "reminder_context.py",
    ROOT / "handlers" / "reschedule.py",
    *sorted((ROOT / "reminders").glob("*.py")),
    ROOT / "core" / "calendar_file.py",
]


def imports(path: Path) -> tuple[list[str], list[str]]:
    """(module-level imports, imports inside functions) of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    outer, inner = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            (outer if id(node) in top else inner).extend(names)
    return outer, inner


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_imports_inside_functions(path: Path) -> None:
    assert imports(path)[1] == []


@pytest.mark.parametrize("path", sorted((ROOT / "reminders").glob("*.py")), ids=lambda p: p.name)
def test_reminders_do_not_import_handlers_or_the_app(path: Path) -> None:
    outer, _ = imports(path)
    assert not [m for m in outer if m.startswith(("bot.handlers", "bot.app"))]


def test_calendar_file_is_pure() -> None:
    outer, _ = imports(ROOT / "core" / "calendar_file.py")
    assert not [
        m for m in outer if m.startswith(("telegram", "bot.content", "yaml", "bot.callbacks"))
    ]
