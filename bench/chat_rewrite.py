"""Rewrite well-formed questions the way people type them in a chat, for training.

SQuAD questions repeat their paragraph's words in full sentences; people in a Discord channel
write "ivanka husband job?" or "why did kim pick ivanka 4 help". The ranker and the confidence
model learn from both: each SQuAD training question is also asked in a chat form made by
these steps, each applied at random (seeded, so the same question always gets the same form):

- lowercase (names too: people rarely capitalise in chat);
- drop function words (articles, auxiliaries, prepositions), sometimes the question word too,
  cutting the question to a fragment ("what year did the war end" -> "war end year");
- swap content words for near words from the word vectors ("purchase" -> "buying"), never a
  name, never a word of the same lemma;
- a typo here and there in a longer word (a swapped, dropped or doubled letter);
- drop the question mark.

Nothing here is specific to any corpus: the vocabulary is the word vectors' own.

    python -m bench.chat_rewrite "What year did the war end?"   # print a few rewrites
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from knowledge.text.analysis import STOPWORDS
from knowledge.text.embeddings import WordVectors, default_vectors
from knowledge.text.lemmas import lemma

_TOKEN = re.compile(r"[A-Za-z0-9\u00c0-\u024f][\w'\u2019\-]*|[^\w\s]")
_WH = frozenset(["what", "when", "where", "which", "who", "whom", "whose", "why", "how"])
# Words a fragment keeps even when function words go: they carry what is asked.
_KEEP = frozenset(["how", "many", "much", "long", "old", "not", "no", "first", "last"])
NEAR_FLOOR = 0.55  # a swapped word must mean nearly the same
NEAR_POOL = 20_000  # the word vectors' most frequent whole words a swap may pick from


@dataclass(frozen=True)
class Rates:
    """Probabilities of each step; the defaults give about one change in three words."""

    lowercase: float = 0.85
    drop_function: float = 0.6  # per question: drop its function words
    drop_wh: float = 0.3  # per question with function words dropped: drop the wh-word too
    swap: float = 0.25  # per content word that is not a name
    typo: float = 0.06  # per word of 5+ letters
    drop_mark: float = 0.5
    drop_apostrophe: float = 0.5  # "trump's" -> "trumps"


class ChatRewriter:
    """Seeded chat-style rewrites of a question (see the module docstring)."""

    def __init__(
        self, vectors: WordVectors | None = None, rates: Rates | None = None, seed: int = 0
    ) -> None:
        self.vectors = vectors or default_vectors()
        self.rates = rates or Rates()
        self.seed = seed
        self._near: dict[str, list[str]] = {}

    @cached_property
    def _pool(self) -> tuple[list[str], np.ndarray]:
        """Whole alphabetic words of the vector vocabulary (WordPiece lists frequent ones
        first) and their vectors: the words a swap may choose."""
        words = [
            t
            for t in self.vectors.tokens
            if t.isalpha() and t.isascii() and len(t) > 2 and t not in STOPWORDS
        ][:NEAR_POOL]
        return self.vectors.matrix(words)

    def near_words(self, word: str, k: int = 5) -> list[str]:
        """Up to k words nearest `word` in meaning (cosine >= NEAR_FLOOR), not its own forms."""
        found = self._near.get(word)
        if found is not None:
            return found
        v = self.vectors.vector(word)
        words, matrix = self._pool
        out: list[str] = []
        if v is not None and len(words):
            sims = matrix @ v
            own = lemma(word)
            for i in np.argsort(-sims)[: 4 * k + 4]:
                w = words[int(i)]
                if sims[i] < NEAR_FLOOR or len(out) >= k:
                    break
                if w == word or lemma(w) == own or w.startswith(word) or word.startswith(w):
                    continue
                out.append(w)
        self._near[word] = out
        return out

    def rng(self, question: str, variant: int = 0) -> random.Random:
        digest = hashlib.sha256(f"{self.seed}:{variant}:{question}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def rewrite(self, question: str, variant: int = 0) -> str:
        """One chat-style form of `question`; the same inputs always give the same output."""
        rng = self.rng(question, variant)
        r = self.rates
        tokens = _TOKEN.findall(question)
        words = [t for t in tokens if t[0].isalnum()]
        if not words:
            return question
        names = {
            i for i, t in enumerate(words) if (i > 0 and t[0].isupper()) or (i == 0 and _cap(t))
        }
        drop_function = rng.random() < r.drop_function
        drop_wh = drop_function and rng.random() < r.drop_wh
        out: list[str] = []
        for i, word in enumerate(words):
            low = word.lower()
            is_name = i in names
            if not is_name and drop_function:
                if low in _WH:
                    if drop_wh:
                        continue
                elif low in STOPWORDS and low not in _KEEP:
                    continue
            after_wh = i > 0 and words[i - 1].lower() in _WH  # "what year", "how many"
            if (
                not is_name
                and not after_wh
                and word.isalpha()
                and low not in STOPWORDS
                and low not in _KEEP
                and rng.random() < r.swap
            ):
                near = self.near_words(low)
                if near:
                    word = rng.choice(near)
            if len(word) >= 5 and rng.random() < r.typo:
                word = typo(word, rng)
            out.append(word)
        if not out:
            out = words
        if drop_function and drop_wh:
            # A fragment: the question word, if any survives, goes last ("war end when").
            wh = [w for w in words if w.lower() in _WH][:1]
            out += [w.lower() for w in wh]
        text = " ".join(out)
        if rng.random() < r.drop_apostrophe:
            text = re.sub(r"['\u2019]s\b", "s", text)
        if rng.random() < r.lowercase:
            text = text.lower()
        if rng.random() >= r.drop_mark:
            text += "?"
        return text


def _cap(word: str) -> bool:
    """A capitalised first word is a name only when it is not a common question opener."""
    return word[0].isupper() and word.lower() not in STOPWORDS and word.lower() not in _WH


def typo(word: str, rng: random.Random) -> str:
    """One slip of the keyboard inside a word: two letters swapped, one dropped or doubled."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print('usage: python -m bench.chat_rewrite "QUESTION" [...]', file=sys.stderr)
        return 2
    rewriter = ChatRewriter()
    for question in args:
        for variant in range(5):
            print(rewriter.rewrite(question, variant))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
