"""Dictionary lemmas (simplemma), so irregular forms meet: met/meet, bought/buy, children/child.

Snowball stemming joins regular endings only; a lemma key groups the index terms of one word.
"""

from __future__ import annotations

from functools import lru_cache

import simplemma

from knowledge.text.analysis import stem


@lru_cache(maxsize=131072)
def lemma(word: str) -> str:
    """The dictionary form of a folded word ("bought" -> "buy"), the word itself if unknown."""
    return simplemma.lemmatize(word, lang="en").lower()


def lemma_key(word: str) -> str:
    """The stemmed lemma of a folded word: the same key for every form of that word."""
    return stem(lemma(word))
