"""The store's exceptions, and the advice its messages share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from knowledge.errors import CitebotError

if TYPE_CHECKING:
    from bot.store.models import CommunityAnswer, Correction, Report

RESTORE_HELP = (
    "Restore your latest backup with `citebot db restore FILE` (made by `citebot db backup "
    "FILE`; it moves the damaged file aside), or move or rename it yourself to start an empty "
    "database"
)


class StoreError(CitebotError):
    """The database cannot be used as it is; the message names the file and what to do."""


class StoreBusyError(StoreError):
    """Another process held the database for longer than the busy timeout."""


class RecordNotFound(CitebotError, LookupError):
    """No answer or report with that id (in that guild)."""


class ReportClosed(CitebotError):
    """The report was already resolved or rejected."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"report {report.report_id} is already {report.status}")
        self.report = report


class CorrectionClosed(CitebotError):
    """The correction was already withdrawn or retired."""

    def __init__(self, correction: Correction) -> None:
        super().__init__(f"correction {correction.correction_id} is already {correction.status}")
        self.correction = correction


class CommunityClosed(CitebotError):
    """The community answer was already confirmed or dismissed."""

    def __init__(self, community: CommunityAnswer) -> None:
        super().__init__(f"community answer {community.community_id} is already {community.status}")
        self.community = community


def busy_message(location: str, busy_timeout: float, holder_hint: str) -> str:
    return (
        f"the database {location} is busy: it stayed locked by another citebot process for "
        f"over {busy_timeout:g} s, and nothing was changed; try again in a moment (if it stays "
        f"busy, look for the process holding it: {holder_hint})"
    )
