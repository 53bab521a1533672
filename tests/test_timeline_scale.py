"""The timeline build stays near-linear in the number of sources (issue 11, item 15)."""

from __future__ import annotations

import random
from pathlib import Path

from knowledge import timeline as tl
from knowledge.corpus import Corpus, parse_source

MONTHS = ["January", "March", "May", "July", "September", "November"]


def synthetic(n: int, *, events: int, seed: int = 7) -> Corpus:
    """`n` short dated articles about `events` happenings, each told with its own rare words."""
    rng = random.Random(seed)
    words = [f"zq{i}x" for i in range(4000)]
    happenings = [
        (rng.randint(1990, 2020), rng.choice(MONTHS), rng.sample(words, 5)) for _ in range(events)
    ]
    sources = []
    for i in range(n):
        year, month, own = rng.choice(happenings)
        said = " ".join(rng.sample(own, 4) + rng.sample(words, 3))
        text = (
            f"date 2021-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} Story number {i}\n"
            f"In {month} {year}, the committee {said} agreed on the plan.\n"
        )
        sources.append(parse_source(f"s{i:05d}", text))
    return Corpus(sources=sources, fingerprint=f"synthetic{n}", folder=Path("."))


def test_merging_compares_only_mentions_that_share_words_and_a_year(monkeypatch):
    calls = 0
    relation = tl.date_relation

    def counting(a, b):
        nonlocal calls
        calls += 1
        return relation(a, b)

    monkeypatch.setattr(tl, "date_relation", counting)
    timeline = tl.build_timeline(synthetic(600, events=300))
    # Every pair of mentions would be 180,000 comparisons; sharing words and a year, a few per
    # mention.
    assert calls < 20 * 600
    assert sum(len(e.mentions) for e in timeline.events) == 600


def test_each_happening_told_by_many_sources_is_one_event():
    timeline = tl.build_timeline(synthetic(300, events=30))
    assert len(timeline.events) == 30
    assert sum(len(e.mentions) for e in timeline.events) == 300
