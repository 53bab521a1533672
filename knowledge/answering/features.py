"""Features of a candidate sentence for a question; the ranker weighs them (see ranker.py).

Each feature is a number in about [0, 1] saying one thing about how well a sentence answers:
how much of the question it holds (rare words counting more), how close together, whether its
paragraph matches, what its neighbours add, and whether it holds a mention of the kind of thing
asked for ("when" wants a date) that the question does not name itself.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from knowledge.answering.answer_types import ages, durations, foreign_ages, own_age
from knowledge.answering.question import QuestionAnalysis
from knowledge.search.expansion import QueryTerm
from knowledge.search.sentences import SentenceStats
from knowledge.text.mentions import Kind, TypedSpan

if TYPE_CHECKING:
    from knowledge.search.semantic import Semantic

_K1, _B = 1.2, 0.75
TYPE_FEATURES = {kind: f"type_{kind.value}" for kind in Kind}
FEATURES: tuple[str, ...] = (
    "sent_bm25",
    "sent_cov",
    "rare_cov",
    "para_bm25",
    "para_abs",
    "para_top",
    "para_cov",
    "window_gain",
    "proximity",
    "bigram",
    "new_terms",
    "first_sentence",
    "length",
    "rm3_cov",
    "cov_x_para",
    "type_x_cov",
    "type_near",
    *TYPE_FEATURES.values(),
    "soft_cov",
    "para_soft_cov",
    "window_soft_gain",
    "sent_sim",
    "para_sim",
    "type_detail",
    # The neural reader (reader.py) on the lexical ranker's top candidates; 0 on the others
    # and when it is off.
    "reader_answer",  # sigmoid of its "states the answer" logit
    "reader_passage",  # sigmoid of its "the paragraph holds the answer" logit
    "reader_top",  # 1 for the candidate the reader rates best
    "reader_margin",  # 1 + (logit - best logit) / 10, floored at 0
)
READER_FEATURES = ("reader_answer", "reader_passage", "reader_top", "reader_margin")
_INDEX = {name: i for i, name in enumerate(FEATURES)}


def coverage(term_set: frozenset[str], terms: Sequence[QueryTerm], power: float = 1.0) -> float:
    """IDF-weighted share of the question's terms found in `term_set` (unknown words count)."""
    total = sum(t.idf**power for t in terms)
    if total <= 0:
        return 0.0
    return sum(t.idf**power for t in terms if not t.variants.isdisjoint(term_set)) / total


def soft_coverage(term_set: frozenset[str] | set[str], terms: Sequence[QueryTerm]) -> float:
    """Coverage where a missing word counts by the cosine of its nearest library word present
    ("husband" covers "spouse" at 0.85)."""
    total = sum(t.idf for t in terms)
    if total <= 0:
        return 0.0
    return sum(t.idf * t.credit(term_set) for t in terms) / total


