"""Rank the sentences of the best paragraphs for a question.

Paragraphs come from BM25 over the question's terms and their lemma variants (optionally
widened by RM3 feedback); every sentence of the top paragraphs is described by `features` and
scored by the learned ranker; paragraphs are then ordered by their best sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from knowledge.answering.answer_types import ages, own_age
from knowledge.answering.features import FEATURES, sentence_features
from knowledge.answering.question import QuestionAnalysis, analyze_question
from knowledge.answering.ranker import (
    CONFIDENCE_FEATURES,
    RankerModel,
    default_model,
    reader_ranker,
)
from knowledge.answering.reader import Reader, default_reader, library_text
from knowledge.search.expansion import (
    QueryTerm,
    query_terms,
    rm3_weights,
    search_terms,
    weighted_scores,
)
from knowledge.search.library import Library
from knowledge.search.semantic import Semantic, matvec
from knowledge.text.analysis import stem
from knowledge.text.chat_forms import default_lexicon
from knowledge.text.query_reading import Reading, read_question

ALIAS_CREDIT = 0.9
READER_K = 12  # candidates the reader reads: the lexical ranker's best (bench/RESULTS.md)
_TYPE_FEATURES = [i for i, name in enumerate(FEATURES) if name.startswith("type_")]
_F = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class Options:
    """Which pieces run; the defaults are what measured best on held-out SQuAD (README)."""

    paragraphs: int = 10  # candidate paragraphs whose sentences are ranked
    lemmas: bool = True  # lemma variants of the question's words
    rm3: bool = False  # RM3 feedback terms in paragraph retrieval and as a feature
    answer_types: bool = True  # answer-type features
    fine_types: bool = True  # finer answer types: age, duration, quoted speech, people
    answer_bearing: bool = True  # quote the neighbour that carries what was asked
    semantic: bool = True  # word-vector features: near words, question-sentence similarity
    soft_search: float = 0.0  # weight of near words (times their cosine) in paragraph search
    dense: int = 0  # extra candidate paragraphs by question-paragraph vector similarity
    model: RankerModel | None = None  # None: the shipped learned model
    # Reading the question (knowledge/text/query_reading.py): chat forms, typos, lowercase names.
    chat_forms: bool = True  # "bday" -> "birthday", "rn" -> "right now"
    spelling: bool = True  # "eletcion" -> "election" against the library's vocabulary
    names: bool = True  # "kim" -> "Kim" when the library only writes it as a name
    aliases: bool = True  # a name also finds its aliases ("Kardashian" / "Kim"), aliases.py
    # Conversational query expansion: index terms of the turns before, searched alongside the
    # question's own at these (lower) weights; they choose paragraphs, not the confidence.
    context: tuple[tuple[str, float], ...] = ()
    # The neural reader (reader.py) on the best candidates. The service turns it on from
    # CITEBOT_READER (on by default); a library caller asks for it, so benchmarks comparing
    # ranking methods measure what they name. Off, or when its model file cannot load, the
    # lexical path alone (ranker.json).
    reader: bool = False
    reader_k: int = READER_K


@dataclass
class Candidate:
    sentence: int  # position in library.sentences
    passage: int  # position in library.passages
    features: list[float]
    score: float


@dataclass
class Ranking:
    question: QuestionAnalysis
    terms: list[QueryTerm]
    candidates: list[Candidate]  # best first
    paragraphs: list[int]  # passage positions, best first
    known_share: float  # IDF share of the question's terms that occur in the library
    names_known: float  # share of the question's proper-name words the library knows
    model: RankerModel
    known_soft: float = 0.0  # known_share where an unknown word counts by its nearest word
    expansion: dict[str, float] = field(default_factory=dict)
    answer_bearing: bool = True  # compose may quote the neighbour that carries the answer
    searched_for: str | None = None  # the question with its spelling corrections, if any
    reader_best: float = 0.0  # the reader's highest "states the answer" probability

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def confidence_features(self, candidate: Candidate | None = None) -> list[float]:
        c = candidate or self.best
        if c is None:
            return [0.0] * len(CONFIDENCE_FEATURES)
        f = c.features
        values = {
            "best_score": c.score,
            "sent_cov": f[_F["sent_cov"]],
            "window_cov": f[_F["sent_cov"]] + f[_F["window_gain"]],
            "rare_cov": f[_F["rare_cov"]],
            "para_cov": f[_F["para_cov"]],
            "known_share": self.known_share,
            "names_known": self.names_known,
            "type_match": max((f[i] for i in _TYPE_FEATURES), default=0.0),
            "window_soft": f[_F["soft_cov"]] + f[_F["window_soft_gain"]],
            "para_soft": f[_F["para_soft_cov"]],
            "known_soft": self.known_soft,
            "sent_sim": f[_F["sent_sim"]],
            "para_sim": f[_F["para_sim"]],
            "names_found": 1.0 if self.question.proper and self.names_known == 1.0 else 0.0,
            "reader_answer": f[_F["reader_answer"]],
            "reader_passage": f[_F["reader_passage"]],
            "reader_best": self.reader_best,
        }
        return [values[name] for name in CONFIDENCE_FEATURES]

    def confidence(self, candidate: Candidate | None = None) -> float:
        if not self.candidates:
            return 0.0
        return self.model.confidence(self.confidence_features(candidate))


def rank(library: Library, question: str, options: Options | None = None) -> Ranking:
    options = options or Options()
    reader = default_reader() if options.reader else None
    model = options.model or (reader_ranker() if reader is not None else default_model())
    stats = library.sentences
    index = library.index
    reading = read(library, question, options)
    analysis = _analyse(library, reading, question, options)
    semantic = library.semantic if options.semantic else None
    names = {w for name in analysis.proper for w in name}
    terms = query_terms(
        analysis.focus, index, stats, lemmas=options.lemmas, semantic=semantic, names=names
    )
    if options.aliases:
        terms = _with_aliases(library, terms, analysis.focus, options.lemmas)
    known_share, known_soft = _known_shares(terms)
    terms = terms + _context_terms(library, options.context)
    proper = analysis.proper
    names_known = (
        sum(_known_name(library, n, options.aliases) for n in proper) / len(proper)
        if proper
        else 1.0
    )
    ranking = Ranking(
        analysis,
        terms,
        [],
        [],
        known_share,
        names_known,
        model,
        known_soft=known_soft,
        answer_bearing=options.answer_bearing,
        searched_for=reading.shown,
    )
    qvec = semantic.text_vector(analysis.focus) if semantic is not None else None
    hits = _hits(library, ranking, semantic, qvec, options)
    if not hits:
        return ranking
    _add_candidates(ranking, library, hits, semantic, qvec)
    if reader is not None:
        _read(ranking, library, reader, options.reader_k)
    return ranking


def _analyse(
    library: Library, reading: Reading, question: str, options: Options
) -> QuestionAnalysis:
    """The question read for what it asks, with the switches of `options` applied."""
    analysis = analyze_question(
        reading.text,
        library.sentences.common_words,
        fine=options.fine_types and options.answer_types,
    )
    analysis.text = question
    if analysis.detail == "age":
        analysis.asked = _asked(library, analysis)
    if not options.answer_types:
        analysis.answer_type = None
    return analysis


def _context_terms(library: Library, context: Sequence[tuple[str, float]]) -> list[QueryTerm]:
    """The conversation's terms as query terms whose IDF is scaled by their weight: they count
    in a sentence's coverage as much as they weigh in the search."""
    index = library.index
    return [
        QueryTerm(term, term, frozenset({term}), weight * index.idf(term), True)
        for term, weight in context
        if index.doc_freq(term)
    ]


