"""Training pairs for the reader (bench.train_reader): each question against the ranker's own
top candidates, so the negatives are the hard ones the reader must tell apart.

- SQuAD v1.1 dev articles 1-24: the sentence of the question's paragraph that holds a gold
  answer is the positive; the other top-K candidates are negatives.
- SQuAD 2.0 dev, the unanswerable questions of the same articles (same paragraphs, matched by
  title): every candidate is a negative on both outputs (the fact is not stated).
- bench/data/squad_chat.jsonl: chat-style questions people-like helpers wrote about those
  paragraphs, with their verbatim answering sentence, and near misses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.squad import TRAIN_ARTICLES, SquadQuestion, holds_answer, squad_path
from knowledge.answering.ranking import Options, rank
from knowledge.answering.reader import library_text
from knowledge.search.library import Library
from knowledge.text.analysis import fold

CHAT_DATA = Path(__file__).resolve().parent / "data" / "squad_chat.jsonl"


@dataclass(frozen=True)
class Pair:
    question: str
    text: str  # knowledge.answering.reader.candidate_text of the candidate
    answer: float  # 1: the sentence states the answer
    passage: float  # 1: the candidate's paragraph holds the answer
    group: str  # the question's id: pairs of one question stay together


@dataclass(frozen=True)
class Asked:
    """A training question: where its answer is (None: not stated anywhere)."""

    qid: str
    question: str
    source_id: str | None
    answers: tuple[str, ...] = ()  # SQuAD: gold answer strings
    sentence: str | None = None  # chat set: the verbatim answering sentence
    article: int = -1  # 0-based position of the SQuAD article it is about


def squad_asked(questions: Iterable[SquadQuestion]) -> list[Asked]:
    return [
        Asked(q.qid, q.question, q.source_id, answers=q.answers, article=q.article)
        for q in questions
    ]


def unanswerable_asked(path: Path | None = None, v1_path: Path | None = None) -> list[Asked]:
    """SQuAD 2.0 dev's unanswerable questions of articles 1-24 (v1.1 file order, by title)."""
    v2 = Path(path) if path else squad_path(v1_path).with_name("dev-v2.0.json")
    titles = [a["title"] for a in json.loads(squad_path(v1_path).read_text("utf-8"))["data"]]
    by_title = {a["title"]: a for a in json.loads(v2.read_text("utf-8"))["data"]}
    out = []
    for a in TRAIN_ARTICLES:
        article = by_title.get(titles[a])
        if article is None:
            continue
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                if qa.get("is_impossible"):
                    out.append(Asked(qa["id"], qa["question"], None, article=a))
    return out


def chat_asked(path: Path = CHAT_DATA) -> list[Asked]:
    """The chat-style set; rows of articles outside 1-24 are refused (never trained on)."""
    out = []
    for n, line in enumerate(path.read_text("utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        sid = row["source_id"]
        article = int(sid[1:4]) - 1  # "a001_p003": article 1 of the file, 0-based
        if article not in TRAIN_ARTICLES:
            raise ValueError(f"{path}:{n + 1}: {sid} is not among articles 1-24")
        answerable = bool(row.get("answerable", True))
        out.append(
            Asked(
                f"chat{n}",
                row["question"],
                sid if answerable else None,
                answers=(row["answer"],) if answerable and row.get("answer") else (),
                sentence=row.get("sentence") if answerable else None,
                article=article,
            )
        )
    return out


def _squeeze(text: str) -> str:
    return " ".join(fold(text).split())


def is_gold(library: Library, asked: Asked, s: int) -> bool:
    """Does sentence `s` state the answer of `asked`?"""
    if asked.source_id is None:
        return False
    p = int(library.sentences.passage_of[s])
    if library.passages[p].source_id != asked.source_id:
        return False
    text = library.sentences.texts[s]
    if asked.sentence:
        a, b = _squeeze(text), _squeeze(asked.sentence)
        return bool(a) and (a in b or b in a)
    return holds_answer(text, asked.answers)


def gold_sentences(library: Library, asked: Asked) -> list[int]:
    if asked.source_id is None:
        return []
    p = library.data.position(asked.source_id, 1)
    if p is None:
        return []
    n = library.data.paragraph_count(asked.source_id)
    return [
        s
        for q in range(p, p + n)
        for s in library.sentences.of_passage(q)
        if is_gold(library, asked, s)
    ]


def candidates(library: Library, asked: Asked, k: int, options: Options) -> list[int]:
    """The ranker's top-k sentences for the question."""
    return [c.sentence for c in rank(library, asked.question, options).candidates[:k]]


def recall_at(library: Library, asked: list[Asked], ks: list[int], options: Options) -> dict:
    """Share of answerable questions whose gold sentence is among the top k, for each k."""
    hits = dict.fromkeys(ks, 0)
    n = 0
    for a in asked:
        gold = set(gold_sentences(library, a))
        if not gold:
            continue
        n += 1
        top = candidates(library, a, max(ks), options)
        for k in ks:
            hits[k] += bool(gold & set(top[:k]))
    return {k: round(hits[k] / n, 4) for k in ks} | {"questions": n}


def pairs_for(
    library: Library,
    asked: Asked,
    k: int,
    negatives: int,
    options: Options,
    rng: np.random.Generator,
) -> list[Pair]:
    """The gold sentence(s) (even when the ranker missed them) and up to `negatives` of the
    ranker's top-k others: the top ones first, as they are the hardest."""
    top = candidates(library, asked, k, options)
    gold = gold_sentences(library, asked)
    if asked.source_id is not None and not gold:
        return []  # the answer could not be located: no clean label
    others = [s for s in top if s not in gold]
    hard = others[: negatives // 2 + 1]
    rest = others[len(hard) :]
    take = max(0, negatives - len(hard))
    if rest and take:
        hard += [rest[i] for i in sorted(rng.choice(len(rest), min(take, len(rest)), False))]
    out = [_pair(library, asked, s, 1.0) for s in gold[:1]]
    return out + [_pair(library, asked, s, 0.0) for s in hard]


def _pair(library: Library, asked: Asked, s: int, answer: float) -> Pair:
    p = int(library.sentences.passage_of[s])
    in_gold = asked.source_id is not None and library.passages[p].source_id == asked.source_id
    return Pair(asked.question, library_text(library, s), answer, float(in_gold), asked.qid)


def build_pairs(
    library: Library,
    asked: list[Asked],
    k: int,
    negatives: int,
    options: Options,
    seed: int,
) -> list[Pair]:
    rng = np.random.default_rng(seed)
    out: list[Pair] = []
    for a in asked:
        out += pairs_for(library, a, k, negatives, options, rng)
    return out
