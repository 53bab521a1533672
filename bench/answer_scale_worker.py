"""One measurement of citebot's whole answer path in a fresh process; prints one JSON line.

python -m bench.answer_scale_worker build CORPUS_DIR DATA_DIR
python -m bench.answer_scale_worker serve CORPUS_DIR DATA_DIR QUESTIONS_JSON

`serve` runs on one CPU (sched_setaffinity): the targets are per core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from bench.speed_worker import memory_mb, percentile


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build(corpus: Path, data: Path) -> dict:
    from knowledge.search.library import open_library

    start, cpu = time.perf_counter(), _cpu_seconds()
    library = open_library(corpus, data, rebuild=True)
    return {
        "build_s": time.perf_counter() - start,
        "build_cpu_s": _cpu_seconds() - cpu,
        "peak_rss_build_mb": memory_mb()["VmHWM"],
        "passages": len(library.passages),
        "sentences": library.data.n_sentences,
        "disk_mb": sum(p.stat().st_size for p in data.rglob("*") if p.is_file()) / 1e6,
        "load": os.getloadavg()[0],
    }


def serve(corpus: Path, data: Path, questions: list[str], one_cpu: bool = True) -> dict:
    """Answers on one CPU (as the peers search), or on all (`--all-cores`: what a server with the
    reader, whose onnxruntime session runs on two threads, gives a user)."""
    if one_cpu and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import knowledge.answering.answer  # imports are start-up, not loading
    from bot.settings import Settings
    from knowledge.answering.ranking import Options
    from knowledge.search.library import open_library

    options = Options(reader=Settings().reader)  # CITEBOT_READER, as the bot reads it

    start = time.perf_counter()
    library = open_library(corpus, data)
    load_s = time.perf_counter() - start
    rss_load = memory_mb()["VmRSS"]
    t0 = time.perf_counter()
    knowledge.answering.answer.answer_question(library, questions[0], options)
    first_s = time.perf_counter() - t0
    latencies, cpu, answered = [], [], 0
    for question in questions:
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        answer = knowledge.answering.answer.answer_question(library, question, options)
        cpu.append((time.thread_time_ns() - c0) / 1e6)
        latencies.append((time.perf_counter_ns() - t0) / 1e6)
        answered += answer.answered
    mem = memory_mb()
    return {
        "rebuilt": library.rebuilt,
        "load_s": load_s,
        "rss_after_load_mb": rss_load,
        "first_answer_s": first_s,
        "rss_after_answers_mb": mem["VmRSS"],
        "peak_rss_serve_mb": mem["VmHWM"],
        "questions": len(questions),
        "answered": answered,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "cpu_p50_ms": percentile(cpu, 50),
        "cpu_p99_ms": percentile(cpu, 99),
        "mean_ms": statistics.fmean(latencies),
        "load": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_scale_worker")
    sub = parser.add_subparsers(dest="step", required=True)
    b = sub.add_parser("build")
    b.add_argument("corpus", type=Path)
    b.add_argument("data", type=Path)
    s = sub.add_parser("serve")
    s.add_argument("corpus", type=Path)
    s.add_argument("data", type=Path)
    s.add_argument("questions", type=Path)
    s.add_argument("--all-cores", action="store_true", help="not pinned to one CPU")
    args = parser.parse_args(argv)
    if args.step == "build":
        result = build(args.corpus, args.data)
    else:
        questions = json.loads(args.questions.read_text())
        result = serve(args.corpus, args.data, questions, one_cpu=not args.all_cores)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
