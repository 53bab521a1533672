"""The `citebot` command line: one module per command group (ask/sources/index, timeline,
store, corrections, discord run/sync/health, chat), their shared helpers in `common`, the parser
in `app`. Every command goes through `bot.service.Service`."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """The `citebot` entry point (imported lazily so `bot.cli.common` loads without the parser)."""
    from bot.cli.app import main as run

    return run(argv)
