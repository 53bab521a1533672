"""A message read in its conversation: the previous answer gives a follow-up its missing
words ("and when was that?"), and a complete question is left alone.

The rewriting itself is text logic (knowledge.text.follow_up); this module feeds it what the
library knows: names in capitals, what the previous question asked for and which span of its
quote answered it, the people, dates and places that quote names, and which pronoun the
sources use for a person.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from knowledge.answering.answer import answer_question
from knowledge.answering.question import analyze_question
from knowledge.answering.ranking import Options, read
from knowledge.models import Answer
from knowledge.search.library import Library
from knowledge.text.analysis import analyze, fold, words
from knowledge.text.follow_up import Context, implies_context, rewrite
from knowledge.text.mentions import Kind, TypedSpan, find_mentions

_NAME_KINDS = frozenset({Kind.NAME, Kind.PERSON})
_PRONOUN = re.compile(r"\b(?:she|her|hers|herself|he|him|his|himself)\b", re.IGNORECASE)
_FEMININE = frozenset(["she", "her", "hers", "herself"])
_MODIFIERS = re.compile(r"\b(?:the|a|an) ((?:(?:\d+|[A-Z][\w'\u2019-]*) ){1,2})$")
# Conversational query expansion (as the TREC CAsT baselines): the previous question's terms
# are searched with the message at this weight each (the message's own weigh 1), the names,
# places and dates of its quote at half that.
CONTEXT_WEIGHT = 0.5
_QUOTE_SHARE = 0.5
# A rewritten follow-up names what it points at; the context's terms still help it find the
# right passage, at this share of their weight (more made standalone questions worse).
_REWRITTEN_SHARE = 0.3
_KEY_KINDS = frozenset({Kind.NAME, Kind.PERSON, Kind.PLACE, Kind.DATE})
_GENDER_PASSAGES = 10  # passages about a name read for its pronouns
_GENDER_MARGIN = 2.0  # one pronoun must outnumber the other this many times


def understood(answer: Answer) -> str:
    """The question an answer was given to, as it was understood (rewritten or corrected)."""
    return answer.searched_for or answer.question


def standalone(library: Library, message: str, previous: Answer | None) -> str | None:
    """The message rewritten to stand alone after `previous`, or None when it needs no context
    (no previous answer, or a complete question)."""
    if previous is None:
        return None
    own = _names(library, read(library, message).text)
    return rewrite(message, context_of(library, previous), own)


def context_of(library: Library, previous: Answer) -> Context:
    """What a follow-up of `previous` may refer to."""
    question = read(library, understood(previous)).text
    common = library.sentences.common_words
    analysis = analyze_question(question, common)
    names = _names(library, question)
    quote = previous.quotes[0].text if previous.answered and previous.quotes else ""
    mentions = find_mentions(quote, common) if quote else []
    defines = analysis.wh in ("who", "whom") and set(analysis.focus) <= set().union(
        *analysis.proper
    )  # "who is Alice Johnson?" asks what she is: no other person answers it
    answer = next(
        (
            m
            for m in mentions
            if m.kind in analysis.accepts
            and not analysis.names(m.words)
            and not any(library.aliases.same(m.words, p) for p in analysis.proper)
            and not defines
        ),
        None,
    )
    folded_names = {fold(n) for n in names}
    others = [
        m.text
        for m in mentions
        if m.kind in _NAME_KINDS
        and not analysis.names(m.words)
        and fold(m.text) not in folded_names
    ]
    return Context(
        question=question,
        names=names,
        answer=_with_modifiers(quote, answer),
        answer_is_person=analysis.wh in ("who", "whom") and answer is not None,
        answer_is_date=answer is not None and answer.kind is Kind.DATE,
        answer_is_place=answer is not None and answer.kind is Kind.PLACE,
        quote_names=list(dict.fromkeys(others)),
        date=_first(mentions, Kind.DATE),
        place=_first(mentions, Kind.PLACE),
        gender=lambda name: gender(library, name),
        same=lambda a, b: library.aliases.same(words(a), words(b)),
    )


def _names(library: Library, text: str) -> list[str]:
    common = library.sentences.common_words
    found = [m.text for m in find_mentions(text, common) if m.kind in _NAME_KINDS]
    return list(dict.fromkeys(_strip_possessive(n) for n in found))


def _strip_possessive(name: str) -> str:
    return re.sub(r"['\u2019]s?$", "", name)


def _with_modifiers(text: str, span: TypedSpan | None) -> str | None:
    """The span with the numbers or names just before it, from its article on ("the 2014
    Gala" for "Gala"): what tells it apart from others of its name."""
    if span is None:
        return None
    m = _MODIFIERS.search(text[: span.start])
    start = m.start(1) if m else span.start
    return text[start : span.end].strip(" ,.;:")


def _trimmed(span: TypedSpan | None) -> str | None:
    return None if span is None else span.text.strip(" ,.;:")


def _first(mentions: list[TypedSpan], kind: Kind) -> str | None:
    return next((_trimmed(m) for m in mentions if m.kind is kind), None)


def gender(library: Library, name: str) -> str | None:
    """ "f" or "m" when the first third-person pronoun after `name` in the sources' sentences
    (its own or the next) is clearly more often she/her than he/his, or the other way; None
    when they do not say."""
    terms = analyze(name)
    if not terms:
        return None
    last = re.compile(rf"\b{re.escape(name.split()[-1])}\b", re.IGNORECASE)
    counts: Counter[str] = Counter()
    for position, _ in library.index.search(terms, k=_GENDER_PASSAGES):
        sentences = library.passages[position].sentence_texts()
        for i, sentence in enumerate(sentences):
            for m in last.finditer(sentence):
                after = sentence[m.end() :] + " " + " ".join(sentences[i + 1 : i + 2])
                pronoun = _PRONOUN.search(after)
                if pronoun:
                    counts["f" if pronoun.group().lower() in _FEMININE else "m"] += 1
    if counts["f"] >= _GENDER_MARGIN * counts["m"] and counts["f"] >= 2:
        return "f"
    if counts["m"] >= _GENDER_MARGIN * counts["f"] and counts["m"] >= 2:
        return "m"
    return None


@dataclass(frozen=True)
class FollowUp:
    """How a message is asked after a previous answer: as `question` (rewritten to stand alone,
    or as typed), with the previous turn's `context` terms searched alongside."""

    question: str
    rewritten: bool = False
    context: tuple[tuple[str, float], ...] = ()

    def options(self, options: Options | None = None) -> Options:
        return replace(options or Options(), context=self.context)


def follow_up(library: Library, message: str, previous: Answer | None) -> FollowUp:
    """The message as it is asked after `previous`: rewritten when it can be, else as typed,
    and searched with the previous turn's terms at a lower weight: lower still when it was
    rewritten, and only when a message left as typed leaves its context implied ("how did
    she react", "says who"); a complete question is asked as it is."""
    rewritten = standalone(library, message, previous)
    if rewritten is not None and previous is not None:
        terms = context_terms(library, rewritten, previous)
        return FollowUp(rewritten, True, tuple((t, w * _REWRITTEN_SHARE) for t, w in terms))
    if previous is None:
        return FollowUp(message)
    if not implies_context(message, _names(library, read(library, message).text)):
        return FollowUp(message)
    return FollowUp(message, context=context_terms(library, message, previous))


def context_terms(
    library: Library, message: str, previous: Answer
) -> tuple[tuple[str, float], ...]:
    """Index terms of the previous question (as understood) and the typed spans of its first
    quote (names, dates, places), weighted, without the message's own terms."""
    own = set(analyze(message))
    asked = [t for t in analyze(understood(previous)) if t not in own]
    quote = previous.quotes[0].text if previous.answered and previous.quotes else ""
    common = library.sentences.common_words
    spans = [m.text for m in find_mentions(quote, common) if m.kind in _KEY_KINDS]
    told = [t for t in analyze(" ".join(spans)) if t not in own and t not in asked]
    asked, told = list(dict.fromkeys(asked)), list(dict.fromkeys(told))
    asked = [t for t in asked if library.index.doc_freq(t)]
    told = [t for t in told if library.index.doc_freq(t)]
    told_weight = CONTEXT_WEIGHT * _QUOTE_SHARE
    return tuple([(t, CONTEXT_WEIGHT) for t in asked] + [(t, told_weight) for t in told])


def answer_in_context(
    library: Library, message: str, previous: Answer | None, options: Options | None = None
) -> Answer:
    """The message answered after `previous`: as rewritten when it depends on it (the answer
    then says what was searched for), else as it is."""
    asked = follow_up(library, message, previous)
    answer = answer_question(library, asked.question, asked.options(options))
    if not asked.rewritten:
        return answer
    return answer.model_copy(
        update={"question": message, "searched_for": answer.searched_for or answer.question}
    )
