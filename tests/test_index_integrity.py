"""A saved index is checked on load, rebuilt when damaged, and old builds are removed."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from knowledge.search import housekeeping
from knowledge.search.index import IndexError_, PassageIndex
from knowledge.search.library import index_dir, open_library
from knowledge.timeline import timeline_path
from tests.cli_support import run_cli

QUESTION = "Where did Kim Kardashian and Ivanka Trump first meet?"
FILES = ("data.npy", "indices.npy", "indptr.npy", "term_offsets.npy", "terms.bin")


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "empty":
        path.write_bytes(b"")
    elif how == "random, same size":
        path.write_bytes(os.urandom(size))
    elif how == "one byte flipped":  # in the middle, where no sample may look
        data = bytearray(path.read_bytes())
        data[size // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(b"garbage")


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("how", ["empty", "random, same size", "one byte flipped", "garbage"])
def test_a_damaged_index_file_is_refused_on_load(tmp_path, corpus, name, how):
    PassageIndex.build(corpus.passages).save(tmp_path / "ix")
    damage(tmp_path / "ix" / name, how)
    with pytest.raises(IndexError_, match=f"damaged: {name}"):
        PassageIndex.load(tmp_path / "ix")


def test_a_damaged_index_is_rebuilt_with_a_warning_and_a_new_build_id(tmp_path, caplog):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    write(corpus, "a.txt", "Kim met Ivanka at the Met Gala.\nThey had dinner later.\n")
    first = open_library(corpus, data)
    (index_dir(data, first.fingerprint) / "data.npy").write_bytes(b"")
    with caplog.at_level(logging.WARNING):
        again = open_library(corpus, data)
    assert again.rebuilt and again.index.search(["gala"], k=1)
    assert "data.npy is 0 bytes" in caplog.text and "rebuilding" in caplog.text
    assert again.build_key != first.build_key  # answers of the old build are not served
    assert again.fingerprint == first.fingerprint
    assert open_library(corpus, data).build_key == again.build_key  # stable once saved


def test_a_copied_index_is_checked_in_full_once_then_loads_fast(tmp_path, corpus):
    PassageIndex.build(corpus.passages).save(tmp_path / "ix")
    for name in FILES:  # as `cp -r` without -p leaves them: same bytes, new times
        os.utime(tmp_path / "ix" / name, ns=(1, 1))
    PassageIndex.load(tmp_path / "ix")
    meta = json.loads((tmp_path / "ix" / "citebot.json").read_text())
    assert {meta["files"][n]["mtime_ns"] for n in FILES} == {1}


def test_the_issue_commands_no_wrong_answer_survives_a_damaged_index(tmp_path):
    data = tmp_path / "D"
    assert json.loads(run_cli(data, "ask", "--json", QUESTION).stdout)["answered"]
    (folder,) = (data / "index").iterdir()
    assert run_cli(data, "cache", "clear").returncode == 0
    (folder / "terms.bin").write_bytes(b"")
    damaged = run_cli(data, "ask", "--json", QUESTION)
    assert damaged.returncode == 0 and "terms.bin is 0 bytes" in damaged.stderr
    assert json.loads(damaged.stdout)["answered"]
    (folder / "data.npy").write_bytes(b"")  # was: internal error: EOFError, run after run
    # A cached answer comes from the intact build that computed it (the cache is looked in
    # before the library loads): a new question is what opens the damaged index.
    assert "data.npy is 0 bytes" in run_cli(data, "ask", "Who is Ivanka Trump's husband?").stderr
    assert run_cli(data, "index").returncode == 0
    after = json.loads(run_cli(data, "ask", "--json", QUESTION).stdout)
    assert after["answered"] and not after["cached"]  # the rebuild invalidated the cache


def test_old_index_and_timeline_folders_are_removed_after_a_new_build(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    builds = []
    for n in range(5):
        write(corpus, "a.txt", f"Kim met Ivanka at the Met Gala, edition {n}.\n")
        library = open_library(corpus, data)
        library.timeline  # noqa: B018 (saved beside the index)
        builds.append(library.fingerprint)
        del library
    assert [p.name for p in (data / "index").iterdir()] == [builds[-1]]
    timelines = [p.name for p in (data / "timeline").iterdir()]
    assert timelines == [f"{builds[-1]}.json"]


def test_an_index_another_process_serves_from_is_kept(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    write(corpus, "a.txt", "Kim met Ivanka at the Met Gala.\n")
    serving = open_library(corpus, data)  # holds its folder while alive
    serving.timeline  # noqa: B018
    write(corpus, "a.txt", "Kim met Ivanka at a dinner.\n")
    newer = open_library(corpus, data)
    names = {p.name for p in (data / "index").iterdir()}
    assert names == {serving.fingerprint, newer.fingerprint}
    assert timeline_path(data, serving.fingerprint).is_file()
    assert serving.index.search(["gala"], k=1)  # still serving from its files
    for stopped in (serving, newer):  # both processes have stopped
        stopped.index._holder.close()
    write(corpus, "a.txt", "Kim met Ivanka at a party.\n")
    newest = open_library(corpus, data)
    assert {p.name for p in (data / "index").iterdir()} == {newest.fingerprint}


def test_a_folder_removed_while_opening_it_is_rebuilt_not_fatal(tmp_path, corpus):
    PassageIndex.build(corpus.passages).save(tmp_path / "ix")
    (tmp_path / "ix" / housekeeping.IN_USE).unlink()
    with pytest.raises(IndexError_, match="cannot load"):
        PassageIndex.load(tmp_path / "ix")
