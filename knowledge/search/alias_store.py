"""The alias groups saved with the library as a small SQLite file, looked up by word.

A corpus folder's aliases.txt may hold 100,000 groups. Saved as JSON, every process parsed
all of them and indexed every word again before its first answer (3.8 s and 337 MB measured);
in an indexed SQLite file (stdlib `sqlite3`, opened read-only and immutable) a question reads
only the groups its own words name, a few pages, whatever the file's size.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from knowledge.text.aliases import Aliases, AliasLookup, Name

ALIASES_DB = "aliases.sqlite3"
_SCHEMA = """
CREATE TABLE groups (group_id INTEGER PRIMARY KEY, members TEXT NOT NULL);
CREATE TABLE group_words (word TEXT NOT NULL, group_id INTEGER NOT NULL);
CREATE TABLE full_names (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE full_name_words (word TEXT NOT NULL, name TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX group_words_by_word ON group_words (word, group_id);
CREATE INDEX full_name_words_by_word ON full_name_words (word);
"""


def save_aliases(folder: Path, aliases: Aliases) -> None:
    """Write `folder/aliases.sqlite3` (before the library folder is stamped)."""
    path = folder / ALIASES_DB
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.executescript(_SCHEMA)
        with connection:
            for group_id, group in enumerate(aliases.groups):
                members = sorted([list(name), aliases._key(name)] for name in group)
                connection.execute(
                    "INSERT INTO groups VALUES (?, ?)", (group_id, json.dumps(members))
                )
                words = {w for name, key in members for w in (*name, key)}
                connection.executemany(
                    "INSERT INTO group_words VALUES (?, ?)", ((w, group_id) for w in words)
                )
            for name in sorted(aliases.full_names):
                connection.execute("INSERT INTO full_names VALUES (?)", (" ".join(name),))
                connection.executemany(
                    "INSERT INTO full_name_words VALUES (?, ?)",
                    ((w, " ".join(name)) for w in set(name)),
                )
        connection.executescript(_INDEXES)
    finally:
        connection.close()


class SavedAliases(AliasLookup):
    """The saved groups, read by word. Safe to share between threads (one connection each)."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing")
        self._uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        self._local = threading.local()
        self._keys: dict[Name, str] = {}

    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            self._local.connection = connection
        return connection

    def _groups_of(self, words_: Iterable[str]) -> list[frozenset[Name]]:
        wanted = sorted(set(words_))
        if not wanted:
            return []
        rows = self._db().execute(
            f"""SELECT members FROM groups WHERE group_id IN (SELECT group_id FROM group_words
                WHERE word IN ({", ".join("?" * len(wanted))})) ORDER BY group_id""",
            wanted,
        )
        groups = []
        for (members,) in rows:
            names = [(tuple(name), key) for name, key in json.loads(members)]
            self._keys.update(names)
            groups.append(frozenset(name for name, _ in names))
        return groups

    def _key(self, name: Name) -> str:
        """Known for every name of a group `_groups_of` returned (the only callers' names)."""
        return name[0] if len(name) == 1 else self._keys[name]

    def is_full_name(self, name: Name) -> bool:
        found = self._db().execute("SELECT 1 FROM full_names WHERE name = ?", (" ".join(name),))
        return found.fetchone() is not None

    def full_names_with(self, word: str) -> list[Name]:
        rows = self._db().execute(
            "SELECT name FROM full_name_words WHERE word = ? ORDER BY name", (word,)
        )
        return [tuple(name.split(" ")) for (name,) in rows]

    @property
    def groups(self) -> list[frozenset[Name]]:
        """Every group (for inspection and tests; searching reads by word)."""
        rows = self._db().execute("SELECT members FROM groups ORDER BY group_id")
        return [frozenset(tuple(name) for name, _ in json.loads(m)) for (m,) in rows]
