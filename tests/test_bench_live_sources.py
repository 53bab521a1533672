"""bench.live_sources end to end at a toy size, so it keeps working (the real runs are manual)."""

from __future__ import annotations

import pytest

from bench import live_sources
from bench.squad import DEFAULT_SQUAD, FALLBACK_SQUAD

pytestmark = pytest.mark.skipif(
    not (DEFAULT_SQUAD.is_file() or FALLBACK_SQUAD.is_file()), reason="SQuAD dev set not found"
)


def test_live_sources_benchmark_smoke(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(live_sources, "PDF_PAGES", 4)
    monkeypatch.setattr(live_sources, "DRIFT_QUESTIONS", 20)
    argv = ["--size", "1500", "--workdir", str(tmp_path), "--no-write"]
    assert live_sources.main(argv) == 0
    out = capsys.readouterr().out
    assert "| remove one source | ≤ 5 s |" in out and "never quoted" not in out
    assert ", 0 failed, 0 quoted the removed source" in out
    assert "of 20 held-out questions" in out and "a 4-page PDF" in out
