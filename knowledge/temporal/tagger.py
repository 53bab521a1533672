"""Tagging a text: find the rules' matches, then resolve them in reading order.

`find_dates(sentence)` tags one text on its own (absolute dates resolve; relative ones resolve
only against the reference date you pass). `tag_paragraphs()` tags a whole article in reading
order, so "The following month" can lean on the last dated event before it and quoted "next
week" on the day the quote was said.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from knowledge.models import Span
from knowledge.temporal.resolvers import (
    CALENDAR_RULES,
    COMPARISONS,
    NEEDS_ANTECEDENT,
    Resolution,
    State,
    resolve,
)
from knowledge.temporal.rules import Candidate, find_candidates
from knowledge.temporal.values import TemporalExpression, TimeValue
from knowledge.text.analysis import split_sentences

TAGGER_VERSION = "3"
# Rules that refer to the reported quarter rather than name one for later "the quarter".
_NOT_NAMING_QUARTER = frozenset({"quarter-anaphor", "period-ended"})


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside double quotes (curly or straight), for "said" time of quoted speech."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\u201c[^\u201c\u201d]*(?:\u201d|$)", text)]
    spans += [(m.start(), m.end()) for m in re.finditer(r'"[^"]*"', text)]
    return spans


def _sentence_around(text: str, spans: list[Span], start: int) -> tuple[str, int]:
    for span in spans:
        if span.start <= start < span.end:
            return text[span.start : span.end], span.start
    return text, 0


def _expression(c: Candidate, text: str, resolved: Resolution) -> TemporalExpression:
    anchor, value, approximate = resolved
    return TemporalExpression(
        text=text[c.start : c.end],
        start=c.start,
        end=c.end,
        anchor=anchor,
        value=value,
        approximate=approximate or bool(value and value.approximate),
        rule=c.rule,
    )


def _tag(text: str, state: State) -> list[TemporalExpression]:
    candidates = find_candidates(text)
    quotes = _quote_spans(text)
    sentences = split_sentences(text)
    state.speech_day = None
    # Calendar dates first, so "two weeks after May 5, 2018" can see the date after it.
    state.pending = []
    for c in candidates:
        if c.rule in CALENDAR_RULES:
            state.pending.append(_expression(c, text, resolve(c, text, ("", 0), False, state)))
    out: list[TemporalExpression] = []
    sentence_at = -1
    for c in candidates:
        in_quote = any(s < c.start and c.end <= e for s, e in quotes)
        sentence = _sentence_around(text, sentences, c.start)
        if sentence[1] != sentence_at:
            sentence_at, state.in_sentence = sentence[1], None
        expr = _expression(c, text, resolve(c, text, sentence, in_quote, state))
        value = expr.value
        if value is None and c.rule in NEEDS_ANTECEDENT:
            continue
        out.append(expr)
        if value is not None:
            state.previous = value
            if c.rule not in COMPARISONS:  # a year-ago figure is compared, not reported
                state.in_sentence = value
                if value.granularity == "quarter" and c.rule not in _NOT_NAMING_QUARTER:
                    state.quarter = value
            if value.granularity == "day" and not in_quote:
                state.speech_day = value.start
    state.pending = []
    return out


def find_dates(
    text: str,
    reference: dt.date | None = None,
    *,
    previous: TimeValue | None = None,
) -> list[TemporalExpression]:
    """Temporal expressions in one text (a sentence or a paragraph), in order.

    `reference` is the date the text was written (publication); `previous` the last dated
    event before it. Without them, expressions relative to them come back unresolved
    (`value` None) rather than guessed.
    """
    return _tag(text, State(publication=reference, previous=previous))


def tag_paragraphs(
    paragraphs: Sequence[str], publication: dt.date | None
) -> list[list[TemporalExpression]]:
    """Tag an article's paragraphs in reading order, chaining relative expressions."""
    state = State(publication=publication)
    return [_tag(text, state) for text in paragraphs]
