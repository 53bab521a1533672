"""The whole answer path at 10k, 100k and 1M paragraphs, with real questions.

    python -m bench.answer_scale                          # 10k and 100k; writes RESULTS.md + PNG
    python -m bench.answer_scale --sizes 1000000 --engines citebot,tantivy
    python -m bench.answer_scale --sizes 2000 --no-write  # smoke run

Corpora are SQuAD v1.1 dev's 2,067 paragraphs repeated under different source ids: one Markdown
source per article and copy (`r0003_a017.md`), read by citebot's own loader. Questions are 200
real SQuAD questions spread over the whole set. Per size, each in a fresh process:
- build: corpus folder to ready-to-answer (parse, index, sentence data, vectors, save), wall
  time and peak RSS;
- serve: loading the saved library, RSS, then `answer_question` for every question on one CPU
  (p50/p99 uncached latency);
- `citebot ask` as a process, with the library on disk: cold (a question not in the cache)
  and a cache hit, against the same on the bundled corpus;
- the peers (bench.engines, bench.speed_worker) over the same paragraphs with the same SQuAD
  questions: search only (tokenize + top 10), since none of them answers.
The machine load (1-minute load average) is recorded with every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

from bench import speed
from bench.engines import ENGINES
from bench.speed import ROOT, Measure, _sizes, machine, measure
from bench.squad import iter_subset, squad_path

RESULTS = ROOT / "bench" / "RESULTS.md"
PLOT = ROOT / "bench" / "answer_scale.png"
MARK, END_MARK = "<!-- answer scale results -->", "<!-- /answer scale results -->"
DEFAULT_SIZES = (10_000, 100_000)
QUESTIONS = 200
CLI_RUNS = 3
PEER_LIMITS = {"rank-bm25": 100_000, "bm25s": 1_000_000}  # larger: hours or out of memory
TARGETS = {
    "build_s": 600.0,
    "peak_rss_build_mb": 4096.0,
    "load_s": 2.0,
    "rss_after_answers_mb": 1536.0,
    "p50_ms": 60.0,
    "p99_ms": 150.0,
}


class ScaleMeasure(BaseModel):
    size: int
    passages: int = 0
    build_s: float | None = None
    build_cpu_s: float | None = None
    peak_rss_build_mb: float | None = None
    disk_mb: float | None = None
    load_s: float | None = None
    rss_after_load_mb: float | None = None
    first_answer_s: float | None = None
    rss_after_answers_mb: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu_p50_ms: float | None = None
    cpu_p99_ms: float | None = None
    answered: int = 0
    questions: int = 0
    cli_cold_s: float | None = None
    cli_hit_s: float | None = None
    cli_cold_rss_mb: float | None = None
    bundled_cold_s: float | None = None  # `citebot ask` on the bundled corpus, same run
    bundled_hit_s: float | None = None
    load_avg: list[float] = []
    error: str | None = None


class ScaleRun(BaseModel):
    date: str
    machine: str
    bundled_cold_s: float | None = None
    bundled_hit_s: float | None = None
    results: list[ScaleMeasure] = []
    peers: list[Measure] = []


def write_scaled(folder: Path, size: int, squad: Path | None = None) -> tuple[Path, Path]:
    """The corpus folder of `size` paragraphs and the same paragraphs one per line (for the
    peers); reused when already written."""
    articles = json.loads(squad_path(squad).read_text(encoding="utf-8"))["data"]
    corpus, lines = folder / f"corpus-{size}", folder / f"paragraphs-{size}.txt"
    if corpus.is_dir() and lines.is_file():
        return corpus, lines
    shutil.rmtree(corpus, ignore_errors=True)
    tmp = corpus.with_name(corpus.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    written = 0
    with lines.with_suffix(".tmp").open("w", encoding="utf-8") as out:
        copy = 0
        while written < size:
            for a, article in enumerate(articles):
                texts = [" ".join(p["context"].split()) for p in article["paragraphs"]]
                texts = texts[: size - written]
                if not texts:
                    break
                title = article["title"].replace("_", " ")
                body = "\n\n".join(texts)
                (tmp / f"r{copy:04d}_a{a:02d}.md").write_text(
                    f"---\ntitle: {json.dumps(title)}\n---\n\n{body}\n", encoding="utf-8"
                )
                out.write("\n".join(texts) + "\n")
                written += len(texts)
            copy += 1
    tmp.rename(corpus)
    lines.with_suffix(".tmp").rename(lines)
    return corpus, lines


def questions(count: int = QUESTIONS, squad: Path | None = None) -> list[str]:
    """`count` real SQuAD questions spread evenly over the dev set."""
    data = json.loads(squad_path(squad).read_text(encoding="utf-8"))["data"]
    every = [
        " ".join(qa["question"].split())
        for article in data
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
    ]
    return list(iter_subset(every, count))  # type: ignore[arg-type]


def _worker(args: list[str], timeout: float) -> dict:
    return speed._worker(args, timeout, "bench.answer_scale_worker")


def citebot_ask(args: list[str], timeout: float = 900) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `citebot ask` process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "ask", *args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"citebot ask {' '.join(args)} exited {proc.returncode}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def cli_times(
    common: list[str], asked: list[str], runs: int = CLI_RUNS
) -> tuple[float, float, float]:
    """Median cold (new question) and cache-hit wall time of `citebot ask`, cold peak RSS."""
    cold, hit, rss = [], [], []
    for question in asked[:runs]:
        seconds, peak = citebot_ask([*common, "--json", question])
        cold.append(seconds)
        rss.append(peak)
        hit.append(citebot_ask([*common, "--json", question])[0])
    return statistics.median(cold), statistics.median(hit), statistics.median(rss)


def measure_size(
    size: int,
    workdir: Path,
    asked: list[str],
    questions_file: Path,
    timeout: float,
    cli_runs: int = CLI_RUNS,
    log=print,
) -> ScaleMeasure:
    corpus, _ = write_scaled(workdir, size)
    data = workdir / f"data-{size}"
    shutil.rmtree(data, ignore_errors=True)
    m = ScaleMeasure(size=size)
    try:
        built = _worker(["build", str(corpus), str(data)], timeout)
        m.load_avg.append(built.pop("load"))
        m.passages = built.pop("passages")
        built.pop("sentences", None)
        m = m.model_copy(update=built)
        log(f"  {size:,}: build {m.build_s:.1f}s, peak {m.peak_rss_build_mb:.0f}MB")
        served = _worker(["serve", str(corpus), str(data), str(questions_file)], timeout)
        m.load_avg.append(served.pop("load"))
        if served.pop("rebuilt"):
            raise RuntimeError("serving rebuilt the library instead of loading it")
        m = m.model_copy(update=served)
        log(
            f"  {size:,}: load {m.load_s:.2f}s, rss {m.rss_after_answers_mb:.0f}MB, "
            f"p50 {m.p50_ms:.1f}ms, p99 {m.p99_ms:.1f}ms"
        )
        common = ["--corpus", str(corpus), "--data", str(data)]
        m.cli_cold_s, m.cli_hit_s, m.cli_cold_rss_mb = cli_times(common, asked, cli_runs)
        m.load_avg.append(os.getloadavg()[0])
        log(f"  {size:,}: citebot ask cold {m.cli_cold_s:.2f}s, hit {m.cli_hit_s:.2f}s")
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        m.error = str(exc)[:300]
        log(f"  {size:,}: failed: {m.error}")
    return m


def measure_bundled(workdir: Path, asked: list[str], runs: int = CLI_RUNS) -> tuple[float, float]:
    data = workdir / "data-bundled"
    shutil.rmtree(data, ignore_errors=True)
    citebot_ask(["--data", str(data), "--json", "warm up"])  # builds the bundled library
    cold, hit, _ = cli_times(["--data", str(data)], asked, runs)
    return cold, hit


# -- report -------------------------------------------------------------------------------------


def _f(value: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if value is None else fmt.format(value)


def render(run: ScaleRun) -> str:
    lines = [
        MARK,
        "## The whole answer path at scale (`python -m bench.answer_scale`)",
        "",
        f"Run {run.date} on {run.machine}. The machine has 2 cores shared with about seven "
        "other engineers' work while measuring; the 1-minute load average at each step is "
        "shown. SQuAD v1.1 dev paragraphs repeated under different source ids (one Markdown "
        f"file per article and copy); {QUESTIONS} real SQuAD questions. Serving runs on one "
        "CPU; p50/p99 are uncached `answer_question` calls after one warm-up answer, in wall time "
        "and in CPU time of the answering thread (what the answer costs, whatever the load).",
        "",
        "| paragraphs | build (s) | build CPU (s) | build peak RSS (MB) | on disk (MB) | load (s) "
        "| RSS after load / answers (MB) | first answer (s) | answer p50 / p99 (ms) "
        "| answer CPU p50 / p99 (ms) | `citebot ask` cold / hit (s) "
        "| bundled corpus, same run: cold / hit (s) | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in run.results:
        if m.error:
            lines.append(f"| {m.size:,} | failed: {m.error} |||||||||||")
            continue
        lines.append(
            f"| {m.passages:,} | {_f(m.build_s)} | {_f(m.build_cpu_s)} | "
            f"{_f(m.peak_rss_build_mb, '{:.0f}')} | {_f(m.disk_mb, '{:.0f}')} | "
            f"{_f(m.load_s, '{:.2f}')} | {_f(m.rss_after_load_mb, '{:.0f}')} / "
            f"{_f(m.rss_after_answers_mb, '{:.0f}')} | {_f(m.first_answer_s, '{:.2f}')} | "
            f"{_f(m.p50_ms)} / {_f(m.p99_ms)} | {_f(m.cpu_p50_ms)} / {_f(m.cpu_p99_ms)} | "
            f"{_f(m.cli_cold_s, '{:.2f}')} / "
            f"{_f(m.cli_hit_s, '{:.2f}')} | {_f(m.bundled_cold_s, '{:.2f}')} / "
            f"{_f(m.bundled_hit_s, '{:.2f}')} | {', '.join(f'{x:.1f}' for x in m.load_avg)} |"
        )
    if run.bundled_cold_s is not None:
        lines += [
            "",
            f"Bundled corpus, `citebot ask` with its library on disk: cold "
            f"{run.bundled_cold_s:.2f} s, cache hit {_f(run.bundled_hit_s, '{:.2f}')} s.",
        ]
    if run.peers:
        lines += [
            "",
            "Search only (tokenize + top 10, the same SQuAD questions, fresh processes; "
            "tantivy with citebot's stopwords, `count=False`, no stored-field fetch):",
            "",
            "| engine | paragraphs | build (s) | peak RSS build (MB) | load (s) "
            "| RSS after load (MB) | p50 / p99 (ms) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for p in run.peers:
            if p.error:
                lines.append(f"| {p.engine} | {p.size:,} | failed: {p.error} |||||")
                continue
            lines.append(
                f"| {p.engine} | {p.size:,} | {_f(p.build_s)} | "
                f"{_f(p.peak_rss_build_mb, '{:.0f}')} | {_f(p.load_s, '{:.3f}')} | "
                f"{_f(p.rss_after_load_mb, '{:.0f}')} | {_f(p.p50_ms, '{:.2f}')} / "
                f"{_f(p.p99_ms, '{:.2f}')} |"
            )
    lines += ["", "![cost against corpus size](answer_scale.png)", "", END_MARK]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of RESULTS.md (appended the first time)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if MARK in text:
        start = text.index(MARK)
        end = text.find(END_MARK, start)
        end = start + len(MARK) if end < 0 else end + len(END_MARK)
        text = text[:start] + section + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def plot(run: ScaleRun, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = sorted((m for m in run.results if not m.error), key=lambda m: m.size)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), dpi=110)
    xs = [m.passages for m in ok]
    panels = [
        (
            "time (s)",
            [
                ("build", "build_s"),
                ("load", "load_s"),
                ("ask cold", "cli_cold_s"),
                ("ask cache hit", "cli_hit_s"),
            ],
        ),
        ("memory (MB)", [("build peak", "peak_rss_build_mb"), ("serving", "rss_after_answers_mb")]),
        (
            "answer latency (ms)",
            [
                ("p50", "p50_ms"),
                ("p99", "p99_ms"),
                ("CPU p50", "cpu_p50_ms"),
                ("CPU p99", "cpu_p99_ms"),
            ],
        ),
    ]
    for ax, (label, series) in zip(axes, panels, strict=True):
        for name, field in series:
            ys = [getattr(m, field) for m in ok]
            if any(y is not None for y in ys):
                ax.plot(xs, ys, marker="o", label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("paragraphs")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("citebot's whole answer path against corpus size (SQuAD-derived corpora)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.answer_scale", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES))
    parser.add_argument(
        "--engines",
        default="citebot,tantivy,bm25s,rank-bm25",
        help="search-only peers measured over the same corpora ('' for none)",
    )
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--workdir", type=Path, default=None, help="corpora and data (kept)")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--json", type=Path, default=None, help="also write the run as JSON")
    parser.add_argument("--merge", type=Path, default=None, help="add the results of a JSON run")
    parser.add_argument("--reuse", type=Path, default=None, help="re-render a JSON run only")
    parser.add_argument("--cli-runs", type=int, default=CLI_RUNS, help="`citebot ask` runs")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--plot", type=Path, default=PLOT)
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        print(f"unknown engine(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    if args.reuse is not None:
        run = ScaleRun.model_validate_json(args.reuse.read_text())
        return _report(run, args)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="citebot-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    asked = questions(args.questions)
    questions_file = workdir / "questions.json"
    questions_file.write_text(json.dumps(asked))
    run = ScaleRun(date=dt.date.today().isoformat(), machine=machine())
    if args.merge is not None and args.merge.is_file():
        old = ScaleRun.model_validate_json(args.merge.read_text())
        sizes = set(args.sizes)
        run.results = [m for m in old.results if m.size not in sizes]
        run.peers = [p for p in old.peers if p.size not in sizes or p.engine not in engines]
        run.bundled_cold_s, run.bundled_hit_s = old.bundled_cold_s, old.bundled_hit_s
    print("bundled corpus ...", flush=True)
    run.bundled_cold_s, run.bundled_hit_s = measure_bundled(workdir, asked, args.cli_runs)
    print(f"  cold {run.bundled_cold_s:.2f}s, hit {run.bundled_hit_s:.2f}s", flush=True)
    for size in args.sizes:
        print(f"{size:,} paragraphs ...", flush=True)
        m = measure_size(size, workdir, asked, questions_file, args.timeout, args.cli_runs)
        m.bundled_cold_s, m.bundled_hit_s = run.bundled_cold_s, run.bundled_hit_s
        run.results.append(m)
        _, lines = write_scaled(workdir, size)
        for engine in engines:
            if size > PEER_LIMITS.get(engine, size):
                continue
            limit = 20 if engine == "rank-bm25" and size >= 100_000 else None
            run.peers.append(
                measure(engine, size, lines, questions_file, workdir, 1, limit, args.timeout)
            )
    run.results.sort(key=lambda m: m.size)
    run.peers.sort(key=lambda p: (p.size, p.engine))
    if args.json:
        args.json.write_text(run.model_dump_json(indent=1))
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return _report(run, args)


def _report(run: ScaleRun, args: argparse.Namespace) -> int:
    section = render(run)
    print(section)
    if not args.no_write:
        write_section(args.results, section)
        plot(run, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
