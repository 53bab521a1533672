"""Progress of a long build: a tqdm bar on a terminal, periodic log lines otherwise.

Nothing is shown for builds that finish within a couple of seconds (the bundled corpus, tests):
the bar appears after `delay` seconds, and log lines start after the same delay.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger("knowledge.build")

DELAY = 2.0  # seconds before anything is shown
LOG_EVERY = 30.0  # seconds between log lines when stderr is not a terminal


class Progress:
    """Phases with an optional total; `advance` moves within the current phase."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._enabled = enabled
        self._tty = enabled and bool(getattr(self._stream, "isatty", lambda: False)())
        self._bar = None
        self._began = time.monotonic()
        self._name = ""
        self._total: float | None = None
        self._done = 0.0
        self._phase_began = self._began
        self._last_log = self._began

    @classmethod
    def quiet(cls) -> Progress:
        return cls(enabled=False)

    def phase(self, name: str, total: float | None, unit: str = "it") -> None:
        self.close()
        self._name, self._total, self._done = name, total, 0.0
        self._phase_began = time.monotonic()
        if self._tty:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc=name,
                unit=unit,
                unit_scale=True,
                delay=max(0.0, DELAY - (self._phase_began - self._began)),
                file=self._stream,
                leave=False,
                dynamic_ncols=True,
            )
        elif self._enabled and time.monotonic() - self._began >= DELAY:
            log.info("building: %s", name)

    def advance(self, amount: float = 1) -> None:
        self._done += amount
        if self._bar is not None:
            self._bar.update(amount)
            return
        now = time.monotonic()
        if not self._enabled or now - self._last_log < LOG_EVERY or now - self._began < DELAY:
            return
        self._last_log = now
        if self._total:
            share = self._done / self._total
            elapsed = now - self._phase_began
            left = elapsed * (1 - share) / share if share > 0 else float("nan")
            log.info(
                "building: %s %.0f%% (%.0f s elapsed, about %.0f s left)",
                self._name,
                100 * share,
                elapsed,
                left,
            )
        else:
            log.info("building: %s (%.0f s elapsed)", self._name, now - self._phase_began)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def finished(self, what: str) -> None:
        self.close()
        elapsed = time.monotonic() - self._began
        if self._enabled and elapsed >= DELAY:
            log.info("built %s in %.1f s", what, elapsed)
