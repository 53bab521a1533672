"""Terminal rendering of answers: the same content the Discord embed carries."""

from __future__ import annotations

import textwrap

from knowledge.models import Answer, Quote


def citation(quote: Quote) -> str:
    date = quote.date.isoformat() if quote.date else "undated"
    url = f" <{quote.url}>" if quote.url else ""
    return f"{quote.title} ({date}), paragraph {quote.paragraph}{url}"


SEARCHED_FOR = "Searched for:"


def searched_for_parts(answer: Answer) -> list[tuple[str, bool]]:
    """The question as searched, in pieces: (text, was it corrected). Corrections replace
    one word by one word, so the words line up with the question's; [] when none was."""
    if not answer.searched_for:
        return []
    asked = answer.question.split()
    searched = answer.searched_for.split()
    if len(asked) != len(searched):
        return [(answer.searched_for, False)]
    return [(word, word != typed) for typed, word in zip(asked, searched, strict=True)]


def render_answer(answer: Answer, width: int = 88) -> str:
    lines: list[str] = []
    if parts := searched_for_parts(answer):
        shown = " ".join(f"*{word}*" if corrected else word for word, corrected in parts)
        lines.append(f"{SEARCHED_FOR} {shown}")
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
