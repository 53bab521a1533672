"""Static word vectors distilled from a sentence encoder, for meaning the words do not share.

"spouse" and "husband", "purchase" and "buying", "perfume" and "fragrance" share no letters; a
question phrased one way and an answer written the other way meet only through what the words
mean. `bench/build_embeddings.py` runs every WordPiece token of all-MiniLM-L6-v2 through the
model once (the model2vec recipe: each token alone, mean-pooled, then PCA) and ships the result
as `knowledge/data/embeddings.npz`: one float16 row per token, the tokens as one newline-joined
string. Here a word's vector is its first WordPiece token's row plus a little of the others',
unit length; numpy only, loaded once, on first use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from knowledge.errors import CitebotError

_MAX_WORD = 64  # BERT's WordPiece gives up on longer words too ([UNK])
# Weight of the ## pieces after a word's first piece: "pardon ##ed" must stay near "pardon", not
# drift towards every other word ending in "##ed" (model2vec down-weights frequent tokens).
TAIL_WEIGHT = 0.25


class EmbeddingError(CitebotError, ValueError):
    """The embedding data file is missing or malformed."""


def wordpiece(word: str, vocab: dict[str, int] | Sequence[str]) -> list[str] | None:
    """BERT's greedy longest-match WordPiece split of one lowercase word; None if it cannot
    be split into known pieces ("kardashian" -> kard, ##ash, ##ian)."""
    if not word or len(word) > _MAX_WORD:
        return None
    pieces: list[str] = []
    start = 0
    while start < len(word):
        end = len(word)
        found = None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return None
        pieces.append(found)
        start = end
    return pieces


@dataclass
class WordVectors:
    """Unit word vectors; cosine similarity is a dot product."""

    tokens: dict[str, int]
    table: np.ndarray  # float32, one row per token
    provenance: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.table.shape[1])

    def __post_init__(self) -> None:
        self._cache: dict[str, np.ndarray | None] = {}

    def vector(self, word: str) -> np.ndarray | None:
        """The unit vector of a folded word, or None when WordPiece cannot spell it."""
        found = self._cache.get(word, False)
        if found is not False:
            return found  # type: ignore[return-value]
        pieces = wordpiece(word, self.tokens)
        vec = None
        if pieces:
            rows = self.table[[self.tokens[p] for p in pieces]]
            v = rows[0] + TAIL_WEIGHT * rows[1:].sum(axis=0)
            norm = float(np.linalg.norm(v))
            if norm > 0:
                vec = (v / norm).astype(np.float32)
        self._cache[word] = vec
        return vec

    def matrix(self, words: Iterable[str]) -> tuple[list[str], np.ndarray]:
        """The words WordPiece can spell and their vectors as rows."""
        kept, rows = [], []
        for w in words:
            v = self.vector(w)
            if v is not None:
                kept.append(w)
                rows.append(v)
        if not rows:
            return [], np.zeros((0, self.dim), dtype=np.float32)
        return kept, np.vstack(rows)

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two folded words (0 when either is unknown)."""
        va, vb = self.vector(a), self.vector(b)
        if va is None or vb is None:
            return 0.0
        return float(va @ vb)

    def mean(self, words: Iterable[str], weights: Iterable[float] | None = None) -> np.ndarray:
        """Weighted mean of the words' vectors, unit length (zeros when none is known)."""
        total = np.zeros(self.dim, dtype=np.float32)
        ws = weights if weights is not None else iter(lambda: 1.0, None)
        for w, weight in zip(words, ws, strict=False):
            v = self.vector(w)
            if v is not None:
                total += weight * v
        norm = float(np.linalg.norm(total))
        return total / norm if norm > 0 else total


def embeddings_path() -> Path:
    return Path(str(resources.files("knowledge") / "data" / "embeddings.npz"))


def load_vectors(path: Path | str | None = None) -> WordVectors:
    path = Path(path) if path is not None else embeddings_path()
    try:
        with np.load(path, allow_pickle=False) as data:
            tokens = str(data["tokens"]).split("\n")
            table = np.asarray(data["vectors"], dtype=np.float32)
            provenance = json.loads(str(data["provenance"])) if "provenance" in data else {}
    except (OSError, KeyError, ValueError) as exc:
        raise EmbeddingError(f"cannot read word vectors {path}: {exc}") from exc
    if table.ndim != 2 or table.shape[0] != len(tokens):
        raise EmbeddingError(f"word vectors {path}: {table.shape} rows for {len(tokens)} tokens")
    return WordVectors({t: i for i, t in enumerate(tokens)}, table, provenance)


@lru_cache(maxsize=1)
def default_vectors() -> WordVectors:
    """The shipped table, read once per process."""
    return load_vectors()
