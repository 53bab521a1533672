"""Terminal rendering of answers and timelines: the same content the Discord embeds carry."""

from __future__ import annotations

import re
import shutil
import textwrap

from knowledge.models import Answer, Quote
from knowledge.timeline import Event, Mention, best_mention, citations, trim_quote

_MAX_LABEL = 30  # timeline labels wider than this are not padded to
_MIN_QUOTE = 40  # a timeline quote keeps at least this many characters on a narrow terminal

# Control characters (C0 but tab and newline, DEL, C1), bidirectional overrides and isolates
# (they reorder what the reader sees), and lone surrogates (undecodable bytes of a file name).
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte Python could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Text safe to print on a terminal: control characters, bidi overrides and undecodable
    bytes shown as escapes (`\\x1b`, `\\u202e`), so user- or file-supplied text can neither
    move the cursor, retitle the window, clear the screen nor reorder a line."""
    return _UNSAFE.sub(_shown, text)


def citation(quote: Quote) -> str:
    date = quote.date.isoformat() if quote.date else "undated"
    url = f" <{quote.url}>" if quote.url else ""
    return f"{quote.title} ({date}), paragraph {quote.paragraph}{url}"


SEARCHED_FOR = "Searched for:"


def searched_for_parts(answer: Answer) -> list[tuple[str, bool]]:
    """The question as searched, word by word: (word, was it changed), a corrected word or one a
    follow-up took from its context; [] when it was searched as asked."""
    if not answer.searched_for or answer.searched_for == answer.question:
        return []
    asked = set(_keys(answer.question.split()))
    searched = answer.searched_for.split()
    return [(w, key not in asked) for w, key in zip(searched, _keys(searched), strict=True)]


def italic_runs(words: list[tuple[str, bool]]) -> str:
    """Words joined, each run of changed ones in one pair of asterisks ("*Kim Kardashian*")."""
    out: list[str] = []
    for i, (word, changed) in enumerate(words):
        opens = changed and (i == 0 or not words[i - 1][1])
        closes = changed and (i == len(words) - 1 or not words[i + 1][1])
        out.append(("*" if opens else "") + word + ("*" if closes else ""))
    return " ".join(out)


def _keys(words: list[str]) -> list[str]:
    """Words compared without case or the punctuation around them ("When?" is "when")."""
    return [w.lower().strip("?!.,;:'\"") for w in words]


def community_note(answer: Answer) -> str | None:
    """The label of an answer whose first quote members confirmed, before any moderator."""
    if answer.community is None or answer.corrected is not None:
        return None
    n = answer.community.members
    return f"{n} member{'s' if n != 1 else ''} found this answered them."


def corrected_note(answer: Answer) -> str | None:
    """The label of an answer whose first quote a moderator chose (the date in UTC)."""
    if answer.corrected is None:
        return None
    return f"Corrected by a moderator on {answer.corrected.at.date().isoformat()}."


def render_answer(answer: Answer, width: int = 88) -> str:
    lines: list[str] = []
    if parts := searched_for_parts(answer):
        lines.append(f"{SEARCHED_FOR} {italic_runs(parts)}")
    if corrected := corrected_note(answer):
        lines.append(corrected)
    if community := community_note(answer):
        lines.append(community)
    if answer.note:
        lines.append(answer.note)
    quotes = answer.quotes if answer.answered else answer.closest
    if not answer.answered and quotes:
        lines.append("Closest passages:")
    for quote in quotes:
        wrapped = textwrap.wrap(quote.text, width=width - 2) or [""]
        if lines:
            lines.append("")
        lines.extend(f"> {line}" for line in wrapped)
        lines.append(f"  \u2014 {citation(quote)}")
    return "\n".join(lines)


def render_timeline(events: list[Event], undated: list[Mention], width: int | None = None) -> str:
    """One line per event: label, the shortest good quote trimmed to fit, citations."""
    if not events and not undated:
        return "No dated events match."
    width = width or max(shutil.get_terminal_size((100, 20)).columns, 80)
    labels = [e.label for e in events] + (["undated"] if undated else [])
    pad = min(max(len(label) for label in labels), _MAX_LABEL)
    lines = []
    rows = [(e.label, best_mention(e), e.mentions) for e in events]
    rows += [("undated", m, [m]) for m in undated]
    for label, mention, mentions in rows:
        cites = f"[{', '.join(citations(mentions))}]"
        room = max(width - pad - len(cites) - 4, _MIN_QUOTE)
        quote = trim_quote(mention.quote, mention.expression, room)
        lines.append(f"{label:<{pad}}  {quote}  {cites}")
    if undated:
        lines.append("(undated: relative to an article that gives no date, so left unresolved)")
    return "\n".join(lines)
