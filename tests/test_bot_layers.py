"""The bot's wiring, checked: faces (CLI, terminal chat, Discord) reach knowledge/ only through
the service and the renderers, the CLI's command modules never import the parser back, the
terminal chat needs no Discord cog, discord.py stays in the Discord face (and the renderer that
draws its embeds), and bot/ has no import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
FACES = ("bot/cli", "bot/discord")
# What a face may take from knowledge/: the exception root and the one atomic-write helper
# (models come re-exported by the service and the renderers).
FACE_KNOWLEDGE = {"knowledge.errors", "knowledge.files"}
# bot/'s top-level modules serve every face; only the renderer draws Discord's embeds.
DISCORD_RENDERER = "render.py"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """Modules `path` imports (TYPE_CHECKING blocks left out: they never run); with
    `top_level_only`, those run when the module loads (not the ones inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    if top_level_only:
        nodes: list[ast.AST] = []
        pending: list[ast.stmt] = list(tree.body)
        while pending:
            stmt = pending.pop()
            nodes.append(stmt)
            if isinstance(stmt, ast.If | ast.Try):
                pending += [*stmt.body, *stmt.orelse, *getattr(stmt, "finalbody", [])]
    else:
        nodes = list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _bot_files() -> list[Path]:
    return sorted(BOT.rglob("*.py"))


def test_faces_take_nothing_from_knowledge_but_its_shared_primitives() -> None:
    for path in _bot_files():
        if not str(path.relative_to(ROOT)).startswith(FACES):
            continue
        used = {
            name
            for name in _imports(path, top_level_only=False)
            if name.startswith("knowledge.") and name.count(".") == 1
        }
        assert used <= FACE_KNOWLEDGE, f"{path.relative_to(ROOT)} imports {used - FACE_KNOWLEDGE}"


def test_nothing_imports_the_cli_parser_back() -> None:
    for path in _bot_files():
        if path.name == "__init__.py" and path.parent.name == "cli":
            continue  # the entry point itself loads the parser, lazily
        if path == BOT / "cli" / "app.py":
            continue
        names = _imports(path, top_level_only=False)
        assert "bot.cli.app" not in names, path.relative_to(ROOT)
        assert not any(n.startswith("bot.cli.") for n in names if path.parts[-2] != "cli"), path


def test_the_terminal_chat_needs_no_discord_cog() -> None:
    for path in (BOT / "cli").glob("chat*.py"):
        names = _imports(path, top_level_only=False)
        assert not any(n.startswith("bot.discord") for n in names), path


def test_only_the_discord_face_and_its_renderer_import_discord() -> None:
    for path in BOT.glob("*.py"):
        names = _imports(path, top_level_only=False)
        uses_discord = any(n == "discord" or n.startswith("discord.") for n in names)
        assert not uses_discord or path.name == DISCORD_RENDERER, (
            f"{path.relative_to(ROOT)} imports discord: it belongs in bot/discord/"
        )


def test_bot_has_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    modules = {_module(p) for p in _bot_files()}
    for path in _bot_files():
        names = _imports(path, top_level_only=True)
        graph[_module(path)] = {n for n in names if n in modules and n != _module(path)}
    done: set[str] = set()

    def walk(node: str, stack: list[str]) -> None:
        if node in stack:
            raise AssertionError(" -> ".join([*stack[stack.index(node) :], node]))
        if node in done:
            return
        for nxt in sorted(graph.get(node, ())):
            walk(nxt, [*stack, node])
        done.add(node)

    for module in sorted(graph):
        walk(module, [])
