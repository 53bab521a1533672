"""`citebot` command line: the same answers as the Discord bot, without a token.

Each command group lives in its own module and registers itself here. Keep imports of heavy
modules (discord.py) inside the commands that need them so `citebot ask` starts fast.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from bot import logs
from bot.cli import ask, chat, corrections, discord_bot, store, timeline
from bot.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, safe
from knowledge.errors import ECHO_CHARS, UserError

# A value argparse quotes back in an error ("invalid choice: '...'"), when it is long.
_LONG_QUOTED = re.compile(rf"'([^']{{{ECHO_CHARS}}})[^']+'")


class Parser(argparse.ArgumentParser):
    """argparse, with the values it quotes in an error cut short: an id pasted 100,000
    characters long must not come back whole (sub-command parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        super().error(_LONG_QUOTED.sub("'\\1\u2026'", message))


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="citebot", description="Answers questions with quoted, cited passages.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in (
        ask.register,
        timeline.register,
        store.register,
        corrections.register,
        discord_bot.register,
        chat.register,
    ):
        register(sub)
    return parser


Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(verbose=args.verbose)
    # A build longer than a couple of seconds reports its progress (knowledge/search/progress.py).
    logging.getLogger("knowledge.build").setLevel(logging.INFO)
    handler: Handler = args.handler
    try:
        return handler(args)
    except UserError as exc:
        print(f"citebot: error: {safe(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # an internal failure: one line, details only with --verbose
        logging.getLogger("citebot").info("internal failure", exc_info=True)
        print(
            f"citebot: internal error: {type(exc).__name__}: {safe(str(exc))} "
            "(run with -v for details)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
