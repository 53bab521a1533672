"""Compose an extractive answer: pick the sentences that answer, quote them verbatim, cite them.

Never writes text of its own: every quote is a slice of a passage. When the evidence is weak
it abstains rather than quoting noise.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.analysis import analyze
from knowledge.library import Library
from knowledge.models import Answer, Passage, Quote, Span

# Part of the answer-cache key: bump whenever answer_question() can give a different answer to
# the same question over the same corpus, so no cached answer from the old logic is served.
ANSWERER_VERSION = "1"
MAX_QUESTION_CHARS = 500
NO_ANSWER_NOTE = "I couldn't find that in the sources."
DISAGREE_NOTE = "The sources differ on this; each side is quoted with its source."
_PARAGRAPHS = 8
_MAX_QUOTES = 3
_UBIQUITOUS = 0.35  # terms in more than this share of passages say little about a question


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


@dataclass
class _Candidate:
    passage: Passage
    span: Span
    score: float
    coverage: float


def answer_question(library: Library, question: str) -> Answer:
    question = clean_question(question)
    terms = list(dict.fromkeys(analyze(question)))
    index = library.index
    informative = [t for t in terms if index.doc_freq(t) / max(index.n_docs, 1) < _UBIQUITOUS]
    hits = index.search(terms, k=_PARAGRAPHS)
    if not terms or not hits:
        return Answer(question=question, answered=False, note=NO_ANSWER_NOTE)
    weights = {t: index.idf(t) for t in terms}
    total = sum(weights[t] for t in informative) or 1.0
    top_score = hits[0][1]
    candidates: list[_Candidate] = []
    for doc, doc_score in hits:
        passage = library.passages[doc]
        for span in passage.sentences:
            sentence_terms = set(analyze(passage.text[span.start : span.end]))
            matched = sum(weights[t] for t in terms if t in sentence_terms)
            coverage = sum(weights[t] for t in informative if t in sentence_terms) / total
            score = matched / sum(weights.values()) + 0.5 * doc_score / top_score
            candidates.append(_Candidate(passage, span, score, coverage))
    candidates.sort(key=lambda c: -c.score)
    best = candidates[0]
    confidence = best.coverage if informative else 0.0
    if confidence == 0.0:
        closest = [_quote(library, c) for c in candidates[:2]]
        return Answer(question=question, answered=False, note=NO_ANSWER_NOTE, closest=closest)
    chosen: list[_Candidate] = []
    for c in candidates:
        if c.score < 0.7 * best.score or len(chosen) == _MAX_QUOTES:
            break
        if all(c.passage is not o.passage for o in chosen):
            chosen.append(c)
    return Answer(
        question=question,
        answered=True,
        quotes=[_quote(library, c) for c in chosen],
        confidence=round(confidence, 4),
    )


def _quote(library: Library, c: _Candidate) -> Quote:
    source = library.corpus.source(c.passage.source_id)
    return Quote(
        text=c.passage.text[c.span.start : c.span.end],
        source_id=source.source_id,
        title=source.title,
        date=source.date,
        paragraph=c.passage.paragraph,
        score=round(c.score, 4),
        url=source.url,
        start=c.span.start,
        end=c.span.end,
    )
