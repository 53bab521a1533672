"""The speed benchmark end to end at a toy size, so it keeps working (the real runs are manual).

Engines whose packages are not installed (the `bench` extra) are left out.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from bench import speed, synthetic
from bench.engines import ENGINES

ROOT = Path(__file__).resolve().parent.parent

AVAILABLE = [
    name
    for name, engine in ENGINES.items()
    if all(importlib.util.find_spec(m.split(".")[0]) for m in engine.modules)
]


@pytest.fixture
def small_vocabulary(monkeypatch):
    """The 1M-word vocabulary takes seconds to make; a toy corpus does not need it."""
    monkeypatch.setattr(synthetic, "VOCABULARY_SIZE", 3000)
    for cached in (synthetic.vocabulary, synthetic._cumulative):
        cached.cache_clear()
    yield
    for cached in (synthetic.vocabulary, synthetic._cumulative):
        cached.cache_clear()


def test_synthetic_corpus_is_deterministic_nested_and_in_range(small_vocabulary, tmp_path):
    first = list(synthetic.paragraphs(30))
    assert first == list(synthetic.paragraphs(30))
    assert list(synthetic.paragraphs(12)) == first[:12]
    for text in first:
        assert synthetic.MIN_WORDS <= len(text.split()) <= synthetic.MAX_WORDS
        assert text[0].isupper() and text.endswith(".")
    path = synthetic.write_corpus(30, tmp_path / "c.txt")
    assert list(synthetic.read_corpus(path)) == first
    queries = synthetic.queries(20)
    assert len(queries) == 20 and all(1 <= len(q.split()) <= 5 for q in queries)


def test_speed_benchmark_runs_every_installed_engine(small_vocabulary, tmp_path, capsys):
    results = tmp_path / "RESULTS.md"
    results.write_text("# results\n\n## Quality\n\nkept\n\n## Speed\n\n<!-- speed results -->\n")
    argv = ["--sizes", "300", "--runs", "1", "--queries", "5", "--engines", ",".join(AVAILABLE)]
    argv += ["--workdir", str(tmp_path / "work"), "--results", str(results)]
    argv += ["--plot", str(tmp_path / "latency.png"), "--no-bundled"]
    has_plot = importlib.util.find_spec("matplotlib") is not None
    if not has_plot:
        argv.append("--no-write")
    assert speed.main(argv) == 0
    out = capsys.readouterr().out
    section = results.read_text() if has_plot else out
    for engine in AVAILABLE:
        assert f"| {engine} | " in section
    assert "failed" not in section
    if has_plot:
        assert section.startswith("# results\n\n## Quality\n\nkept\n")
        assert (tmp_path / "latency.png").stat().st_size > 1000
        speed.write_section(results, f"{speed.MARK}\nagain\n{speed.END_MARK}")  # a rerun
        assert results.read_text().endswith(f"## Speed\n\n{speed.MARK}\nagain\n{speed.END_MARK}\n")


def test_bundled_corpus_figures(tmp_path):
    bundled = speed.measure_bundled(tmp_path, runs=1)
    assert bundled.questions > 0
    assert 0 < bundled.answer_p50_ms <= bundled.answer_p99_ms
    assert bundled.ask_cold_s > 0 and bundled.ask_runs == 3


def test_bad_sizes_and_engines_are_usage_errors(capsys):
    for argv in (["--sizes", "ten"], ["--sizes", "5"], ["--engines", "lucene"]):
        with pytest.raises(SystemExit) as exc:
            speed.main(argv)
        assert exc.value.code == 2
    assert "choose from" in capsys.readouterr().err


def test_backends_benchmark_runs_both_setups_and_loses_nothing(postgres_url):
    """bench.backends at toy size: real worker processes, SQLite then the test PostgreSQL."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.backends", "--questions", "12", "--reports", "3",
         "--concurrency", "4", "--database-url", postgres_url],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "| 1 process, SQLite | warm | 12 |" in done.stdout
    assert "| 2 processes, PostgreSQL | cold | 12 |" in done.stdout
    assert done.stdout.count("nothing lost") == 2
