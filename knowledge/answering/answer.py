"""Compose an extractive answer: quote the best-ranked sentences verbatim, cite them, abstain
when the confidence is below the threshold learned on data, and say when sources disagree.

Never writes text of its own: every quote is a slice of a passage (a sentence, or two adjacent
sentences when the answer sits next door).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from knowledge.answering.features import answer_mentions, detail_match, nearness
from knowledge.answering.ranking import Candidate, Options, Ranking, rank
from knowledge.errors import UserError
from knowledge.models import Answer, Quote, quote_of
from knowledge.search.expansion import QueryTerm
from knowledge.search.library import Library
from knowledge.text.analysis import STOPWORDS, stem
from knowledge.text.mentions import Kind, TypedSpan

# Part of the answer-cache key: bump whenever answer_question() can give a different answer to
# the same question over the same corpus, so no cached answer from the old logic is served.
ANSWERER_VERSION = "2"
MAX_QUESTION_CHARS = 500
NO_ANSWER_NOTE = "I couldn't find that in the sources."
DISAGREE_NOTE = "The sources differ on this; each side is quoted with its source."
_MAX_QUOTES = 3
_CLOSEST = 2
_QUOTE_MARGIN = 1.0  # ranker score (log-odds) within which a runner-up is quoted too
_NEIGHBOUR_MARGIN = 1.0  # a neighbour scored this close to the best is quoted with it
_BEARING_MARGIN = 4.0  # a sentence with the asked person's age may be this far behind the best
_DISAGREE_MARGIN = 2.5  # a contradicting source may be further behind and still be shown
_CLAIM_POOL = 12  # best-scored sentences whose facts are compared
_CLAIM_GAP = 100  # characters: a fact further from the question's words is not about them
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")  # "43rd": the number 43 as an ordinal
# Kinds whose facts can contradict each other; capitalised names differ too often to count.
_CLAIM_KINDS = frozenset({Kind.DATE, Kind.NUMBER, Kind.PLACE})
# Kinds whose facts can be compared across sources; reasons and manners are not facts.
_FACT_KINDS = frozenset({Kind.DATE, Kind.NUMBER, Kind.PERSON, Kind.PLACE, Kind.NAME})


class QuestionError(UserError, ValueError):
    """The question cannot be asked as given (empty, too long)."""


def clean_question(question: str) -> str:
    """The question trimmed and with its whitespace collapsed; QuestionError when it is empty,
    too long, or has nothing visible in it (only zero-width or bidi controls, combining marks,
    spaces), or holds bytes that were not valid UTF-8, or a NUL character."""
    if any("\ud800" <= c <= "\udfff" for c in question):
        raise QuestionError("the question is not valid UTF-8 text; check the terminal's encoding")
    if "\0" in question:  # no one means one, and no database should store it
        raise QuestionError("the question holds a NUL character (\\0); remove it")
    question = " ".join(question.split())
    if not any(unicodedata.category(c)[0] in "LNPS" for c in question):
        raise QuestionError(
            "the question is empty (nothing visible in it); ask something, e.g. citebot ask "
            '"Where did they first meet?"'
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(question)} characters long; "
            f"keep it to {MAX_QUESTION_CHARS} characters or fewer"
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
    searched_for = ranking.searched_for
    if best is None:
        return Answer(
            question=question, answered=False, note=NO_ANSWER_NOTE, searched_for=searched_for
        )
    confidence = ranking.confidence()
    if confidence < ranking.model.threshold:
        closest = [_quote(library, _unit(library, ranking, c)) for c in _distinct(ranking)]
        return Answer(
            question=question,
            answered=False,
            note=NO_ANSWER_NOTE,
            confidence=round(confidence, 4),
            closest=closest[:_CLOSEST],
            searched_for=searched_for,
        )
    if ranking.answer_bearing:
        _bearing_first(library, ranking)
        best = ranking.candidates[0]
    chosen = [c for c in _distinct(ranking) if c.score >= best.score - _QUOTE_MARGIN]
    chosen = chosen[:_MAX_QUOTES]
    units = [_unit(library, ranking, c) for c in chosen]
    sides = _disagreement(library, ranking)
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
        searched_for=searched_for,
    )


def _bearing_first(library: Library, ranking: Ranking) -> None:
    """For "how old" questions: when the best sentence states no age of the person asked
    about and one nearly as good does ("Kardashian, 43,"), that one is quoted first."""
    q = ranking.question
    if q.detail != "age" or not ranking.candidates:
        return
    stats = library.sentences
    top = ranking.candidates[0]
    if detail_match(top.sentence, q, stats):
        return
    for i, c in enumerate(ranking.candidates[1:], 1):
        if c.score < top.score - _BEARING_MARGIN:
            return
        if detail_match(c.sentence, q, stats):
            ranking.candidates.insert(0, ranking.candidates.pop(i))
            return


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
    if ranking.answer_bearing and not _carries(library, ranking, c.sentence):
        # The best sentence names the topic ("she released a statement"); the next one (or
        # else the one before) carries what was asked: the quotation, the reason.
        bearing = [n for n in sorted(neighbours, reverse=True) if _carries(library, ranking, n)]
        if bearing:
            n = bearing[0]
            return _Unit(c, min(n, c.sentence), max(n, c.sentence))
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


def _carries(library: Library, ranking: Ranking, s: int) -> bool:
    """Does sentence `s` hold what a speech or "why" question asks for: a quotation, or a
    reason ("because", "due to") the question does not state itself? True for other questions
    (their facts are placed by nearness below)."""
    q = ranking.question
    if Kind.QUOTE in q.accepts:
        return bool(answer_mentions(s, q, library.sentences))
    if Kind.REASON in q.accepts:
        asked = {w for w in q.focus}
        return any(
            m.kind is Kind.REASON and _trigger(m) not in asked
            for m in library.sentences.mentions(s)
        )
    return True


def _trigger(m: TypedSpan) -> str:
    """The cue word of a reason mention ("because"), which runs to the end of its sentence."""
    found = m.text.split(maxsplit=1)
    return found[0].lower() if found else ""


def _claim(library: Library, ranking: Ranking, unit: _Unit) -> TypedSpan | None:
    """The fact of the asked kind that a unit states about the question's predicate: the
    mention nearest (in characters) to a question word that is not part of a proper name
    ("pardoned", "meet"), or None when the unit does not use such a word or holds no fact."""
    stats = library.sentences
    q = ranking.question
    names = {w for name in q.proper for w in name}
    predicate = [t for t in ranking.terms if t.word not in names] or ranking.terms
    wanted = {v for t in predicate for v in t.variants}
    anchors: list[int] = []
    facts: list[tuple[int, TypedSpan]] = []
    for s in range(unit.first, unit.last + 1):
        base = stats.spans[s].start
        anchors += [base + start for start, st in stats.positions(s) if st in wanted]
        facts += [
            (base + m.start, m)
            for m in stats.mentions(s)
            if m.kind in q.accepts
            and m.kind in _CLAIM_KINDS
            and _concrete(m)
            and not q.names(m.words)
        ]
    if not anchors or not facts:
        return None
    gap, _, fact = min((min(abs(a - at) for a in anchors), at, m) for at, m in facts)
    return fact if gap <= _CLAIM_GAP else None


def _concrete(m: TypedSpan) -> bool:
    """A value two sources can contradict: a place, or a date or number with digits ("June
    2018", "42"); "over the weekend" or "two years earlier" depend on when it was written."""
    return bool(m.words) and (m.kind is Kind.PLACE or any(c.isdigit() for c in m.text))


def _content(words_: frozenset[str]) -> frozenset[str]:
    """Content words of a claim, numbers by value: "43rd" and "43" state the same number."""
    return frozenset(_ORDINAL.sub(r"\1", w) for w in words_ if w not in STOPWORDS)


def _conflict(
    library: Library,
    a: tuple[_Unit, TypedSpan],
    b: tuple[_Unit, TypedSpan],
    predicate: list[QueryTerm],
) -> bool:
    """Two claims from different sources conflict when both paragraphs state the same parts
    of the question's predicate (its words other than names: "first meet", "pardoned"), the
    claims share no word, and neither paragraph mentions the other's fact ("Los Angeles" and
    "Beverly Hills" in one paragraph are one story, "June 2018" and "2020" in two are not)."""
    (ua, ma), (ub, mb) = a, b
    pa, pb = ua.candidate.passage, ub.candidate.passage
    passages = library.passages
    if passages[pa].source_id == passages[pb].source_id:
        return False
    wa, wb = _content(ma.words), _content(mb.words)
    if not wa or not wb or not wa.isdisjoint(wb):
        return False
    terms = library.sentences.passage_sets
    if any(
        term.variants.isdisjoint(terms[pa]) != term.variants.isdisjoint(terms[pb])
        for term in predicate
    ):
        return False  # one paragraph states more of what was asked: not the same claim
    return not ({stem(w) for w in wb} <= terms[pa] or {stem(w) for w in wa} <= terms[pb])


def _disagreement(library: Library, ranking: Ranking) -> list[_Unit] | None:
    """Sides of a disagreement: among the well-scored sentences that state the question's
    predicate, facts of the asked kind that differ between sources. The first side holds the
    best-scored fact; each side is quoted from a source the other sides do not use."""
    if not ranking.question.accepts & _CLAIM_KINDS or ranking.best is None:
        return None
    top = ranking.best.score
    threshold = ranking.model.threshold
    groups: list[list[tuple[_Unit, TypedSpan]]] = []
    for c in ranking.candidates[:_CLAIM_POOL]:
        if c.score < top - _DISAGREE_MARGIN:
            break
        if ranking.confidence(c) < threshold:
            continue
        unit = _unit(library, ranking, c)
        fact = _claim(library, ranking, unit)
        if fact is None:
            continue
        group = next((g for g in groups if not g[0][1].words.isdisjoint(fact.words)), None)
        if group is None:
            groups.append([(unit, fact)])
        else:
            group.append((unit, fact))
    if len(groups) < 2:
        return None
    name_words = frozenset().union(*ranking.question.proper)
    predicate = [t for t in ranking.terms if t.word not in name_words]
    first = groups[0]
    sides: list[tuple[_Unit, TypedSpan]] = []
    for other in groups[1:]:
        pair = next(
            (
                (a, b)
                for b in other
                for a in ([sides[0]] if sides else first)
                if _conflict(library, a, b, predicate)
                and all(_conflict(library, s, b, predicate) for s in sides[1:])
            ),
            None,
        )
        if pair is None:
            continue
        if not sides:
            sides.append(pair[0])
        sides.append(pair[1])
        if len(sides) == _MAX_QUOTES:
            break
    return [unit for unit, _ in sides] or None


def _quote(library: Library, unit: _Unit) -> Quote:
    stats = library.sentences
    c = unit.candidate
    passage = library.passages[c.passage]
    source = library.data.source(passage.source_id)  # metadata only: no passage read
    start, end = stats.spans[unit.first].start, stats.spans[unit.last].end
    return quote_of(source, passage, start, end, round(c.score, 4))
