"""The timeline build stays near-linear in the number of sources (issue 11, item 15)."""

from __future__ import annotations

from pathlib import Path

from bench.scale import articles
from knowledge import timeline as tl
from knowledge.corpus import Corpus, parse_source


def synthetic(n: int, *, events: int) -> Corpus:
    """`n` short articles about `events` happenings (bench.scale's generator), all dated."""
    sources = [parse_source(i, text) for i, text in articles(n, events=events, undated=0)]
    return Corpus(sources=sources, fingerprint=f"synthetic{n}", folder=Path("."))


def test_merging_compares_only_mentions_that_share_words_and_a_year(monkeypatch):
    calls = 0
    relation = tl.date_relation

    def counting(a, b):
        nonlocal calls
        calls += 1
        return relation(a, b)

    monkeypatch.setattr(tl.merging, "date_relation", counting)
    timeline = tl.build_timeline(synthetic(600, events=300))
    # Every pair of the 1,200 mentions would be 720,000 comparisons; sharing words and a year,
    # a few per mention.
    assert calls < 10 * 1200
    assert sum(len(e.mentions) for e in timeline.events) == 1200


def test_each_happening_told_by_many_sources_is_one_event():
    timeline = tl.build_timeline(synthetic(300, events=30))
    told = [e for e in timeline.events if any("committee" in m.quote for m in e.mentions)]
    assert len(told) == 30 and sum(len(e.mentions) for e in told) == 300


def test_the_scale_benchmark_runs_at_a_toy_size(tmp_path):
    from bench.scale import measure, table

    times = measure(30, tmp_path)
    assert set(times) == {"load", "load + index", "timeline", "first answer", "second answer"}
    assert table({30: times}).splitlines()[2].startswith("| 30 |")
