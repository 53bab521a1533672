"""Moderator corrections: the passage that answers a question, and the later questions that ask
the same thing.

Pure logic; the store keeps corrections and the service decides when to apply them. Here a
passage reference ("001_2309abed9a7bf6a3:2:1") is read and checked against the library, a
corrected answer is composed (the moderator's quote first), and a new question is compared with
a corrected one to tell a rewording from a different question.

A rewording must (1) expect the same kind of answer (where/when/who...), (2) name the same
people, things and numbers, or a part of them (names are words the sources write capitalised,
so "kim" typed in lower case counts; compared exactly, never by meaning: "Kim" is not
"Kimora"), and (3) ask about the same rest: the other content words of each question must be
matched in the other by the same word, a form of it ("met"/"meet") or a word near in meaning
(word vectors), weighted by rarity. A word the library does not know is first read as a typo of
the one library word one edit away ("memior"); chat filler ("rn", "lol", "exactly") and words
the library has nothing near to do not count. The weaker direction must reach
PARAPHRASE_THRESHOLD, chosen for no false match (`python -m bench.corrections --sweep`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from knowledge.analysis import STOPWORDS, fold, stem, words
from knowledge.library import Library
from knowledge.mentions import Kind
from knowledge.models import Answer, Corrected, Passage, Quote, quote_of
from knowledge.question import analyze_question

PARAPHRASE_THRESHOLD = 0.65  # see bench.corrections: no false match on its 50 or 10,957 pairs
_MAX_QUOTES = 3
_REF = re.compile(r"^(?P<source>.+?):(?P<paragraph>\d+)(?::(?P<sentence>\d+))?$")


class RefError(ValueError):
    """A passage reference that does not name a passage of the library; says how to fix it."""


@dataclass(frozen=True)
class PassageRef:
    """A paragraph of a source (1-based, as cited), or one of its sentences (1-based)."""

    source_id: str
    paragraph: int
    sentence: int | None = None

    def __str__(self) -> str:
        tail = f":{self.sentence}" if self.sentence is not None else ""
        return f"{self.source_id}:{self.paragraph}{tail}"


def parse_ref(text: str) -> PassageRef:
    """Read SOURCE_ID:PARAGRAPH[:SENTENCE]."""
    match = _REF.match(text.strip())
    if not match:
        raise RefError(
            f"cannot read the passage {text.strip()[:80]!r}; write SOURCE_ID:PARAGRAPH or "
            "SOURCE_ID:PARAGRAPH:SENTENCE, e.g. 001_2309abed9a7bf6a3:2 (citebot sources lists ids)"
        )
    sentence = match["sentence"]
    return PassageRef(
        match["source"].strip(), int(match["paragraph"]), int(sentence) if sentence else None
    )


def resolve_ref(library: Library, ref: PassageRef | str) -> tuple[PassageRef, Quote]:
    """The reference with its full source id (a unique prefix such as "001" is accepted) and
    the quote it names: the sentence, or the whole paragraph."""
    if isinstance(ref, str):
        ref = parse_ref(ref)
    sources = library.corpus.sources
    source = next((s for s in sources if s.source_id == ref.source_id), None)
    if source is None:
        prefixed = [s for s in sources if s.source_id.startswith(ref.source_id)]
        if len(prefixed) != 1:
            what = "matches several sources" if prefixed else "is not a source"
            raise RefError(f"{ref.source_id!r} {what}; citebot sources lists the source ids")
        source = prefixed[0]
    passage = next((p for p in source.passages if p.paragraph == ref.paragraph), None)
    if passage is None:
        raise RefError(
            f"{source.source_id} has paragraphs 1 to {len(source.passages)}, not {ref.paragraph}"
        )
    ref = PassageRef(source.source_id, ref.paragraph, ref.sentence)
    if ref.sentence is None:
        return ref, _quote(library, passage, 0, len(passage.text))
    spans = passage.sentences
    if not 1 <= ref.sentence <= len(spans):
        raise RefError(
            f"paragraph {ref.paragraph} of {source.source_id} has sentences 1 to {len(spans)}, "
            f"not {ref.sentence}"
        )
    span = spans[ref.sentence - 1]
    return ref, _quote(library, passage, span.start, span.end)


def locate(library: Library, ref: PassageRef, text: str) -> tuple[PassageRef, Quote] | None:
    """Find a corrected quote again in a (possibly changed) corpus: at its reference if the
    words are still there, else wherever a paragraph still holds them exactly; None when the
    passage is gone (the correction is then retired)."""
    try:
        found, quote = resolve_ref(library, PassageRef(ref.source_id, ref.paragraph, ref.sentence))
    except RefError:
        found, quote = None, None
    if found is not None and quote is not None and quote.text == text:
        return found, quote
    for source in library.corpus.sources:
        for passage in source.passages:
            start = passage.text.find(text)
            if start < 0:
                continue
            sentence = next(
                (i for i, s in enumerate(passage.sentences, 1) if s.start == start),
                None,
            )
            moved = PassageRef(source.source_id, passage.paragraph, sentence)
            return moved, _quote(library, passage, start, start + len(text))
    return None


def _quote(library: Library, passage: Passage, start: int, end: int) -> Quote:
    return quote_of(library.corpus.source(passage.source_id), passage, start, end)


def corrected_answer(base: Answer, quote: Quote, by: str, at: dt.datetime) -> Answer:
    """The moderator's quote first, then the computed quotes from other paragraphs; answered,
    with no 'not found' or 'sources differ' note (a moderator settled it)."""
    others = [
        q
        for q in (base.quotes if base.answered else [])
        if (q.source_id, q.paragraph) != (quote.source_id, quote.paragraph)
    ]
    top = max((q.score for q in base.quotes), default=0.0)
    first = quote.model_copy(update={"score": top})
    return base.model_copy(
        update={
            "answered": True,
            "quotes": [first, *others][:_MAX_QUOTES],
            "note": None,
            "confidence": 1.0,
            "disagreement": False,
            "closest": [],
            "corrected": Corrected(by=by, at=at),
        }
    )


# -- recognising a rewording ----------------------------------------------------------------

# Two questions expecting different kinds of answer ask different things ("when did Alice get
# out of prison" is not "why was Alice in prison"; "when did Jared's memoir come out" is not
# "what is its title"). Questions whose kind cannot be told are compared by their words alone.
_STRONG_KINDS = frozenset({Kind.DATE, Kind.PLACE, Kind.PERSON, Kind.NUMBER, Kind.REASON, Kind.NAME})
_WH = frozenset({"what", "which", "when", "where", "who", "whom", "whose", "why", "how"})
_ALIKE_KINDS = frozenset({Kind.PERSON, Kind.NAME})  # "whose wedding" and "which wedding"
# "whats", "wheres" typed without the apostrophe still ask what, where.
_WH_CONTRACTED = re.compile(r"\b(what|where|who|when|how)(?:s|d)\b", re.IGNORECASE)
# Words of chat that say how, not what: general English, never words of the sources.
_FILLER = frozenset(
    {"exactly", "actually", "really", "basically", "officially", "supposedly", "again",
     "right", "now", "nowadays", "currently", "lol", "omg", "pls", "plz", "btw", "tbh", "rn",
     "ok", "okay", "wait", "like", "just", "even", "still", "both", "together",
     # light verbs: "go to", "get married" say little of what is asked
     "go", "goes", "going", "went", "get", "gets", "getting", "got"}
)  # fmt: skip
_FILLER_PHRASES = re.compile(r"\b(?:these days|right now|or nah|or what)\b", re.IGNORECASE)
_MIN_TYPO_LENGTH = 4


@dataclass(frozen=True)
class _Shape:
    kind: Kind | None  # the expected answer kind
    names: frozenset[str]  # compared exactly
    numbers: frozenset[str]
    content: tuple[tuple[str, float], ...]  # other content words and their weights


class _Shaper:
    """Reads questions against one library's vocabulary and names."""

    def __init__(self, library: Library) -> None:
        self.library = library
        stats = library.sentences
        self.common = stats.common_words
        self.names = _name_words(stats.texts)
        self.by_length: dict[int, list[str]] = {}
        for w in sorted(set(stats.vocabulary) | self.names):
            self.by_length.setdefault(len(w), []).append(w)
        self.shape = lru_cache(maxsize=4096)(self._shape)
        self.spell = lru_cache(maxsize=4096)(self._spell)

    def is_name(self, word: str) -> bool:
        # "kims" typed for "Kim's" is still Kim.
        return word in self.names or (word.endswith("s") and word[:-1] in self.names)

    def known(self, word: str) -> bool:
        return self.library.index.doc_freq(stem(word)) > 0 or word in self.names

    def _spell(self, word: str) -> str:
        """A word the library does not know, taken as a typo of the one library word it is
        closest to ("jonhson" -> "johnson"), if that is close enough."""
        if (
            len(word) < _MIN_TYPO_LENGTH
            or not word.isalpha()
            or self.known(word)
            or word in self.library.semantic.vectors.tokens  # an English word, not a typo
        ):
            return word
        close = [w for w in self.by_length.get(len(word), ()) if _one_edit(word, w)]
        close += [w for n in (len(word) - 1, len(word) + 1) for w in self.by_length.get(n, ())
                  if _one_edit(word, w)]  # fmt: skip
        return close[0] if len(close) == 1 else word

    def weight(self, word: str) -> float:
        """Rarity in the library; a word it neither has nor has anything near to ("rn",
        "lol") cannot change which passage answers, so it does not count."""
        if len(word) < 2 or word in _FILLER:
            return 0.0
        if self.known(word) or self.library.semantic.near(word):
            return self.library.index.idf(stem(word))
        return 0.0

    def _shape(self, question: str) -> _Shape:
        question = _WH_CONTRACTED.sub(r"\1", question)
        kind = _kind(question, self.common)
        question = _FILLER_PHRASES.sub(" ", question)
        content = [self.spell(w) for w in words(question) if w not in STOPWORDS]
        content = [w for w in content if w not in STOPWORDS]
        # Names and numbers ("2018", "43rd") must agree exactly, never by meaning.
        exact = frozenset(
            w if w in self.names or not w.isalpha() else w[:-1]
            for w in content
            if self.is_name(w) or not w.isalpha()
        )
        rest = dict.fromkeys(w for w in content if w.isalpha() and not self.is_name(w))
        numbers = frozenset(w for w in exact if not w.isalpha())
        return _Shape(kind, exact - numbers, numbers, tuple((w, self.weight(w)) for w in rest))


