"""Asks per second and p99 through the service: one process on SQLite against two processes on
one PostgreSQL server, cache cold then warm, and nothing lost.

    python -m bench.backends [--questions 600] [--concurrency 16] [--database-url URL] [--write]

Each worker is a separate process with its own Service (as each bot shard is), loaded before
the clock starts. Cold: every question is new (computed, then saved); warm: the same questions
again (all cache hits). The workers split the questions, each running `--concurrency` asks at a
time, then each files `--reports` reports at once. Afterwards the database must hold every answer
and every report, and its hit and miss counters must match what was asked. Without
`--database-url` a throwaway PostgreSQL server is started from the system's binaries (durable
settings: fsync on), as the tests do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.store_speed import _questions, _timed

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Several processes: SQLite and PostgreSQL"
WORKER = [sys.executable, "-m", "bench.backends", "--worker"]


# -- one worker process -----------------------------------------------------------------------
async def _worker(args: argparse.Namespace) -> None:
    from bot.service import Asker, Service
    from bot.settings import Settings

    questions = json.loads(args.worker_questions)
    settings = Settings(CITEBOT_DATA=args.data, CITEBOT_DATABASE_URL=args.database_url)
    async with await Service.open(settings) as service:
        library = await service.ensure_library()
        _ = library.sentences, library.semantic  # built on first use: not part of the timing
        print("ready", flush=True)
        limit = asyncio.Semaphore(args.concurrency)

        async def ask(question: str) -> tuple[float, bool, str]:
            async with limit:
                elapsed, answer = await _timed(service.ask(question))
            return elapsed, answer.cached, answer.answer_id

        results = {}
        for phase in ("cold", "warm"):
            sys.stdin.readline()  # all workers start each phase together
            start = time.perf_counter()
            done = await asyncio.gather(*(ask(q) for q in questions))
            results[phase] = {
                "wall": time.perf_counter() - start,
                "latencies": [d[0] for d in done],
                "cached": sum(d[1] for d in done),
            }
            print("phase", flush=True)
        sys.stdin.readline()
        answer_id = done[0][2]
        reporters = [Asker(display_name=f"{args.worker_name}-{n}") for n in range(args.reports)]
        filed = await asyncio.gather(
            *(service.report(answer_id, who, "wrong", "bench") for who in reporters)
        )
        results["reports"] = len({r.report_id for r in filed})
        print(json.dumps(results), flush=True)


# -- the driver -------------------------------------------------------------------------------
def _run_workers(
    database_url: str, data: Path, shares: list[list[str]], concurrency: int, reports: int
) -> dict:
    common = ["--data", str(data), "--database-url", database_url]
    common += ["--concurrency", str(concurrency), "--reports", str(reports)]
    workers = [
        subprocess.Popen(
            [*WORKER, json.dumps(share), "--worker-name", f"w{n}", *common],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n, share in enumerate(shares)
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    summary: dict = {}
    for phase in ("cold", "warm"):
        start = time.perf_counter()
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "phase"
        summary[phase] = time.perf_counter() - start
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.close()
    outputs = []
    for worker in workers:
        assert worker.stdout is not None
        outputs.append(json.loads(worker.stdout.read()))
        worker.wait(timeout=60)
    result: dict = {"processes": len(workers)}
    for phase in ("cold", "warm"):
        latencies = sorted(x for out in outputs for x in out[phase]["latencies"])
        result[phase] = {
            "asks": len(latencies),
            "asks_per_s": len(latencies) / summary[phase],
            "p50_ms": statistics.median(latencies),
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "cached": sum(out[phase]["cached"] for out in outputs),
        }
    result["reports_filed"] = sum(out["reports"] for out in outputs)
    return result


async def _audit(database_url: str) -> dict:
    from bot.store import Store

    async with await Store.open(database_url) as store:
        stats = await store.cache_stats()
        reports = await store.reports(None)
    return {"answers": stats.answers, "hits": stats.hits, "misses": stats.misses,
            "reports": len(reports)}  # fmt: skip


def _scenario(
    label: str, database_url: str, data: Path, questions: list[str], processes: int, args
) -> dict:
    shares = [questions[n::processes] for n in range(processes)]
    result = _run_workers(database_url, data, shares, args.concurrency, args.reports)
    audit = asyncio.run(_audit(database_url))
    expected = {"answers": len(questions), "hits": len(questions), "misses": len(questions),
                "reports": processes * args.reports}  # fmt: skip
    result.update(label=label, audit=audit, lost=expected != audit, expected=expected)
    return result


def _table(results: list[dict], args) -> str:
    lines = [
        SECTION,
        "",
        f"`python -m bench.backends --questions {args.questions} --concurrency {args.concurrency}` "
        "(each process runs that many asks at once; the processes split the questions), on "
        f"{os.cpu_count()} cores shared with other work (load average {os.getloadavg()[0]:.1f} "
        "at the end):",
        "",
        "| setup | cache | asks | asks/s | p50 ms | p99 ms | served from cache |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for phase in ("cold", "warm"):
            row = result[phase]
            lines.append(
                f"| {result['label']} | {phase} | {row['asks']} | {row['asks_per_s']:.0f} | "
                f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['cached']} |"
            )
    lines.append("")
    for result in results:
        verdict = "nothing lost" if not result["lost"] else f"LOST: expected {result['expected']}"
        lines.append(
            f"- {result['label']}: {result['audit']['answers']} answers, "
            f"{result['audit']['hits']} hits, {result['audit']['misses']} misses and "
            f"{result['audit']['reports']} reports stored ({result['reports_filed']} filed "
            f"concurrently): {verdict}."
        )
    return "\n".join(lines) + "\n"


def _write(section: str) -> None:
    text = RESULTS.read_text()
    if SECTION in text:
        start = text.index(SECTION)
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--reports", type=int, default=50, help="reports per process")
    parser.add_argument("--database-url", help="a PostgreSQL database (default: a throwaway one)")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--worker", dest="worker_questions", help=argparse.SUPPRESS)
    parser.add_argument("--worker-name", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_questions is not None:
        asyncio.run(_worker(args))
        return

    from knowledge.search.library import open_library

    base = list(dict.fromkeys(_questions(open_library(None, None), 10_000)))
    questions = [f"{q[:-1]} {n}?" for n in range(args.questions // len(base) + 1) for q in base]
    questions = questions[: args.questions]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        results = [_scenario("1 process, SQLite", str(data / "citebot.sqlite3"), data,
                             questions, 1, args)]  # fmt: skip
        cluster = None
        url = args.database_url
        if url is None:
            from tests.postgres_cluster import PostgresCluster, server_binaries

            binaries = server_binaries()
            if binaries is None:
                sys.exit("no PostgreSQL server binaries: pass --database-url or install them")
            cluster = PostgresCluster(binaries, durable=True)
            cluster.start()
            url = cluster.new_database()
        try:
            results.append(_scenario("2 processes, PostgreSQL", url, data, questions, 2, args))
        finally:
            if cluster is not None:
                cluster.stop()
    section = _table(results, args)
    print(section)
    if args.write:
        _write(section)
    if any(result["lost"] for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