def _known_shares(terms: Sequence[QueryTerm]) -> tuple[float, float]:
    """The IDF share of the query the library knows: exactly, and counting near words."""
    total_idf = sum(t.idf for t in terms)
    known_share = sum(t.idf for t in terms if t.known) / total_idf if total_idf else 0.0
    known_soft = (
        sum(t.idf * (1.0 if t.known else max(t.near.values(), default=0.0)) for t in terms)
        / total_idf
        if total_idf
        else 0.0
    )
    return known_share, known_soft


def _hits(
    library: Library,
    ranking: Ranking,
    semantic: Semantic | None,
    qvec: np.ndarray | None,
    options: Options,
) -> list[tuple[int, float]]:
    """The paragraphs to read, best first (sets `ranking.expansion` under RM3)."""
    index, analysis = library.index, ranking.question
    context = dict(options.context)
    terms = [t for t in ranking.terms if t.stem not in context]
    search = [t for t in search_terms(terms) if index.doc_freq(t)]
    if options.soft_search > 0 or options.dense > 0 or options.context:  # every score
        scores = index.scores(search) if search else np.zeros(index.n_docs, dtype=np.float32)
        if context:
            scores = scores + weighted_scores(index, context)
        if options.soft_search > 0:
            scores = scores + _soft_scores(index, terms, set(search), options.soft_search)
        hits = _top(scores, options.paragraphs)
        if options.dense > 0 and semantic is not None and qvec is not None:
            hits = _add_dense(hits, scores, matvec(semantic.passage_matrix(), qvec), options.dense)
    else:  # the default: the index's top-k search, which skips what cannot make the top k
        hits = index.search(search, options.paragraphs)
    if analysis.detail == "age" and hits:
        # Also the paragraphs naming the person by another part of their name ("Trump, 41"
        # for "how old is Ivanka"): an age is often given after the surname alone.
        names = sorted({stem(w) for w in analysis.asked} - set(search))
        more = index.search(
            search + [n for n in names if index.doc_freq(n)], 4 * options.paragraphs
        )
        hits = _add_ages(library, hits, more, analysis)
    if options.rm3 and hits:
        weights = rm3_weights(terms, hits, library.sentences, index)
        scores = weighted_scores(index, weights)
        hits = _top(scores, options.paragraphs)
        query = {v for t in terms for v in t.variants}
        ranking.expansion = {w: x for w, x in weights.items() if w not in query}
    return hits


