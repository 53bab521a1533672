"""What every `citebot` command shares: exit codes, the one-line error type, settings from the
command line, safe terminal output, and one Service per command. Imports no command module, so
nothing here imports back from the parser (bot/cli/app.py)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from bot import redact
from bot.render_text import visible
from bot.service import Service
from bot.settings import Settings
from bot.store import StoreBusyError, StoreError
from knowledge.errors import UserError

# Exit codes (README "Operating citebot"): 0 done; 1 internal failure or `db check` found
# problems; 2 bad usage, input or configuration; 75 (EX_TEMPFAIL) the database stayed busy,
# try again; 130 interrupted by Ctrl-C (`citebot run` stops cleanly with 0 instead).
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75


class UsageError(UserError):
    """Bad usage or input: reported as one line on stderr with exit code 2."""


def add_common(parser: argparse.ArgumentParser) -> None:
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


def add_nested_common(parser: argparse.ArgumentParser) -> None:
    """Common options on a nested action must not reset what was given before the action
    (`citebot reports --data D resolve 3`): argparse copies a subparser's defaults over them."""
    before = set(map(id, parser._actions))
    add_common(parser)
    for action in parser._actions:
        if id(action) not in before:
            action.default = argparse.SUPPRESS


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


T = TypeVar("T")


def local_user() -> str:
    """The name reports and resolutions are filed under when none is given."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "cli"


def run_service(
    args: argparse.Namespace,
    work: Callable[[Service], Awaitable[T]],
    *,
    load_library: bool = True,
    database: bool = True,
) -> T:
    """Open the service from the command's settings, run `work`, close it.

    User-fixable problems (bad input, a database file that cannot be used) become UsageError
    (exit 2); a database kept locked past the busy timeout exits 75 (try again).
    """
    settings = settings_from(args)

    async def main() -> T:
        service = await Service.open(
            settings,
            strict=getattr(args, "strict", False),
            load_library=load_library,
            database=database,
        )
        async with service:
            if load_library:
                _warn(service)
            result = await work(service)
            if not load_library and service.library_loaded:
                _warn(service)
            return result

    try:
        return asyncio.run(main())
    except StoreBusyError as exc:
        print(f"citebot: error: {safe(str(exc))}", file=sys.stderr)
        raise SystemExit(EXIT_BUSY) from exc
    except (UserError, StoreError) as exc:
        raise UsageError(str(exc)) from exc


def _warn(service: Service) -> None:
    for warning in service.library.corpus.warnings:
        warn(warning)
