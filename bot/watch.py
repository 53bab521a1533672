"""`citebot run` follows the corpus folder: a file added, saved or deleted there is applied to
the served library within a second or two, without a restart (bot/library_updates.py).

watchfiles reports the folder's changes in batches (debounced: an editor's save, often a write
to a temporary name and a rename, comes as one batch); only source files and the alias file
count.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.corpus import ALIASES_FILE, SOURCE_SUFFIXES
from knowledge.errors import UserError

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)

DEBOUNCE_MS = 800


def _counts(_change: object, path: str) -> bool:
    name = Path(path).name
    if name.startswith("."):  # temporary files of atomic writes and editors
        return False
    return name.lower() == ALIASES_FILE or Path(name).suffix.lower() in SOURCE_SUFFIXES


async def watch_corpus(
    service: Service, folder: Path, *, stop: asyncio.Event | None = None
) -> None:
    """Apply each batch of changes to the service's library until cancelled or `stop` is set."""
    from watchfiles import awatch

    async for batch in awatch(
        folder, watch_filter=_counts, debounce=DEBOUNCE_MS, recursive=False, stop_event=stop
    ):
        try:
            if any(Path(path).name.lower() == ALIASES_FILE for _, path in batch):
                service.updates.start_merge()  # new aliases change every answer: build afresh
                continue
            changes = await service.apply_source_changes()
        except UserError as exc:
            log.warning("cannot apply the changes in %s: %s", folder, exc)
            continue
        except Exception:  # a bug must not stop the bot from serving: logged, watched on
            log.exception("cannot apply the changes in %s", folder)
            continue
        for warning in changes.warnings:
            log.warning("%s", warning)
