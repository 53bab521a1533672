"""What each question-reading step buys: chat forms, spelling, lowercase names, aliases.

    python -m bench.reading [--limit N] [--no-squad] [--sets FILE ...]

Runs citebot with every step off, then each step alone added, then all of them (the shipped
default), on SQuAD's held-out articles 25-48 (as `bench.quality` builds them) and on the
question sets about the bundled articles, and prints one table: top-1 / answer accuracy /
abstained (answerable) per set. SQuAD needs `../shared/data/squad/dev-v1.1.json` (or --squad).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.quality import article_items, evaluate_citebot, squad_items
from bench.questions import DATA, DEFAULT_SETS
from bench.squad import HELD_OUT_ARTICLES, iter_subset, open_squad
from knowledge.answering.ranker import default_model
from knowledge.answering.ranking import Options
from knowledge.search.library import open_library

STEPS = ("chat_forms", "spelling", "names", "aliases")
OFF = dict.fromkeys(STEPS, False)


def variants() -> list[tuple[str, Options]]:
    out = [("none of the steps", Options(**OFF))]
    out += [(f"+ {step} only", Options(**{**OFF, step: True})) for step in STEPS]
    out += [(f"all but {step}", Options(**{step: False})) for step in STEPS]
    out.append(("all (shipped)", Options()))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reading", description=__doc__)
    parser.add_argument("--squad", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None, help="held-out questions")
    parser.add_argument("--no-squad", action="store_true")
    parser.add_argument("--sets", nargs="*", type=Path, default=None)
    parser.add_argument(
        "--answer-all", action="store_true", help="no abstention, as in bench.quality --ablation"
    )
    parser.add_argument(
        "--only", nargs="*", default=None, help="run only the variants whose name has one of these"
    )
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    bundled = open_library(None, None)
    paths = args.sets or [
        *[p for p in DEFAULT_SETS if p.exists()],
        DATA / "questions_chat_dev.jsonl",
    ]
    targets = {p.stem: (bundled, article_items(bundled, p)) for p in paths}
    if not args.no_squad:
        work = Path(tempfile.mkdtemp(prefix="citebot-reading-"))
        squad_lib, squad = open_squad(args.squad, None, work)
        held = list(iter_subset(squad.of_articles(HELD_OUT_ARTICLES), args.limit))
        targets = {"SQuAD held-out": (squad_lib, squad_items(squad_lib, held)), **targets}
    head = "| steps | " + " | ".join(targets) + " |"
    lines = [head, "|---|" + "---:|" * len(targets)]
    chosen = [
        (name, options)
        for name, options in variants()
        if args.only is None or any(word in name for word in args.only)
    ]
    if args.answer_all:
        never = replace(default_model(), threshold=-1.0)
        chosen = [(name, replace(options, model=never)) for name, options in chosen]
    for name, options in chosen:
        cells = []
        for title, (lib, items) in targets.items():
            s = evaluate_citebot(lib, items, options)
            cells.append(f"{s.top1:.3f} / {s.answer:.3f} / {s.abstained:.2f}")
            print(
                f"[{time.perf_counter() - t0:5.0f}s] {name}: {title} {cells[-1]}", file=sys.stderr
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    print("top-1 / answer / abstained (answerable)\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
