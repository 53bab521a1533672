"""Finding dated sentences: every date expression in a paragraph becomes a mention, with the
words around it that say what happened."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.corpus import Corpus
from knowledge.models import Passage, Source
from knowledge.temporal import (
    TemporalExpression,
    TimeValue,
    tag_paragraphs,
)
from knowledge.text.analysis import analyze
from knowledge.timeline.models import Mention


@dataclass
class ExtractedMention:
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


def collect_mentions(corpus: Corpus) -> list[ExtractedMention]:
    out: list[ExtractedMention] = []
    for source in corpus.sources:
        tagged = tag_paragraphs([p.text for p in source.passages], source.date)
        for passage, exprs in zip(source.passages, tagged, strict=True):
            out.extend(_passage_mentions(source, passage, exprs))
    return out


def _passage_mentions(
    source: Source, passage: Passage, exprs: list[TemporalExpression]
) -> Iterable[ExtractedMention]:
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
            yield ExtractedMention(mention, expr.value, terms, key)
