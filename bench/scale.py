"""How load, index, timeline and the first answers grow with the number of small sources.

`python -m bench.scale [--sizes 1000,4000,20000] [--write]` writes N short dated articles
(two paragraphs each, about N/10 happenings told by several sources, one source in five
undated) into a temporary folder, then times, in this process: loading the corpus, building
the index, building the timeline, and the first and second answers. `--write` puts the table
in bench/RESULTS.md. The timeline build was the quadratic part (issue 11, item 15).
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from knowledge.answering.answer import answer_question
from knowledge.corpus import load_corpus
from knowledge.search.library import open_library
from knowledge.timeline import build_timeline

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MONTHS = ("January", "March", "May", "July", "September", "November")
QUESTIONS = ("What did the committee agree on?", "When did the board approve the plan?")


def articles(
    n: int, *, events: int, seed: int = 7, undated: float = 0.2
) -> Iterator[tuple[str, str]]:
    """(source id, text) of `n` short articles about `events` happenings, each happening told
    with its own rare words so that articles about it can be merged."""
    rng = random.Random(seed)
    words = [f"zq{i}x" for i in range(4000)]
    happenings = [
        (rng.randint(1990, 2020), rng.choice(MONTHS), rng.sample(words, 5)) for _ in range(events)
    ]
    for i in range(n):
        year, month, own = rng.choice(happenings)
        said = " ".join(rng.sample(own, 4) + rng.sample(words, 3))
        later = " ".join(rng.sample(own, 3) + rng.sample(words, 2))
        dated = rng.random() >= undated
        head = f"date 2021-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} " if dated else ""
        yield (
            f"s{i:05d}",
            (
                f"{head}Story number {i}\n"
                f"In {month} {year}, the committee {said} agreed on the plan.\n"
                f"Over the weekend, the board {later} approved it.\n"
            ),
        )


def measure(n: int, workdir: Path) -> dict[str, float]:
    corpus_dir = workdir / f"c{n}"
    corpus_dir.mkdir()
    for source_id, text in articles(n, events=max(10, n // 10)):
        (corpus_dir / f"{source_id}.txt").write_text(text, encoding="utf-8")
    times: dict[str, float] = {}
    start = time.perf_counter()
    corpus = load_corpus(corpus_dir)
    times["load"] = time.perf_counter() - start
    start = time.perf_counter()
    library = open_library(corpus_dir, workdir / f"d{n}")
    times["load + index"] = time.perf_counter() - start
    start = time.perf_counter()
    build_timeline(corpus)
    times["timeline"] = time.perf_counter() - start
    for label, question in zip(("first answer", "second answer"), QUESTIONS, strict=True):
        start = time.perf_counter()
        answer_question(library, question)
        times[label] = time.perf_counter() - start
    return times


def table(rows: dict[int, dict[str, float]]) -> str:
    columns = list(next(iter(rows.values())))
    lines = [
        "| sources | " + " | ".join(f"{c} (s)" for c in columns) + " |",
        "|---:|" + "---:|" * len(columns),
    ]
    for n, times in rows.items():
        lines.append(f"| {n:,} | " + " | ".join(f"{times[c]:.2f}" for c in columns) + " |")
    return "\n".join(lines)


def write(text: str) -> None:
    body = RESULTS.read_text(encoding="utf-8")
    block = f"<!-- scale results -->\n{text}\n<!-- /scale results -->"
    if "<!-- scale results -->" in body:
        body = re.sub(r"<!-- scale results -->.*?<!-- /scale results -->", block, body, flags=re.S)
    else:
        body = body.rstrip("\n") + f"\n\n## Scale\n\n{block}\n"
    RESULTS.write_text(body, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,4000,20000")
    parser.add_argument("--write", action="store_true", help="put the table in bench/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = {n: measure(n, Path(tmp)) for n in map(int, args.sizes.split(","))}
    text = table(rows)
    print(text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
