from __future__ import annotations

from knowledge.search.index import PassageIndex
from knowledge.search.library import index_dir, open_library


def write(folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_index_is_built_once_then_loaded_from_disk(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    write(corpus, "a.txt", "Kim met Ivanka at the Met Gala.\nThey had dinner later.\n")
    first = open_library(corpus, data)
    assert first.rebuilt and index_dir(data, first.fingerprint).is_dir()
    second = open_library(corpus, data)
    assert not second.rebuilt and second.fingerprint == first.fingerprint


def test_changed_corpus_is_noticed_and_reindexed(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    write(corpus, "a.txt", "Kim met Ivanka at the Met Gala.\n")
    before = open_library(corpus, data)
    write(corpus, "b.txt", "A new story about a kangaroo.\n")
    after = open_library(corpus, data)
    assert after.rebuilt and after.fingerprint != before.fingerprint
    assert after.index.search(["kangaroo"], k=1)


def test_broken_saved_index_is_rebuilt_not_fatal(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    write(corpus, "a.txt", "Kim met Ivanka at the Met Gala.\n")
    lib = open_library(corpus, data)
    folder = index_dir(data, lib.fingerprint)
    for f in folder.rglob("*"):
        if f.is_file():
            f.write_bytes(b"garbage")
    again = open_library(corpus, data)
    assert again.rebuilt and again.index.search(["gala"], k=1)
    assert isinstance(PassageIndex.load(folder), PassageIndex)
