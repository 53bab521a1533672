"""Rule-based temporal tagger: English date expressions -> TIMEX3-style values.

Owns finding dates in text and resolving them, nothing else (no storage, no presentation).
Pure functions over text, in layers each importing only those listed before it:

- `values`: resolved dates (TIMEX3 values with the ISO interval bounding them), parsing them back;
- `words`: the tagger's English (month and weekday names, number words, context cues);
- `rules`: one pattern per family of expressions, and the choice among overlapping matches;
- `shifts` and `resolvers`: one small resolver per rule, keyed by the rule's name;
- `tagger`: reading a text or an article in order (`find_dates`, `tag_paragraphs`).
"""

from knowledge.temporal.tagger import TAGGER_VERSION, find_dates, tag_paragraphs
from knowledge.temporal.values import (
    GRANULARITY_ORDER,
    Anchor,
    Granularity,
    TemporalExpression,
    TimeValue,
    parse_value,
)

__all__ = [
    "GRANULARITY_ORDER",
    "TAGGER_VERSION",
    "Anchor",
    "Granularity",
    "TemporalExpression",
    "TimeValue",
    "find_dates",
    "parse_value",
    "tag_paragraphs",
]