_CLAUSE = re.compile(r"[?,;]")


def _kind(question: str, common: frozenset[str]) -> Kind | None:
    """The expected answer kind, from the clause that starts with a question word ("ivanka
    switched religions when she got married? to what" asks what, not when); a "which" month
    or day asks for a date."""
    for clause in _CLAUSE.split(question):
        if any(w in _WH for w in words(clause)[:2]):
            question = clause
            break
    analysis = analyze_question(question, common)
    if analysis.answer_type is Kind.NAME and analysis.target in _CALENDAR | {"day", "month"}:
        return Kind.DATE
    return analysis.answer_type


_SHAPERS: dict[int, _Shaper] = {}


def _shaper(library: Library) -> _Shaper:
    """One shaper per library, remembered (a Library is not hashable)."""
    held = _SHAPERS.get(id(library))
    if held is None or held.library is not library:
        if len(_SHAPERS) >= 8:
            _SHAPERS.clear()
        held = _SHAPERS[id(library)] = _Shaper(library)
    return held


_TOKEN = re.compile(r"[^\W\d_]+")
_CALENDAR = frozenset(w.lower() for w in (*calendar.month_name[1:], *calendar.day_name))


def _name_words(texts: Sequence[str]) -> frozenset[str]:
    """Words the sources write capitalised inside sentences more often than not: how a name
    typed in lower case ("ivanka") is still known as one. Months and weekdays are dates."""
    upper: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for text in texts:
        for i, match in enumerate(_TOKEN.finditer(text)):
            token = match.group()
            if i == 0 or len(token) < 2:
                continue
            if token[0].isupper() and not token.isupper():
                upper[fold(token)] += 1
            elif token.islower():
                lower[token] += 1
    return frozenset(
        w for w, n in upper.items() if n > lower[w] and w not in STOPWORDS and w not in _CALENDAR
    )


