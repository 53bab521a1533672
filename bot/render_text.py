"""Terminal rendering of answers: the same content the Discord embed carries."""

from __future__ import annotations

import textwrap

from knowledge.models import Answer, Quote


def citation(quote: Quote) -> str:
    date = quote.date.isoformat() if quote.date else "undated"
    url = f" <{quote.url}>" if quote.url else ""
    return f"{quote.title} ({date}), paragraph {quote.paragraph}{url}"


def corrected_note(answer: Answer) -> str | None:
    """The label of an answer whose first quote a moderator chose (the date in UTC)."""
    if answer.corrected is None:
        return None
    return f"Corrected by a moderator on {answer.corrected.at.date().isoformat()}."


def render_answer(answer: Answer, width: int = 88) -> str:
    lines: list[str] = []
    if corrected := corrected_note(answer):
        lines.append(corrected)
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
