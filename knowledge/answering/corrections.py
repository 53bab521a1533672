"""Moderator corrections: the passage that answers a question, and the later questions that ask
the same thing.

Pure logic; the store keeps corrections and the service decides when to apply them. Here a
passage reference ("001_2309abed9a7bf6a3:2:1") is read and checked against the library, a
corrected answer is composed (the moderator's quote first), and a new question is compared with
a corrected one to tell a rewording from a different question.

Both questions are read as the answerer reads them (`ranking.read`: chat forms, typos, lowercase
names). A rewording must (1) expect the same kind of answer (where/when/who...), (2) name the
same people, things and numbers, or a part of them, and something in common when both name
something (compared exactly, never by meaning: "Kim" is not "Kimora"), and (3) ask about the
same rest: the other content words of each question must be matched in the other by the same
word, a form of it ("met"/"meet") or a word near in meaning (word vectors), weighted by rarity;
chat filler ("exactly", "these days") and words the library has nothing near to do not count.
The weaker direction must reach PARAPHRASE_THRESHOLD, or RETRIEVAL_FLOOR when the answerer's
own retrieval agrees (`_retrieval_agrees`), or READER_FLOOR when the neural reader (reader.py),
reading both questions against the moderator's paragraph, finds the answer of both in the same
sentence (`_reader_agrees`: "released from prison" and "get out of prison" share few words but
one answer). All chosen for no false match on the dev set
(`python -m bench.corrections --dev --sweep`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from knowledge.answering.question import analyze_question
from knowledge.answering.ranking import Options, rank, read
from knowledge.answering.reader import default_reader, library_text
from knowledge.errors import UserError, echoed
from knowledge.models import Answer, Community, Corrected, Passage, Quote, quote_of
from knowledge.search.library import Library
from knowledge.text.analysis import STOPWORDS, stem, words
from knowledge.text.mentions import Kind

PARAPHRASE_THRESHOLD = 0.65  # see bench.corrections: no false match on its 50 or 10,957 pairs
# Below the threshold, a question is still a rewording when the answerer's own retrieval agrees
# (see `_retrieval_agrees`) and its words reach RETRIEVAL_FLOOR; tuned on the dev set.
RETRIEVAL_FLOOR = 0.32
_TOP_SENTENCES = 5  # candidate sentences compared
_TOP_PARAGRAPHS = 3  # the moderator's paragraph among the question's first ones
_SHARED_SENTENCES = 3  # of them, shared by both questions' rankings
_SAME_TARGET = 0.45  # "which store" / "what shop": head nouns this near in meaning
# With the reader: the words need only READER_FLOOR when both questions' answer is read in the
# same sentence of the moderator's paragraph, for the new question with at least READER_AGREE.
READER_FLOOR = 0.2
READER_AGREE = 0.7
_MAX_QUOTES = 3
MAX_NUMBER_DIGITS = 9
_REF = re.compile(r"^(?P<source>.+?):(?P<paragraph>[0-9]+)(?::(?P<sentence>[0-9]+))?$")


class RefError(UserError, ValueError):
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
            f"cannot read the passage {echoed(text, 80)}; write SOURCE_ID:PARAGRAPH or "
            "SOURCE_ID:PARAGRAPH:SENTENCE, e.g. 001_2309abed9a7bf6a3:2 (citebot sources lists ids)"
        )
    sentence = match["sentence"]
    return PassageRef(
        match["source"].strip(),
        _number(match["paragraph"], "paragraph"),
        _number(sentence, "sentence") if sentence else None,
    )


def _number(digits: str, what: str) -> int:
    """A paragraph or sentence number; no passage has one of over MAX_NUMBER_DIGITS digits
    (and Python will not read one of thousands)."""
    if len(digits.lstrip("0")) > MAX_NUMBER_DIGITS:
        raise RefError(f"no passage has a {what} number {echoed(digits, 12)}; it is too large")
    return int(digits)


def resolve_ref(library: Library, ref: PassageRef | str) -> tuple[PassageRef, Quote]:
    """The reference with its full source id (a unique prefix such as "001" is accepted) and
    the quote it names: the sentence, or the whole paragraph."""
    if isinstance(ref, str):
        ref = parse_ref(ref)
    data = library.data
    source_id = ref.source_id
    if data.position(source_id, 1) is None:
        prefixed = [s.source_id for s in data.sources if s.source_id.startswith(source_id)]
        if len(prefixed) != 1:
            what = "matches several sources" if prefixed else "is not a source"
            raise RefError(f"{echoed(ref.source_id)} {what}; citebot sources lists the source ids")
        source_id = prefixed[0]
    p = data.position(source_id, ref.paragraph)
    if p is None:
        raise RefError(
            f"{source_id} has paragraphs 1 to {data.paragraph_count(source_id)}, "
            f"not {ref.paragraph}"
        )
    passage = library.passages[p]
    source = data.source(source_id)
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
    for p, start in library.data.find_text(text):  # the saved text, scanned as bytes
        passage = library.passages[p]
        sentence = next(
            (i for i, s in enumerate(passage.sentences, 1) if s.start == start),
            None,
        )
        moved = PassageRef(passage.source_id, passage.paragraph, sentence)
        return moved, _quote(library, passage, start, start + len(text))
    return None


def _quote(library: Library, passage: Passage, start: int, end: int) -> Quote:
    return quote_of(library.data.source(passage.source_id), passage, start, end)


def corrected_answer(
    base: Answer,
    quote: Quote,
    by: str,
    at: dt.datetime,
    without: Collection[tuple[str, int]] = (),
) -> Answer:
    """The moderator's quote first, then the computed quotes from other paragraphs, none from
    the paragraphs `without` (the quote that was reported); answered, with no 'not found' or
    'sources differ' note (a moderator settled it)."""
    return _first(base, quote, without, corrected=Corrected(by=by, at=at))


def community_answer(base: Answer, quote: Quote, community: Community) -> Answer:
    """The quote members confirmed first, then the computed quotes from other paragraphs;
    marked with how many members it answered."""
    return _first(base, quote, (), community=community)


def _first(
    base: Answer, quote: Quote, without: Collection[tuple[str, int]], **mark: object
) -> Answer:
    dropped = {(quote.source_id, quote.paragraph), *without}
    others = [
        q
        for q in (base.quotes if base.answered else [])
        if (q.source_id, q.paragraph) not in dropped
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
            **mark,
        }
    )


# -- recognising a rewording ----------------------------------------------------------------

# Two questions expecting different kinds of answer ask different things ("when did Alice get
# out of prison" is not "why was Alice in prison"; "when did Jared's memoir come out" is not
# "what is its title"). Questions whose kind cannot be told are compared by their words alone.
_STRONG_KINDS = frozenset({Kind.DATE, Kind.PLACE, Kind.PERSON, Kind.NUMBER, Kind.REASON, Kind.NAME})
_WH = frozenset({"what", "which", "when", "where", "who", "whom", "whose", "why", "how"})
_ALIKE_KINDS = frozenset({Kind.PERSON, Kind.NAME})  # "whose wedding" and "which wedding"
# Words of chat that say how, not what: general English, never words of the sources. Chat
# forms ("rn", "whats") and typos are read first, by the answerer's own reading of a question.
_FILLER = frozenset(
    {"exactly", "actually", "really", "basically", "officially", "supposedly", "again",
     "right", "now", "nowadays", "currently", "lol", "ok", "okay", "wait", "like", "just",
     "even", "still", "both", "together",
     # light verbs: "go to", "get married" say little of what is asked
     "go", "goes", "going", "went", "get", "gets", "getting", "got"}
)  # fmt: skip
_FILLER_PHRASES = re.compile(r"\b(?:these days|right now|or nah|or what)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Shape:
    kind: Kind | None  # the expected answer kind
    asks: bool  # a question word or a yes/no question (a fragment "reason kim left?" is not)
    target: str | None  # the head noun of "which X" / "what X"
    names: frozenset[str]  # compared exactly
    numbers: frozenset[str]
    content: tuple[tuple[str, float], ...]  # other content words and their weights


class _Shaper:
    """Reads questions against one library's vocabulary and names."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.common = library.sentences.common_words
        words_ = library.query_words
        self.names = frozenset(words_.names) | words_.capitalised
        self.shape = lru_cache(maxsize=4096)(self._shape)
        self.ranking = lru_cache(maxsize=1024)(self._ranking)
        self.read_best = lru_cache(maxsize=1024)(self._read_best)

    def _ranking(
        self, question: str, reader: bool = False
    ) -> tuple[tuple[int, ...], frozenset[int]]:
        """What the answerer retrieves for a question: its best paragraphs (positions in
        library.passages) and its best candidate sentences."""
        ranking = rank(self.library, question, Options(reader=reader))
        best = tuple(ranking.paragraphs[:_TOP_PARAGRAPHS])
        return best, frozenset(c.sentence for c in ranking.candidates[:_TOP_SENTENCES])

    def _read_best(self, question: str, passage: int) -> tuple[int, float] | None:
        """The sentence of `passage` the reader finds the answer in, and its probability;
        None without a reader."""
        reader = default_reader()
        if reader is None:
            return None
        sentences = self.library.sentences.of_passage(passage)
        texts = [library_text(self.library, s) for s in sentences]
        logits = reader.score(question, texts).answer
        best = int(np.argmax(logits))
        return sentences[best], float(1.0 / (1.0 + np.exp(-logits[best])))

    def weight(self, word: str) -> float:
        """Rarity in the library; a word it neither has nor has anything near to cannot
        change which passage answers, so it does not count."""
        if len(word) < 2 or word in _FILLER:
            return 0.0
        if self.library.index.doc_freq(stem(word)) > 0 or self.library.semantic.near(word):
            return self.library.index.idf(stem(word))
        return 0.0

    def _shape(self, question: str) -> _Shape:
        # Read as the answerer reads it: chat forms, typos, lowercase names (ranking.read).
        text = read(self.library, question).text
        kind, asks, target = _kind(text, self.common)
        text = _FILLER_PHRASES.sub(" ", text)
        content = [w for w in words(text) if w not in STOPWORDS]
        # Names and numbers ("2018", "43rd") must agree exactly, never by meaning.
        names = frozenset(w for w in content if w in self.names)
        numbers = frozenset(w for w in content if not w.isalpha())
        rest = dict.fromkeys(w for w in content if w.isalpha() and w not in self.names)
        return _Shape(kind, asks, target, names, numbers, tuple((w, self.weight(w)) for w in rest))


