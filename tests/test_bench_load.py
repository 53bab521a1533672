"""The load benchmark end to end at a toy size, so it keeps working (the real run is manual:
`python -m bench.load`, figures in bench/RESULTS.md)."""

from __future__ import annotations

import asyncio

from bench import load


def test_load_run_at_a_toy_size_delivers_everything(tmp_path):
    config = load.LoadConfig(
        asks=6, seconds=1.0, members=3, questions=4, reports=2, timeline_pages=2
    )
    data = tmp_path / "data"
    cold, warm = asyncio.run(load.cold_and_warm(config, data))
    for run in (cold, warm):
        assert run.errors == []
        assert (run.deferred_in_time, run.answered) == (6, 6)
        assert run.reports_stored == run.reports_sent == 2
        assert run.timeline_pages_shown == 2
        assert run.rss_after_mb > 0 and run.p50_answer_ms is not None
    text = load.render(config, [cold, warm])
    assert "| cold cache | 100.0% (6/6) |" in text and "| warm cache |" in text
    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\nbefore\n")
    load.write_results(text, results)
    load.write_results(text, results)  # replaced in place, not appended twice
    assert results.read_text().count(load.MARK) == 1 and "before" in results.read_text()


def test_questions_are_distinct_and_as_many_as_asked():
    pool = load.questions(200)
    assert len(pool) == len(set(pool)) == 200
