"""Latency on the bundled corpus, as a user of the bot or the CLI meets it; prints one JSON line.

    python -m bench.bundled [--runs N] [--workdir DIR]

- uncached answer: `answer_question` in process over the question sets about the articles,
  after one untimed pass (the index and the analyzer warm);
- cache hit: the same questions through `bot.service.Service.ask` once they are cached (a real
  SQLite file), when the service exists;
- cold `citebot ask`: wall time of a whole `python -m bot.cli ask ...` process, its index
  already on disk (the first run builds it and is not counted).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.questions import DEFAULT_SETS, load_questions
from bench.speed_worker import percentile

ROOT = Path(__file__).resolve().parent.parent
COLD_QUESTION = "Where did Kim and Ivanka first meet?"


def questions() -> list[str]:
    return [q.question for path in DEFAULT_SETS if path.exists() for q in load_questions(path)]


def answer_latency(runs: int) -> dict:
    from knowledge.answering.answer import answer_question
    from knowledge.search.library import open_library

    library = open_library(None, None)
    asked = questions()
    for question in asked:
        answer_question(library, question)
    times = []
    for _ in range(runs):
        for question in asked:
            start = time.perf_counter_ns()
            answer_question(library, question)
            times.append((time.perf_counter_ns() - start) / 1e6)
    return {"questions": len(asked), "p50": percentile(times, 50), "p99": percentile(times, 99)}


def cache_hit_latency(runs: int) -> dict | None:
    if importlib.util.find_spec("bot.service") is None:
        return None
    from bot.service import Service
    from bot.settings import Settings
    from knowledge.search.library import open_library

    async def measure(data: Path) -> list[float]:
        settings = Settings()
        settings.data_dir = data
        asked = questions()
        async with await Service.open(settings, library=open_library(None, None)) as service:
            for question in asked:
                await service.ask(question)
            times = []
            for _ in range(runs):
                for question in asked:
                    start = time.perf_counter_ns()
                    served = await service.ask(question)
                    times.append((time.perf_counter_ns() - start) / 1e6)
                    assert served.cached, "a repeated question was not served from the cache"
            return times

    with tempfile.TemporaryDirectory() as tmp:
        times = asyncio.run(measure(Path(tmp)))
    return {"p50": percentile(times, 50), "p99": percentile(times, 99)}


def cold_ask(workdir: Path, runs: int) -> dict:
    data = workdir / "bundled-data"
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "CITEBOT_DATA": str(data)}
    env.pop("CITEBOT_CORPUS", None)
    command = [sys.executable, "-m", "bot.cli", "ask", COLD_QUESTION]
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True)  # builds index
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
    shutil.rmtree(data, ignore_errors=True)
    return {"median_s": statistics.median(walls), "runs": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bundled")
    parser.add_argument("--runs", type=int, default=5, help="timed passes / cold processes")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    result = {
        "answer": answer_latency(args.runs),
        "cache_hit": cache_hit_latency(args.runs),
        "cold_ask": cold_ask(args.workdir, max(args.runs, 3)),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
