"""What reading a question needs is gathered by the streaming build and saved with the library:
the same as scanning every sentence, never scanned again by a process that finds it saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from knowledge.answering.answer import answer_question
from knowledge.search.library import open_library
from knowledge.search.reading_data import READING
from knowledge.text.aliases import build_aliases
from knowledge.text.names import name_counts
from knowledge.text.query_reading import name_casing
from knowledge.text.spelling import word_counts

CHAT = "when was alice jonhson pardoned"  # a lowercase name and a typo

SECOND_PROCESS = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    import knowledge.text.aliases, knowledge.text.names
    import knowledge.text.query_reading, knowledge.text.spelling
    from knowledge.search.library import SavedCorpus
    from knowledge.search.library_data import PassageTable

    def forbidden(*args, **kwargs):
        raise AssertionError("scanned the corpus")

    # Everything that walks every passage or sentence (or builds) is refused.
    for module, name in [
        (knowledge.text.names, "name_counts"),
        (knowledge.text.names.NameRuns, "add"),
        (knowledge.text.query_reading.Casing, "add"),
        (knowledge.text.aliases, "learned_pairs"),
        (knowledge.text.spelling, "word_counts"),
        (PassageTable, "__iter__"),
    ]:
        setattr(module, name, forbidden)
    SavedCorpus.sources = property(forbidden)
    SavedCorpus.passages = property(forbidden)
    import knowledge.search.library_build
    knowledge.search.library_build.build_library = forbidden

    from knowledge.answering.answer import answer_question
    from knowledge.search.library import open_library

    library = open_library(None, Path(sys.argv[1]))
    assert not library.rebuilt
    print(answer_question(library, sys.argv[2]).model_dump_json())
    """
)


def _reading_by_scanning(library):
    """The reading data the way it was made before the build gathered it: every sentence."""
    counts = name_counts(library.corpus)
    named = [n for n, _ in counts.most_common()]
    texts = list(library.sentences.texts)
    names, phrases, capitalised = name_casing(named, texts)
    aliases = build_aliases(
        counts, capitalised, texts, library.corpus.aliases_text, library.sentences.common_words
    )
    return names, phrases, capitalised, aliases, word_counts(library.passages)


def test_saved_reading_data_equals_a_scan_of_every_sentence(tmp_path):
    library = open_library(None, tmp_path / "data")
    names, phrases, capitalised, aliases, spelling = _reading_by_scanning(library)
    saved = open_library(None, tmp_path / "data").reading  # read back from reading.json
    assert saved.names == names and saved.names
    assert saved.phrases == phrases and saved.phrases
    assert saved.capitalised == capitalised
    assert saved.aliases.groups == aliases.groups and aliases.groups  # saved apart, by word
    for name in (n for group in aliases.groups for n in group):
        assert set(saved.aliases.alternatives(name)) == set(aliases.alternatives(name))
    assert saved.spelling == spelling
    assert list(saved.spelling) == sorted(spelling)  # the order SymSpell was fed before


def test_saved_reading_data_with_an_alias_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(
        "---\ntitle: A\n---\n\nGrace Hopper, known as Amazing Grace, spoke. Hopper left.\n\n"
        "Later Hopper wrote about Ada Lovelace (Countess Lovelace) at length.\n"
    )
    (corpus / "aliases.txt").write_text("Grace Hopper, the admiral\n")
    open_library(corpus, tmp_path / "data")
    library = open_library(corpus, tmp_path / "data")
    *_, aliases, _ = _reading_by_scanning(library)
    assert library.aliases.groups == aliases.groups
    assert len(aliases.groups) == 2


def test_a_second_process_answers_a_chat_question_without_scanning(tmp_path):
    data = tmp_path / "data"
    first = answer_question(open_library(None, data), CHAT)
    assert first.searched_for  # the typo was corrected
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, str(data), CHAT],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == json.loads(first.model_dump_json())


def test_damaged_reading_data_is_rebuilt(tmp_path):
    data = tmp_path / "data"
    library = open_library(None, data)
    expected = answer_question(library, CHAT)
    path = library.data.folder / READING
    path.write_text(path.read_text()[:-40])  # truncated
    again = open_library(None, data)
    assert again.rebuilt
    assert json.loads((again.data.folder / READING).read_text())["names"]
    assert answer_question(again, CHAT) == expected
