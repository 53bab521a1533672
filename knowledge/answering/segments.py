"""Answering from a library that takes changes (knowledge/search/live.py): the base, with its
removed and changed sources hidden, and the segment of new ones each answer the question; the
answer that quotes is kept, or of two the more confident (both are scored with the same BM25
statistics, so their confidences compare)."""

from __future__ import annotations

from knowledge.answering.answer import Options, answer_question
from knowledge.models import Answer
from knowledge.search.live import LiveLibrary


def answer_live(live: LiveLibrary, question: str, options: Options | None = None) -> Answer:
    first = answer_question(live.visible, question, options)
    if live.segment is None:
        return first
    return better_answer(first, answer_question(live.segment, question, options))


def better_answer(first: Answer, second: Answer) -> Answer:
    """The answer that quotes over one that abstains, else the more confident; two abstentions
    become one showing the closest passages of both."""
    if first.answered != second.answered:
        return first if first.answered else second
    if first.answered:  # the better first quote, by the ranker's score, as one library would
        return first if first.quotes[0].score >= second.quotes[0].score else second
    keep = max(len(first.closest), len(second.closest))
    closest = sorted([*first.closest, *second.closest], key=lambda q: -q.score)[:keep]
    return first.model_copy(
        update={"closest": closest, "confidence": max(first.confidence, second.confidence)}
    )
