"""Calibrated abstention: the shipped threshold loads, off-topic questions abstain, on-topic
questions are answered."""

from __future__ import annotations

import json

import pytest

from knowledge.answering.answer import NO_ANSWER_NOTE, answer_question
from knowledge.answering.ranker import ModelError, default_model, load_model, model_path
from knowledge.answering.ranking import Options


def test_shipped_model_has_threshold_and_provenance():
    model = default_model()
    assert 0.0 < model.threshold < 1.0
    data = json.loads(model_path().read_text(encoding="utf-8"))
    assert data["threshold"] == pytest.approx(model.threshold)
    assert "articles 1-24" in data["provenance"]["training"]
    assert len(model.weights) == len(data["weights"])


def test_a_model_file_round_trips(tmp_path):
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(default_model().to_dict()), encoding="utf-8")
    assert load_model(path) == default_model()


def test_a_broken_model_file_is_a_clear_error(tmp_path):
    path = tmp_path / "ranker.json"
    path.write_text('{"features": ["no_such_feature"], "weights": [1.0]}', encoding="utf-8")
    with pytest.raises(ModelError, match=r"incomplete|unknown"):
        load_model(path)
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read"):
        load_model(path)


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",
        "Who won the 2022 FIFA World Cup?",
        "How does photosynthesis work in plants?",
        "Which team won Super Bowl 50?",
    ],
)
def test_off_topic_questions_abstain(library, question):
    answer = answer_question(library, question)
    assert not answer.answered and answer.quotes == []
    assert answer.note == NO_ANSWER_NOTE
    assert answer.confidence < default_model().threshold


@pytest.mark.parametrize(
    "question",
    [
        "Where did Kim Kardashian and Ivanka Trump first meet?",
        "What organization did Ivanka Trump co-found?",
        "When did Kim Kardashian file for divorce from Kanye West?",
    ],
)
def test_on_topic_questions_are_answered(library, question):
    answer = answer_question(library, question)
    assert answer.answered and answer.quotes
    assert answer.confidence >= default_model().threshold


def test_a_paraphrase_is_answered_through_word_vectors(library):
    # The articles say "husband", never "spouse": only the word vectors connect the two.
    answer = answer_question(library, "Who is Ivanka's spouse?")
    assert answer.answered
    assert "husband" in answer.quotes[0].text and "Kushner" in answer.quotes[0].text


def test_the_threshold_decides(library):
    question = "What organization did Ivanka Trump co-found?"
    strict = default_model().__class__(**{**vars(default_model()), "threshold": 1.01})
    answer = answer_question(library, question, Options(model=strict))
    assert not answer.answered and answer.closest  # nearest passages shown as such
