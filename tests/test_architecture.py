"""The shape of the code: imports point down, callback data and HTML have one owner each.

These walk the source of `bot/`, so a cycle hidden in a function-level import
or a `split(":")` on callback data in a handler fails here, not in production.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"


def _module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(BOT.rglob("*.py"))}


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules of bot/ this file imports anywhere (top level, functions, TYPE_CHECKING aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m in known and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, name, known) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One representative cycle per strongly connected component (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path(module: str) -> str:
    return str(_modules()[module].relative_to(BOT.parent))


def test_cycle_finder_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_bot_has_no_import_cycles() -> None:
    problems = [" <-> ".join(c) for c in cycles(import_graph())]
    assert not problems


def test_core_imports_only_core() -> None:
    """bot/core is the bottom layer: nothing from above it, and no Telegram."""
    upward = [
        f"{module} -> {dep}"
        for module, deps in import_graph().items()
        if module.startswith("bot.core")
        for dep in deps
        if not dep.startswith("bot.core")
    ]
    assert not upward
    for path in sorted((BOT / "core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n.split(".")[0] == "telegram"], path


_CALLBACK_SPLIT = re.compile(r"\.data\b[^\n]*\.split\(")
_UNESCAPE = re.compile(r"\bunescape\(")
# i18n turns texts back into plain text; core/text measures what a reader sees (phone budgets).
HTML_OWNERS = {"bot/content.py", "bot/i18n.py", "bot/core/text.py"}


def _grep(pattern: re.Pattern[str], allowed: set[str]) -> list[str]:
    hits = []
    for path in sorted(BOT.rglob("*.py")):
        rel = str(path.relative_to(BOT.parent))
        if rel in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                hits.append(f"{rel}:{number}: {line.strip()}")
    return hits


def test_grep_patterns_catch_what_they_are_for() -> None:
    assert _CALLBACK_SPLIT.search('parts = (query.data or "").split(":")')
    assert not _CALLBACK_SPLIT.search("name.split()")
    assert _UNESCAPE.search("html.unescape(text)")


def test_only_callbacks_module_parses_callback_data() -> None:
    hits = _grep(_CALLBACK_SPLIT, {"bot/callbacks.py"})
    assert not hits


def test_only_the_texts_module_unescapes_html() -> None:
    hits = _grep(_UNESCAPE, HTML_OWNERS)
    assert not hits
