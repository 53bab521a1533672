"""Dated events from the articles: every dated sentence is a mention, mentions of one
happening are merged across sources, and the result is saved once per corpus fingerprint.

"Same happening" is decided from the date and the words: two mentions merge when their dates
agree (equal, or one period holding the other) and the words around their dates overlap,
weighted by how rare each word is across the corpus' sentences. A mention whose date cannot
be resolved (relative to an article with no date) never gets a guessed date: it joins an event
only when its words clearly pick one, and otherwise stays in `unresolved`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from knowledge.analysis import analyze
from knowledge.build_once import load_or_build, lock_path
from knowledge.corpus import Corpus
from knowledge.models import Passage, Source
from knowledge.temporal import (
    GRANULARITY_ORDER,
    TAGGER_VERSION,
    Anchor,
    Granularity,
    TemporalExpression,
    TimeValue,
    parse_value,
    tag_paragraphs,
)

log = logging.getLogger(__name__)

TIMELINE_FORMAT = "1"

# Share of a mention's rarity-weighted words another mention must have to be the same
# happening; an undated mention, having no date to agree on, needs more.
MERGE_OVERLAP = 0.3
UNDATED_OVERLAP = 0.5
UNDATED_MARGIN = 1.25  # an undated mention joins an event only if it beats the runner-up so much
MIN_SHARED_TERMS = 2
# Words in more than this share of the sentences (and more than a handful) name the corpus'
# subject ("Kardashian", "Trump"), not a happening, and are left out of the comparison.
SUBJECT_SHARE = 0.2
SUBJECT_MIN_SENTENCES = 5


class Mention(BaseModel):
    """One dated sentence, quoted verbatim, with the words that date it."""

    source_id: str
    paragraph: int
    quote: str
    expression: str
    anchor: Anchor
    value: str | None = Field(None, description="this mention's own date; null if unresolved")
    approximate: bool = False
    title: str = ""
    date: dt.date | None = Field(None, description="the source's publication date")
    start: int = Field(0, description="offset of the quote in its paragraph's text")
    end: int = 0


class Event(BaseModel):
    value: str
    start: dt.date
    end: dt.date
    granularity: Granularity
    approximate: bool
    label: str
    mentions: list[Mention]


class Timeline(BaseModel):
    fingerprint: str = ""
    format: str = TIMELINE_FORMAT
    tagger: str = TAGGER_VERSION
    events: list[Event] = Field(default_factory=list)
    unresolved: list[Mention] = Field(default_factory=list)


# --- mentions ------------------------------------------------------------------------------


@dataclass
class _Mention:
    mention: Mention
    time: TimeValue | None
    terms: frozenset[str]
    sentence_key: tuple[str, int, int]  # (source, paragraph, sentence start)


_ASIDE_BREAK = re.compile(r"[;:()\u2014\u2013\[\]]|\s-\s")
_CLAUSE_BREAK = re.compile(r"[,;:()\u2014\u2013\[\]]|\s-\s|\s(?:and|but|while|whereas)\s")
_MIN_CONTEXT_WORDS = 4


def _segments(text: str, breaks: re.Pattern[str]) -> list[tuple[int, int]]:
    cuts = [0, *(m.end() for m in breaks.finditer(text)), len(text)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _context(sentence: str, spans: Sequence[tuple[int, int]], own: int) -> str:
    """The words of a sentence that speak of one of its dates, date words blanked out.

    Dashes, colons, semicolons and brackets set off asides and lists, so a date belongs to
    the stretch between them ("rang in her birthday over the weekend at Funke - and the
    pictures she posted..."). When that stretch names several dates, the first owns the words
    up to the next date (a fronted "Over the weekend, she shared..." dates the main clause)
    and each later one owns its clause onward ("...from her party on Friday, at Funke").
    """
    s, e = spans[own]
    lo, hi = 0, len(sentence)
    for a, b in _segments(sentence, _ASIDE_BREAK):
        if a <= s < b:
            stretch = sentence[a : max(b, e)]
            if len(stretch.split()) - len(sentence[s:e].split()) >= _MIN_CONTEXT_WORDS:
                lo, hi = a, max(b, e)
            break
    inside = sorted(i for i, (a, b) in enumerate(spans) if a >= lo and b <= hi)
    rank = inside.index(own) if own in inside else 0
    if rank > 0:
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, s)]
        lo = max([lo, spans[inside[rank - 1]][1], *breaks])
    if rank + 1 < len(inside):
        hi = spans[inside[rank + 1]][0]
    text = sentence[lo:hi]
    for a, b in spans:
        if lo <= a and b <= hi:
            text = text.replace(sentence[a:b], " ")
    return text


def collect_mentions(corpus: Corpus) -> list[_Mention]:
    out: list[_Mention] = []
    for source in corpus.sources:
        tagged = tag_paragraphs([p.text for p in source.passages], source.date)
        for passage, exprs in zip(source.passages, tagged, strict=True):
            out.extend(_passage_mentions(source, passage, exprs))
    return out


def _passage_mentions(
    source: Source, passage: Passage, exprs: list[TemporalExpression]
) -> Iterable[_Mention]:
    for span in passage.sentences:
        inside = [e for e in exprs if span.start <= e.start < span.end]
        quote = passage.text[span.start : span.end]
        local = [(e.start - span.start, min(e.end, span.end) - span.start) for e in inside]
        for i, expr in enumerate(inside):
            mention = Mention(
                source_id=source.source_id,
                paragraph=passage.paragraph,
                quote=quote,
                expression=expr.text,
                anchor=expr.anchor,
                value=expr.value.value if expr.value else None,
                approximate=expr.approximate,
                title=source.title,
                date=source.date,
                start=span.start,
                end=span.end,
            )
            terms = frozenset(analyze(_context(quote, local, i)))
            key = (source.source_id, passage.paragraph, span.start)
            yield _Mention(mention, expr.value, terms, key)


# --- similarity ----------------------------------------------------------------------------


class _Weights:
    """Rarity of each term across the corpus' sentences: names in every sentence count little."""

    def __init__(self, corpus: Corpus) -> None:
        df: Counter[str] = Counter()
        n = 0
        for passage in corpus.passages:
            for sentence in passage.sentence_texts():
                df.update(set(analyze(sentence)))
                n += 1
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._default = math.log(1 + n)
        floor = max(SUBJECT_SHARE * n, SUBJECT_MIN_SENTENCES)
        self.subject = frozenset(t for t, c in df.items() if c > floor)

    def __call__(self, term: str) -> float:
        return self._idf.get(term, self._default)

    def overlap(self, a: frozenset[str], b: frozenset[str]) -> float:
        """Weighted share of the smaller side's words found in the other side."""
        a, b = a - self.subject, b - self.subject
        shared = a & b
        if len(shared) < MIN_SHARED_TERMS:
            return 0.0
        smaller = min(sum(map(self, a)), sum(map(self, b)))
        return sum(map(self, shared)) / smaller if smaller else 0.0


def date_relation(a: TimeValue, b: TimeValue) -> str | None:
    """'same', 'nested' (one period holds the other) or None when they cannot be one date."""
    if a.value == b.value:
        return "same"
    if a.contains(b) or b.contains(a):
        return "nested"
    if (a.approximate or b.approximate) and a.overlaps(b):
        return "nested"
    return None


# --- merging -------------------------------------------------------------------------------


def _candidate_pairs(mentions: Sequence[_Mention], weights: _Weights) -> list[tuple[int, int]]:
    """Pairs (i < j) of dated mentions in a common year that share at least MIN_SHARED_TERMS
    words outside the subject's.

    Any other pair scores 0 on overlap (and cannot agree on a date), so this inverted index
    finds every pair that could merge while comparing only mentions that share words: near
    linear in the corpus, instead of every mention against every other.
    """
    postings: dict[tuple[str, int], list[int]] = {}
    for k, m in enumerate(mentions):
        assert m.time is not None
        years = range(m.time.start.year, m.time.end.year + 1)
        for term in m.terms - weights.subject:
            for year in years:
                postings.setdefault((term, year), []).append(k)
    by_term: dict[str, set[tuple[int, int]]] = {}
    for (term, _), members in postings.items():
        if len(members) > 1:
            by_term.setdefault(term, set()).update(itertools.combinations(members, 2))
    shared: Counter[tuple[int, int]] = Counter()
    for pairs in by_term.values():
        shared.update(pairs)
    return sorted(pair for pair, n in shared.items() if n >= MIN_SHARED_TERMS)


class _Group:
    """Mentions of one event, with what joining another group must be checked against."""

    def __init__(self, member: int, mention: _Mention) -> None:
        self.members = [member]
        self.times = {mention.time.value: mention.time} if mention.time else {}
        self.sentences = {mention.sentence_key}

    def can_join(self, other: _Group) -> bool:
        """No sentence twice, and every pair of their dates agrees."""
        return self.sentences.isdisjoint(other.sentences) and all(
            date_relation(a, b) is not None
            for a in self.times.values()
            for b in other.times.values()
        )

    def absorb(self, other: _Group) -> None:
        self.members += other.members
        self.times.update(other.times)
        self.sentences |= other.sentences


def _merge(mentions: list[_Mention], weights: _Weights) -> list[list[_Mention]]:
    """Agglomerate dated mentions, strongest word overlap first.

    Links come only from pairs in different articles. Two groups join only if every pair of
    their dates agrees (so a chain of nested dates cannot drift) and no sentence ends up twice
    (a sentence naming two dates speaks of two things).
    """
    groups: list[_Group | None] = [_Group(k, m) for k, m in enumerate(mentions)]
    owner = list(range(len(mentions)))
    pairs = []
    for i, j in _candidate_pairs(mentions, weights):
        a, b = mentions[i], mentions[j]
        assert a.time is not None and b.time is not None
        if a.mention.source_id == b.mention.source_id:
            continue  # within one article, separate dated sentences are separate statements
        relation = date_relation(a.time, b.time)
        if relation is None:
            continue
        score = weights.overlap(a.terms, b.terms)
        if score >= MERGE_OVERLAP:
            pairs.append((score, relation == "same", i, j))
    pairs.sort(key=lambda p: (-p[0], not p[1], p[2], p[3]))
    for _, _, i, j in pairs:
        gi, gj = owner[i], owner[j]
        if gi == gj:
            continue
        left, right = groups[gi], groups[gj]
        assert left is not None and right is not None
        if not left.can_join(right):
            continue
        for k in right.members:
            owner[k] = gi
        left.absorb(right)
        groups[gj] = None
    return [[mentions[k] for k in g.members] for g in groups if g is not None]


def _undated_homes(
    undated: list[_Mention], groups: list[list[_Mention]], weights: _Weights
) -> list[list[_Mention] | None]:
    """For each undated mention, the event it clearly speaks of, or None.

    Its words must match the event well and beat every event whose date disagrees with it
    by a margin; events with agreeing dates (a day inside a year) are not rivals. Only events
    sharing words with it can score, so they are found through an index of their words.
    """
    postings: dict[str, list[int]] = {}
    for g, group in enumerate(groups) if undated else ():
        for m in group:
            for term in m.terms - weights.subject:
                postings.setdefault(term, []).append(g)
    near: dict[int, set[int]] = {}
    for u, m in enumerate(undated):
        hits = Counter(g for term in m.terms - weights.subject for g in postings.get(term, ()))
        near[u] = {g for g, n in hits.items() if n >= MIN_SHARED_TERMS}
    homes: list[list[_Mention] | None] = []
    for u, m in enumerate(undated):
        scored = []
        for g in sorted(near.get(u, ())):
            others = [o for o in groups[g] if o.sentence_key != m.sentence_key]
            if others:
                scored.append((max(weights.overlap(m.terms, o.terms) for o in others), g))
        homes.append(_home(scored, groups))
    return homes


def _home(scored: list[tuple[float, int]], groups: list[list[_Mention]]) -> list[_Mention] | None:
    if not scored:
        return None
    best_score, best = max(scored, key=lambda x: x[0])
    if best_score < UNDATED_OVERLAP:
        return None
    best_time = _representative(groups[best])
    rivals = [
        score for score, g in scored if date_relation(best_time, _representative(groups[g])) is None
    ]
    if rivals and best_score < UNDATED_MARGIN * max(rivals):
        return None
    return groups[best]


def _representative(group: list[_Mention]) -> TimeValue:
    """The event's date: the finest one its mentions give, exact before approximate."""
    times = [m.time for m in group if m.time is not None]
    counts = Counter(t.value for t in times)
    return min(
        times,
        key=lambda t: (
            GRANULARITY_ORDER.index(t.granularity),
            t.approximate,
            -counts[t.value],
            t.start,
        ),
    )


def build_timeline(corpus: Corpus) -> Timeline:
    mentions = collect_mentions(corpus)
    weights = _Weights(corpus)
    dated = [m for m in mentions if m.time is not None]
    undated = [m for m in mentions if m.time is None]
    groups = _merge(dated, weights)
    unresolved: list[Mention] = []
    for m, target in zip(undated, _undated_homes(undated, groups, weights), strict=True):
        if target is None:
            unresolved.append(m.mention)
        else:
            target.append(m)
    events = [_event(g) for g in groups]
    events.sort(key=event_sort_key)
    return Timeline(fingerprint=corpus.fingerprint, events=events, unresolved=unresolved)


def _event(group: list[_Mention]) -> Event:
    time = _representative(group)
    ordered = sorted(
        group, key=lambda m: (m.mention.source_id, m.mention.paragraph, m.mention.start)
    )
    return Event(
        value=time.value,
        start=time.start,
        end=time.end,
        granularity=time.granularity,
        approximate=time.approximate,
        label=time.label,
        mentions=[m.mention for m in ordered],
    )


def event_sort_key(event: Event) -> tuple:
    """Chronological; inside a year, finer dates before the coarser ones holding them.

    A decade with a best-guess year ("about 2013") sorts at that year.
    """
    year = event.start.year
    if event.granularity == "decade":
        guess = re.search(r"\d{4}", event.label)
        year = int(guess.group()) if guess else year
    return (year, event.end, -event.start.toordinal(), event.value)


# --- filters -------------------------------------------------------------------------------


class FilterError(ValueError):
    """A filter cannot be applied as given (bad date, empty range, no words)."""


MIN_YEAR, MAX_YEAR = 1, 9999
_DATE_ARG = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_date_bound(text: str, flag: str) -> TimeValue:
    """YYYY, YYYY-MM or YYYY-MM-DD as the period it names."""
    m = _DATE_ARG.fullmatch(text.strip())
    value = parse_value(text.strip()) if m else None
    if value is None:
        raise FilterError(f"{flag} {text!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def parse_year(text: str) -> int:
    try:
        year = int(text.strip())
    except ValueError:
        raise FilterError(f"--year {text!r} is not a year; use four digits, e.g. 2018") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FilterError(f"--year {year} is out of range ({MIN_YEAR}\u2013{MAX_YEAR})")
    return year


def filter_events(
    events: Sequence[Event],
    *,
    year: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    about: str | None = None,
) -> list[Event]:
    """Events overlapping the year and the [start, end] range, whose mentions hold all the
    words of `about` (analysed as search analyses them)."""
    if start and end and start > end:
        raise FilterError(f"--from {start} is after --to {end}")
    terms = about_terms(about) if about is not None else []
    lo = max(d for d in (start, dt.date(year, 1, 1) if year else None, dt.date.min) if d)
    hi = min(d for d in (end, dt.date(year, 12, 31) if year else None, dt.date.max) if d)
    return [
        e
        for e in events
        if e.start <= hi and e.end >= lo and (not terms or matches_about(e.mentions, terms))
    ]


def about_terms(text: str) -> list[str]:
    terms = list(dict.fromkeys(analyze(text)))
    if not terms:
        raise FilterError(f"--about {text!r} has no words to look for (only common words)")
    return terms


def matches_about(mentions: Iterable[Mention], terms: Sequence[str]) -> bool:
    found: set[str] = set()
    for mention in mentions:
        found.update(analyze(mention.quote))
    return all(t in found for t in terms)


# --- storage -------------------------------------------------------------------------------


def timeline_path(data_dir: Path, fingerprint: str) -> Path:
    """Beside the index folder: data_dir/timeline/<fingerprint>.json."""
    return Path(data_dir) / "timeline" / f"{fingerprint}.json"


def save_timeline(timeline: Timeline, path: Path) -> None:
    """Write atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(timeline.model_dump_json(), encoding="utf-8")
    os.replace(tmp, path)


def load_timeline(path: Path, fingerprint: str) -> Timeline | None:
    """The saved timeline, or None when it is missing, unreadable or made by another version."""
    try:
        timeline = Timeline.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError) as exc:
        log.warning("cannot read the saved timeline %s (%s); rebuilding", path, exc)
        return None
    if (timeline.format, timeline.tagger, timeline.fingerprint) != (
        TIMELINE_FORMAT,
        TAGGER_VERSION,
        fingerprint,
    ):
        return None
    return timeline


def load_or_build_timeline(corpus: Corpus, data_dir: Path | None) -> Timeline:
    """Computed once per corpus fingerprint; with no data folder, built in memory."""
    if data_dir is None:
        return build_timeline(corpus)
    path = timeline_path(data_dir, corpus.fingerprint)

    def build() -> Timeline:
        timeline = build_timeline(corpus)
        try:
            save_timeline(timeline, path)
        except OSError as exc:
            log.warning("cannot save the timeline to %s (%s)", path, exc.strerror or exc)
        return timeline

    lock = lock_path(data_dir, "timeline", corpus.fingerprint)
    return load_or_build(
        lock, lambda: load_timeline(path, corpus.fingerprint), build, what=f"the timeline {path}"
    )


# --- presentation helpers (shared by the terminal and Discord renderers) ------------------

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
