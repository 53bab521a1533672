"""A message read in its conversation: the previous answer gives a follow-up its missing
words ("and when was that?"), and a complete question is left alone.

The rewriting itself is text logic (knowledge.text.follow_up); this module feeds it what the
library knows (names in capitals, the tagger's common words) and answers the result.
"""

from __future__ import annotations

from knowledge.models import Answer
from knowledge.search.library import Library


def understood(answer: Answer) -> str:
    """The question an answer was given to, as it was understood (rewritten or corrected)."""
    return answer.searched_for or answer.question


def standalone(library: Library, message: str, previous: Answer | None) -> str | None:
    """The message rewritten to stand alone after `previous`, or None when it needs no context."""
    return None
