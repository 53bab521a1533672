"""Alias groups: learned from the sources, added by the user, used at search time."""

from __future__ import annotations

from collections import Counter

import pytest

from knowledge.answering.answer import answer_question
from knowledge.answering.ranking import ALIAS_CREDIT, Options, rank
from knowledge.corpus import CorpusError, load_corpus
from knowledge.search.library import open_library
from knowledge.text.aliases import AliasError, build_aliases, parse_alias_file

ARTICLE = """---
title: The album
date: 2022-05-06
---

Kanye West, now known as Ye, released the record in Chicago. Reporters waited for hours.

Yesterday West cancelled the tour. The Federal Bureau of Investigation (FBI) said nothing.

The songs were praised by Grace Hopper, and Hopper wrote to Ada Lovelace about the tour.

North West, the eldest child, danced on stage with Mary Smith, and Smith smiled.

The mayor promised new parks for the city before the vote.
"""


def _library(tmp_path, aliases: str | None = None):
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    (folder / "album.md").write_text(ARTICLE, encoding="utf-8")
    if aliases is not None:
        (folder / "aliases.txt").write_text(aliases, encoding="utf-8")
    return open_library(folder, None)


def _groups(library) -> set[frozenset[str]]:
    return {frozenset(" ".join(name) for name in g) for g in library.aliases.groups}


def test_stated_aliases_and_lone_surnames_are_learned(tmp_path):
    groups = _groups(_library(tmp_path))
    assert frozenset({"kanye west", "ye"}) <= next(g for g in groups if "ye" in g)
    assert frozenset({"federal bureau investigation", "fbi"}) in groups
    assert frozenset({"grace hopper", "hopper"}) in groups  # "Hopper" alone: only Grace
    assert frozenset({"mary smith", "smith"}) in groups


def test_an_ambiguous_surname_joins_no_group(tmp_path):
    text = ARTICLE + "\nFans cheered for Mary Hopper, and Hopper bowed.\n"
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "album.md").write_text(text, encoding="utf-8")
    groups = _groups(open_library(folder, None))
    assert not any("hopper" in g for g in groups)  # Grace or Mary?


def test_a_name_finds_sentences_that_use_its_alias(tmp_path):
    library = _library(tmp_path, "Kanye West, Yeezy\n")
    ranking = rank(library, "what did yeezy release")
    assert "Chicago" in library.sentences.texts[ranking.best.sentence]
    yeezy = next(t for t in ranking.terms if t.word == "yeezy")
    assert {"kany", "ye"} <= yeezy.variants and yeezy.known  # searched as its aliases
    # A name the sources use credits its aliases softly, like a near word.
    ye = next(t for t in rank(library, "what did ye release").terms if t.word == "ye")
    assert ye.variants == {"ye"} and ye.near["kany"] == ALIAS_CREDIT
    off = rank(library, "what did yeezy release", Options(aliases=False))
    off_term = next(t for t in off.terms if t.word == "yeezy")
    assert off_term.variants == {"yeezi"} and not off_term.known


def test_a_word_inside_another_full_name_is_not_expanded(tmp_path):
    aliases = _library(tmp_path, "Kanye West, West\n").aliases
    assert aliases.expansions(["west", "cancel"]) == {"west": {"kanye", "ye"}}
    assert aliases.expansions(["north", "west", "dance"]) == {}  # North West is not Kanye


def test_user_alias_file_adds_groups_and_changes_the_fingerprint(tmp_path):
    plain = _library(tmp_path)
    library = _library(tmp_path, "# my aliases\nThe mayor, Mayor Quimby, Joe Quimby\n")
    assert frozenset({"mayor", "mayor quimby", "joe quimby"}) in _groups(library)
    assert library.fingerprint != plain.fingerprint  # new aliases: nothing stale is served
    assert [s.source_id for s in library.corpus.sources] == ["album"]  # not read as a source
    answer = answer_question(library, "What did Joe Quimby promise?")
    assert answer.answered and "parks" in answer.quotes[0].text


def test_alias_file_lines_need_two_names():
    assert parse_alias_file("Ann, Bo  # c\n\n Cy ,Di,Ed\n") == [["Ann", "Bo"], ["Cy", "Di", "Ed"]]
    with pytest.raises(AliasError, match="line 1"):
        parse_alias_file("Just one name\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xff\xfe bad", "not UTF-8"), (b"Kanye West, Ye\nLonely\n", "line 2")],
)
def test_bad_alias_file_is_skipped_with_a_warning_or_fatal_when_strict(tmp_path, content, message):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "album.md").write_text(ARTICLE, encoding="utf-8")
    (folder / "aliases.txt").write_bytes(content)
    corpus = load_corpus(folder)
    assert corpus.aliases_text == ""
    assert any("aliases.txt" in w and message in w for w in corpus.warnings)
    with pytest.raises(CorpusError, match=message):
        load_corpus(folder, strict=True)


def test_names_of_stopwords_only_are_ignored():
    counts = Counter({"The Who": 3, "Who": 2, "The The": 1, "Grace Hopper": 2, "Hopper": 1})
    aliases = build_aliases(counts, {"grace", "hopper"}, [])
    assert aliases.groups == [frozenset({("grace", "hopper"), ("hopper",)})]


def test_names_of_one_group_may_be_one_person(tmp_path):
    aliases = _library(tmp_path).aliases
    assert aliases.same({"ye"}, {"west"})  # both names of the group of Kanye West
    assert aliases.same({"grace"}, {"grace", "hopper"})  # one holds the other's words
    assert not aliases.same({"hopper"}, {"mary", "smith"})
    assert not aliases.same({"ye"}, set())


def test_a_folder_named_aliases_txt_is_warned_about(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "album.md").write_text(ARTICLE, encoding="utf-8")
    (folder / "Aliases.txt").mkdir()
    corpus = load_corpus(folder)
    assert any("Aliases.txt: a folder, not a file of aliases" in w for w in corpus.warnings)
    library = open_library(folder, tmp_path / "data")
    assert any("a folder, not a file of aliases" in w for w in library.corpus.warnings)
    with pytest.raises(CorpusError, match="a folder, not a file"):
        load_corpus(folder, strict=True)


def test_a_large_alias_file_is_saved_with_the_library_and_read_by_word(tmp_path):
    """20,000 groups: saved once, then a process reads only the groups its question names
    (before: every process parsed and indexed all of them before its first answer)."""
    lines = "".join(f"Alpha{i} Beta{i}, Gamma{i}\n" for i in range(20_000))
    lines += "Kanye West, Yeezy\n"
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "album.md").write_text(ARTICLE, encoding="utf-8")
    (folder / "aliases.txt").write_text(lines, encoding="utf-8")
    open_library(folder, tmp_path / "data")  # the build saves them
    library = open_library(folder, tmp_path / "data")  # as a new process finds them
    assert not library.rebuilt
    reading = library.data.folder / "reading.json"
    assert "gamma12345" not in reading.read_text(encoding="utf-8")
    aliases = library.aliases
    assert aliases.alternatives(("gamma12345",)) == [frozenset({"alpha12345", "beta12345"})]
    assert aliases.expansions(["alpha12345", "beta12345"]) == {"alpha12345": {"gamma12345"}}
    assert aliases.expansions(["yeezy"]) == {"yeezy": {"kanye", "ye"}}  # with the learned "Ye"
    assert len(aliases._keys) == 5  # the names of the 2 groups asked about were read, of 20,001
