"""The reader's one final evaluation (issue 17): today's system (reader off) beside the reader,
in one run, on questions nobody tuned for.

    python -m bench.reader_eval [--limit N] [--write]

- the article sets: questions_chat2.jsonl (held out, written for this issue), questions_chat,
  questions_people, questions_holdout: top-1 paragraph, answer, abstentions;
- SQuAD v1.1 held-out articles 25-48 (`--limit` evenly spread questions; all without it);
- SQuAD 2.0 dev: the questions of its articles among v1.1's 25-48, asked of the whole 2.0 dev
  corpus: abstention of unanswerable vs answerable questions over the confidence threshold;
- speed and memory: uncached answers on the bundled articles (p50/p99, in process), and the
  process RSS after the first answer, reader off vs on (fresh processes).
`--write` puts the tables into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.quality import HEADER, Scores, article_items, evaluate_citebot, squad_items
from bench.questions import DATA
from bench.squad import HELD_OUT_ARTICLES, iter_subset, open_squad, squad_path, write_squad
from knowledge.answering.answer import answer_question
from knowledge.answering.ranking import Options, rank
from knowledge.search.library import Library, open_library

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MARK_BEGIN, MARK_END = "<!-- reader results -->", "<!-- /reader results -->"
SETS = ("questions_chat2", "questions_chat", "questions_people", "questions_holdout")
SYSTEMS: dict[str, Options] = {
    "reader off (today)": Options(reader=False),
    "reader on": Options(reader=True),
}
ROOT = Path(__file__).resolve().parent.parent


def article_sets(bundled: Library) -> list[str]:
    out = []
    for name in SETS:
        items = article_items(bundled, DATA / f"{name}.jsonl")
        rows = [_row(evaluate_citebot(bundled, items, o, label)) for label, o in SYSTEMS.items()]
        out.append(f"#### {name}.jsonl\n\n{HEADER}\n" + "\n".join(rows))
        _log(f"{name}: " + " / ".join(rows))
    return out


def _row(scores: Scores) -> str:
    return scores.row()


def squad_held_out(limit: int | None) -> str:
    work = Path(tempfile.mkdtemp(prefix="citebot-reader-eval-"))
    library, squad = open_squad(None, HELD_OUT_ARTICLES, work)
    questions = list(iter_subset(squad.of_articles(HELD_OUT_ARTICLES), limit))
    items = squad_items(library, questions)
    rows = [_row(evaluate_citebot(library, items, o, label)) for label, o in SYSTEMS.items()]
    _log("SQuAD held-out: " + " / ".join(rows))
    return f"#### SQuAD v1.1 held-out articles 25-48\n\n{HEADER}\n" + "\n".join(rows)


def squad2_curve(limit: int | None) -> str:
    """Confidences of SQuAD 2.0's questions of articles among 25-48, asked of all of 2.0 dev."""
    v1 = json.loads(squad_path(None).read_text("utf-8"))["data"]
    held = {v1[a]["title"] for a in HELD_OUT_ARTICLES}
    v2_path = squad_path(None).with_name("dev-v2.0.json")
    v2 = json.loads(v2_path.read_text("utf-8"))["data"]
    work = Path(tempfile.mkdtemp(prefix="citebot-squad2-"))
    write_squad(work / "corpus", v2_path)
    library = open_library(work / "corpus", None, strict=True)
    asked = [
        (qa["question"], not qa.get("is_impossible"))
        for article in v2
        if article["title"] in held
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
    ]
    asked = list(iter_subset(asked, limit))  # type: ignore[arg-type]
    lines = [
        f"{sum(a for _, a in asked)} answerable and {sum(not a for _, a in asked)} unanswerable "
        f"questions of the {len(held & {a['title'] for a in v2})} SQuAD 2.0 articles among "
        f"v1.1's 25-48, asked of all {len(library.passages)} paragraphs of 2.0 dev.",
        "",
        "| system | threshold | answerable abstained | unanswerable abstained |",
        "|---|---:|---:|---:|",
    ]
    for label, options in SYSTEMS.items():
        conf, answerable = [], []
        for text, ok in asked:
            ranking = rank(library, text, options)
            conf.append(ranking.confidence())
            answerable.append(ok)
        c, a = np.array(conf), np.array(answerable)
        shipped = ranking.model.threshold
        for t in sorted({*_curve_points(c[a]), shipped}):
            mark = f"**{t:.4f}** (shipped)" if t == shipped else f"{t:.4f}"
            lines.append(
                f"| {label} | {mark} | {np.mean(c[a] < t):.3f} | {np.mean(c[~a] < t):.3f} |"
            )
        _log(f"SQuAD 2.0 {label} done")
    return "#### SQuAD 2.0 dev: abstention curve\n\n" + "\n".join(lines)


