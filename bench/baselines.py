"""The two peer systems citebot is compared with on answer quality.

(a) rank-bm25's BM25Okapi over lowercase word tokens, (b) bm25s with its own tokenizer and
English stemmer at default settings; both quote the sentence of their top paragraph that shares
the most query tokens (the naive "best-overlap sentence"). Both see exactly citebot's passages
and sentence boundaries, so only retrieval and sentence choice differ.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer
from rank_bm25 import BM25Okapi

from knowledge.models import Passage

logging.getLogger("bm25s").setLevel(logging.WARNING)
_LOWER_WORDS = re.compile(r"\w+")


@dataclass
class BaselineResult:
    paragraphs: list[int]  # top passages, best first
    quote: str  # the best-overlap sentence of the top passage ("" if nothing matched)


class Baseline:
    name: str

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)

    def ask(self, question: str, k: int = 5) -> BaselineResult:
        raise NotImplementedError

    def _best_overlap(self, doc: int, query: set[str], tokenize: Callable) -> str:
        passage = self.passages[doc]
        best, best_overlap = "", -1
        for sentence in passage.sentence_texts() or [passage.text]:
            overlap = len(query & set(tokenize(sentence)))
            if overlap > best_overlap:
                best, best_overlap = sentence, overlap
        return best


def lower_words(text: str) -> list[str]:
    return _LOWER_WORDS.findall(text.lower())


class RankBM25(Baseline):
    name = "(a) rank-bm25 BM25Okapi"

    def __init__(self, passages: Sequence[Passage]) -> None:
        super().__init__(passages)
        self.bm25 = BM25Okapi([lower_words(p.text) for p in self.passages])

    def ask(self, question: str, k: int = 5) -> BaselineResult:
        query = lower_words(question)
        scores = self.bm25.get_scores(query)
        top = [int(i) for i in np.argsort(-scores, kind="stable")[:k]]
        return BaselineResult(top, self._best_overlap(top[0], set(query), lower_words))


class Bm25s(Baseline):
    name = "(b) bm25s (own tokenizer + stemmer)"

    def __init__(self, passages: Sequence[Passage]) -> None:
        super().__init__(passages)
        self.stemmer = Stemmer.Stemmer("english")
        tokens = bm25s.tokenize(
            [p.text for p in self.passages], stemmer=self.stemmer, show_progress=False
        )
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)

    def _tokens(self, text: str) -> list[str]:
        out = bm25s.tokenize([text], stemmer=self.stemmer, return_ids=False, show_progress=False)
        return list(out[0]) if out else []

    def ask(self, question: str, k: int = 5) -> BaselineResult:
        query = [t for t in self._tokens(question) if t in self.retriever.vocab_dict]
        if not query:
            return BaselineResult(list(range(min(k, len(self.passages)))), "")
        scores = self.retriever.get_scores(query)
        top = [int(i) for i in np.argsort(-scores, kind="stable")[:k]]
        return BaselineResult(top, self._best_overlap(top[0], set(query), self._tokens))