def _add_candidates(
    ranking: Ranking,
    library: Library,
    hits: list[tuple[int, float]],
    semantic: Semantic | None,
    qvec: np.ndarray | None,
) -> None:
    """Score every sentence of the hit paragraphs; best first."""
    stats, model = library.sentences, ranking.model
    best_para = hits[0][1]
    for rank_, (doc, score) in enumerate(hits):
        for s in stats.of_passage(doc):
            f = sentence_features(
                s,
                ranking.question,
                ranking.terms,
                stats,
                score,
                best_para,
                ranking.expansion,
                top_paragraph=rank_ == 0,
                semantic=semantic,
                question_vector=qvec,
            )
            ranking.candidates.append(Candidate(s, doc, f, model.score(f)))
    ranking.candidates.sort(key=lambda c: (-c.score, c.sentence))
    ranking.paragraphs = list(dict.fromkeys(c.passage for c in ranking.candidates))


def _read(ranking: Ranking, library: Library, reader: Reader, k: int) -> None:
    """The reader's outputs for the lexical ranker's top k candidates become their reader
    features; every candidate is then scored again and re-sorted. The k are chosen by the
    shipped lexical model whatever model ranks, so training and answering read the same."""
    lexical = default_model()
    top = sorted(ranking.candidates, key=lambda c: (-lexical.score(c.features), c.sentence))[:k]
    scores = reader.score(ranking.question.text, [library_text(library, c.sentence) for c in top])
    answer = 1.0 / (1.0 + np.exp(-scores.answer))
    passage = 1.0 / (1.0 + np.exp(-scores.passage))
    best = float(scores.answer.max()) if len(top) else 0.0
    for i, c in enumerate(top):
        c.features[_F["reader_answer"]] = float(answer[i])
        c.features[_F["reader_passage"]] = float(passage[i])
        c.features[_F["reader_top"]] = 1.0 if float(scores.answer[i]) == best else 0.0
        c.features[_F["reader_margin"]] = max(0.0, 1.0 + (float(scores.answer[i]) - best) / 10)
    ranking.reader_best = float(answer.max()) if len(top) else 0.0
    for c in ranking.candidates:
        c.score = ranking.model.score(c.features)
    ranking.candidates.sort(key=lambda c: (-c.score, c.sentence))
    ranking.paragraphs = list(dict.fromkeys(c.passage for c in ranking.candidates))


def read(library: Library, question: str, options: Options | None = None) -> Reading:
    """The question as the answerer reads it (chat forms, spelling, lowercase names), so that
    whatever else compares questions (corrections) normalises them the same way."""
    options = options or Options()
    if not (options.chat_forms or options.spelling or options.names):
        return Reading(question)
    return read_question(
        question,
        library.query_words,
        lexicon=default_lexicon() if options.chat_forms else None,
        spelling=options.spelling,
        names=options.names,
    )


