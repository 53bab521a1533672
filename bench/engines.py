"""The search engines compared by `bench.speed`, each behind the same three calls.

`build(paragraphs, folder)` indexes a stream of paragraph texts and leaves the index on disk;
`load(folder)` opens it again and returns a search function from a raw query string to the
ids of the best `k` paragraphs (positions; tantivy's own document addresses). Each engine is
used the way its documentation shows, with its own tokenizer; libraries are imported inside
the engine so a worker only loads its own.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

Search = Callable[[str, int], list[int]]


class Engine(Protocol):
    name: str
    package: str  # distribution whose version is reported
    modules: tuple[str, ...]  # imported before anything is timed

    def build(self, paragraphs: Iterable[str], folder: Path) -> None: ...

    def load(self, folder: Path) -> Search: ...


class Citebot:
    """citebot's own index (knowledge.search.index.PassageIndex), texts analysed by
    analysis.analyze."""

    name = "citebot"
    package = "citebot"
    modules = ("knowledge.search.index",)

    def build(self, paragraphs: Iterable[str], folder: Path) -> None:
        from knowledge.search.index import PassageIndex

        PassageIndex.build_from_texts(paragraphs).save(folder)

    def load(self, folder: Path) -> Search:
        from knowledge.search.index import PassageIndex
        from knowledge.text.analysis import analyze

        index = PassageIndex.load(folder)
        return lambda query, k: [doc for doc, _ in index.search(analyze(query), k)]


class Bm25s:
    """bm25s as its README shows it: bm25s.tokenize with English stopwords and PyStemmer."""

    name = "bm25s"
    package = "bm25s"
    modules = ("bm25s", "Stemmer")

    def build(self, paragraphs: Iterable[str], folder: Path) -> None:
        import bm25s
        import Stemmer

        tokens = bm25s.tokenize(
            paragraphs, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False
        )
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        retriever.save(str(folder))

    def load(self, folder: Path) -> Search:
        import bm25s
        import numpy as np
        import Stemmer

        retriever = bm25s.BM25.load(str(folder), mmap=True)
        stemmer = Stemmer.Stemmer("english")
        n_docs = int(retriever.scores["num_docs"])

        def search(query: str, k: int) -> list[int]:
            tokens = bm25s.tokenize(query, stopwords="en", stemmer=stemmer, show_progress=False)
            docs, scores = retriever.retrieve(tokens, k=min(k, n_docs), show_progress=False)
            return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0 and d >= 0]

        np.seterr(all="ignore")
        return search


class Tantivy:
    """tantivy-py set up for top-k search as its documentation recommends, with citebot's
    analysis as far as tantivy allows: a simple tokenizer, lowercase, ASCII folding, citebot's
    stopwords and the English Snowball stemmer; `count=False` (counting every match stops
    tantivy skipping documents that cannot make the top k), and hits are returned as tantivy's
    own document addresses: reading a stored field per hit is a cost citebot's search does not
    pay (its hits are positions already)."""

    name = "tantivy"
    package = "tantivy"
    modules = ("tantivy",)
    _TOKENIZER = "citebot_en"

    @staticmethod
    def _schema():
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", stored=False, tokenizer_name=Tantivy._TOKENIZER)
        builder.add_unsigned_field("pos", stored=True)
        return builder.build()

    @staticmethod
    def _register(index) -> None:
        import tantivy

        from knowledge.text.analysis import STOPWORDS

        analyzer = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.custom_stopword(sorted(STOPWORDS)))
            .filter(tantivy.Filter.stemmer("english"))
            .build()
        )
        index.register_tokenizer(Tantivy._TOKENIZER, analyzer)

    def build(self, paragraphs: Iterable[str], folder: Path) -> None:
        import tantivy

        folder.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self._schema(), path=str(folder))
        self._register(index)
        writer = index.writer()
        for pos, text in enumerate(paragraphs):
            writer.add_document(tantivy.Document(body=text, pos=pos))
        writer.commit()
        writer.wait_merging_threads()

    def load(self, folder: Path) -> Search:
        import tantivy

        index = tantivy.Index.open(str(folder))
        self._register(index)
        searcher = index.searcher()
        special = re.compile(r"[^\w\s]")

        def search(query: str, k: int) -> list[int]:
            parsed = index.parse_query(special.sub(" ", query), ["body"])
            hits = searcher.search(parsed, k, count=False).hits
            return [address.segment_ord << 32 | address.doc for _, address in hits]

        return search


_WORD = re.compile(r"\w+")


class RankBm25:
    """rank-bm25's BM25Okapi over lowercase word tokens, pickled (it has no save format)."""

    name = "rank-bm25"
    package = "rank-bm25"
    modules = ("rank_bm25", "numpy")

    def build(self, paragraphs: Iterable[str], folder: Path) -> None:
        from rank_bm25 import BM25Okapi

        index = BM25Okapi(_WORD.findall(p.lower()) for p in paragraphs)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "bm25okapi.pickle").open("wb") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)

    def load(self, folder: Path) -> Search:
        import numpy as np

        with (folder / "bm25okapi.pickle").open("rb") as f:
            index = pickle.load(f)

        def search(query: str, k: int) -> list[int]:
            scores = index.get_scores(_WORD.findall(query.lower()))
            k = min(k, len(scores))
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top], kind="stable")]
            return [int(i) for i in top if scores[i] > 0]

        return search


ENGINES: dict[str, Engine] = {e.name: e for e in (Citebot(), Bm25s(), Tantivy(), RankBm25())}
