"""The names reports and corrections are filed under, once: argparse choices, Discord choices,
the service's checks and the SQL `CHECK` constraints are all derived from these enums."""

from __future__ import annotations

from enum import StrEnum

ALL = "all"  # the filter that lists every status


class Category(StrEnum):
    """What kind of problem a report is about."""

    WRONG = "wrong"
    OUTDATED = "outdated"
    MISSING_SOURCE = "missing-source"
    OTHER = "other"


class Status(StrEnum):
    """Where a report is in its review."""

    OPEN = "open"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class CorrectionStatus(StrEnum):
    """Whether a moderator's correction is still served."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    RETIRED = "retired"


class CommunityStatus(StrEnum):
    """Where a passage members confirmed is in its review."""

    PENDING = "pending"  # shown first (with the members' mark) once enough members agree
    CONFIRMED = "confirmed"  # a moderator made it a correction
    DISMISSED = "dismissed"  # a moderator said no: never shown first again


# Plain strings (argparse shows choices with repr, and an enum member's repr is not its name).
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
CORRECTION_STATUSES: tuple[str, ...] = tuple(s.value for s in CorrectionStatus)
COMMUNITY_STATUSES: tuple[str, ...] = tuple(s.value for s in CommunityStatus)
CLOSING_STATUSES: tuple[str, ...] = (Status.RESOLVED.value, Status.REJECTED.value)


def with_all(names: tuple[str, ...]) -> tuple[str, ...]:
    """The names a listing filter accepts: each status, or all of them."""
    return (*names, ALL)


def sql_in(names: tuple[str, ...]) -> str:
    """`('a', 'b')` for a `CHECK (column IN ...)` constraint (names are fixed identifiers)."""
    return "(" + ", ".join(f"'{name}'" for name in names) + ")"
