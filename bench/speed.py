"""Speed and memory of citebot's search against rank-bm25, bm25s and tantivy, up to 1M paragraphs.

    python -m bench.speed                              # 10k, 100k, 1M; writes RESULTS.md + PNG
    python -m bench.speed --sizes 10000 --runs 5 --no-write

Every engine builds and serves in fresh subprocesses (bench.speed_worker), so peak memory is
its own. Per size and engine: index build time (read corpus, tokenize, index, save), size on
disk, load time, peak RSS while building and while serving, RSS after load, and p50/p99 latency
of single queries (tokenize + top 10) after one untimed pass over the same queries. The machine
may be shared, so each figure is the median of `--runs` runs. Also measured on the bundled
corpus: uncached answer latency in process and the wall time of a cold `citebot ask`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel

from bench import synthetic
from bench.engines import ENGINES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
PLOT = ROOT / "bench" / "latency.png"
MARK, END_MARK = "<!-- speed results -->", "<!-- /speed results -->"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
LARGE = 500_000  # from this size on, --large-runs applies and rank-bm25 gets fewer queries
RANK_BM25_LARGE_QUERIES = 20  # a rank-bm25 query scans every document in Python (~2 s at 1M)
TARGETS_1M = {"p50_ms": 5.0, "p99_ms": 20.0, "build_s": 60.0, "load_s": 2.0, "peak_rss_mb": 1536}


class Measure(BaseModel):
    """Medians over runs for one engine at one size (None where a step failed)."""

    engine: str
    size: int
    runs: int
    queries: int = 0
    build_s: float | None = None
    build_cpu_s: float | None = None
    disk_mb: float | None = None
    load_s: float | None = None
    peak_rss_build_mb: float | None = None
    rss_after_load_mb: float | None = None
    peak_rss_serve_mb: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    error: str | None = None

    @property
    def peak_rss_mb(self) -> float | None:
        peaks = [x for x in (self.peak_rss_build_mb, self.peak_rss_serve_mb) if x is not None]
        return max(peaks) if peaks else None


class Bundled(BaseModel):
    questions: int
    answer_p50_ms: float
    answer_p99_ms: float
    cache_hit_p50_ms: float | None = None  # None: no answer cache (bot/service.py) yet
    cache_hit_p99_ms: float | None = None
    ask_cold_s: float
    ask_runs: int


class Run(BaseModel):
    """One benchmark run as saved by --json and re-rendered by --reuse."""

    date: str
    command: str
    header: str
    queries: int
    results: list[Measure]
    bundled: Bundled | None = None
    bundled_date: str | None = None


def _worker(args: list[str], timeout: float, module: str = "bench.speed_worker") -> dict:
    """Run one measurement in a fresh process; its last stdout line is the JSON result."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        raise RuntimeError(last[:200])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(
    engine: str,
    size: int,
    corpus: Path,
    queries_file: Path,
    workdir: Path,
    runs: int,
    query_limit: int | None,
    timeout: float,
    log=print,
) -> Measure:
    samples: list[dict] = []
    error = None
    for run in range(runs):
        folder = workdir / f"index-{engine}-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        try:
            built = _worker(["build", engine, str(corpus), str(folder)], timeout)
            serve_args = ["serve", engine, str(folder), str(queries_file)]
            if query_limit is not None:
                serve_args += ["--limit", str(query_limit), "--warmup", "1"]
            served = _worker(serve_args, timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            error = str(exc) if isinstance(exc, RuntimeError) else f"timed out after {timeout:g}s"
            log(f"  {engine} {size:,} run {run + 1}: failed: {error}")
            break
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        samples.append(built | served)
        log(
            f"  {engine} {size:,} run {run + 1}/{runs}: build {built['build_s']:.1f}s, "
            f"p50 {served['p50_ms']:.2f}ms, p99 {served['p99_ms']:.2f}ms, "
            f"peak {max(built['peak_rss_build_mb'], served['peak_rss_serve_mb']):.0f}MB"
        )
    fields = {
        key: statistics.median(s[key] for s in samples)
        for key in Measure.model_fields
        if samples and key in samples[0]
    }
    return Measure(engine=engine, size=size, runs=len(samples), error=error, **fields)


def measure_bundled(workdir: Path, runs: int, timeout: float = 600) -> Bundled:
    """Answer, cache-hit and cold `citebot ask` latency on the bundled corpus (bench.bundled)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bundled", "--runs", str(runs), "--workdir", str(workdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench.bundled failed: {proc.stderr.strip()[-300:]}")
    raw = json.loads(proc.stdout.strip().splitlines()[-1])
    hit = raw["cache_hit"] or {}
    return Bundled(
        questions=raw["answer"]["questions"],
        answer_p50_ms=raw["answer"]["p50"],
        answer_p99_ms=raw["answer"]["p99"],
        cache_hit_p50_ms=hit.get("p50"),
        cache_hit_p99_ms=hit.get("p99"),
        ask_cold_s=raw["cold_ask"]["median_s"],
        ask_runs=raw["cold_ask"]["runs"],
    )


# -- report -----------------------------------------------------------------------------------


def _version(package: str) -> str:
    if package == "citebot":
        try:
            commit = subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
        except OSError:
            commit = ""
        return f"citebot {commit or 'unknown commit'}"
    try:
        return f"{package} {metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return f"{package} (not installed)"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {mem_kb / 1024**2:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        memory = ""
    load = f", load average {os.getloadavg()[0]:.1f} at start" if hasattr(os, "getloadavg") else ""
    return f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}{load}"


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    if digits == 0 or value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}" if value < 1 else f"{value:.1f}"


NOTES = (
    "Build = read the corpus file, tokenize, index and write to disk; build CPU counts every "
    "thread (tantivy's writer may use both cores, the others use one). Load = open the saved "
    "index, imports excluded, page cache warm. RSS of the memory-mapped indexes (citebot, bm25s, "
    "tantivy) counts the index pages the queries touched.",
    "Query latency: tokenize the raw query, score, return the top 10 positions; each query "
    "is timed alone after one untimed pass over the same queries. rank-bm25 scans every "
    f"document in Python per query, so from {LARGE:,} paragraphs on it gets "
    f"{RANK_BM25_LARGE_QUERIES} queries and no warm-up pass.",
    "bm25s' query time is mostly its top-k: `np.argpartition` over every score, which with "
    "numpy 2 is pathological near the top end of a mostly-zero array (about 120 ms for a "
    "partition at 1M on this machine against 5 ms on the negated array; citebot selects on "
    "negated scores). Its numba or jax backends, not installed here, avoid it.",
    "The machine is shared with other jobs, so wall times carry noise: figures are medians of "
    "the runs shown, the ratios above come from the same run, and p99 over 200 queries includes "
    "the odd scheduling pause of a few milliseconds.",
)


def render(run: Run) -> str:
    results, bundled = run.results, run.bundled
    engines = list(dict.fromkeys(m.engine for m in results))
    lines = [MARK, f"Made by `{run.command}` on {run.date}."]
    if bundled and run.bundled_date and run.bundled_date != run.date:
        lines[-1] += f" Bundled-corpus figures measured on {run.bundled_date}."
    lines += [
        "",
        run.header,
        "",
        f"Synthetic corpus ({synthetic.__name__}): English-like paragraphs of "
        f"{synthetic.MIN_WORDS}–{synthetic.MAX_WORDS} words, Zipf exponent "
        f"{synthetic.ZIPF_EXPONENT} over a {synthetic.VOCABULARY_SIZE:,}-word vocabulary whose "
        f"top ranks are English function words, seed {synthetic.SEED}. Queries: {run.queries} "
        "single queries of 1–4 words mixing frequent and rare words, some with a question word.",
        "",
    ]
    for size in sorted({m.size for m in results}):
        lines += [
            f"#### {size:,} paragraphs",
            "",
            "| engine | build s | build CPU s | index MB | load s | peak RSS build MB "
            "| RSS after load MB | peak RSS serving MB | p50 ms | p99 ms | queries × runs |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for m in (m for m in results if m.size == size):
            if m.runs == 0:
                lines.append(f"| {m.engine} | failed: {m.error} ||||||||||")
                continue
            lines.append(
                f"| {m.engine} | {_fmt(m.build_s)} | {_fmt(m.build_cpu_s)} | {_fmt(m.disk_mb)} "
                f"| {_fmt(m.load_s, 2)} "
                f"| {_fmt(m.peak_rss_build_mb, 0)} | {_fmt(m.rss_after_load_mb, 0)} "
                f"| {_fmt(m.peak_rss_serve_mb, 0)} | {_ms(m.p50_ms)} | {_ms(m.p99_ms)} "
                f"| {m.queries} × {m.runs} |"
            )
        lines.append("")
    lines += _ratios(results, engines)
    lines += _targets(results, bundled)
    lines += ["Notes:", "", *(f"- {note}" for note in NOTES), "", END_MARK]
    return "\n".join(lines)


def _ratios(results: list[Measure], engines: list[str]) -> list[str]:
    if "citebot" not in engines or len(engines) < 2:
        return []
    lines = [
        "#### citebot against each engine (their figure ÷ citebot's; above 1 means citebot "
        "is faster or smaller)",
        "",
        "| size | engine | build | p50 | p99 | peak RSS |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for size in sorted({m.size for m in results}):
        ours = next((m for m in results if m.size == size and m.engine == "citebot"), None)
        if ours is None or ours.runs == 0:
            continue
        for other in (m for m in results if m.size == size and m.engine != "citebot"):
            if other.runs == 0:
                continue
            cells = []
            for key in ("build_s", "p50_ms", "p99_ms", "peak_rss_mb"):
                a, b = getattr(other, key), getattr(ours, key)
                cells.append(_ratio(a / b) if a and b else "–")
            lines.append(f"| {size:,} | {other.engine} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _ratio(value: float) -> str:
    return f"{value:,.0f}×" if value >= 10 else f"{value:.2g}×"


def _targets(results: list[Measure], bundled: Bundled | None) -> list[str]:
    lines = ["#### Targets", "", "| target | measured | met |", "|---|---:|:---:|"]
    big = [m for m in results if m.engine == "citebot" and m.size >= 1_000_000 and m.runs]
    if big:
        m = max(big, key=lambda x: x.size)
        for key, label, unit in (
            ("p50_ms", "p50 query", "ms"),
            ("p99_ms", "p99 query", "ms"),
            ("build_s", "build", "s"),
            ("load_s", "load (memory-mapped)", "s"),
            ("peak_rss_mb", "peak RSS", "MB"),
        ):
            value, target = getattr(m, key), TARGETS_1M[key]
            lines.append(
                f"| {label} at {m.size:,} ≤ {target:g} {unit} | {_fmt(value, 2)} {unit} "
                f"| {'yes' if value is not None and value <= target else 'no'} |"
            )
    if bundled:
        lines += [
            f"| bundled corpus: uncached answer p50 ≤ 5 ms ({bundled.questions} questions) "
            f"| {bundled.answer_p50_ms:.2f} ms (p99 {bundled.answer_p99_ms:.2f}) "
            f"| {'yes' if bundled.answer_p50_ms <= 5 else 'no'} |",
            f"| bundled corpus: `citebot ask` cold process ≤ 1 s (median of {bundled.ask_runs}) "
            f"| {bundled.ask_cold_s:.2f} s | {'yes' if bundled.ask_cold_s <= 1 else 'no'} |",
        ]
        if bundled.cache_hit_p50_ms is None:
            lines.append(
                "| bundled corpus: cache hit ≤ 1 ms | TODO: measure once the answer cache "
                "(bot/service.py) is on main | – |"
            )
        else:
            hit = bundled.cache_hit_p50_ms
            lines.append(
                f"| bundled corpus: cache hit ≤ 1 ms (`Service.ask`, SQLite) | {hit:.2f} ms "
                f"(p99 {bundled.cache_hit_p99_ms:.2f}) | {'yes' if hit <= 1 else 'no'} |"
            )
    return [*lines, ""]


def write_section(path: Path, section: str) -> None:
    """Replace only the speed section of RESULTS.md (between its markers), keep the rest."""
    text = path.read_text(encoding="utf-8")
    start = text.index(MARK)
    end = text.find(END_MARK, start)
    end = start + len(MARK) if end < 0 else end + len(END_MARK)
    path.write_text(text[:start] + section + text[end:], encoding="utf-8")


def plot(results: list[Measure], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for engine in dict.fromkeys(m.engine for m in results):
        points = sorted((m.size, m.p50_ms) for m in results if m.engine == engine and m.p50_ms)
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, marker="o", label=engine)
    ax.axhline(TARGETS_1M["p50_ms"], color="grey", linestyle=":", label="citebot target at 1M")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("corpus size (paragraphs)")
    ax.set_ylabel("p50 query latency (ms)")
    ax.set_title("Single-query latency against corpus size (log-log)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# -- command line -----------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be integers like 10000,100000: {text!r}"
        ) from None
    if not sizes or min(sizes) < 20:
        raise argparse.ArgumentTypeError("each size must be at least 20 paragraphs")
    return sizes


def _engines(text: str) -> list[str]:
    names = [e.strip() for e in text.split(",") if e.strip()]
    unknown = [e for e in names if e not in ENGINES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown engine {', '.join(unknown) or '(none)'}; choose from {', '.join(ENGINES)}"
        )
    return names


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), help="e.g. 10000,100000")
    p.add_argument("--engines", type=_engines, default=list(ENGINES), help=",".join(ENGINES))
    p.add_argument("--runs", type=int, default=3, help="runs per engine and size (median)")
    p.add_argument("--large-runs", type=int, default=1, help=f"runs at {LARGE:,}+ paragraphs")
    p.add_argument("--queries", type=int, default=200, help="single queries timed per run")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per build or serve step")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "citebot-bench")
    p.add_argument("--no-bundled", action="store_true", help="skip the bundled-corpus figures")
    p.add_argument("--no-write", action="store_true", help="print, do not touch RESULTS.md/PNG")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--plot", type=Path, default=PLOT)
    p.add_argument("--json", type=Path, help="also write the run (medians) as JSON here")
    p.add_argument(
        "--reuse", type=Path, metavar="JSON", help="render a run saved by --json, no engine runs"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.reuse:
        run = Run.model_validate_json(args.reuse.read_text())
        print(f"engine figures from {args.reuse} ({run.date}, `{run.command}`)", flush=True)
    else:
        run = measure_engines(args, argv if argv is not None else sys.argv[1:])
    if not args.no_bundled:
        run.bundled = measure_bundled(args.workdir, runs=args.runs)
        run.bundled_date = dt.date.today().isoformat()
    if args.json:
        args.json.write_text(run.model_dump_json(indent=2))
    section = render(run)
    if args.no_write:
        print(section)
    else:
        write_section(args.results, section)
        plot(run.results, args.plot)
        print(f"wrote {args.results} and {args.plot}")
    return 0


def measure_engines(args: argparse.Namespace, argv: list[str]) -> Run:
    header = (
        "Machine: "
        + machine()
        + ".  \nVersions: "
        + ", ".join(
            [f"Python {platform.python_version()}", "numpy " + metadata.version("numpy")]
            + [_version(ENGINES[e].package) for e in args.engines]
            + [_version("PyStemmer")]
        )
    )
    print(header.replace("  \n", "\n"), flush=True)
    queries = synthetic.queries(args.queries)
    queries_file = args.workdir / f"queries-{synthetic.GENERATOR_VERSION}-{args.queries}.json"
    queries_file.write_text(json.dumps(queries))
    results: list[Measure] = []
    for size in args.sizes:
        name = f"corpus-{synthetic.GENERATOR_VERSION}-{synthetic.SEED}-{size}.txt"
        print(f"{size:,} paragraphs: writing {args.workdir / name} (reused if present)", flush=True)
        corpus = synthetic.write_corpus(size, args.workdir / name)
        for engine in args.engines:
            limit = None
            if engine == "rank-bm25" and size >= LARGE:
                limit = min(RANK_BM25_LARGE_QUERIES, args.queries)
            runs = args.large_runs if size >= LARGE else args.runs
            m = measure(
                engine,
                size,
                corpus,
                queries_file,
                args.workdir,
                runs,
                limit,
                args.timeout,
                log=lambda s: print(s, flush=True),
            )
            results.append(m)
    return Run(
        date=dt.date.today().isoformat(),
        command=("python -m bench.speed " + " ".join(argv)).strip(),
        header=header,
        queries=args.queries,
        results=results,
    )


if __name__ == "__main__":
    sys.exit(main())