def sentence_features(
    s: int,
    question: QuestionAnalysis,
    terms: Sequence[QueryTerm],
    stats: SentenceStats,
    para_score: float,
    best_para_score: float,
    expansion: dict[str, float] | None = None,
    top_paragraph: bool = False,
    semantic: Semantic | None = None,
    question_vector: np.ndarray | None = None,
) -> list[float]:
    f = [0.0] * len(FEATURES)
    seq = stats.terms[s]
    term_set = stats.term_sets[s]
    idf_total = sum(t.idf for t in terms) or 1.0
    norm = _K1 * (1 - _B + _B * len(seq) / (stats.avg_len or 1.0))
    positions, bm25 = _positions_and_bm25(seq, term_set, terms, norm)
    f[_INDEX["sent_bm25"]] = bm25 / idf_total / (_K1 + 1)
    f[_INDEX["sent_cov"]] = coverage(term_set, terms)
    f[_INDEX["rare_cov"]] = coverage(term_set, terms, power=2.0)
    p = stats.passage_of[s]
    f[_INDEX["para_bm25"]] = para_score / best_para_score if best_para_score > 0 else 0.0
    f[_INDEX["para_abs"]] = para_score / idf_total / (_K1 + 1)
    f[_INDEX["para_top"]] = 1.0 if top_paragraph else 0.0
    f[_INDEX["para_cov"]] = coverage(stats.passage_sets[p], terms)
    window = set(term_set)
    for n in (s - 1, s + 1):
        if stats.first[p] <= n < stats.first[p + 1]:
            window |= stats.term_sets[n]
    f[_INDEX["window_gain"]] = coverage(frozenset(window), terms) - f[_INDEX["sent_cov"]]
    f[_INDEX["proximity"]] = _proximity(positions)
    f[_INDEX["bigram"]] = _bigrams(positions)
    new = sum(1 for x in seq if not any(x in t.variants for t in terms))
    f[_INDEX["new_terms"]] = math.log1p(new) / math.log(32)
    f[_INDEX["first_sentence"]] = 1.0 if s == stats.first[p] else 0.0
    f[_INDEX["length"]] = math.log1p(len(seq)) / math.log(64)
    if expansion:
        total = sum(expansion.values()) or 1.0
        f[_INDEX["rm3_cov"]] = sum(w for x, w in expansion.items() if x in term_set) / total
    f[_INDEX["cov_x_para"]] = f[_INDEX["sent_cov"]] * f[_INDEX["para_cov"]]
    _type_features(f, s, question, terms, stats)
    _soft_features(f, term_set, stats.passage_sets[p], frozenset(window), terms)
    if semantic is not None and question_vector is not None:
        f[_INDEX["sent_sim"]] = float(semantic.sentence_vector(s) @ question_vector)
        f[_INDEX["para_sim"]] = float(semantic.passage_matrix()[p] @ question_vector)
    return f


def _positions_and_bm25(
    seq: Sequence[str], term_set: frozenset[str], terms: Sequence[QueryTerm], norm: float
) -> tuple[list[list[int]], float]:
    """Where each query term occurs in the sentence, and the sentence's BM25 for the query."""
    positions: list[list[int]] = []
    bm25 = 0.0
    for t in terms:
        pos = (
            [i for i, x in enumerate(seq) if x in t.variants]
            if not t.variants.isdisjoint(term_set)
            else []
        )
        positions.append(pos)
        if pos:
            tf = len(pos)
            bm25 += t.idf * tf * (_K1 + 1) / (tf + norm)
    return positions, bm25


def _type_features(
    f: list[float],
    s: int,
    question: QuestionAnalysis,
    terms: Sequence[QueryTerm],
    stats: SentenceStats,
) -> None:
    """Does the sentence hold the kind of thing the question asks for (a date, a number...)?"""
    if question.accepts:
        for kind in {m.kind for m in answer_mentions(s, question, stats)}:
            f[_INDEX[TYPE_FEATURES[kind]]] = 1.0
    if question.detail:
        f[_INDEX["type_detail"]] = detail_match(s, question, stats)
    typed = max((f[_INDEX[name]] for name in TYPE_FEATURES.values()), default=0.0)
    f[_INDEX["type_x_cov"]] = typed * f[_INDEX["sent_cov"]]
    if typed:
        f[_INDEX["type_near"]] = nearness(s, question, terms, stats)


def _soft_features(
    f: list[float],
    term_set: frozenset[str],
    passage_set: frozenset[str],
    window: frozenset[str],
    terms: Sequence[QueryTerm],
) -> None:
    """Coverage counting words near in meaning; the exact coverage when no term has any."""
    if any(t.near for t in terms):
        f[_INDEX["soft_cov"]] = soft_coverage(term_set, terms)
        f[_INDEX["para_soft_cov"]] = soft_coverage(passage_set, terms)
        f[_INDEX["window_soft_gain"]] = soft_coverage(window, terms) - f[_INDEX["soft_cov"]]
    else:
        f[_INDEX["soft_cov"]] = f[_INDEX["sent_cov"]]
        f[_INDEX["para_soft_cov"]] = f[_INDEX["para_cov"]]
        f[_INDEX["window_soft_gain"]] = f[_INDEX["window_gain"]]