_CLAUSE = re.compile(r"[?,;]")
_YES_NO = frozenset(
    {"is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "can", "could",
     "will", "would", "should"}
)  # fmt: skip


def _kind(question: str, common: Collection[str]) -> tuple[Kind | None, bool, str | None]:
    """The expected answer kind, whether the question says it (a question word, or a yes/no
    question's verb first) and its head noun ("which store"), from the clause that
    starts with a question word ("ivanka switched religions when she got married? to what"
    asks what, not when); a "which" month or day asks for a date."""
    for clause in _CLAUSE.split(question):
        if any(w in _WH for w in words(clause)[:2]):
            question = clause
            break
    analysis = analyze_question(question, common, fine=False)  # coarse kinds, as measured
    asks = analysis.wh is not None or words(question)[:1] in ([w] for w in _YES_NO)
    if analysis.answer_type is Kind.NAME and analysis.target in _CALENDAR | {"day", "month"}:
        return Kind.DATE, asks, analysis.target
    return analysis.answer_type, asks, analysis.target


_SHAPERS: dict[int, _Shaper] = {}


def _shaper(library: Library) -> _Shaper:
    """One shaper per library, remembered (a Library is not hashable)."""
    held = _SHAPERS.get(id(library))
    if held is None or held.library is not library:
        if len(_SHAPERS) >= 8:
            _SHAPERS.clear()
        held = _SHAPERS[id(library)] = _Shaper(library)
    return held