def _curve_points(answerable: np.ndarray) -> list[float]:
    """Thresholds abstaining on 2, 5, 10, 20 and 30% of the answerable questions."""
    return [round(float(np.quantile(answerable, q)), 4) for q in (0.02, 0.05, 0.10, 0.20, 0.30)]


def latency(bundled: Library) -> str:
    questions = [q.text for name in SETS for q in article_items(bundled, DATA / f"{name}.jsonl")]
    lines = ["| system | questions | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    for label, options in SYSTEMS.items():
        answer_question(bundled, questions[0], options)  # the first loads what it needs
        times = []
        for q in questions:
            t = time.perf_counter()
            answer_question(bundled, q, options)
            times.append(1000 * (time.perf_counter() - t))
        p50, p99 = np.percentile(times, [50, 99])
        lines.append(f"| {label} | {len(times)} | {p50:.0f} | {p99:.0f} |")
        _log(lines[-1])
    return "#### Uncached answers, bundled articles (in process)\n\n" + "\n".join(lines)


_RSS = (
    "import resource, sys; from bot.cli import main; main(['ask', {q!r}]); "
    "status = open('/proc/self/status').read(); "
    "rss = [l for l in status.splitlines() if l.startswith('VmRSS')][0].split()[1]; "
    "print('RSS', rss, file=sys.stderr)"
)


def memory(data: Path) -> str:
    """RSS (MB) of a `citebot ask` process after its first, uncached, answer."""
    lines = ["| system | RSS after the first answer (MB) |", "|---|---:|"]
    for label, switch in (("reader off (today)", "off"), ("reader on", "on")):
        env = {"CITEBOT_DATA": str(data / switch), "CITEBOT_READER": switch, "PYTHONPATH": "."}
        done = subprocess.run(
            [sys.executable, "-c", _RSS.format(q="where did kim and ivanka meet?")],
            cwd=ROOT,
            env={**_base_env(), **env},
            capture_output=True,
            text=True,
            check=True,
        )
        kb = int(next(x for x in done.stderr.splitlines() if x.startswith("RSS")).split()[1])
        lines.append(f"| {label} | {kb / 1024:.0f} |")
    return "#### Memory\n\n" + "\n".join(lines)


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "DISCORD_"))}


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def write_results(report: str) -> None:
    text = RESULTS.read_text("utf-8")
    block = f"{MARK_BEGIN}\n{report}\n{MARK_END}"
    if MARK_BEGIN in text:
        head, rest = text.split(MARK_BEGIN, 1)
        text = head + block + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## The reader (issue 17)\n\n" + block + "\n"
    RESULTS.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reader_eval", description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="SQuAD questions per set")
    parser.add_argument("--write", action="store_true", help=f"update {RESULTS.name}")
    parser.add_argument("--only", default="as2lm", help="a)rticles s)quad 2)0 l)atency m)emory")
    args = parser.parse_args(argv)
    bundled = open_library(None, None)
    parts: list[Callable[[], str | list[str]]] = []
    if "a" in args.only:
        parts.append(lambda: article_sets(bundled))
    if "s" in args.only:
        parts.append(lambda: squad_held_out(args.limit))
    if "2" in args.only:
        parts.append(lambda: squad2_curve(args.limit))
    if "l" in args.only:
        parts.append(lambda: latency(bundled))
    if "m" in args.only:
        parts.append(lambda: memory(Path(tempfile.mkdtemp(prefix="citebot-rss-"))))
    sections: list[str] = []
    for part in parts:
        out = part()
        sections += out if isinstance(out, list) else [out]
    report = "\n\n".join(sections)
    print(report)
    if args.write:
        write_results(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
