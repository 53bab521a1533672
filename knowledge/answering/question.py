"""What a question asks for: its expected answer type and its focus words.

"When did they meet?" wants a time, "Who is her spouse?" a person, "How many children?" a number,
"Which restaurant?" a name of a restaurant. The ranker rewards sentences that hold a mention of
that kind which the question does not already name.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from knowledge.text.analysis import AUXILIARIES, QUESTION_WORDS, STOPWORDS, words
from knowledge.text.mentions import Kind, find_mentions

# Head nouns of "which X" / "what X" questions that name an answer kind. Generic English.
_TARGET_KINDS: dict[str, Kind] = {
    **dict.fromkeys(
        [
            "year",
            "years",
            "month",
            "months",
            "day",
            "days",
            "date",
            "dates",
            "time",
            "times",
            "decade",
            "decades",
            "century",
            "centuries",
            "era",
            "period",
            "season",
            "age",
            "birthday",
        ],
        Kind.DATE,
    ),
    **dict.fromkeys(
        [
            "city",
            "cities",
            "country",
            "countries",
            "state",
            "states",
            "place",
            "places",
            "town",
            "towns",
            "location",
            "locations",
            "continent",
            "region",
            "regions",
            "area",
            "areas",
            "island",
            "islands",
            "venue",
            "venues",
            "restaurant",
            "restaurants",
            "hotel",
            "street",
            "neighborhood",
            "neighbourhood",
            "capital",
            "province",
            "county",
            "district",
            "site",
            "sites",
        ],
        Kind.PLACE,
    ),
    **dict.fromkeys(
        [
            "person",
            "people",
            "man",
            "men",
            "woman",
            "women",
            "player",
            "players",
            "president",
            "leader",
            "leaders",
            "king",
            "queen",
            "emperor",
            "author",
            "writer",
            "actor",
            "actress",
            "singer",
            "artist",
            "founder",
            "husband",
            "wife",
            "spouse",
            "partner",
            "son",
            "daughter",
            "father",
            "mother",
            "brother",
            "sister",
            "friend",
            "friends",
            "child",
            "children",
            "member",
            "members",
            "scientist",
            "inventor",
            "ruler",
            "coach",
            "ceo",
            "director",
            "host",
            "guest",
            "guests",
            "star",
            "celebrity",
        ],
        Kind.PERSON,
    ),
    **dict.fromkeys(
        [
            "number",
            "numbers",
            "percentage",
            "percent",
            "amount",
            "amounts",
            "quantity",
            "size",
            "population",
            "temperature",
            "distance",
            "length",
            "weight",
            "height",
            "price",
            "cost",
            "value",
            "rate",
            "total",
            "score",
            "ratio",
            "count",
        ],
        Kind.NUMBER,
    ),
}
_HOW_NUMBER = frozenset(
    [
        "many",
        "much",
        "long",
        "old",
        "far",
        "big",
        "large",
        "tall",
        "high",
        "often",
        "deep",
        "wide",
        "fast",
        "heavy",
        "small",
        "short",
    ]
)
# Words that make a question ask for quoted speech ("what did she write", "kim msg for ivanka").
_SPEECH = frozenset(
    str.split(
        "say said says saying write wrote written writes tweet tweeted tweets post posted posts "
        "caption captioned captions pen penned comment commented comments reply replied respond "
        "responded statement statements message messages msg note quote quoted tell told announce "
        "announced announcement wish wished wishes claim claimed"
    )
)
# "who was at the party", "who attended", "who were the guests": a list of people.
_GATHERING = frozenset(
    str.split("at attend attended attending attends guest guests invited present")
)
_PURE_HOW = frozenset({"many", "much"})  # "how tall" keeps "tall": it says what is measured
_LEADING = re.compile(
    r"^(?:and|so|but|ok|okay|well|hey|please|tell me|do you know|"
    r"can you tell me|could you tell me|i wonder|i want to know)\b[, ]*",
    re.IGNORECASE,
)
_ARTICLES = frozenset(["the", "a", "an", "of", "kind", "type", "sort"])
_WH = QUESTION_WORDS
_AUX = AUXILIARIES | _ARTICLES


@dataclass
class QuestionAnalysis:
    text: str
    wh: str | None  # the question word that sets the type, if any
    answer_type: Kind | None
    target: str | None  # the head noun of "which X" / "what X"
    focus: list[str]  # content words, folded, in question order
    named: frozenset[str] = field(default_factory=frozenset)  # words of the question's mentions
    proper: list[frozenset[str]] = field(default_factory=list)  # its proper names' words
    # A finer answer type where the kind alone picks wrong (knowledge/answering/answer_types.py):
    # "age", "duration", "speech" or "people"; None for the others.
    detail: str | None = None
    # Words of whoever the question asks about, with the full names the sources give them
    # ("ivanka" -> "ivanka trump"): an age written with another name is someone else's.
    asked: frozenset[str] = field(default_factory=frozenset)

    @property
    def accepts(self) -> frozenset[Kind]:
        """Mention kinds that can answer: a duration ("how long") is a number or a time."""
        if self.answer_type is None:
            return frozenset()
        if self.answer_type is Kind.NUMBER and self.target in ("long", "often"):
            return frozenset({Kind.NUMBER, Kind.DATE})
        if self.answer_type is Kind.PLACE:
            return frozenset({Kind.PLACE})
        return frozenset({self.answer_type})

    def names(self, words_of_mention: Collection[str]) -> bool:
        """Is a mention already named by the question (shares a content word with it)?"""
        return any(w in self.named for w in words_of_mention if w not in STOPWORDS)


def analyze_question(
    question: str, common_words: Collection[str] = frozenset(), fine: bool = True
) -> QuestionAnalysis:
    """`fine`: also read the finer answer type (age, duration, speech, people)."""
    text = _LEADING.sub("", question.strip())
    tokens = words(text)
    wh, answer_type, target = _expected(tokens)
    detail = _detail(tokens, wh, answer_type, target) if fine else None
    if detail == "speech":
        answer_type = Kind.QUOTE
    elif detail == "age":
        answer_type = Kind.NUMBER
        # "old" says what is asked, not what the answer mentions ("Kardashian, 43,")
        tokens = [w for w in tokens if w not in ("old", "age")]
    focus = [w for w in tokens if w not in STOPWORDS and not (w in _PURE_HOW and wh == "how")]
    named = set(focus)
    proper: list[frozenset[str]] = []
    for m in find_mentions(text, common_words):
        named |= m.words
        name_words = frozenset(w for w in m.words if w not in STOPWORDS and w not in _WH)
        if m.kind is Kind.NAME and name_words:
            proper.append(name_words)
    return QuestionAnalysis(
        text=question,
        wh=wh,
        answer_type=answer_type,
        target=target,
        focus=focus,
        named=frozenset(named),
        proper=proper,
        detail=detail,
    )


def _detail(tokens: list[str], wh: str | None, kind: Kind | None, target: str | None) -> str | None:
    """The finer answer type: an age, a duration, quoted speech or a list of people."""
    if target == "old" or (target in ("age", "ages") and wh in ("what", "which")):
        return "age"
    if kind is Kind.NUMBER and target == "long":
        return "duration"
    if (
        wh in (None, "what", "which")
        and kind in (None, Kind.NAME)
        and not _SPEECH.isdisjoint(tokens)
    ):
        return "speech"
    if wh == "who" and not _GATHERING.isdisjoint(tokens):
        return "people"
    return None


def _expected(tokens: list[str]) -> tuple[str | None, Kind | None, str | None]:
    """The first question word decides; a sentence-final one ("They met where?") counts too."""
    positions = [i for i, t in enumerate(tokens) if t in _WH]
    if not positions:
        return None, None, None
    i = positions[0]
    wh = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if wh == "when":
        return wh, Kind.DATE, None
    if wh == "where":
        return wh, Kind.PLACE, None
    if wh in ("who", "whom", "whose"):
        return wh, Kind.PERSON, None
    if wh == "why":
        return wh, Kind.REASON, None
    if wh == "how":
        if nxt in _HOW_NUMBER:
            if nxt == "long" and _asks_time(tokens[i + 2 :]):
                return wh, Kind.DATE, None
            return wh, Kind.NUMBER, nxt
        if nxt in ("come", "so"):
            return wh, Kind.REASON, None
        return wh, Kind.MANNER, None
    # which / what: look for the head noun ("what year", "which of the restaurants").
    target = _target_noun(tokens[i + 1 :])
    if target is not None:
        kind = _TARGET_KINDS.get(target)
        if kind is None and target.endswith("s"):
            kind = _TARGET_KINDS.get(target[:-1])
        return wh, kind or Kind.NAME, target
    return wh, None, None


def _target_noun(rest: list[str]) -> str | None:
    """The head noun right after which/what or after an article ("what is the name of the
    restaurant" -> restaurant); "what did Kim say" has none."""
    for j, word in enumerate(rest[:6]):
        if word in _AUX:
            continue
        if word in STOPWORDS or (j > 0 and rest[j - 1] not in _ARTICLES):
            return None
        if word == "name" and rest[j + 1 : j + 2] == ["of"]:
            return _target_noun(rest[j + 1 :]) or "name"
        return word
    return None


def _asks_time(rest: list[str]) -> bool:
    return bool(rest) and rest[0] in ("ago", "before", "after", "since")
