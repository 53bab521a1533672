"""Read a question the way a search engine reads its users' queries, before it is analysed.

Three steps, each switchable in `Options` (knowledge/answering/ranking.py):

- chat forms: "bday" -> "birthday", "rn" -> "right now", "u" -> "you"
  (knowledge/text/chat_forms.py);
- spelling: a word neither the sources nor English know, within a small edit distance of a
  word the sources use, is read as that word ("eletcion" -> "election", knowledge/text/spelling.py);
- names: a lowercase word that the library only ever writes as a name is read as that name
  ("kim" -> "Kim", "kims" -> "Kim's", "met gala" -> "Met Gala"), so that everything which
  relies on capitals (proper names, answer types) treats it as one.

The question the user sees is never rewritten: only the spelling corrections are shown, as
search engines do ("searched for: *election*").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress

from simplemma import is_known

from knowledge.text.analysis import STOPWORDS, fold
from knowledge.text.chat_forms import standard_form
from knowledge.text.lemmas import lemma
from knowledge.text.spelling import Speller

_TOKEN = re.compile(r"[^\W_]+(?:['\u2019/\-][^\W_]*)*")
_POSSESSIVE = re.compile(r"(?:['\u2019]s?)$")
_MIN_CORRECTED = 4  # shorter words are too often something else ("teh" aside)
_MAX_NAME_WORDS = 4
_NAME_RATIO = 5  # capitalised at least this many times per lowercase use
_NAME_MIN = 2  # and at least this often
_FREQUENT = 3  # a rare English word is a typo only of a source word used this often


@dataclass
class QueryWords:
    """What a library knows about words, for reading questions: its vocabulary, the cased form
    of the words it only writes as names, its multi-word names, and its speller."""

    vocabulary: Collection[str]  # folded words the sources use
    counts: Mapping[str, int]  # how often the sources use each (alphabetic) word
    names: dict[str, str]  # folded -> cased, for words only ever written as names
    phrases: dict[tuple[str, ...], tuple[str, ...]]  # folded name words -> cased words
    speller: Speller | None = None
    english: Collection[str] = frozenset()  # common English words (the vectors' whole words)
    capitalised: frozenset[str] = frozenset()  # folded words nearly always capitalised

    def is_common_english(self, word: str) -> bool:
        """A whole word of the word-vector model's vocabulary (30k common words), or a form of
        one ("pardoned"): never "corrected", even when the sources lack it."""
        return word in self.english or lemma(word) in self.english

    def is_english(self, word: str) -> bool:
        """Common English, or a word of simplemma's larger dictionary ("frist" is there)."""
        return self.is_common_english(word) or _known_english(word)


@lru_cache(maxsize=65536)
def _known_english(word: str) -> bool:
    return is_known(word, lang="en")


@dataclass(frozen=True)
class Reading:
    text: str  # what is analysed and searched
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> library word
    shown: str | None = None  # the question with its corrections, when there are any


def name_casing(
    named: list[str], sentences: Iterable[str]
) -> tuple[dict[str, str], dict[tuple[str, ...], tuple[str, ...]], frozenset[str]]:
    """From a library's sentences, the cased form of each word used alone as a name and
    written with a capital nearly always away from a sentence start (a reader's comment quoted
    in lowercase does not make a name a common word; ALL-CAPS shouting does not make "REAL" a
    name; "Beach" only ever inside a longer name is not one, "Kanye" is, being no English
    word); from its multi-word names (knowledge/text/names.py), their cased words ("Met Gala":
    "met" alone stays a verb); and the words nearly always capitalised, alone or not."""
    casing = Casing()
    for sentence in sentences:
        casing.add(sentence)
    return casing.result(named)


class Casing:
    """`name_casing`, sentence by sentence (a library's build streams its sentences through
    it): raw tokens are counted as they come and folded once, at the end."""

    def __init__(self) -> None:
        self.upper: Counter[str] = Counter()
        self.lower: Counter[str] = Counter()
        self.alone: Counter[str] = Counter()  # capitalised with no capitalised word either side

    def add(self, sentence: str) -> None:
        tokens = [
            _POSSESSIVE.sub("", t) if "'" in t or "\u2019" in t else t
            for t in _TOKEN.findall(sentence)
        ]
        capital = [t[:1].isupper() for t in tokens] + [False]
        self.lower.update(tokens[1:])  # capitalised ones are left out when settled
        upper, alone = self.upper, self.alone
        for i in compress(range(1, len(tokens)), capital[1:]):
            token = tokens[i]
            if len(token) > 1 and not token.isupper() and token.isalpha():
                upper[token] += 1
                alone[token] += not (capital[i + 1] or (i > 1 and capital[i - 1]))

    def result(
        self, named: list[str]
    ) -> tuple[dict[str, str], dict[tuple[str, ...], tuple[str, ...]], frozenset[str]]:
        upper: Counter[str] = Counter()
        lower: Counter[str] = Counter()
        alone: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = {}
        for token, n in self.lower.items():
            if not token[:1].isupper():
                lower[fold(token)] += n
        for token, n in self.upper.items():  # first seen first: ties keep the first form
            f = fold(token)
            upper[f] += n
            forms.setdefault(f, Counter())[token] += n
            alone[f] += self.alone[token]
        capitalised = frozenset(
            f for f, n in upper.items() if n >= _NAME_RATIO * lower[f] and f not in STOPWORDS
        )
        words_ = {
            f: forms[f].most_common(1)[0][0]
            for f in capitalised
            if upper[f] >= _NAME_MIN and (alone[f] or not _known_english(f))
        }
        phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for name in named:
            parts = _TOKEN.findall(name)
            if 1 < len(parts) <= _MAX_NAME_WORDS:
                phrases.setdefault(tuple(fold(p) for p in parts), tuple(parts))
        return words_, phrases, capitalised


