"""Compose an extractive answer: quote the best-ranked sentences verbatim, cite them, abstain
when the confidence is below the threshold learned on data, and say when sources disagree.

Never writes text of its own: every quote is a slice of a passage (a sentence, or two adjacent
sentences when the answer sits next door).
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.features import answer_gaps, nearness
from knowledge.library import Library
from knowledge.mentions import Kind, Mention
from knowledge.models import Answer, Quote
from knowledge.ranking import Candidate, Options, Ranking, rank

# Part of the answer-cache key: bump whenever answer_question() can give a different answer to
# the same question over the same corpus, so no cached answer from the old logic is served.
ANSWERER_VERSION = "1"
MAX_QUESTION_CHARS = 500
NO_ANSWER_NOTE = "I couldn't find that in the sources."
DISAGREE_NOTE = "The sources differ on this; each side is quoted with its source."
_MAX_QUOTES = 3
_CLOSEST = 2
_QUOTE_MARGIN = 1.0  # ranker score (log-odds) within which a runner-up is quoted too
_NEIGHBOUR_MARGIN = 1.0  # a neighbour scored this close to the best is quoted with it
_DISAGREE_MARGIN = 2.5  # a contradicting source may be further behind and still be shown
# Kinds whose facts can be compared across sources; reasons and manners are not facts.
_FACT_KINDS = frozenset({Kind.DATE, Kind.NUMBER, Kind.PERSON, Kind.PLACE, Kind.NAME})


class QuestionError(ValueError):
    """The question cannot be asked as given (empty, too long)."""


def clean_question(question: str) -> str:
    question = " ".join(question.split())
    if not question:
        raise QuestionError(
            'the question is empty; ask something, e.g. citebot ask "Where did they first meet?"'
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}"
        )
    return question


def answer_question(library: Library, question: str, options: Options | None = None) -> Answer:
    question = clean_question(question)
    return compose(library, rank(library, question, options or Options()))


@dataclass
class _Unit:
    """A quotable unit: a sentence, or it and one neighbour, of one passage."""

    candidate: Candidate
    first: int  # sentence positions, inclusive
    last: int


def compose(library: Library, ranking: Ranking) -> Answer:
    question = ranking.question.text
    best = ranking.best
    if best is None:
        return Answer(question=question, answered=False, note=NO_ANSWER_NOTE)
    confidence = ranking.confidence()
    if confidence < ranking.model.threshold:
        closest = [_quote(library, _unit(library, ranking, c)) for c in _distinct(ranking)]
        return Answer(
            question=question,
            answered=False,
            note=NO_ANSWER_NOTE,
            confidence=round(confidence, 4),
            closest=closest[:_CLOSEST],
        )
    chosen = [c for c in _distinct(ranking) if c.score >= best.score - _QUOTE_MARGIN]
    chosen = chosen[:_MAX_QUOTES]
    units = [_unit(library, ranking, c) for c in chosen]
    sides = _disagreement(library, ranking, units)
    note = None
    if sides is not None:
        units = sides
        note = DISAGREE_NOTE
    return Answer(
        question=question,
        answered=True,
        quotes=[_quote(library, u) for u in units],
        note=note,
        confidence=round(confidence, 4),
        disagreement=sides is not None,
    )


def _distinct(ranking: Ranking) -> list[Candidate]:
    """The best candidate of each paragraph, best first."""
    seen: set[int] = set()
    out = []
    for c in ranking.candidates:
        if c.passage not in seen:
            seen.add(c.passage)
            out.append(c)
    return out


def _unit(library: Library, ranking: Ranking, c: Candidate) -> _Unit:
    """A sentence, extended by a neighbour that is nearly as good, or that holds the kind of
    answer asked for when the sentence itself does not."""
    stats = library.sentences
    q = ranking.question
    p = c.passage
    neighbours = [
        n for n in (c.sentence + 1, c.sentence - 1) if stats.first[p] <= n < stats.first[p + 1]
    ]
    scores = {x.sentence: x.score for x in ranking.candidates if x.passage == p}
    close = [n for n in neighbours if scores.get(n, -1e9) >= c.score - _NEIGHBOUR_MARGIN]
    if close:
        n = max(close, key=lambda x: scores[x])
        return _Unit(c, min(n, c.sentence), max(n, c.sentence))
    if not q.accepts & _FACT_KINDS:
        return _Unit(c, c.sentence, c.sentence)
    own = nearness(c.sentence, q, ranking.terms, stats)
    near = [(nearness(n, q, ranking.terms, stats), n) for n in neighbours]
    gain, n = max(near, default=(0.0, -1))
    if gain > own:  # the neighbour holds the asked-for fact closer to the question's words
        return _Unit(c, min(n, c.sentence), max(n, c.sentence))
    return _Unit(c, c.sentence, c.sentence)


def _answer_mentions(library: Library, ranking: Ranking, unit: _Unit) -> list[Mention]:
    """Mentions of the asked-for kind in a unit, nearest to the question's words first."""
    q = ranking.question
    found = [
        (gap, s, m)
        for s in range(unit.first, unit.last + 1)
        for gap, m in answer_gaps(s, q, ranking.terms, library.sentences)
        if m.kind in _FACT_KINDS
    ]
    return [m for _, _, m in sorted(found, key=lambda x: (x[0], x[1], x[2].start))]


def _disagreement(library: Library, ranking: Ranking, units: list[_Unit]) -> list[_Unit] | None:
    """Quotes from different sources whose nearest facts of the asked kind share nothing."""
    if not ranking.question.accepts & _FACT_KINDS:
        return None
    best = units[0]
    source_of = library.passages
    facts = _answer_mentions(library, ranking, best)
    if not facts:
        return None
    first_fact = facts[0].words
    pool = [_unit(library, ranking, c) for c in _distinct(ranking)[1:]]
    threshold = ranking.model.threshold
    for unit in pool:
        c = unit.candidate
        if c.score < best.candidate.score - _DISAGREE_MARGIN:
            break
        if source_of[c.passage].source_id == source_of[best.candidate.passage].source_id:
            continue
        if ranking.confidence(c) < threshold:
            continue
        other = _answer_mentions(library, ranking, unit)
        if other and first_fact.isdisjoint(other[0].words):
            agreeing = [
                u
                for u in units[1:]
                if u.candidate.passage != c.passage
                and (m := _answer_mentions(library, ranking, u))
                and not first_fact.isdisjoint(m[0].words)
            ]
            return [best, unit, *agreeing][:_MAX_QUOTES]
    return None


def _quote(library: Library, unit: _Unit) -> Quote:
    stats = library.sentences
    c = unit.candidate
    passage = library.passages[c.passage]
    source = library.corpus.source(passage.source_id)
    start, end = stats.spans[unit.first].start, stats.spans[unit.last].end
    return Quote(
        text=passage.text[start:end],
        source_id=source.source_id,
        title=source.title,
        date=source.date,
        paragraph=passage.paragraph,
        score=round(c.score, 4),
        url=source.url,
        start=start,
        end=end,
    )
