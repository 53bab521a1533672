"""Smoke test: the quality benchmark runs end to end on a few SQuAD questions."""

from __future__ import annotations

import pytest

from bench import quality
from bench.squad import holds_answer, normalize_answer, squad_path


def test_squad_normalisation_is_the_official_one():
    assert normalize_answer("The  Denver Broncos!") == "denver broncos"
    assert holds_answer("It was won by the Denver Broncos in 2016.", ("Denver Broncos",))
    assert not holds_answer("Broncos fans", ("Denver Broncos",))


def test_quality_bench_runs_on_a_subset(capsys):
    try:
        squad_path()
    except FileNotFoundError:
        pytest.skip("SQuAD dev set not available beside the checkout")
    assert quality.main(["--limit", "12", "--held-out-only"]) == 0
    out = capsys.readouterr().out
    assert "(a) rank-bm25" in out and "(b) bm25s" in out and "(c) citebot" in out
    assert "questions_people.jsonl" in out