def _with_aliases(
    library: Library, terms: list[QueryTerm], focus: list[str], lemmas: bool
) -> list[QueryTerm]:
    """Each term that names an alias group also counts its aliases' words as its own forms.
    A word the library lacks ("Ye") takes its aliases' document frequency."""
    expansions = library.aliases.expansions(focus)
    if not expansions:
        return terms
    stats, index = library.sentences, library.index
    out = []
    for t in terms:
        extra = expansions.get(t.word)
        if extra:
            forms = {v for w in extra for v in (stats.variants(w) if lemmas else {stem(w)})}
            variants = t.variants | forms
            if t.known and ALIAS_CREDIT < 1:
                near = {**t.near, **dict.fromkeys(forms - t.variants, ALIAS_CREDIT)}
                t = replace(t, near=near)
            elif t.known:
                t = replace(t, variants=variants)
            else:
                common = max(variants, key=index.doc_freq)
                t = replace(
                    t, variants=variants, idf=index.idf(common), known=index.doc_freq(common) > 0
                )
        out.append(t)
    return out


def _asked(library: Library, analysis: QuestionAnalysis) -> frozenset[str]:
    """Whose age a "how old" question asks: its first name ("How old was Ivanka at Kim's
    party?" asks Ivanka's) with the full names the sources give it ("Ivanka Trump")."""
    if not analysis.proper:
        return frozenset()
    subject = analysis.proper[0]
    if not subject:
        return frozenset()
    with_one = library.aliases.full_names_with(min(subject))  # a name with all has each
    full = [set(n) for n in with_one if subject <= set(n)]
    return frozenset(subject).union(*full)


def _add_ages(
    library: Library,
    hits: list[tuple[int, float]],
    more: list[tuple[int, float]],
    analysis: QuestionAnalysis,
) -> list[tuple[int, float]]:
    """For "how old is X": up to 3 more paragraphs, among the next best by BM25, that state
    X's age ("Kardashian, 43,"), which a question made of a name alone may rank low."""
    stats = library.sentences
    have = {d for d, _ in hits}
    extra = []
    for doc, score in more:
        if doc in have:
            continue
        text = " ".join(stats.texts[s] for s in stats.of_passage(doc))
        if own_age(ages(text, stats.common_words), analysis.asked):
            extra.append((doc, score))
            if len(extra) == 3:
                break
    return hits + extra


def _soft_scores(index, terms: list[QueryTerm], searched: set[str], weight: float) -> np.ndarray:
    """BM25 of the question words' near words, each weighted by its cosine."""
    total = np.zeros(index.n_docs, dtype=np.float32)
    for t in terms:
        for s, sim in t.near.items():
            if s not in searched and index.doc_freq(s):
                total += weight * sim * index.scores([s])
    return total


def _add_dense(
    hits: list[tuple[int, float]], scores: np.ndarray, dense: np.ndarray, extra: int
) -> list[tuple[int, float]]:
    """The BM25 hits plus the `extra` paragraphs nearest the question in meaning."""
    have = {d for d, _ in hits}
    order = np.argsort(-dense, kind="stable")
    added = [int(d) for d in order[: extra + len(have)] if int(d) not in have][:extra]
    return hits + [(d, float(scores[d])) for d in added]


def _known_name(library: Library, name: frozenset[str], aliases: bool = False) -> bool:
    """Does some paragraph hold every word of this name ("Kim Kardashian", not just "Kim"),
    or, with `aliases`, of another name of its alias group ("Ye" for "Kanye West")?"""
    if aliases and not _holds_name(library, name):
        return any(_holds_name(library, alt) for alt in library.aliases.alternatives(name))
    return _holds_name(library, name)


def _holds_name(library: Library, name: frozenset[str]) -> bool:
    stems = {stem(w) for w in name}
    index = library.index
    if any(index.doc_freq(s) == 0 for s in stems):
        return False
    if len(stems) == 1:
        return True
    sets = library.sentences.passage_sets
    return any(stems <= sets[doc] for doc, _ in index.search(sorted(stems), k=10))


def _top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    k = min(k, len(scores))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.lexsort((top, -scores[top]))]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