_CALENDAR = frozenset(w.lower() for w in (*calendar.month_name[1:], *calendar.day_name))


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
    """How surely `question` asks what `corrected` asked, by their words, 0..1: 0 when the
    kinds of answer or the names differ, else the weaker direction of the content words' soft
    coverage."""
    shaper = _shaper(library)
    a, b = shaper.shape(question), shaper.shape(corrected)
    named_a, named_b = a.names | a.numbers, b.names | b.numbers
    if not (
        _kinds_agree(a.kind, b.kind)
        and _names_agree(a.names, b.names)
        and _names_agree(a.numbers, b.numbers)
        # both name something ("kim and kanye", "the 3 of them in 2006"): something in common
        and (named_a & named_b or not (named_a and named_b))
    ):
        return 0.0
    there, back = _coverage(library, a.content, b.content), _coverage(library, b.content, a.content)
    if there is None and back is None:
        # Only names and question words on both sides ("who is ivanka"): the same question
        # if they name the same things and expect the same kind of answer.
        same = a.names == b.names and a.numbers == b.numbers
        return 1.0 if same and a.names and a.kind == b.kind else 0.0
    return min(there or 0.0, back or 0.0)


def _retrieval_agrees(
    library: Library,
    question: str,
    corrected: str,
    passage: tuple[str, int],
    reader: bool = False,
) -> bool:
    """The answerer reads both questions alike: for `question` it retrieves first the
    moderator's paragraph, or the one it answered `corrected` with (the reported answer) with
    the moderator's close behind, and both questions' best candidate sentences largely
    coincide. Both must also expect the same kind of answer, strictly ("when did X post" is
    not "what did X post"; "which store" not "what name"), unless one is a fragment without
    a question word, and name the same numbers."""
    shaper = _shaper(library)
    a, b = shaper.shape(question), shaper.shape(corrected)
    if a.asks and b.asks and not (a.kind == b.kind or {a.kind, b.kind} <= _ALIKE_KINDS):
        return False
    if a.numbers != b.numbers:  # "Kim's birthday" is not "Kim's 43rd birthday party"
        return False
    if (
        a.kind is b.kind is Kind.NAME
        and (a.target or "").isalpha()
        and (b.target or "").isalpha()
        and _word_similarity(library, a.target or "", b.target or "") < _SAME_TARGET
    ):
        return False  # "which store sold X" is not "what is X's name"
    mine, sentences = shaper.ranking(question, reader)
    theirs, their_sentences = shaper.ranking(corrected, reader)
    moderators = shaper.library.data.position(*passage)
    reported = theirs[0] if theirs else None  # the paragraph answered, then reported
    if not mine or moderators not in mine or mine[0] not in (moderators, reported):
        return False
    return len(sentences & their_sentences) >= _SHARED_SENTENCES


