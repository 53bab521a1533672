"""Rewrite a follow-up message as a question that stands alone, from what the conversation
said before: the previous question (as understood) and what its answer named.

General English only: third-person pronouns, demonstratives and "there"/"then", ellipsis
("and X?", "what about X", "why?", "who else?"). A message with none of these is a complete
question and is left alone (None).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from knowledge.text.analysis import AUXILIARIES, QUESTION_WORDS, STOPWORDS

_TOKEN = re.compile(r"[A-Za-z0-9\u00c0-\u024f](?:[\w\u00c0-\u024f&]|['\u2019.\-](?=\w))*")
WH = QUESTION_WORDS
AUX = AUXILIARIES | {"'s"}
_CONTRACTED = {  # "whats" / "what's" -> "what is"
    "whats": "what is",
    "what's": "what is",
    "whos": "who is",
    "who's": "who is",
    "wheres": "where is",
    "where's": "where is",
    "whens": "when is",
    "when's": "when is",
    "hows": "how is",
    "how's": "how is",
}
_LEADING = frozenset(["and", "n", "so", "but", "also", "ok", "okay", "oh", "well", "hmm", "then"])
_ELLIPSIS = ("what about", "how about", "what of", "and what about", "and how about")
_BARE_EXTRA = frozenset(["else", "exactly", "then", "though", "again", "so", "come", "that", "is"])
HE_SHE = frozenset(["he", "she", "him", "her", "his", "hers", "himself", "herself"])
_FEMININE = frozenset(["she", "her", "hers", "herself"])
THEY = frozenset(["they", "them", "their", "theirs", "themselves"])
IT = frozenset(["it", "its"])
THAT = frozenset(["that", "this", "those", "these"])
_COUNTED = frozenset(["two", "both", "three"])  # "those two" are "they"
_POSSESSIVE = frozenset(["his", "their", "its"])
_BE = frozenset(["is", "are", "was", "were", "be", "been", "'s"])
# Nouns for people by their relation: "and his brother?" asks who that is.
_PERSON_NOUNS = frozenset(
    [
        "husband",
        "wife",
        "spouse",
        "partner",
        "boyfriend",
        "girlfriend",
        "ex",
        "brother",
        "sister",
        "mother",
        "father",
        "mom",
        "dad",
        "mum",
        "son",
        "daughter",
        "child",
        "children",
        "kids",
        "kid",
        "parents",
        "parent",
        "friend",
        "friends",
        "sibling",
        "siblings",
        "uncle",
        "aunt",
        "cousin",
        "grandmother",
        "grandfather",
        "niece",
        "nephew",
        "boss",
        "colleague",
        "rival",
    ]
)


_MAX_TOPIC_WORDS = 5
_PREPOSITIONS = frozenset(
    [
        "in",
        "on",
        "at",
        "from",
        "with",
        "for",
        "to",
        "by",
        "during",
        "since",
        "until",
        "after",
        "before",
    ]
)
_ADVERBS = frozenset(
    [
        "ever",
        "never",
        "still",
        "really",
        "actually",
        "even",
        "also",
        "just",
        "always",
        "already",
        "again",
        "finally",
        "first",
        "last",
        "later",
        "soon",
        "once",
        "mean",
        "means",
        "happen",
        "happens",
        "cost",
        "costs",
        "take",
        "takes",
    ]
)


@dataclass(frozen=True)
class Context:
    """What the previous turn gives a follow-up to refer to."""

    question: str  # the previous question as understood, names in capitals
    names: Sequence[str] = ()  # the people and things the previous question names, in order
    answer: str | None = None  # the span of the previous answer that answered it
    answer_is_person: bool = False  # the previous question asked who
    answer_is_date: bool = False
    answer_is_place: bool = False
    quote_names: Sequence[str] = ()  # names in the previous answer's quote, not in its question
    date: str | None = None  # a date the previous answer's quote gives
    place: str | None = None  # a place the previous answer's quote gives
    gender: Callable[[str], str | None] = field(default=lambda _name: None)
    # may two names be one person ("Kim" and "Kardashian")? The sources' aliases say
    same: Callable[[str, str], bool] = field(default=lambda a, b: a == b)


@dataclass
class _Message:
    tokens: list[re.Match[str]]
    low: list[str]
    names: Sequence[str]  # the names the message gives itself


def rewrite(message: str, context: Context, names: Sequence[str] = ()) -> str | None:
    """The message as a standalone question, or None when it needs no context. `names`: the
    names the message itself gives (read by the caller, who knows the library's names)."""
    text = _expand_contractions(message.strip())
    core = _strip_leading(text)
    low = [t.lower() for t in _TOKEN.findall(core)]
    if not low:
        return None
    for marker in _ELLIPSIS:
        if " ".join(low).startswith(marker + " "):
            rest = core[_offset_after_words(core, len(marker.split())) :]
            return _ellipsis(rest, context, names)
    if _is_bare_wh(low):
        return _bare_wh(core, low, context)
    led = text != core
    if led and not (set(low) & WH) and not (set(low) & AUX):
        return _ellipsis(core, context, names)
    return _resolve(core, context, names)


_JOINING = frozenset(["and", "n", "but"])  # a message opening with these continues another
# Indefinite pronouns: no content of their own ("was anyone there?")
_INDEFINITE = frozenset(
    [
        "anyone",
        "anybody",
        "anything",
        "someone",
        "somebody",
        "something",
        "everyone",
        "everybody",
        "everything",
        "no-one",
        "nobody",
        "nothing",
    ]
)
_ANAPHORS = HE_SHE | THEY | IT | THAT | frozenset(["there", "then"])


def implies_context(message: str, names: Sequence[str] = (), content: int = 1) -> bool:
    """Does a message that `rewrite` left alone still lean on the conversation? When it opens
    with "and"/"but" ("and how did Ivanka respond"), or names no one and keeps a pronoun or
    demonstrative, or names no one and has at most `content` content words ("says who?",
    "was anyone supportive?"), or asks how one person did a thing it does not name ("how
    did Kim react?"). Otherwise a message with its own names holds its own antecedents."""
    text = _expand_contractions(message.strip())
    low = [t.lower() for t in _TOKEN.findall(text)]
    if not low:
        return False
    if low[0] in _JOINING and len(low) > 1:
        return True
    own = [w for w in low if w not in STOPWORDS | WH | AUX | _INDEFINITE]
    if names:  # "how did Kim react?": the manner of an event it does not name
        named = {w.lower() for n in names for w in _TOKEN.findall(n)}
        verbs = [w for w in own if w not in named]
        asks_how = low[:2] in (["how", "did"], ["how", "does"])
        return asks_how and len(names) == 1 and verbs == low[-1:]
    return bool(set(low) & _ANAPHORS) or len(own) <= content


def _expand_contractions(text: str) -> str:
    def expand(m: re.Match[str]) -> str:
        word = m.group().lower().replace("\u2019", "'")
        if word.endswith("'d") and word[:-2] in WH:  # "how'd she" -> "how did she"
            return f"{m.group()[:-2]} did"
        return _CONTRACTED.get(word, m.group())

    return _TOKEN.sub(expand, text)


def _strip_leading(text: str) -> str:
    """The message without its discourse markers ("and", "so", "ok") in front."""
    while True:
        m = _TOKEN.match(text.lstrip(" ,.!?"))
        stripped = text.lstrip(" ,.!?")
        if (
            m is None
            or m.group().lower() not in _LEADING
            or m.end() == len(stripped.rstrip("?!. "))
        ):
            return stripped
        text = stripped[m.end() :]


def _offset_after_words(text: str, n: int) -> int:
    tokens = list(_TOKEN.finditer(text))
    return tokens[n - 1].end() if len(tokens) >= n else len(text)


def _is_bare_wh(low: list[str]) -> bool:
    """ "why?", "when exactly?", "who else?", "how come?", "how old?", "what year?",
    "in which city?", "where was that?": a question phrase alone."""
    if low[0] in _PREPOSITIONS:
        low = low[1:]
    if not low or low[0] not in WH or len(low) > 3:
        return False
    rest = low[1:]
    if low[0] in ("how", "what", "which") and rest and rest[0] not in _BARE_EXTRA:
        if low[0] != "how" and not _is_noun_like(rest[0]):
            return False
        rest = rest[1:]  # "how old?", "how long?", "what year?", "which city?"
    return all(w in _BARE_EXTRA for w in rest)


def _wh_split(question: str) -> tuple[str, str]:
    """The previous question cut after its question phrase: ("where", "did Kim meet Kanye"),
    ("what year", "did they marry"). ("", question) when it asks without a wh-word."""
    tokens = list(_TOKEN.finditer(question))
    low = [t.group().lower() for t in tokens]
    first = next((i for i, w in enumerate(low) if w in WH), None)
    if first is None:
        return "", question
    end = first + 1
    if low[first] in ("what", "which", "how") and end < len(low) and low[end] not in AUX:
        end += 1  # "what year", "which city", "how old"
        if (
            low[first] == "how"
            and end < len(low)
            and low[end] not in AUX
            and low[end - 1]
            in (
                "many",
                "much",
            )
        ):
            end += 1  # "how many people"
    head = question[tokens[first].start() : tokens[end - 1].end()]
    return head, question[tokens[end - 1].end() :].strip(" ?")


def _bare_wh(core: str, low: list[str], context: Context) -> str:
    """ "when?" after "where did Kim meet Kanye" -> "when did Kim meet Kanye"."""
    _, body = _wh_split(context.question)
    asked = [w for w in _TOKEN.findall(core) if w.lower() not in ("that", "is", "then", "though")]
    asked = [w for w in asked if w.lower() not in ("again", "so")]
    if "that" in low and context.answer and not body:
        return f"{' '.join(asked)} {context.answer}"
    return f"{' '.join(asked)} {body}".strip()


def _ellipsis(rest: str, context: Context, names: Sequence[str]) -> str:
    """ "and Ivanka?" after "how old is Kim" -> "how old is Ivanka"; "and his brother?" ->
    "who is Jared's brother"."""
    rest = rest.strip(" ?!.")
    resolved = _resolve(rest, context, names) or rest
    low = [w.lower() for w in _TOKEN.findall(rest)]
    if low and low[-1] in _PERSON_NOUNS and (set(low) & (HE_SHE | THEY) or "'s" in rest):
        return f"who is {resolved}"
    head, body = _wh_split(context.question)
    if context.names and context.names[0] in context.question:
        return _replace_names(context.question, context.names, resolved)
    if head and body:
        tokens = list(_TOKEN.finditer(body))
        aux = body[: tokens[0].end()] if tokens and tokens[0].group().lower() in AUX else ""
        return f"{head} {aux} {resolved}".replace("  ", " ").strip()
    return f"{context.question} {resolved}".strip()


def _replace_names(question: str, names: Sequence[str], new: str) -> str:
    """The question with its first name (and any joined to it by "and") replaced by `new`."""
    first = question.find(names[0])
    end = first + len(names[0])
    for other in names[1:]:
        m = re.match(rf"\s*(?:and|&)\s*{re.escape(other)}", question[end:])
        if m is None:
            break
        end += m.end()
    if new.endswith("'s") and question[end:].startswith("'s"):
        new = new[:-2]  # "and Ivanka's?" for "Kim" of "Kim's birthday"
    return question[:first] + new + question[end:]


def _resolve(core: str, context: Context, names: Sequence[str]) -> str | None:
    """The pronouns, demonstratives, "there" and "then" of the message replaced by what they
    point at; None when it has none (a complete question)."""
    tokens = list(_TOKEN.finditer(core))
    low = [t.group().lower() for t in tokens]
    message = _Message(tokens, low, names)
    out: list[str] = []
    last = 0
    changed = False
    for i, t in enumerate(tokens):
        new = _referent(i, message, context)
        if new is None:
            continue
        out += [core[last : t.start()], new]
        last = t.end()
        changed = True
    if not changed:
        return None
    out.append(core[last:])
    return " ".join("".join(out).split())


def _referent(i: int, m: _Message, context: Context) -> str | None:
    """What token i of the message stands for in the context, or None to keep it."""
    word, low = m.tokens[i].group(), m.low
    w = low[i]
    nxt = low[i + 1] if i + 1 < len(low) else None
    prev = low[i - 1] if i > 0 else None
    if w in HE_SHE:
        wanted = "f" if w in _FEMININE else "m"
        if any(
            _named_before(m, name, i) and context.gender(name) in (None, wanted) for name in m.names
        ):
            return None  # "what did Kim write when she...": she is the message's own
        person = _person(w, low, m.names, context)
        if person is None:
            return None
        possessive = w == "his" or (w == "her" and nxt is not None and nxt not in AUX | WH)
        return _possessive(person) if possessive and nxt is not None else person
    if w in ("those", "these") and nxt in _COUNTED:
        return _group(context, m.names)
    if prev in ("those", "these") and w in _COUNTED:
        return ""
    if w in THEY:
        group = _group(context, m.names)
        return None if group is None else (_possessive(group) if w == "their" else group)
    if w in IT | THAT:
        if m.names and w in IT | THAT and not (set(low) & (HE_SHE | THEY)):
            return None  # a question with its own names: "it"/"that" is its own business
        if w in THAT and nxt is not None and _is_noun_like(nxt):
            return _determiner(word, nxt, context)
        thing = _thing(context)
        return None if thing is None else (_possessive(thing) if w == "its" else thing)
    if w == "there" and nxt not in _BE and not (prev in _BE and i <= 1 and nxt is not None):
        place = context.place or (context.answer if context.answer_is_place else None)
        return f"at {place}" if place else None
    if w == "then" and i > 0:
        date = context.answer if context.answer_is_date else context.date
        return f"in {date}" if date else None
    return None


def _is_noun_like(word: str) -> bool:
    """Could `word` be the noun a determiner "that" goes with ("that year", not "that ever")?"""
    return (
        word not in STOPWORDS
        and word not in AUX
        and word not in _ADVERBS
        and not word.endswith(("ly", "ed"))
    )


def _named_before(m: _Message, name: str, i: int) -> bool:
    """Does the message name `name` before its token i?"""
    first = name.split()[0].lower()
    return first in m.low[:i]


def _determiner(word: str, noun: str, context: Context) -> str | None:
    """ "that year" -> the answer's date when it gave one; "that party" -> "the" (the noun
    stays, the context adds nothing better)."""
    if noun in ("year", "day", "time", "month", "night", "week") and context.date:
        return None
    return "the" if word.lower() in ("that", "this") else None


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") and " and " not in name else f"{name}'s"


def _person(pronoun: str, low: list[str], own: Sequence[str], context: Context) -> str | None:
    """The one person a he/she points at, by the corpus' own pronouns for a name (`gender`):
    whom the previous answer named when it answered "who", else the previous question's
    people (one whose pronoun the sources do not say will do), else the people its quote
    introduced. "who is she?" asks first about someone the quote introduced."""
    asked = [context.answer] if context.answer and context.answer_is_person else []
    asked += [n for n in context.names if n not in asked]
    told = [n for n in context.quote_names if n not in asked]
    wanted = "f" if pronoun in _FEMININE else "m"
    tiers = [
        [c for c in asked if context.gender(c) == wanted],
        [c for c in asked if c in context.names and context.gender(c) is None],
        [c for c in told if context.gender(c) == wanted],
    ]
    if low[:1] == ["who"] and len(low) <= 3:  # "who is she?"
        tiers.insert(0, tiers.pop())
    for tier in tiers:
        found = [c for c in tier if not any(context.same(c, o) for o in own)]
        if found:
            return found[0]
    return None


def _group(context: Context, own: Sequence[str]) -> str | None:
    """Who "they" are: the previous question's people together, else its one person or the
    previous answer when it named people."""
    names = [n for n in context.names if n not in own]
    if len(names) >= 2:
        return " and ".join(names)
    if context.answer and context.answer_is_person:
        return context.answer
    if names:
        return names[0]
    return None


def _thing(context: Context) -> str | None:
    """What "it" or "that" points at: the previous answer when it was a thing or a place (an
    event's name), else what the previous question asked about."""
    if context.answer and not (context.answer_is_person or context.answer_is_date):
        return context.answer
    _, body = _wh_split(context.question)
    tokens = list(_TOKEN.finditer(body))
    if tokens and tokens[0].group().lower() in AUX:
        body = body[tokens[0].end() :].strip()
    if len(_TOKEN.findall(body)) > _MAX_TOPIC_WORDS:  # too long to stand in for a word
        return " and ".join(context.names) or None
    return body or None
