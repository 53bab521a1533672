"""House rules checked on the source itself: short functions, and knowledge/ stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 60
CHECKED = ("knowledge", "bot")
FORBIDDEN_IN_KNOWLEDGE = ("bot", "discord", "asyncio")


def _modules(package: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / package).rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def long_functions(packages: tuple[str, ...] = CHECKED, root: Path = ROOT) -> list[str]:
    """`path:line name (n lines)` for every function longer than MAX_LINES, decorators excluded."""
    found = []
    for package in packages:
        for path in _modules(package, root):
            for node in ast.walk(_tree(path)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    size = (node.end_lineno or node.lineno) - node.lineno + 1
                    if size > MAX_LINES:
                        where = path.relative_to(root).as_posix()
                        found.append(f"{where}:{node.lineno} {node.name} ({size} lines)")
    return found


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every module `path` imports, at any depth (lazy imports too)."""
    roots = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_cycle(package: str, root: Path = ROOT) -> list[str]:
    """One import cycle among `package`'s modules, lazy imports included (a function-level
    import only hides a cycle), or [] when there is none."""
    paths = {_module_name(p, root): p for p in _modules(package, root)}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        found: set[str] = set()
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        graph[name] = (found & paths.keys()) - {name}
    done: set[str] = set()

    def walk(node: str, stack: list[str]) -> list[str]:
        if node in stack:
            return [*stack[stack.index(node) :], node]
        if node not in done:
            for nxt in sorted(graph[node]):
                if cycle := walk(nxt, [*stack, node]):
                    return cycle
            done.add(node)
        return []

    return next((cycle for name in sorted(graph) if (cycle := walk(name, []))), [])


def test_no_function_is_longer_than_sixty_lines():
    assert long_functions() == []


def test_the_length_check_sees_long_functions(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(f"def short():\n    pass\n\n\ndef long():\n{body}\n")
    assert long_functions(("pkg",), tmp_path) == [f"pkg/m.py:5 long ({MAX_LINES + 1} lines)"]


def test_knowledge_never_imports_bot_discord_or_asyncio():
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & set(FORBIDDEN_IN_KNOWLEDGE))
        for path in _modules("knowledge")
    }
    assert {p: names for p, names in offenders.items() if names} == {}


def test_knowledge_has_no_import_cycle_even_through_lazy_imports():
    assert import_cycle("knowledge") == []


def test_the_cycle_check_sees_a_cycle_closed_inside_a_function(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("from pkg.b import f\n")
    (tmp_path / "pkg" / "b.py").write_text("def f():\n    from pkg import a\n")
    (tmp_path / "pkg" / "__init__.py").write_text("")
    assert import_cycle("pkg", tmp_path) == ["pkg.a", "pkg.b", "pkg.a"]


def test_the_import_check_sees_lazy_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import os\n\n\ndef f():\n    from bot.service import Service\n    import discord.ext\n"
    )
    assert imported_roots(module) == {"os", "bot", "discord"}