def _reader_agrees(
    library: Library, question: str, corrected: str, passage: tuple[str, int]
) -> bool:
    """The reader finds both questions' answer in the same sentence of the moderator's
    paragraph, the new question's with at least READER_AGREE."""
    shaper = _shaper(library)
    p = library.data.position(*passage)
    if p is None:
        return False
    mine, theirs = shaper.read_best(question, p), shaper.read_best(corrected, p)
    return (
        mine is not None
        and theirs is not None
        and mine[0] == theirs[0]
        and (mine[1] >= READER_AGREE)
    )


def match_score(
    library: Library,
    question: str,
    corrected: str,
    passage: tuple[str, int] | None = None,
    threshold: float = PARAPHRASE_THRESHOLD,
    floor: float = RETRIEVAL_FLOOR,
    reader: bool = False,
) -> float | None:
    """The words' score when `question` rewords `corrected` (answered by `passage`, source id
    and paragraph), else None: the words alone reach `threshold`, or they reach `floor` and
    the answerer's retrieval agrees, or READER_FLOOR and the reader agrees. Retrieval and the
    reader are consulted only in between (they cost a ranking or a reading, cached)."""
    score = rewording_score(library, question, corrected)
    if score >= threshold:
        return score
    if passage is None or score <= 0:
        return None
    if score >= floor and _retrieval_agrees(library, question, corrected, passage, reader):
        return score
    if reader and score >= READER_FLOOR and _reader_agrees(library, question, corrected, passage):
        return score
    return None


def best_rewording(
    library: Library,
    question: str,
    corrected: Sequence[str],
    threshold: float = PARAPHRASE_THRESHOLD,
    passages: Sequence[tuple[str, int] | None] | None = None,
    reader: bool = False,
) -> int | None:
    """Position of the corrected question `question` rewords best, if any does."""
    best, found = -1.0, None
    for i, other in enumerate(corrected):
        passage = passages[i] if passages is not None else None
        score = match_score(library, question, other, passage, threshold, reader=reader)
        if score is not None and score > best:
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
    library: Library,
    typed: str,
    question: str | None = None,
    limit: int = 25,
    options: Options | None = None,
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
        order = rank(library, question, options).paragraphs[:limit]  # as the answerer ranks
    else:
        order = list(range(min(limit, len(passages))))
    return [_paragraph_choice(library, passages[p]) for p in order]


def _paragraph_choice(library: Library, passage: Passage) -> PassageChoice:
    title = library.data.source(passage.source_id).title
    return PassageChoice(PassageRef(passage.source_id, passage.paragraph), title, passage.text)


def _sentence_choices(library: Library, ref: PassageRef) -> list[PassageChoice]:
    source = library.data.source(ref.source_id)
    passage = library.passages[library.data.position(ref.source_id, ref.paragraph)]
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
