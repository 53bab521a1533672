"""Chat forms of English words ("bday", "hubby", "rn", "u") and the standard words they stand for.

The lexicon is a small data file (`knowledge/data/chat_lexicon.txt`, its format described at
its top) of general English chat forms, never words of any corpus. Reading a question replaces
a form typed in lowercase by its standard words, unless the library's own sources use the form
more often than the standard words (then the form is the articles' word).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

from knowledge.errors import UserError
from knowledge.text.analysis import STOPWORDS


class LexiconError(UserError, ValueError):
    """A lexicon line is not `form = words`."""


def parse_lexicon(text: str, origin: str = "lexicon") -> dict[str, str]:
    """`form = standard words` per line, `#` comments; forms are lowercased. A form with no
    words (`lol =`) says nothing the question asks and is dropped."""
    out: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        form, sep, words = (part.strip() for part in line.partition("="))
        if not sep or not form or " " in form:
            raise LexiconError(f"{origin} line {number}: expected `form = words`, got {raw!r}")
        out[form.lower()] = " ".join(words.split())
    return out


def lexicon_path() -> Path:
    return Path(str(resources.files("knowledge") / "data" / "chat_lexicon.txt"))


@lru_cache(maxsize=1)
def default_lexicon() -> dict[str, str]:
    """The shipped lexicon, read once per process."""
    path = lexicon_path()
    return parse_lexicon(path.read_text(encoding="utf-8"), origin=path.name)


def standard_form(token: str, lexicon: dict[str, str], counts: Mapping[str, int]) -> str | None:
    """The standard words for a chat form typed in lowercase, or None to keep the token.
    `counts` are the library's word counts: a form of three letters or more that the
    sources use more often than its standard word is kept ("dad" where they say "dad")."""
    if token != token.lower():
        return None
    found = lexicon.get(token)
    if found is None or len(token) < 3 or not counts.get(token):
        return found
    content = [w for w in found.split() if w not in STOPWORDS]
    standard = min((counts.get(w, 0) for w in content), default=counts[token])
    return found if standard >= counts[token] else None
