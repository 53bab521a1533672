"""Sentence-level statistics of a library, computed once: terms per sentence, casing, lemmas.

The index scores paragraphs; answering ranks sentences, so every sentence's analysed terms are
kept here instead of being re-analysed per question. Typed mentions are found lazily (most
sentences are never candidates) and remembered.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from knowledge.analysis import STOPWORDS, analyze, fold, stem, words
from knowledge.index import passage_terms
from knowledge.lemmas import lemma_key
from knowledge.mentions import Mention, find_mentions
from knowledge.models import Passage, Span

_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+")
_TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f][\w'\u2019\-]*")


@dataclass
class SentenceStats:
    passage_of: list[int]  # sentence -> passage position
    spans: list[Span]
    terms: list[tuple[str, ...]]  # analysed terms in order
    term_sets: list[frozenset[str]]
    first: list[int]  # passage -> its first sentence (sentences of a passage are contiguous)
    passage_sets: list[frozenset[str]]  # passage terms, heading included
    passage_lengths: list[int]
    avg_len: float
    common_words: frozenset[str]  # seen lowercase mid-sentence: not names when capitalised
    lemma_groups: dict[str, frozenset[str]]  # lemma key -> the index terms that share it
    vocabulary: tuple[str, ...] = ()  # distinct folded content words, sorted
    texts: list[str] = field(default_factory=list)
    _mentions: dict[int, list[Mention]] = field(default_factory=dict)
    _stems: dict[int, list[tuple[int, str]]] = field(default_factory=dict)

    @classmethod
    def build(cls, passages: Sequence[Passage]) -> SentenceStats:
        passage_of: list[int] = []
        spans: list[Span] = []
        terms: list[tuple[str, ...]] = []
        texts: list[str] = []
        first: list[int] = []
        lowercase: set[str] = set()
        vocabulary: set[str] = set()
        for p, passage in enumerate(passages):
            first.append(len(spans))
            sentence_spans = passage.sentences or [Span(start=0, end=len(passage.text))]
            for span in sentence_spans:
                text = passage.text[span.start : span.end]
                passage_of.append(p)
                spans.append(span)
                texts.append(text)
                terms.append(tuple(analyze(text)))
                for i, token in enumerate(_TOKEN.findall(text)):
                    if i and token[:1].islower():
                        lowercase.add(fold(token))
            vocabulary.update(w for w in words(passage.text) if w not in STOPWORDS)
        first.append(len(spans))
        groups: dict[str, set[str]] = defaultdict(set)
        for word in vocabulary:
            groups[lemma_key(word)].add(stem(word))
        passage_sets = [frozenset(passage_terms(p)) for p in passages]
        total = sum(len(t) for t in terms)
        return cls(
            passage_of=passage_of,
            spans=spans,
            terms=terms,
            term_sets=[frozenset(t) for t in terms],
            first=first,
            passage_sets=passage_sets,
            passage_lengths=[len(passage_terms(p)) for p in passages],
            avg_len=total / max(len(terms), 1),
            common_words=frozenset(lowercase),
            lemma_groups={k: frozenset(v) for k, v in groups.items()},
            vocabulary=tuple(sorted(vocabulary)),
            texts=texts,
        )

    def of_passage(self, p: int) -> range:
        return range(self.first[p], self.first[p + 1])

    def mentions(self, s: int) -> list[Mention]:
        found = self._mentions.get(s)
        if found is None:
            found = self._mentions[s] = find_mentions(self.texts[s], self.common_words)
        return found

    def positions(self, s: int) -> list[tuple[int, str]]:
        """(character offset, stem) of every word of sentence `s`, found once."""
        found = self._stems.get(s)
        if found is None:
            found = self._stems[s] = [
                (m.start(), stem(fold(m.group()))) for m in _WORD.finditer(self.texts[s])
            ]
        return found

    def variants(self, word: str) -> frozenset[str]:
        """Index terms that share the word's lemma ("met" for "meet", "bought" for "buy")."""
        return self.lemma_groups.get(lemma_key(word), frozenset()) | {stem(word)}
