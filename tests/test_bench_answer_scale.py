"""bench.answer_scale end to end at a toy size, so it keeps working (the real runs are manual)."""

from __future__ import annotations

import importlib.util

import pytest

from bench import answer_scale as scale
from bench.squad import DEFAULT_SQUAD, FALLBACK_SQUAD

pytestmark = pytest.mark.skipif(
    not (DEFAULT_SQUAD.is_file() or FALLBACK_SQUAD.is_file()), reason="SQuAD dev set not found"
)


def test_scaled_corpus_has_exactly_the_paragraphs_asked_for(tmp_path):
    corpus, lines = scale.write_scaled(tmp_path, 2100)  # more than one copy of SQuAD dev
    assert len(lines.read_text(encoding="utf-8").splitlines()) == 2100
    names = sorted(p.name for p in corpus.iterdir())
    assert names[0] == "r0000_a00.md" and names[-1].startswith("r0001_")
    assert scale.write_scaled(tmp_path, 2100) == (corpus, lines)  # reused
    assert len(scale.questions(7)) == 7


def test_scale_benchmark_smoke(tmp_path, capsys):
    results = tmp_path / "RESULTS.md"
    results.write_text("# results\n\nkept\n")
    engines = ["citebot"] + (["tantivy"] if importlib.util.find_spec("tantivy") else [])
    argv = ["--sizes", "300", "--questions", "5", "--cli-runs", "1"]
    argv += ["--engines", ",".join(engines), "--workdir", str(tmp_path / "work")]
    argv += ["--results", str(results), "--plot", str(tmp_path / "answer_scale.png")]
    has_plot = importlib.util.find_spec("matplotlib") is not None
    if not has_plot:
        argv.append("--no-write")
    assert scale.main(argv) == 0
    section = results.read_text() if has_plot else capsys.readouterr().out
    assert "failed" not in section and "| 300 |" in section
    for engine in engines:
        assert f"| {engine} | 300 |" in section
    if has_plot:
        assert section.startswith("# results\n\nkept\n")
        assert (tmp_path / "answer_scale.png").stat().st_size > 1000
