"""Synthetic English-like paragraphs for the speed benchmark, generated lazily with a fixed seed.

Word ranks follow Zipf's law over a fixed vocabulary: the most frequent ranks are real English
function words (so stopword handling matters as on real text), the rest are pronounceable
pseudo-words, some with English suffixes so stemmers have work to do. Paragraphs are made in
chunks from per-chunk seeds, so the first 10,000 paragraphs of the 1M corpus are the 10k corpus
and no more than one chunk (1,000 paragraphs) of text is ever held in memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np

GENERATOR_VERSION = "2"
SEED = 20240601
VOCABULARY_SIZE = 1_000_000
ZIPF_EXPONENT = 1.1
MIN_WORDS, MAX_WORDS = 60, 120
_CHUNK = 1_000

# The most frequent English words, most frequent first (they take ranks 1..n).
FUNCTION_WORDS = (  # noqa: SIM905 (a word list reads best as text)
    "the of and to a in is that for it as was with be by on not he i this are or his from at "
    "which but have an they you were had her she there been one all we their has would when "
    "if so no will more who its what can said about up out into them some than other only "
    "time could these two may then do first any my now such like our over also new just most "
    "after where how year people back well because through very between even those should "
    "each being while before both under many much own same last long state world"
).split()

_ONSETS = (  # noqa: SIM905 (a word list reads best as text)
    "b c d f g h j k l m n p r s t v w z bl br ch cl cr dr fl fr gl gr pl pr sc sh sk sl sp "
    "st str th tr wh"
).split()
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ee", "ou", "oo", "ie"]
_CODAS = ["", "", "", "n", "r", "l", "s", "t", "m", "nd", "st", "rn", "ck", "ng", "rt", "x"]
_SUFFIXES = ["", "", "", "", "", "s", "ed", "ing", "er", "ly", "tion", "ness", "ment", "al"]


@cache
def vocabulary() -> tuple[str, ...]:
    """Function words, then unique pseudo-words, shorter ones more frequent as in English."""
    rng = np.random.default_rng([SEED, 0])
    syllables = np.array([o + v + c for o in _ONSETS for v in _VOWELS for c in _CODAS], object)
    suffixes = np.array(_SUFFIXES, object)
    words: dict[str, None] = dict.fromkeys(FUNCTION_WORDS)  # an ordered set
    while len(words) < VOCABULARY_SIZE:
        batch = 400_000
        length = rng.choice([1, 2, 3], p=[0.35, 0.45, 0.2], size=batch)
        parts = syllables[rng.integers(0, len(syllables), size=(3, batch))]
        parts[1][length < 2] = ""
        parts[2][length < 3] = ""
        made = parts[0] + parts[1] + parts[2] + suffixes[rng.integers(0, len(suffixes), batch)]
        words.update(dict.fromkeys(made.tolist()))
    pseudo = list(words)[len(FUNCTION_WORDS) : VOCABULARY_SIZE]
    ranked = sorted(pseudo, key=len)  # stable: random order within a length
    return (*FUNCTION_WORDS, *ranked)


@cache
def _cumulative() -> np.ndarray:
    weights = 1.0 / np.arange(1, VOCABULARY_SIZE + 1) ** ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def rank_of(word: str) -> int:
    """0-based frequency rank of a vocabulary word (0 is 'the')."""
    return _rank_index()[word]


@cache
def _rank_index() -> dict[str, int]:
    return {w: i for i, w in enumerate(vocabulary())}


def _chunk(chunk_no: int, count: int) -> list[str]:
    rng = np.random.default_rng([SEED, 1, chunk_no])
    lengths = rng.integers(MIN_WORDS, MAX_WORDS + 1, size=count)
    total = int(lengths.sum())
    ranks = np.searchsorted(_cumulative(), rng.random(total), side="right")
    # Sentences end after about 14 words on average; some clauses get a comma.
    marks = rng.random(total)
    vocab = vocabulary()
    paragraphs = []
    start = 0
    for length in lengths.tolist():
        end = start + length
        out = []
        capital = True
        for rank, mark in zip(ranks[start:end].tolist(), marks[start:end].tolist(), strict=True):
            word = vocab[rank]
            if capital:
                word = word.capitalize()
            capital = mark < 0.07
            out.append(word + ("." if capital else "," if mark > 0.95 else ""))
        text = " ".join(out)
        paragraphs.append(text if text.endswith(".") else text.rstrip(",") + ".")
        start = end
    return paragraphs


def paragraphs(n: int) -> Iterator[str]:
    """The first `n` paragraphs of the synthetic corpus, one chunk in memory at a time."""
    for chunk_no in itertools.count():
        first = chunk_no * _CHUNK
        if first >= n:
            return
        yield from _chunk(chunk_no, _CHUNK)[: n - first]


def write_corpus(n: int, path: Path) -> Path:
    """Write the corpus one paragraph per line (reused when present, since it is deterministic)."""
    path = Path(path)
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for text in paragraphs(n):
            f.write(text + "\n")
    tmp.rename(path)
    return path


def read_corpus(path: Path) -> Iterator[str]:
    """Stream a written corpus back, one paragraph at a time."""
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            yield line.rstrip("\n")


def queries(count: int = 200, seed: int = SEED) -> list[str]:
    """Single queries of 1 to 4 words mixing frequent content words with rare ones.

    Frequent: ranks 30 to 500, the commonest words that are not stopwords everywhere ("time",
    "people", "said") down to words in a few percent of paragraphs;
    rare: ranks spread log-uniformly down the tail (in a handful of paragraphs, or none at the
    smaller sizes). Some queries carry a question word, as users type them.
    """
    rng = np.random.default_rng([seed, 2])
    vocab = vocabulary()
    out = []
    for i in range(count):
        n_words = int(rng.integers(1, 5))
        words = []
        for j in range(n_words):
            if (i + j) % 2 == 0:
                rank = int(rng.integers(30, 500))
            else:
                rank = int(np.exp(rng.uniform(np.log(2_000), np.log(VOCABULARY_SIZE))))
            words.append(vocab[rank])
        if i % 3 == 0:
            words.insert(0, str(rng.choice(["what", "who", "where", "how", "when"])))
        out.append(" ".join(words))
    return out
