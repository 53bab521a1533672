"""The neural reader: the shipped model loads and reads, its features reach the ranker, and a
missing or damaged model file (or CITEBOT_READER=off) gives the lexical path, never a crash."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings
from knowledge.answering import reader as reader_module
from knowledge.answering.answer import answer_question
from knowledge.answering.features import FEATURES, READER_FEATURES
from knowledge.answering.ranker import default_model, reader_ranker
from knowledge.answering.ranking import Options, rank
from knowledge.answering.reader import (
    MODEL_FILE,
    TOKENIZER_FILE,
    candidate_text,
    data_path,
    default_reader,
    library_text,
    load_reader,
)
from knowledge.search.library import open_library
from tests.cli_support import ROOT, clean_env

QUESTION = "Where did Kim Kardashian and Ivanka Trump first meet?"
_R = [FEATURES.index(n) for n in READER_FEATURES]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return open_library(None, tmp_path_factory.mktemp("data"))


@pytest.fixture
def no_default_reader(monkeypatch):
    """Forget the process's loaded reader, so that a test's own loading is seen."""
    monkeypatch.setattr(reader_module, "_loaded", {})


def test_shipped_model_is_small_and_its_card_says_what_it_is():
    size = data_path(MODEL_FILE).stat().st_size
    card = reader_module.reader_card()
    assert size < 30_000_000 and card["size_bytes"] == size
    assert card["training_command"] == "python -m bench.train_reader"
    assert "logit" in card["outputs"]["answer"] and "int8" in card["weights"]


def test_shipped_reader_prefers_the_sentence_that_states_the_answer():
    reader = default_reader()
    assert reader is not None
    scores = reader.score(
        "when did the company go bust",
        [
            candidate_text("Acme", None, "Acme was founded in 1921 in Ohio.", None),
            candidate_text("Acme", None, "Acme went bankrupt in 1987.", "It sold anvils."),
        ],
    )
    assert scores.answer.shape == (2,) and scores.passage.shape == (2,)
    assert scores.answer[1] > scores.answer[0]


def test_candidate_text_puts_the_sentence_first_then_title_and_previous_sentence(library):
    stats = library.sentences
    p = next(p for p in range(len(library.passages)) if len(stats.of_passage(p)) > 1)
    first, second = stats.of_passage(p)[0], stats.of_passage(p)[1]
    text = library_text(library, second)
    assert text.startswith(stats.texts[second])
    assert text.endswith(stats.texts[first])
    assert library.data.sources[int(library.data.arrays["source_of"][p])].title in text
    assert library_text(library, first).endswith(")")  # no sentence before the first


def test_reader_features_fill_the_top_candidates_and_reorder_them(library):
    with_reader = rank(library, QUESTION, Options(reader=True, reader_k=5))
    assert with_reader.model is reader_ranker()
    read = [c for c in with_reader.candidates if c.features[_R[0]] > 0]
    assert len(read) == 5
    assert sum(c.features[_R[2]] for c in with_reader.candidates) == 1.0  # one reader top
    assert all(c.features[i] == 0.0 for c in with_reader.candidates if c not in read for i in _R)
    lexical = rank(library, QUESTION)  # the default: off
    assert lexical.model is default_model()
    assert all(c.features[i] == 0.0 for c in lexical.candidates for i in _R)
    assert {c.sentence for c in lexical.candidates} == {c.sentence for c in with_reader.candidates}


def test_missing_model_file_warns_once_and_answers_lexically(
    library, tmp_path, caplog, monkeypatch, no_default_reader
):
    monkeypatch.setattr(
        reader_module,
        "data_path",
        lambda name: tmp_path / name if name == MODEL_FILE else data_path(name),
    )
    on = Options(reader=True)
    with caplog.at_level(logging.WARNING, logger="knowledge.answering.reader"):
        first = answer_question(library, QUESTION, on)
        again = answer_question(library, "who is Kushner?", on)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "reader model unusable" in warnings[0].getMessage()
    assert "is missing" in warnings[0].getMessage()
    assert first == answer_question(library, QUESTION, Options(reader=False))
    assert again.question == "who is Kushner?"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_damaged_model_file_gives_none_and_one_line_warning(tmp_path, caplog, damage):
    good = data_path(MODEL_FILE).read_bytes()
    bad = tmp_path / "reader.onnx"
    content = {"garbage": b"\x00not a model" * 100, "truncated": good[:50_000], "empty": b""}
    bad.write_bytes(content[damage])
    with caplog.at_level(logging.WARNING, logger="knowledge.answering.reader"):
        assert load_reader(bad, data_path(TOKENIZER_FILE)) is None
    (record,) = caplog.records
    assert "\n" not in record.getMessage() and "Traceback" not in record.getMessage()


def test_damaged_tokenizer_file_gives_none(tmp_path, caplog):
    bad = tmp_path / "tok.json"
    bad.write_text("{ not json")
    with caplog.at_level(logging.WARNING, logger="knowledge.answering.reader"):
        assert load_reader(data_path(MODEL_FILE), bad) is None
    assert len(caplog.records) == 1


def test_citebot_reader_setting_reads_off_and_on(monkeypatch):
    monkeypatch.delenv("CITEBOT_READER", raising=False)  # the suite's own switch (conftest)
    assert Settings(CITEBOT_READER="on").reader is True
    assert Settings(CITEBOT_READER="1").reader is True
    assert Settings(CITEBOT_READER="off").reader is False
    assert Settings().reader is True  # on by default: see docs/quality.md


def _python(code: str, data: Path, **env: str) -> subprocess.CompletedProcess:
    """`code` in a process with `env`; without CITEBOT_READER in it, the shipped default."""
    environment = clean_env({"CITEBOT_DATA": str(data), **env})
    if "CITEBOT_READER" not in env:
        environment.pop("CITEBOT_READER", None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


_ASK = (
    "import sys, json; from bot.cli import main; rc = main(['ask', '--json', {q!r}]); "
    "print(json.dumps({{'rc': rc, 'ort': 'onnxruntime' in sys.modules, "
    "'tok': 'tokenizers' in sys.modules}}), file=sys.stderr)"
)


def _loaded(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("env", [{"CITEBOT_READER": "on"}, {}])  # on is the default
def test_uncached_answer_loads_the_reader_and_a_cache_hit_loads_nothing(tmp_path, env):
    code = _ASK.format(q=QUESTION)
    first = _loaded(_python(code, tmp_path / "data", **env))
    assert first == {"rc": 0, "ort": True, "tok": True}
    hit = _loaded(_python(code, tmp_path / "data", **env))
    assert hit == {"rc": 0, "ort": False, "tok": False}


@pytest.mark.parametrize("switch", ["off", "0", "false"])
def test_reader_off_answers_without_loading_onnxruntime(tmp_path, switch):
    done = _python(_ASK.format(q=QUESTION), tmp_path / "data", CITEBOT_READER=switch)
    assert _loaded(done) == {"rc": 0, "ort": False, "tok": False}
    assert json.loads(done.stdout)["question"] == QUESTION


@pytest.mark.parametrize("command", [["sources"], ["timeline", "--about", "Kim"]])
def test_sources_and_timeline_never_load_the_reader(tmp_path, command):
    code = (
        f"import sys; from bot.cli import main; rc = main({command!r}); "
        "assert 'onnxruntime' not in sys.modules, 'reader loaded'; sys.exit(rc)"
    )
    done = _python(code, tmp_path / "data", CITEBOT_READER="on")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("reader", [False, True])
def test_a_trailing_lol_changes_nothing(library, reader):
    """A named miss of issue 17: with "lol" the question was refused, without it answered."""
    options = Options(reader=reader)
    plain = answer_question(library, "where did kim n ivanka meet", options)
    chatty = answer_question(library, "where did kim n ivanka meet lol", options)
    assert plain.answered and chatty.answered
    if not reader:  # the reader reads the question as typed, "lol" and all: it may reorder
        assert [q.text for q in chatty.quotes] == [q.text for q in plain.quotes]