def _one_edit(a: str, b: str) -> bool:
    """One letter replaced, added, dropped, or two neighbours swapped ("memior")."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )  # fmt: skip
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long[i]), len(short))
    return short[i:] == long[i + 1 :]


def _names_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """The same people and things: one question may name them more fully ("Kim" and "Kim
    Kardashian"), never someone the other does not."""
    return a <= b or b <= a


def _kinds_agree(a: Kind | None, b: Kind | None) -> bool:
    return a == b or a not in _STRONG_KINDS or b not in _STRONG_KINDS or {a, b} <= _ALIKE_KINDS


def _word_similarity(library: Library, a: str, b: str) -> float:
    if a == b or stem(a) == stem(b):
        return 1.0
    stats = library.sentences
    if stats.variants(a) & stats.variants(b):
        return 1.0
    vectors = library.semantic.vectors
    va, vb = vectors.vector(a), vectors.vector(b)
    if va is None or vb is None:
        return 0.0
    return max(0.0, float(np.dot(va, vb)))


def _coverage(
    library: Library, xs: Sequence[tuple[str, float]], ys: Sequence[tuple[str, float]]
) -> float | None:
    """Weighted share of `xs` matched in `ys` (each by its best match's similarity); None
    when `xs` holds no word that counts."""
    total = sum(weight for _, weight in xs)
    if total <= 0:
        return None
    matched = sum(
        weight * max((_word_similarity(library, x, y) for y, _ in ys), default=0.0)
        for x, weight in xs
    )
    return matched / total


def rewording_score(library: Library, question: str, corrected: str) -> float:
    """How surely `question` asks what `corrected` asked, 0..1: 0 when the kinds of answer
    or the names differ, else the weaker direction of the content words' soft coverage."""
    shaper = _shaper(library)
    a, b = shaper.shape(question), shaper.shape(corrected)
    if not (
        _kinds_agree(a.kind, b.kind)
        and _names_agree(a.names, b.names)
        and _names_agree(a.numbers, b.numbers)
    ):
        return 0.0
    there, back = _coverage(library, a.content, b.content), _coverage(library, b.content, a.content)
    if there is None and back is None:
        # Only names and question words on both sides ("who is ivanka"): the same question
        # if they name the same things and expect the same kind of answer.
        same = a.names == b.names and a.numbers == b.numbers
        return 1.0 if same and a.names and a.kind == b.kind else 0.0
    return min(there or 0.0, back or 0.0)


def best_rewording(
    library: Library,
    question: str,
    corrected: Sequence[str],
    threshold: float = PARAPHRASE_THRESHOLD,
) -> int | None:
    """Position of the corrected question `question` rewords best, if any reaches `threshold`."""
    best, found = threshold, None
    for i, other in enumerate(corrected):
        score = rewording_score(library, question, other)
        if score >= best:
            best, found = score, i
    return found


# -- picking a passage ----------------------------------------------------------------------


@dataclass(frozen=True)
class PassageChoice:
    """A passage offered to a moderator: its reference, citation and text."""

    ref: PassageRef
    title: str
    text: str


def passage_choices(
    library: Library, typed: str, question: str | None = None, limit: int = 25
) -> list[PassageChoice]:
    """Passages for a moderator to pick: the sentences of a paragraph typed as a reference
    ("001:2"), else the paragraphs best matching the typed words, else (nothing typed) those
    ranked best for the reported `question`, else the first paragraphs."""
    typed = " ".join(typed.split())
    passages = library.passages
    if typed:
        try:
            ref, _ = resolve_ref(library, typed)
        except RefError:
            pass
        else:
            return _sentence_choices(library, ref)[:limit]
        terms = [t for w in words(typed) for t in library.sentences.variants(w)]
        order = [p for p, _ in library.index.search(terms, k=limit)] if terms else []
    elif question:
        from knowledge.ranking import rank

        order = rank(library, question).paragraphs[:limit]
    else:
        order = list(range(min(limit, len(passages))))
    return [_paragraph_choice(library, passages[p]) for p in order]


def _paragraph_choice(library: Library, passage: Passage) -> PassageChoice:
    title = library.corpus.source(passage.source_id).title
    return PassageChoice(PassageRef(passage.source_id, passage.paragraph), title, passage.text)


def _sentence_choices(library: Library, ref: PassageRef) -> list[PassageChoice]:
    source = library.corpus.source(ref.source_id)
    passage = next(p for p in source.passages if p.paragraph == ref.paragraph)
    whole = _paragraph_choice(library, passage)
    sentences = [
        PassageChoice(
            PassageRef(ref.source_id, ref.paragraph, i), source.title, passage.text[s.start : s.end]
        )
        for i, s in enumerate(passage.sentences, 1)
    ]
    if ref.sentence is not None:
        sentences = [c for c in sentences if c.ref.sentence == ref.sentence]
    return [whole, *sentences] if len(sentences) != 1 or ref.sentence is None else sentences
