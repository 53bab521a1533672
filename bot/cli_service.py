"""Run one CLI command against the service: one event loop, one Service, errors as one line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.service import Service, ServiceError
from bot.store import StoreBusyError, StoreError

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
) -> T:
    """Open the service from the command's settings, run `work`, close it.

    User-fixable problems (bad input, a database file that cannot be used) become UsageError
    (exit 2); a database kept locked past the busy timeout exits 75 (try again).
    """
    from bot.cli import EXIT_BUSY, UsageError, safe, settings_from, warn

    settings = settings_from(args)

    async def main() -> T:
        service = await Service.open(
            settings, strict=getattr(args, "strict", False), load_library=load_library
        )
        async with service:
            if load_library:
                _warn(service)
            result = await work(service)
            if not load_library and service.library_loaded:
                _warn(service)
            for warning in service.warnings:  # corrections retired by a changed corpus
                warn(warning)
            return result

    try:
        return asyncio.run(main())
    except StoreBusyError as exc:
        print(f"citebot: error: {safe(str(exc))}", file=sys.stderr)
        raise SystemExit(EXIT_BUSY) from exc
    except (ServiceError, StoreError) as exc:
        raise UsageError(str(exc)) from exc


def _warn(service: Service) -> None:
    from bot.cli import warn

    for warning in service.library.corpus.warnings:
        warn(warning)
