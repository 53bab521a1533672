"""`citebot` command line: the same answers as the Discord bot, without a token.

Each command group lives in its own module and registers itself here. Keep imports of heavy
modules (discord.py) inside the commands that need them so `citebot ask` starts fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from bot import redact
from bot.render_text import visible
from bot.settings import Settings
from knowledge.answering.answer import QuestionError
from knowledge.corpus import CorpusError

# Exit codes (README "Operating citebot"): 0 done; 1 internal failure or `db check` found
# problems; 2 bad usage, input or configuration; 75 (EX_TEMPFAIL) the database stayed busy,
# try again; 130 interrupted by Ctrl-C (`citebot run` stops cleanly with 0 instead).
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75


class UsageError(Exception):
    """Bad usage or input: reported as one line on stderr with exit code 2."""


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus",
        type=Path,
        metavar="DIR",
        help="folder of source articles (default: $CITEBOT_CORPUS or bundled)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="data folder for the index and database (default: $CITEBOT_DATA)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail on any unreadable source file instead of skipping it",
    )


def warn(message: str) -> None:
    """One warning line on stderr (file names and the like shown safely)."""
    print(f"citebot: warning: {safe(message)}", file=sys.stderr)


def safe(message: str) -> str:
    """A message for the terminal: no secret, no control character."""
    return visible(redact.redact(message))


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        problem = exc.errors()[0]
        name = ".".join(str(part) for part in problem["loc"]) or "settings"
        raise UsageError(f"invalid setting {name}: {problem['msg']}") from None
    if settings.discord_token is not None:
        redact.register_secret(settings.discord_token.get_secret_value())
    if getattr(args, "corpus", None) is not None:
        settings.corpus_dir = args.corpus
    if getattr(args, "data", None) is not None:
        settings.data_dir = args.data
    return settings


def build_parser() -> argparse.ArgumentParser:
    from bot import cli_ask, cli_corrections, cli_discord, cli_store, cli_timeline

    parser = argparse.ArgumentParser(
        prog="citebot", description="Answers questions with quoted, cited passages."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in (
        cli_ask.register,
        cli_timeline.register,
        cli_store.register,
        cli_corrections.register,
        cli_discord.register,
    ):
        register(sub, _add_common)
    return parser


Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # A build longer than a couple of seconds reports its progress (knowledge/search/progress.py).
    logging.getLogger("knowledge.build").setLevel(logging.INFO)
    redact.install()
    handler: Handler = args.handler
    try:
        return handler(args)
    except (UsageError, QuestionError, CorpusError) as exc:
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


if __name__ == "__main__":
    # Run the canonical `bot.cli` module, not this `__main__` copy: commands raise
    # `bot.cli.UsageError`, which must be the class `main` catches.
    from bot.cli import main as _main

    sys.exit(_main())
