"""Hostile corpus folders: links out of the folder, special files, one enormous paragraph."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.answering.answer import answer_question
from knowledge.corpus import (
    MAX_PASSAGE_CHARS,
    load_corpus,
    read_source_file,
    split_long_paragraph,
)
from knowledge.search.library import open_library

ARTICLE = "date 2024-05-01 A headline here\nThe council met on Monday to discuss the new bridge.\n"


@pytest.fixture
def folder(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    return corpus


def test_a_link_out_of_the_folder_is_skipped_with_a_warning(folder, tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("The DISCORD_TOKEN is hunter2-secret-value.\n", encoding="utf-8")
    (folder / "env.txt").symlink_to(secret)
    (folder / "proc.txt").symlink_to("/proc/self/environ")
    corpus = load_corpus(folder)
    assert [s.source_id for s in corpus.sources] == ["a"]
    assert any("env.txt" in w and "outside the corpus folder" in w for w in corpus.warnings)
    assert any("proc.txt" in w for w in corpus.warnings)
    code = main(["ask", "--json", "--corpus", str(folder), "What is the DISCORD_TOKEN?"])
    out, err = capsys.readouterr()
    assert code == 0 and "hunter2" not in out and "outside the corpus folder" in err


def test_a_link_inside_the_folder_is_read(folder):
    (folder / "b.txt").symlink_to(folder / "a.txt")
    assert [s.source_id for s in load_corpus(folder).sources] == ["a", "b"]


def test_a_fifo_is_never_opened_for_reading(folder):
    os.mkfifo(folder / "pipe.md")  # reading it would block forever
    started = time.monotonic()
    corpus = load_corpus(folder)
    assert time.monotonic() - started < 5
    assert any("pipe.md" in w and "not a regular file" in w for w in corpus.warnings)


def test_a_proc_file_is_never_read_even_inside_the_corpus_folder():
    # /proc files claim to be empty regular files; reading them would still give their content.
    with pytest.raises(ValueError, match="empty"):
        read_source_file(Path("/proc/self/environ"), Path("/proc").resolve())


def test_a_device_is_never_read(folder):
    (folder / "zero.txt").symlink_to("/dev/zero")  # outside, and endless if it were read
    corpus = load_corpus(folder)
    assert any("zero.txt" in w for w in corpus.warnings)


def test_a_huge_one_line_paragraph_is_split_with_a_warning_and_answers_fast(folder, tmp_path):
    sentence = "The ferry carried nine hundred passengers across the bay that morning. "
    (folder / "big.txt").write_text(
        "date 2024-01-01 Big thing\n" + sentence * (2_000_000 // len(sentence)) + "\n",
        encoding="utf-8",
    )
    library = open_library(folder, tmp_path / "data")
    big = library.corpus.source("big").passages
    assert len(big) > 300 and max(len(p.text) for p in big) <= MAX_PASSAGE_CHARS
    assert all(p.text.endswith("morning.") for p in big)  # cut at sentence ends
    assert any(w.startswith(str(folder / "big.txt")) and "split into" in w
               for w in library.corpus.warnings)  # fmt: skip
    answer_question(library, "How many passengers did the ferry carry?")  # warm-up
    started = time.perf_counter()
    answer = answer_question(library, "How many passengers did the ferry carry?")
    assert time.perf_counter() - started < 0.5
    assert answer.answered and "nine hundred" in answer.quotes[0].text


def test_split_long_paragraph_keeps_every_word_in_order():
    text = "x" * 12_000 + " " + "word " * 3000 + "end."
    pieces = split_long_paragraph(text, 1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert " ".join(pieces).split() == text.split() or "".join(pieces).replace(" ", "") == (
        text.replace(" ", "")
    )


def test_sources_lists_the_split_source(folder, capsys):
    (folder / "big.md").write_text("---\ntitle: T\n---\n" + "a " * 6000 + "\n", encoding="utf-8")
    assert main(["sources", "--json", "--corpus", str(folder)]) == 0
    out, err = capsys.readouterr()
    rows = {r["source_id"]: r for r in json.loads(out)["sources"]}
    assert rows["big"]["paragraphs"] == 3 and "big.md" in err