def answer_mentions(s: int, question: QuestionAnalysis, stats: SentenceStats) -> list[TypedSpan]:
    """Mentions of sentence `s` that can answer: of an accepted kind, not named by the
    question, and of the finer type asked for: for "how long" only amounts of time, for
    "how old" no age that belongs to someone the question does not ask about."""
    text = stats.texts[s]
    if question.detail == "duration":
        found = durations(text)
    else:
        found = [m for m in stats.mentions(s) if m.kind in question.accepts]
    if question.detail == "age":  # an age ("Kardashian, 43"), not any number ("one of them")
        found_ages = ages(text, stats.common_words)
        foreign = foreign_ages(found_ages, question.asked or question.named)
        found = [a.mention for a in found_ages if a.mention.start not in foreign]
    return [m for m in found if not question.names(m.words)]


def detail_match(s: int, question: QuestionAnalysis, stats: SentenceStats) -> float:
    """1 when the sentence holds the finer type asked for: the asked person's age, an amount
    of time, a quotation, several people (for "who was at")."""
    text = stats.texts[s]
    if question.detail == "age":
        asked = question.asked or question.named
        return 1.0 if own_age(ages(text, stats.common_words), asked) else 0.0
    found = answer_mentions(s, question, stats)
    if question.detail == "people":
        people = {m.text for m in found if m.kind is Kind.PERSON}
        return 1.0 if len(people) >= 3 else 0.0
    return 1.0 if found else 0.0


def answer_gaps(
    s: int, question: QuestionAnalysis, terms: Sequence[QueryTerm], stats: SentenceStats
) -> list[tuple[int, TypedSpan]]:
    """Answer mentions of sentence `s` with their distance in characters to the nearest
    question word, nearest first."""
    text = stats.texts[s]
    wanted = {v for t in terms for v in t.variants}
    anchors = [start for start, st in stats.positions(s) if st in wanted]
    found = [
        (min((abs(a - m.start) for a in anchors), default=len(text)), m)
        for m in answer_mentions(s, question, stats)
        if m.words
    ]
    return sorted(found, key=lambda x: (x[0], x[1].start))


def nearness(
    s: int, question: QuestionAnalysis, terms: Sequence[QueryTerm], stats: SentenceStats
) -> float:
    """How close the nearest answer mention sits to a question word (1 = next to it):
    "pardoned in 2020" answers "when pardoned" better than "In 2018, ... a pardon"."""
    gaps = answer_gaps(s, question, terms, stats)
    return 1.0 / (1.0 + gaps[0][0] / 30.0) if gaps else 0.0


def _proximity(positions: list[list[int]]) -> float:
    """Matched distinct terms over the shortest window holding them all (1 = adjacent)."""
    lists = [p for p in positions if p]
    if len(lists) < 2:
        return 0.0
    events = sorted((pos, k) for k, pos_list in enumerate(lists) for pos in pos_list)
    need = len(lists)
    counts = [0] * need
    have = 0
    best = math.inf
    left = 0
    for right, (pos, k) in enumerate(events):
        if counts[k] == 0:
            have += 1
        counts[k] += 1
        while have == need:
            best = min(best, pos - events[left][0] + 1)
            lk = events[left][1]
            counts[lk] -= 1
            if counts[lk] == 0:
                have -= 1
            left += 1
        del right
    return need / best if best != math.inf else 0.0


def _bigrams(positions: list[list[int]]) -> float:
    """Share of consecutive question-term pairs found in the same order, at most a word apart."""
    pairs = len(positions) - 1
    if pairs < 1:
        return 0.0
    hits = 0
    for a, b in itertools.pairwise(positions):
        if a and b and any(0 < y - x <= 2 for x in a for y in b):
            hits += 1
    return hits / pairs
