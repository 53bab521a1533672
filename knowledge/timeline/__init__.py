"""The timeline: what happened when, from the sources.

Dated events from the articles: every dated sentence is a mention, mentions of one
happening are merged across sources, and the result is saved once per corpus fingerprint.

"Same happening" is decided from the date and the words: two mentions merge when their dates
agree (equal, or one period holding the other) and the words around their dates overlap,
weighted by how rare each word is across the corpus' sentences. A mention whose date cannot
be resolved (relative to an article with no date) never gets a guessed date: it joins an event
only when its words clearly pick one, and otherwise stays in `unresolved`.

Owns: models (the JSON contract), extraction (dated sentences), merging (one event per
happening), filters (year, range, words), storage (saved once per corpus fingerprint) and
presentation helpers shared by the renderers. Dates themselves are read by knowledge.temporal.
"""

from knowledge.timeline.extraction import ExtractedMention, collect_mentions
from knowledge.timeline.filters import (
    MAX_YEAR,
    MIN_YEAR,
    FilterError,
    about_terms,
    filter_events,
    matches_about,
    parse_date_bound,
    parse_year,
)
from knowledge.timeline.merging import (
    MERGE_OVERLAP,
    MIN_SHARED_TERMS,
    SUBJECT_MIN_SENTENCES,
    SUBJECT_SHARE,
    UNDATED_MARGIN,
    UNDATED_OVERLAP,
    build_timeline,
    date_relation,
    event_sort_key,
)
from knowledge.timeline.models import TIMELINE_FORMAT, Event, Mention, Timeline
from knowledge.timeline.presentation import (
    MIN_GOOD_QUOTE_WORDS,
    best_mention,
    citations,
    short_source_id,
    trim_quote,
)
from knowledge.timeline.storage import (
    load_or_build_timeline,
    load_timeline,
    save_timeline,
    timeline_path,
)

__all__ = [
    "MAX_YEAR",
    "MERGE_OVERLAP",
    "MIN_GOOD_QUOTE_WORDS",
    "MIN_SHARED_TERMS",
    "MIN_YEAR",
    "SUBJECT_MIN_SENTENCES",
    "SUBJECT_SHARE",
    "TIMELINE_FORMAT",
    "UNDATED_MARGIN",
    "UNDATED_OVERLAP",
    "Event",
    "ExtractedMention",
    "FilterError",
    "Mention",
    "Timeline",
    "about_terms",
    "best_mention",
    "build_timeline",
    "citations",
    "collect_mentions",
    "date_relation",
    "event_sort_key",
    "filter_events",
    "load_or_build_timeline",
    "load_timeline",
    "matches_about",
    "parse_date_bound",
    "parse_year",
    "save_timeline",
    "short_source_id",
    "timeline_path",
    "trim_quote",
]
