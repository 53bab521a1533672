"""Helpers shared by the terminal and Discord renderers: short source ids, citations, the
quote that best shows an event, trimming a quote around its date."""

from __future__ import annotations

import re
from collections.abc import Iterable

from knowledge.timeline.models import Event, Mention

MIN_GOOD_QUOTE_WORDS = 6
_HASHED_ID = re.compile(r"(.+?)_[0-9a-f]{8,}")


def short_source_id(source_id: str) -> str:
    """ "000_f42420c014769c46" -> "000": a content-hash suffix says nothing to a reader."""
    m = _HASHED_ID.fullmatch(source_id)
    return m.group(1) if m else source_id


def citations(mentions: Iterable[Mention]) -> list[str]:
    seen = dict.fromkeys(f"{short_source_id(m.source_id)} \u00b6{m.paragraph}" for m in mentions)
    return list(seen)


def best_mention(event: Event) -> Mention:
    """The shortest good quote: one stating the event's own date and a few words besides."""
    good = [m for m in event.mentions if len(m.quote.split()) >= MIN_GOOD_QUOTE_WORDS]
    return min(
        good or event.mentions,
        key=lambda m: (m.value != event.value, len(m.quote), m.source_id, m.paragraph),
    )


def trim_quote(quote: str, expression: str, limit: int) -> str:
    """The quote cut at word boundaries to about `limit` characters, its date words in view."""
    if len(quote) <= limit:
        return quote
    at = max(quote.find(expression), 0)
    needed = at + len(expression)
    start = 0
    if needed > limit - 2:  # the date would fall off the end: drop words from the front
        start = needed + min(20, len(quote) - needed) - (limit - 2)
        start = quote.find(" ", start) + 1 if quote.find(" ", start, at + 1) >= 0 else at
    prefix = "\u2026" if start else ""
    text = quote[start:]
    room = limit - len(prefix)
    if len(text) > room:
        cut = text[: room - 1]
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
        text = cut.rstrip(" ,;:\u2014-") + "\u2026"
    return prefix + text
