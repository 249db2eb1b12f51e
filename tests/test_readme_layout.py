"""README's "Layout" names every module, so a newcomer finds a feature by its name there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "handlers", "reminders", "testing")


def _layout() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Layout")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def _named(layout: str) -> set[str]:
    """Every `code` span in the section: a module is named by its path or, in a package's
    list, by its bare name."""
    return {s.strip() for s in re.findall(r"`([^`]+)`", layout)}


def _modules() -> list[tuple[str, set[str]]]:
    """(module path, the spellings that name it in the README)."""
    found: list[tuple[str, set[str]]] = []
    for path in sorted((ROOT / "bot").glob("*.py")):
        if path.stem not in ("__init__", "__main__"):
            found.append((f"bot/{path.name}", {f"bot/{path.name}", path.name}))
    for package in PACKAGES:
        for path in sorted((ROOT / "bot" / package).glob("*.py")):
            if path.stem != "__init__":
                full = f"bot/{package}/{path.name}"
                found.append((full, {full, f"{package}/{path.name}", path.stem}))
    return found


MODULES = _modules()


@pytest.mark.parametrize(("module", "spellings"), MODULES, ids=[m for m, _ in MODULES])
def test_readme_layout_names_the_module(module: str, spellings: set[str]) -> None:
    assert spellings & _named(_layout()), f"README's Layout does not name {module}"


def test_the_layout_section_is_found() -> None:
    assert "bot/core/" in _layout()
