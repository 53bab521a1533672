"""The reader's training pairs (bench.reader_data): labels from the gold sentence, negatives
from the ranker's own candidates, near misses all negative, and no article outside 1-24."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.reader_data import Asked, chat_asked, pairs_for
from knowledge.answering.ranking import Options
from knowledge.search.library import open_library


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "a001_p001.md").write_text(
        "---\ntitle: Harbour\n---\n\nThe harbour opened in 1871. "
        "Its first ships carried timber to Leith. The harbour master lived on the pier.\n",
        encoding="utf-8",
    )
    (folder / "a001_p002.md").write_text(
        "---\ntitle: Harbour\n---\n\nA storm closed the harbour in 1903. "
        "The pier was rebuilt in stone.\n",
        encoding="utf-8",
    )
    return open_library(folder, tmp_path_factory.mktemp("data"))


def _pairs(library, asked):
    return pairs_for(library, asked, 10, 3, Options(reader=False), np.random.default_rng(0))


def test_the_gold_sentence_is_the_positive_and_other_candidates_negatives(library):
    asked = Asked("q1", "when did the harbour open?", "a001_p001", answers=("1871",))
    pairs = _pairs(library, asked)
    positives = [p for p in pairs if p.answer == 1.0]
    assert len(positives) == 1 and positives[0].text.startswith("The harbour opened in 1871.")
    assert "(Harbour)" in positives[0].text and positives[0].passage == 1.0
    negatives = [p for p in pairs if p.answer == 0.0]
    assert negatives and all("1871" not in p.text.split("(")[0] for p in negatives)
    assert {p.passage for p in negatives} == {0.0, 1.0}  # same paragraph, and the other one


def test_a_chat_question_is_labelled_by_its_verbatim_sentence(library):
    asked = Asked(
        "c1",
        "who lived out on the pier lol",
        "a001_p001",
        sentence="The harbour master lived on the pier.",
    )
    positives = [p for p in _pairs(library, asked) if p.answer == 1.0]
    assert [p.text.split(" (")[0] for p in positives] == ["The harbour master lived on the pier."]


def test_a_near_miss_gives_only_negatives(library):
    pairs = _pairs(library, Asked("n1", "who designed the harbour?", None))
    assert pairs and all(p.answer == 0.0 and p.passage == 0.0 for p in pairs)


def test_chat_rows_outside_articles_1_to_24_are_refused(tmp_path):
    path = tmp_path / "chat.jsonl"
    row = {"source_id": "a025_p001", "question": "q", "answerable": True, "sentence": "s"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="a025_p001"):
        chat_asked(path)


def test_the_ranker_reserve_is_never_trained_on_and_split_alike_every_time():
    from bench.train_reader import split

    kinds = {
        "squad": [Asked(f"s{i}", f"question {i}", "a001_p001", answers=("x",)) for i in range(50)],
        "near": [Asked(f"n{i}", f"near miss {i}", None, article=3) for i in range(20)],
    }
    reader, reserve = split(kinds, {"squad": 10, "near": 5})
    again = split(kinds, {"squad": 10, "near": 5})
    assert (reader, reserve) == again
    for kind, asked in kinds.items():
        assert len(reserve[kind]) == {"squad": 10, "near": 5}[kind]
        trained, kept = {a.qid for a in reader[kind]}, {a.qid for a in reserve[kind]}
        assert not trained & kept and trained | kept == {a.qid for a in asked}
    assert all(a.article == 3 for a in reserve["near"])
