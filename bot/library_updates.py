"""Changes to the corpus folder applied to a serving library, and merged in the background.

A change (a file added, edited or removed; `sources add`/`remove`; the watcher in `citebot
run`) is applied in a worker thread: only the new or changed files are read, into a small
segment (knowledge/search/live.py), and the removed ones hidden at once. When the segment and
the hidden sources together grow past a share of the library, a full build of the folder runs
in the background and becomes the new base; answers keep coming from the current state
meanwhile, and the swap is a single assignment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from knowledge.search.library import Library
from knowledge.search.live import LiveLibrary, SourceChanges

log = logging.getLogger(__name__)

MERGE_SHARE = 0.05  # merge when changed passages pass this share of the base...
MERGE_MIN_PASSAGES = 2000  # ...and this many (a small library merges at once: it is quick)


class LibraryUpdates:
    """The live state of one service's library."""

    def __init__(
        self,
        live: LiveLibrary,
        reopen: Callable[[], Library],
        *,
        strict: bool,
        on_merged: Callable[[Library], None] | None = None,
        auto_merge: bool = False,
    ) -> None:
        self.live = live
        self.auto_merge = auto_merge  # a long-running bot merges; a one-off command never waits
        self._on_merged = on_merged
        self._reopen = reopen  # a full build of the folder as it is now (or its saved build)
        self._strict = strict
        self._lock = asyncio.Lock()
        self._merging: asyncio.Task[None] | None = None
        self.merge_share = MERGE_SHARE
        self.merge_min_passages = MERGE_MIN_PASSAGES

    async def apply(self) -> SourceChanges:
        """Bring the library in line with the folder; returns what changed."""
        async with self._lock:
            live, changes = await asyncio.to_thread(self.live.refreshed, strict=self._strict)
            self.live = live
        if changes:
            log.info(
                "sources: %d added, %d changed, %d removed",
                len(changes.added),
                len(changes.changed),
                len(changes.removed),
            )
        if self.auto_merge and self.merge_due():
            self.start_merge()
        return changes

    def merge_due(self) -> bool:
        live = self.live
        pending = live.segment_passages + live.hidden_passages
        limit = max(self.merge_min_passages, self.merge_share * live.base.data.n_passages)
        return pending > 0 and (pending >= limit or live.base.data.n_passages < limit)

    def start_merge(self) -> asyncio.Task[None]:
        """The background merge, started unless one is running."""
        if self._merging is None or self._merging.done():
            self._merging = asyncio.ensure_future(self.merge())
        return self._merging

    async def merge(self) -> None:
        """Build the folder in full (a worker thread) and serve it as the new base."""
        base = await asyncio.to_thread(self._reopen)
        async with self._lock:
            fresh = LiveLibrary(base, digests=self.live.digests)
            self.live, _ = await asyncio.to_thread(fresh.refreshed, strict=self._strict)
        if self._on_merged is not None:
            self._on_merged(base)
        log.info("sources merged: %d passages in the library", base.data.n_passages)

    async def close(self) -> None:
        if self._merging is not None and not self._merging.done():
            self._merging.cancel()
            await asyncio.gather(self._merging, return_exceptions=True)