def read_question(
    question: str,
    words_: QueryWords,
    *,
    lexicon: dict[str, str] | None = None,
    spelling: bool = True,
    names: bool = True,
) -> Reading:
    """The question as it will be searched: chat forms in standard words (`lexicon` given),
    typos corrected (`spelling`), lowercase names in capitals (`names`)."""
    tokens = list(_TOKEN.finditer(question))
    if not tokens:
        return Reading(question)
    out: list[str] = []  # the searched text, piece by piece
    shown: list[str] = []  # the question with corrections only
    corrections: dict[str, str] = {}
    last = 0
    for m in tokens:
        gap = question[last : m.start()]
        token = m.group()
        last = m.end()
        new = standard_form(token, lexicon, words_.counts) if lexicon else None
        if new is not None:
            out += [gap, new]
            shown += [gap, token]
            continue
        fixed = _correct(token, words_) if spelling else None
        if fixed is not None:
            corrections[token] = fixed
            token = fixed
        out += [gap, token]
        shown += [gap, token]
    out.append(question[last:])
    shown.append(question[last:])
    text = "".join(out)
    if names:
        typed_lowercase = not any(t.group()[:1].isupper() for t in tokens[1:] if t.group() != "I")
        text = _recase(text, words_, typed_lowercase)
    return Reading(text, corrections, "".join(shown) if corrections else None)


def _correct(token: str, words_: QueryWords) -> str | None:
    """The library word a typo stands for, or None. Only a word of letters, at least four,
    that the sources do not use and that is no common English word is corrected (a word of
    the larger dictionary only one edit from a word the sources use often); into a word at
    the smallest distance (one edit up to six letters, two beyond), with the same first
    letter, and, when several are that close, only if the most frequent is not a name
    competing with another name. A source word plus "s" ("kims") is a possessive."""
    speller = words_.speller
    word = fold(token)
    if (
        speller is None
        or not word.isalpha()
        or len(word) < _MIN_CORRECTED
        or word in words_.vocabulary
        or word[:-1] in words_.vocabulary  # "lovelaces": a possessive typed without '
        or word in STOPWORDS
        or words_.is_common_english(word)
    ):
        return None
    found = [
        s for s in speller.suggestions(word, 1 if len(word) <= 6 else 2) if s.word[0] == word[0]
    ]
    if _known_english(word):  # a rare word ("frist") or a typo of a frequent source word
        found = [s for s in found if s.distance == 1 and s.count >= _FREQUENT]
    if not found:
        return None
    if sum(1 for s in found if s.word in words_.names) > 1:
        return None  # "jarred": which of two names? Better to ask as typed.
    best = found[0].word
    cased = words_.names.get(best, best)
    return cased if token[:1].isupper() or best in words_.names else best


def _recase(text: str, words_: QueryWords, typed_lowercase: bool) -> str:
    """Lowercase words the library only writes as names, in its capitals, and lowercase
    multi-word names as it writes them. In a question typed with capitals elsewhere, a word
    that is also ordinary English ("west", "will") is left alone: its writer chose it."""
    tokens = list(_TOKEN.finditer(text))
    split = [_base(t.group(), words_) for t in tokens]
    bases = tuple(fold(b) for b, _ in split)
    cased: dict[int, str] = {}
    i = 0
    while i < len(tokens):
        n = next(
            (
                n
                for n in range(min(_MAX_NAME_WORDS, len(tokens) - i), 1, -1)
                if bases[i : i + n] in words_.phrases
            ),
            0,
        )
        for j, part in enumerate(words_.phrases[bases[i : i + n]] if n else ()):
            cased[i + j] = part
        if not n:
            name = words_.names.get(bases[i])
            if name is not None and (typed_lowercase or not words_.is_english(bases[i])):
                cased[i] = name
        i += max(n, 1)
    pieces, last = [], 0
    for i, t in enumerate(tokens):
        if i in cased and t.group().islower():
            pieces += [text[last : t.start()], cased[i] + split[i][1]]
            last = t.end()
    pieces.append(text[last:])
    return "".join(pieces)


def _base(token: str, words_: QueryWords) -> tuple[str, str]:
    """A token without its possessive ending, and the ending as it should be written:
    "kim's" -> ("kim", "'s"), "kims" -> ("kim", "'s") when "kims" is no word of the sources."""
    base = _POSSESSIVE.sub("", token)
    suffix = token[len(base) :]
    folded = fold(base)
    if (
        not suffix
        and folded.endswith("s")
        and folded not in words_.names
        and folded not in words_.vocabulary
        and folded[:-1] in words_.vocabulary
    ):
        return base[:-1], "'s"
    return base, suffix
