"""The library is built once per fingerprint and served from its saved, memory-mapped data."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

import bot.service
import knowledge.corpus
import knowledge.search.library
import knowledge.search.progress
from bot.service import Service
from knowledge.answering.answer import answer_question
from knowledge.search.library import LIBRARY_SUBDIR, index_dir, open_library
from knowledge.search.progress import Progress
from tests.store_support import ROOT, settings_for

KOALAS = (
    "---\ntitle: Koalas\ndate: 2024-05-01\n---\n\n# Sleep\n\nKoalas sleep up to twenty hours "
    "a day. They rest in the forks of trees.\n\nThey eat eucalyptus leaves, which hold little "
    "energy.\n\nJoeys live in a pouch for six months.\n"
)
QUESTION = "How long do koalas sleep?"


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "koalas.md").write_text(KOALAS, encoding="utf-8")
    (folder / "other.txt").write_text(
        "The harbour ferry runs every hour. It was painted green in 1990.\n", encoding="utf-8"
    )
    return folder


def _forbid_reading_sources(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a source file was read")

    monkeypatch.setattr(knowledge.corpus, "parse_source", refuse)
    monkeypatch.setattr(knowledge.search.library, "content_fingerprint", refuse)
    monkeypatch.setattr(knowledge.corpus, "load_corpus", refuse)
    monkeypatch.setattr(knowledge.corpus, "read_source_file", refuse)


def test_a_second_open_answers_from_saved_data_without_reading_a_source(
    corpus, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    first = open_library(corpus, data)
    expected = answer_question(first, QUESTION)
    assert first.rebuilt and expected.answered
    _forbid_reading_sources(monkeypatch)
    second = open_library(corpus, data)
    assert not second.rebuilt and second.fingerprint == first.fingerprint
    answer = answer_question(second, QUESTION)
    assert answer.model_dump() == expected.model_dump()
    quote = answer.quotes[0]
    assert quote.title == "Koalas" and str(quote.date) == "2024-05-01"
    passage = second.passages[second.passages.index(first.passages[0])]
    assert passage.section == "Sleep" and passage.sentences == first.passages[0].sentences


def test_a_new_process_answers_without_parsing(corpus, tmp_path):
    """A real second process, with the parser replaced by one that fails."""
    data = tmp_path / "data"
    open_library(corpus, data)
    script = (
        "import sys, knowledge.corpus as c\n"
        "def refuse(*a, **k): raise SystemExit('parsed a source')\n"
        "c.parse_source = refuse\n"
        "from knowledge.search.library import open_library\n"
        "from knowledge.answering.answer import answer_question\n"
        f"lib = open_library({str(corpus)!r}, __import__('pathlib').Path({str(data)!r}))\n"
        f"print(answer_question(lib, {QUESTION!r}).quotes[0].text)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "twenty hours" in done.stdout


def test_a_source_changed_in_place_is_noticed_even_with_its_old_size_and_time(corpus, tmp_path):
    data = tmp_path / "data"
    before = open_library(corpus, data)
    path = corpus / "other.txt"
    st = path.stat()
    text = path.read_text(encoding="utf-8").replace("green", "white")
    assert len(text) == st.st_size
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    after = open_library(corpus, data)
    assert after.rebuilt and after.fingerprint != before.fingerprint
    assert after.index.search(["white"], k=1) and not after.index.search(["green"], k=1)


def test_touching_a_source_without_changing_it_rebuilds_nothing(corpus, tmp_path):
    data = tmp_path / "data"
    before = open_library(corpus, data)
    os.utime(corpus / "other.txt")
    after = open_library(corpus, data)
    assert not after.rebuilt and after.fingerprint == before.fingerprint


@pytest.mark.parametrize("damage", ["truncate", "remove", "garble meta", "same size and time"])
def test_damaged_saved_data_is_rebuilt_never_served(corpus, tmp_path, damage, caplog):
    data = tmp_path / "data"
    first = open_library(corpus, data)
    expected = answer_question(first, QUESTION).model_dump()
    folder = index_dir(data, first.fingerprint) / LIBRARY_SUBDIR
    if damage == "truncate":
        path = folder / "text.bin"
        path.write_bytes(path.read_bytes()[:-10])
    elif damage == "remove":
        (folder / "passage_vectors.npy").unlink()
    elif damage == "garble meta":
        (folder / "library.json").write_text("{not json")
    else:  # another passage's words in place: only the recorded checksums can tell
        path = folder / "text.bin"
        st = path.stat()
        text = path.read_bytes()
        path.write_bytes(text.replace(b"twenty", b"thirty"))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    with caplog.at_level(logging.WARNING):
        again = open_library(corpus, data)
    assert again.rebuilt and caplog.text.count("rebuilding") == 1  # said once, not per look
    assert answer_question(again, QUESTION).model_dump() == expected
    assert not open_library(corpus, data).rebuilt  # repaired on disk


def test_strict_still_refuses_a_bad_file_when_the_data_is_saved(corpus, tmp_path):
    (corpus / "bad.txt").write_bytes(b"\xff\xfe broken")
    data = tmp_path / "data"
    assert open_library(corpus, data).corpus.warnings
    with pytest.raises(knowledge.corpus.CorpusError, match=r"bad\.txt"):
        open_library(corpus, data, strict=True)


async def test_a_cache_hit_loads_no_library(corpus, tmp_path, monkeypatch):
    settings = settings_for(tmp_path / "data", corpus)
    async with await Service.open(settings, load_library=False) as service:
        first = await service.ask(QUESTION)
    monkeypatch.setattr(bot.service, "_LIBRARIES", {})  # as a new process

    def refuse(*args, **kwargs):
        raise AssertionError("the library was loaded for a cache hit")

    monkeypatch.setattr(bot.service, "open_library", refuse)
    _forbid_reading_sources(monkeypatch)
    async with await Service.open(settings, load_library=False) as service:
        hit = await service.ask(QUESTION)
        assert hit.cached and hit.answer_id == first.answer_id
        assert not service.library_loaded


def test_a_long_build_reports_progress_lines_when_not_a_terminal(corpus, caplog, monkeypatch):
    monkeypatch.setattr(knowledge.search.progress, "DELAY", 0.0)
    monkeypatch.setattr(knowledge.search.progress, "LOG_EVERY", 0.0)
    with caplog.at_level(logging.INFO, logger="knowledge.build"):
        open_library(corpus, None, progress=Progress())
    text = caplog.text
    assert "reading sources" in text and "% (" in text and "left)" in text
    assert "paragraph vectors" in text and "built 4 passages" in text


def test_answering_keeps_blas_on_one_thread(library):
    from threadpoolctl import threadpool_info

    answer_question(library, "Where did Kim and Ivanka first meet?")
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and set(blas) == {1}


def test_strict_accepts_notes_about_long_paragraphs_when_the_data_is_saved(tmp_path):
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    sentence = "The ferry carried nine hundred passengers across the bay that morning. "
    (corpus / "big.txt").write_text("date 2024-01-01 Big\n" + sentence * 200 + "\n")
    first = open_library(corpus, data, strict=True)
    assert any("split into" in w for w in first.corpus.warnings)
    again = open_library(corpus, data, strict=True)
    assert not again.rebuilt and again.corpus.warnings == first.corpus.warnings
