"""Which mentions tell the same happening: dates that agree and words that overlap, weighted
by rarity; merged into events, the undated ones joined only when their words clearly pick one."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence

from knowledge.corpus import Corpus
from knowledge.temporal import (
    GRANULARITY_ORDER,
    TimeValue,
)
from knowledge.text.analysis import analyze
from knowledge.timeline.extraction import ExtractedMention, collect_mentions
from knowledge.timeline.models import Event, Mention, Timeline

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


def _candidate_pairs(
    mentions: Sequence[ExtractedMention], weights: _Weights
) -> list[tuple[int, int]]:
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

    def __init__(self, member: int, mention: ExtractedMention) -> None:
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


def _merge(mentions: list[ExtractedMention], weights: _Weights) -> list[list[ExtractedMention]]:
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
    undated: list[ExtractedMention], groups: list[list[ExtractedMention]], weights: _Weights
) -> list[list[ExtractedMention] | None]:
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
    homes: list[list[ExtractedMention] | None] = []
    for u, m in enumerate(undated):
        scored = []
        for g in sorted(near.get(u, ())):
            others = [o for o in groups[g] if o.sentence_key != m.sentence_key]
            if others:
                scored.append((max(weights.overlap(m.terms, o.terms) for o in others), g))
        homes.append(_home(scored, groups))
    return homes


def _home(
    scored: list[tuple[float, int]], groups: list[list[ExtractedMention]]
) -> list[ExtractedMention] | None:
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


def _representative(group: list[ExtractedMention]) -> TimeValue:
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


def _event(group: list[ExtractedMention]) -> Event:
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
    return (event.likely_start.year, event.end, -event.start.toordinal(), event.value)
