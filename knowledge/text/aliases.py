"""Names that mean the same person or thing ("Kanye West", "Kanye", "Ye"), so a question that
uses one finds the sentences that use another.

Groups come from three places:

- a name's first or last word, when the sources use it alone as a name and one full name
  accounts for nearly all the full names with that word ("Kardashian" -> "Kim Kardashian";
  "Trump" is Ivanka and Donald and joins no group);
- aliases the sources state, in general English patterns: `X, known as Y` (also, better,
  formerly, now known as), `X, aka Y`, `X, who goes by Y`, `X (Y)`, where X and Y are names;
- the corpus folder's `aliases.txt`: one group per line, names separated by commas, `#`
  comments ("Donald Trump, the president, POTUS").

At search time a question word that is one of a group's names (or the distinctive word of a
multi-word name of the group, the word fewest other names share: "Kanye" of "Kanye West") is
searched and credited together with the group's other names' distinctive words.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from knowledge.errors import UserError
from knowledge.text.analysis import STOPWORDS, words

_DOMINANT = 0.8  # share of the full names with a word that one name must have
_NAME_WORD = r"[A-Z][\w'\u2019.-]*"
_NAME = rf"{_NAME_WORD}(?: (?:(?:of|the|de|for|and) )?{_NAME_WORD}){{0,3}}"
_STATED = [
    re.compile(rf"({_NAME}),? (?:(?:also|better|formerly|now|popularly) )?known as ({_NAME})"),
    re.compile(rf"({_NAME}),? (?:a\.k\.a\.?|aka) ({_NAME})"),
    re.compile(rf"({_NAME}),? who goes by ({_NAME})"),
    re.compile(rf"({_NAME}) \(({_NAME})\)"),
]
_HINTS = ("known as", "aka", "a.k.a", "who goes by", " (")  # in every stated alias


def states_alias(sentence: str) -> bool:
    """Whether a sentence states an alias (`learned_pairs` needs only these sentences)."""
    return any(h in sentence for h in _HINTS) and any(p.search(sentence) for p in _STATED)


Name = tuple[str, ...]  # folded content words


class AliasError(UserError, ValueError):
    """A line of aliases.txt that names fewer than two names."""


class AliasLookup(ABC):
    """What searching needs of the alias groups, over primitives an in-memory table
    (`Aliases`, the build's) or the saved library's (knowledge/search/alias_store.py) supply:
    a question looks up its own words, never every group."""

    @abstractmethod
    def _groups_of(self, words_: Iterable[str]) -> list[frozenset[Name]]:
        """The groups with a member name or a distinctive word among `words_`, in order."""

    @abstractmethod
    def _key(self, name: Name) -> str:
        """A name's distinctive word (its only word, for a one-word name)."""

    @abstractmethod
    def is_full_name(self, name: Name) -> bool:
        """Whether the sources use this multi-word name."""

    @abstractmethod
    def full_names_with(self, word: str) -> list[Name]:
        """The sources' multi-word names that contain `word`."""

    def expansions(self, focus: Sequence[str]) -> dict[str, set[str]]:
        """For each question word that names a group member (the member itself, or its
        distinctive word), the other members' distinctive words. A word inside another full
        name of the question is not expanded ("west" of "North West" is not Kanye)."""
        present = set(focus)
        inside = self._inside_names(focus)
        out: dict[str, set[str]] = {}
        for group in self._groups_of(present):
            keys = {self._key(name) for name in group}
            hits = {
                self._key(name)
                for name in group
                if set(name) <= present or self._key(name) in present
            }
            for word in hits & present:
                if all(name in group for name in inside.get(word, ())):
                    out.setdefault(word, set()).update(keys - {word})
        return {w: extra for w, extra in out.items() if extra}

    def alternatives(self, name: Collection[str]) -> list[frozenset[str]]:
        """The other names of the group a name belongs to, as sets of words."""
        wanted = set(name)
        for group in self._groups_of(wanted):
            if any(set(member) == wanted for member in group):
                return [frozenset(m) for m in group if set(m) != wanted]
        return []

    def same(self, a: Collection[str], b: Collection[str]) -> bool:
        """May two names (as sets of folded words) be one person or thing? When one holds the
        other's words ("Kim" of "Kim Kardashian") or both are part of names of one group
        ("Kim" and "Kardashian")."""
        wa, wb = set(a), set(b)
        if not wa or not wb:
            return False
        if wa <= wb or wb <= wa:
            return True
        for group in self._groups_of(wa | wb):
            members = [set(m) for m in group]
            if any(wa <= m for m in members) and any(wb <= m for m in members):
                return True
        return False

    def _inside_names(self, focus: Sequence[str]) -> dict[str, set[Name]]:
        """Each question word inside a full name of the question -> those names (the word is
        not expanded through a group that lacks one of them)."""
        found: dict[str, set[Name]] = {}
        for n in (3, 2):
            for i in range(len(focus) - n + 1):
                name = tuple(focus[i : i + n])
                if self.is_full_name(name):
                    for w in name:
                        found.setdefault(w, set()).add(name)
        return found


@dataclass(frozen=True)
class Aliases(AliasLookup):
    """The groups in memory, as the build makes them (and saves, knowledge/search/alias_store)."""

    groups: list[frozenset[Name]]
    key: dict[Name, str]  # each multi-word name -> its distinctive word
    full_names: frozenset[Name] = frozenset()  # every multi-word name of the sources

    @cached_property
    def _by_word(self) -> dict[str, list[int]]:
        """Each word of a member name or a distinctive word -> the groups it is in, in order."""
        found: dict[str, list[int]] = {}
        for i, group in enumerate(self.groups):
            for word in {w for name in group for w in (*name, self._key(name))}:
                found.setdefault(word, []).append(i)
        return found

    def _groups_of(self, words_: Iterable[str]) -> list[frozenset[Name]]:
        by_word = self._by_word
        return [self.groups[i] for i in sorted({i for w in words_ for i in by_word.get(w, ())})]

    def _key(self, name: Name) -> str:
        return name[0] if len(name) == 1 else self.key[name]

    def is_full_name(self, name: Name) -> bool:
        return name in self.full_names

    def full_names_with(self, word: str) -> list[Name]:
        return sorted(name for name in self.full_names if word in name)


def _name(text: str) -> Name:
    return tuple(w for w in words(text) if w not in STOPWORDS)


def parse_alias_file(text: str) -> list[list[str]]:
    """`Name, Alias, Alias` per line; `#` starts a comment."""
    groups = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        names = [n.strip() for n in line.split(",") if _name(n)]
        if len(names) < 2:
            raise AliasError(
                f"aliases.txt line {number}: expected two or more names separated by "
                f"commas, got {raw.strip()!r}"
            )
        groups.append(names)
    return groups


def learned_pairs(
    name_counts: Counter[str],
    capitalised: Collection[str],
    sentences: Iterable[str],
    common: Collection[str] = frozenset(),
) -> list[tuple[str, str]]:
    """Pairs of names the sources use for the same person or thing. `capitalised` are the
    words nearly always capitalised mid-sentence, `common` those the sources write in
    lowercase mid-sentence."""
    pairs: list[tuple[str, str]] = []
    ends: dict[str, dict[str, int]] = {}  # a word -> full names it starts or ends, counted
    alone: set[str] = set()
    for name, n in name_counts.items():
        parts = _name(name)
        if len(parts) == 1:
            alone.add(parts[0])
        elif 1 < len(parts) <= 3 and all(w in capitalised for w in parts):
            for word in {parts[0], parts[-1]}:
                ends.setdefault(word, {})[name] = n
    for word in sorted(alone & set(capitalised) & ends.keys()):
        having = ends[word]
        best = max(having, key=lambda name: (having[name], name))
        if having[best] >= _DOMINANT * sum(having.values()):
            pairs.append((best, word))
    for sentence in sentences:
        for pattern in _STATED:
            for m in pattern.finditer(sentence):
                x, y = _trim(m.group(1), common), _trim(m.group(2), common)
                if x and y and _name(x) != _name(y):
                    pairs.append((x, y))
    return pairs


def _trim(text: str, common: Collection[str]) -> str | None:
    """A stated name without the capitalised common words before it ("The Federal Bureau of
    Investigation" -> "Federal Bureau of Investigation"), or None if it is no name: every
    word must be capitalised and not a word the sources write in lowercase, or an acronym."""
    parts = text.split()
    while parts and all(w in common or w in STOPWORDS for w in words(parts[0])):
        parts = parts[1:]
    if not parts or not _name(" ".join(parts)):
        return None
    for part in parts:
        if part.isupper() and len(part) > 1:
            continue
        if part[:1].isupper() and any(w in common for w in words(part)):
            return None
    return " ".join(parts)


def build_aliases(
    name_counts: Counter[str],
    capitalised: Collection[str],
    sentences: Iterable[str],
    user_text: str = "",
    common: Collection[str] = frozenset(),
) -> Aliases:
    """Alias groups: the learned pairs and the user's groups, joined where they share a name."""
    parent: dict[Name, Name] = {}

    def find(x: Name) -> Name:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(names: list[str]) -> None:
        keys = [_name(n) for n in names if _name(n)]
        for other in keys[1:]:
            parent[find(other)] = find(keys[0])

    for pair in learned_pairs(name_counts, capitalised, sentences, common):
        join(list(pair))
    for group in parse_alias_file(user_text):
        join(group)
    members: dict[Name, set[Name]] = {}
    for name in list(parent):
        members.setdefault(find(name), set()).add(name)
    groups = [frozenset(g) for g in members.values() if len(g) > 1]
    # The distinctive word of a multi-word name: the word the fewest other names share.
    shared: Counter[str] = Counter(w for n in name_counts for w in set(_name(n)))
    key = {
        name: min(name, key=lambda w: (shared[w], name.index(w)))
        for group in groups
        for name in group
        if len(name) > 1
    }
    full_names = frozenset(n for name in name_counts if len(n := _name(name)) > 1)
    return Aliases(groups=sorted(groups, key=sorted), key=key, full_names=full_names)
