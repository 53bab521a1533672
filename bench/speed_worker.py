"""One measurement in a fresh process, so each engine's memory is its own: prints one JSON line.

python -m bench.speed_worker build ENGINE CORPUS_FILE INDEX_DIR
python -m bench.speed_worker serve ENGINE INDEX_DIR QUERIES_JSON [--warmup N]
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import resource
import statistics
import sys
import time
from pathlib import Path

from bench.engines import ENGINES
from bench.synthetic import read_corpus


def memory_mb() -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident set size of this process, in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: an observed value, no interpolation."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def _import(engine: str) -> None:
    """Imports are a start-up cost, not an indexing or loading one: done before timing."""
    for module in ENGINES[engine].modules:
        importlib.import_module(module)


def build(engine: str, corpus: Path, folder: Path) -> dict:
    _import(engine)
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    ENGINES[engine].build(read_corpus(corpus), folder)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    disk = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {
        "build_s": seconds,
        "build_cpu_s": cpu,
        "disk_mb": disk / 1e6,
        "peak_rss_build_mb": memory_mb()["VmHWM"],
    }


def _cpu_seconds() -> float:
    """CPU time of all threads: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def serve(engine: str, folder: Path, queries: list[str], warmup: int) -> dict:
    _import(engine)
    start = time.perf_counter()
    search = ENGINES[engine].load(folder)
    load_s = time.perf_counter() - start
    rss_after_load = memory_mb()["VmRSS"]
    hits = 0
    for query in queries[:warmup]:
        search(query, 10)
    latencies = []
    for query in queries:
        t0 = time.perf_counter_ns()
        found = search(query, 10)
        latencies.append((time.perf_counter_ns() - t0) / 1e6)
        hits += bool(found)
    mem = memory_mb()
    return {
        "load_s": load_s,
        "rss_after_load_mb": rss_after_load,
        "rss_after_queries_mb": mem["VmRSS"],
        "peak_rss_serve_mb": mem["VmHWM"],
        "queries": len(queries),
        "queries_with_hits": hits,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "mean_ms": statistics.fmean(latencies),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.speed_worker")
    sub = parser.add_subparsers(dest="step", required=True)
    b = sub.add_parser("build")
    b.add_argument("engine", choices=sorted(ENGINES))
    b.add_argument("corpus", type=Path)
    b.add_argument("folder", type=Path)
    s = sub.add_parser("serve")
    s.add_argument("engine", choices=sorted(ENGINES))
    s.add_argument("folder", type=Path)
    s.add_argument("queries", type=Path)
    s.add_argument("--limit", type=int, default=None, help="time only the first N queries")
    s.add_argument("--warmup", type=int, default=None, help="untimed queries first (default all)")
    args = parser.parse_args(argv)
    if args.step == "build":
        result = build(args.engine, args.corpus, args.folder)
    else:
        queries = json.loads(args.queries.read_text())[: args.limit]
        warmup = len(queries) if args.warmup is None else args.warmup
        result = serve(args.engine, args.folder, queries, warmup)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
