"""What reading a question needs from the corpus, gathered during the library's streaming build.

Name casing (knowledge/text/query_reading.py), alias groups (knowledge/text/aliases.py) and
the spelling dictionary's word counts (knowledge/text/spelling.py) each need every sentence of
the corpus. The build streams each sentence through them once; the results are saved as one
JSON file in the library folder (stamped and verified with the rest,
knowledge/search/library_data.py) and read on a process's first question, so serving never
scans a passage; the alias groups, which a user's aliases.txt can make large, go to an indexed
SQLite file beside it (knowledge/search/alias_store.py), read by word.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.search.alias_store import ALIASES_DB, SavedAliases, save_aliases
from knowledge.text.aliases import AliasLookup, build_aliases, states_alias
from knowledge.text.names import NameRuns
from knowledge.text.query_reading import Casing

READING = "reading.json"


@dataclass(frozen=True)
class ReadingData:
    names: dict[str, str]  # folded -> cased (QueryWords.names)
    phrases: dict[tuple[str, ...], tuple[str, ...]]
    capitalised: frozenset[str]
    aliases: AliasLookup  # saved apart, looked up by word (knowledge/search/alias_store.py)
    spelling: Counter[str]  # the spelling dictionary's word counts


class ReadingCollector:
    """Fed every passage's sentences (and heading words) during the build."""

    def __init__(self) -> None:
        self.names = NameRuns()
        self.casing = Casing()
        self.stating: list[str] = []  # the few sentences that state an alias
        self.tokens: Counter[str] = Counter()

    def add(self, sentences: Sequence[str], tokens: list[str]) -> None:
        """A passage's sentence texts and its folded words (heading included)."""
        for sentence in sentences:
            self.names.add(sentence)
            self.casing.add(sentence)
            if states_alias(sentence):
                self.stating.append(sentence)
        self.tokens.update(tokens)

    def save(self, folder: Path, common: set[str], aliases_text: str) -> None:
        """Settle everything and write `folder/reading.json` (before the folder is stamped)."""
        name_counts = self.names.counts()
        named = [n for n, _ in name_counts.most_common()]
        names, phrases, capitalised = self.casing.result(named)
        aliases = build_aliases(name_counts, capitalised, self.stating, aliases_text, common)
        spelling = {w: n for w, n in sorted(self.tokens.items()) if w.isalpha() and len(w) > 1}
        payload = {
            "names": names,
            "phrases": [[list(k), list(v)] for k, v in phrases.items()],
            "capitalised": sorted(capitalised),
            "spelling": spelling,
        }
        (folder / READING).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        save_aliases(folder, aliases)


def load_reading(folder: Path) -> ReadingData:
    """Read the saved file (its integrity was checked when the library was loaded)."""
    raw = json.loads((folder / READING).read_text(encoding="utf-8"))
    return ReadingData(
        names=raw["names"],
        phrases={tuple(k): tuple(v) for k, v in raw["phrases"]},
        capitalised=frozenset(raw["capitalised"]),
        aliases=SavedAliases(folder / ALIASES_DB),
        spelling=Counter(raw["spelling"]),
    )
