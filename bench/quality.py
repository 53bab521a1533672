"""Answer quality on SQuAD v1.1 dev and on the question sets about the bundled articles.

    python -m bench.quality                 # all systems, all 10,570 questions + held-out 25-48
    python -m bench.quality --limit 500     # quick: an evenly spread subset of each set
    python -m bench.quality --ablation      # citebot before/after each piece (held-out + sets)
    python -m bench.quality --write         # also write the tables into bench/RESULTS.md

Per system: top-1 and top-5 paragraph accuracy (the question's own paragraph), answer
accuracy (the first quote holds a gold answer; official SQuAD normalisation for SQuAD, the
bench.questions rule for the article sets; an abstention counts as wrong), abstention rate, and
questions per second. Systems: (a) rank-bm25, (b) bm25s, (c) citebot (see bench/baselines.py).
SQuAD paragraphs are written as Markdown sources and loaded through the real loader.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench.baselines import Baseline, Bm25s, RankBM25
from bench.questions import DEFAULT_SETS, judge, load_questions
from bench.squad import (
    HELD_OUT_ARTICLES,
    TRAIN_ARTICLES,
    SquadQuestion,
    holds_answer,
    iter_subset,
    open_squad,
)
from knowledge.answering.answer import compose
from knowledge.answering.ranker import RankerModel, default_model, untrained_model
from knowledge.answering.ranking import Options, rank
from knowledge.models import Answer, Quote
from knowledge.search.library import Library, open_library

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MARK_BEGIN, MARK_END = "<!-- quality results -->", "<!-- /quality results -->"


@dataclass(frozen=True)
class Item:
    """A question with its gold paragraphs (passage positions) and a way to judge a quote."""

    text: str
    gold: frozenset[int]
    answerable: bool
    correct: Callable[[str], bool]


@dataclass
class Scores:
    system: str
    questions: int
    top1: float
    top5: float
    answer: float
    abstained: float
    abstained_unanswerable: float | None
    qps: float

    def row(self) -> str:
        unans = "" if self.abstained_unanswerable is None else f"{self.abstained_unanswerable:.2f}"
        return (
            f"| {self.system} | {self.questions:,} | {self.top1:.3f} | {self.top5:.3f} | "
            f"{self.answer:.3f} | {self.abstained:.3f} | {unans} | {self.qps:,.0f} |"
        )


HEADER = (
    "| system | questions | top-1 | top-5 | answer | abstained | abstained (unanswerable) | q/s |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def squad_items(library: Library, questions: Sequence[SquadQuestion]) -> list[Item]:
    position = {p.source_id: i for i, p in enumerate(library.passages)}
    return [
        Item(
            q.question,
            frozenset({position[q.source_id]}),
            True,
            lambda text, a=q.answers: holds_answer(text, a),
        )
        for q in questions
    ]


def article_items(library: Library, path: Path) -> list[Item]:
    position = {(p.source_id, p.paragraph): i for i, p in enumerate(library.passages)}
    items = []
    for q in load_questions(path):
        gold = frozenset(position[g] for g in q.gold_paragraphs() if g in position)

        def correct(text: str, q=q) -> bool:
            return judge(q, _fake_answer(text)).answer_ok

        items.append(Item(q.question, gold, q.answerable, correct))
    return items


def _fake_answer(text: str) -> Answer:
    quote = Quote(text=text, source_id="", title="", date=None, paragraph=1, score=0.0)
    return Answer(question="", answered=True, quotes=[quote])


def evaluate_citebot(
    library: Library, items: Sequence[Item], options: Options, name: str = "(c) citebot"
) -> Scores:
    outcomes = []
    start = time.perf_counter()
    for item in items:
        ranking = rank(library, item.text, options)
        answer = compose(library, ranking)
        outcomes.append((item, ranking.paragraphs[:5], answer))
    elapsed = time.perf_counter() - start
    return _score(name, outcomes, elapsed, library)


def evaluate_baseline(library: Library, baseline: Baseline, items: Sequence[Item]) -> Scores:
    outcomes = []
    start = time.perf_counter()
    for item in items:
        result = baseline.ask(item.text)
        answer = _fake_answer(result.quote)
        passage = library.passages[result.paragraphs[0]]
        answer.quotes[0].source_id, answer.quotes[0].paragraph = (
            passage.source_id,
            passage.paragraph,
        )
        outcomes.append((item, result.paragraphs, answer))
    elapsed = time.perf_counter() - start
    return _score(baseline.name, outcomes, elapsed, library)


def _score(name: str, outcomes: list, elapsed: float, library: Library) -> Scores:
    answerable = [o for o in outcomes if o[0].answerable]
    unanswerable = [o for o in outcomes if not o[0].answerable]
    n = max(len(answerable), 1)
    top1 = sum(bool(paras) and paras[0] in item.gold for item, paras, _ in answerable) / n
    top5 = sum(bool(item.gold & set(paras[:5])) for item, paras, _ in answerable) / n
    answer = (
        sum(
            a.answered and bool(a.quotes) and item.correct(a.quotes[0].text)
            for item, _, a in answerable
        )
        / n
    )
    abstained = sum(not a.answered for _, _, a in answerable) / n
    unans = (
        sum(not a.answered for _, _, a in unanswerable) / len(unanswerable)
        if unanswerable
        else None
    )
    return Scores(
        name, len(outcomes), top1, top5, answer, abstained, unans, len(outcomes) / elapsed
    )


# --- ablation ---------------------------------------------------------------------------------


def ablation_variants() -> list[tuple[str, Options, bool, int]]:
    """(label, options, learn weights?, chat rewrites per training question) in the order the
    pieces were added; ROUND3 selects the rows of round 3 (issue 10) and their baseline."""
    old = Options(fine_types=False, answer_bearing=False)
    plain = replace(old, lemmas=False, answer_types=False, semantic=False, model=untrained_model())
    lexical = replace(old, model=None, semantic=False)
    return [
        ("overlap ranking (sentence BM25 + paragraph BM25, fixed weights)", plain, False, 0),
        ("+ learned ranker (lexical features)", replace(plain, model=None), True, 0),
        ("+ answer types", replace(plain, model=None, answer_types=True), True, 0),
        ("+ lemma variants", lexical, True, 0),
        ("+ word vectors (round 2 as shipped)", old, True, 0),
        ("+ finer answer types: age, duration, quotation, people", replace(old, fine_types=True),
         True, 0),
        ("+ answer-bearing neighbour sentence", Options(), True, 0),
        ("+ training on chat rewrites (shipped)", Options(), True, 1),
        ("+ near words in paragraph search (off)", Options(soft_search=0.5), True, 1),
        ("+ 3 paragraphs by vector similarity (off)", Options(dense=3), True, 1),
        ("+ RM3 feedback (off)", Options(rm3=True), True, 1),
    ]  # fmt: skip


ROUND3 = slice(4, 8)  # the rows --ablation-new measures: round 2 as shipped and this round's


def train_variant(
    train_library: Library, questions: list[SquadQuestion], options: Options, chat: int = 0
):
    from bench.train_ranker import fit_ranker, pairwise_data, rankings, with_chat

    questions = with_chat(questions, chat)
    base = replace(options, model=untrained_model())
    ranked = rankings(train_library, [q.question for q in questions], base)
    x, y = pairwise_data(train_library, ranked, [(q.source_id, q.answers) for q in questions])
    weights = fit_ranker(x, y)
    return replace(untrained_model(), weights=tuple(float(w) for w in weights))


def run_ablation(
    squad_lib: Library,
    held_out: list[Item],
    sets: dict[str, tuple[Library, list[Item]]],
    squad_path: Path | None,
    limit: int | None,
    rows: slice = slice(None),
) -> str:
    work = Path(tempfile.mkdtemp(prefix="citebot-ablation-"))
    train_lib, train_squad = open_squad(squad_path, TRAIN_ARTICLES, work)
    train_q = list(iter_subset(train_squad.of_articles(TRAIN_ARTICLES), limit and 4 * limit))
    lines = [
        "Ranking quality without abstention (every question answered), so each row shows only "
        "what its piece adds. Learned rows are retrained on articles 1-24 with that row's "
        "pieces.",
        "",
        "| pieces | held-out top-1 | held-out answer | "
        + " | ".join(f"{name} top-1 | {name} answer" for name in sets)
        + " |",
        "|---|---:|---:|" + "---:|---:|" * len(sets),
    ]
    for label, options, learn, chat in ablation_variants()[rows]:
        model: RankerModel = (
            train_variant(train_lib, train_q, options, chat) if learn else options.model
        )
        model = replace(model, threshold=-1.0)
        opts = replace(options, model=model)
        cells = []
        s = evaluate_citebot(squad_lib, held_out, opts)
        cells += [f"{s.top1:.3f}", f"{s.answer:.3f}"]
        for lib, items in sets.values():
            s = evaluate_citebot(lib, [i for i in items if i.answerable], opts)
            cells += [f"{s.top1:.2f}", f"{s.answer:.2f}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines)


# --- abstention curve ---------------------------------------------------------------------


def abstention_curve(
    squad_lib: Library,
    bundled: Library,
    held_out: list[SquadQuestion],
    sets: dict[str, Path],
    limit: int | None,
) -> str:
    """Abstention rates at several thresholds around the shipped one."""
    model = default_model()
    squad_q = [q.question for q in iter_subset(held_out, limit or 2000)]
    per_set = {name: load_questions(path) for name, path in sets.items()}
    answerable = [q.question for qs in per_set.values() for q in qs if q.answerable]

    def conf(lib: Library, qs: list[str]) -> np.ndarray:
        return np.array([rank(lib, q).confidence() for q in qs])

    groups = {
        "SQuAD held-out on bundled (must abstain)": conf(bundled, squad_q),
        "article questions on SQuAD (must abstain)": conf(squad_lib, answerable),
        "SQuAD held-out on SQuAD (answerable)": conf(squad_lib, squad_q),
    }
    for name, qs in per_set.items():
        groups[f"{name} answerable"] = conf(bundled, [q.question for q in qs if q.answerable])
        groups[f"{name} unanswerable (should abstain)"] = conf(
            bundled, [q.question for q in qs if not q.answerable]
        )
    shipped = model.threshold
    thresholds = sorted({0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, round(shipped, 4)})
    lines = [
        f"Share of questions abstained at each confidence threshold (shipped: **{shipped:.4f}**).",
        "",
        "| threshold | " + " | ".join(groups) + " |",
        "|---:|" + "---:|" * len(groups),
    ]
    for t in thresholds:
        mark = f"**{t:.4f}**" if t == round(shipped, 4) else f"{t:.2f}"
        lines.append(
            f"| {mark} | " + " | ".join(f"{np.mean(v < t):.3f}" for v in groups.values()) + " |"
        )
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__)
    parser.add_argument("--squad", type=Path, default=None, help="path to dev-v1.1.json")
    parser.add_argument("--limit", type=int, default=None, help="questions per SQuAD set")
    parser.add_argument("--systems", default="abc", help="which of a, b, c to run")
    parser.add_argument("--held-out-only", action="store_true", help="skip the 10,570 run")
    parser.add_argument("--ablation", action="store_true", help="before/after each piece")
    parser.add_argument(
        "--ablation-new", action="store_true", help="only this round's ablation rows"
    )
    parser.add_argument("--curve", action="store_true", help="abstention trade-off curve")
    parser.add_argument("--write", action="store_true", help=f"update {RESULTS.name}")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="citebot-quality-"))
    squad_lib, squad = open_squad(args.squad, None, work)
    bundled = open_library(None, None)
    set_paths = {p.stem: p for p in DEFAULT_SETS if p.exists()}
    sets = {name: (bundled, article_items(bundled, path)) for name, path in set_paths.items()}
    held_out_q = list(iter_subset(squad.of_articles(HELD_OUT_ARTICLES), args.limit))
    evaluations = {"SQuAD held-out articles 25-48": squad_items(squad_lib, held_out_q)}
    if not args.held_out_only:
        all_q = list(iter_subset(squad.questions, args.limit))
        evaluations = {"SQuAD all 48 articles": squad_items(squad_lib, all_q), **evaluations}
    sections: list[str] = []
    systems: list[tuple[str, Callable[[Library, list[Item]], Scores]]] = []
    baselines: dict[int, list[Baseline]] = {}

    def baseline_runner(kind: type[Baseline]) -> Callable[[Library, list[Item]], Scores]:
        def run(lib: Library, items: list[Item]) -> Scores:
            cache = baselines.setdefault(id(lib), [])
            found = next((b for b in cache if isinstance(b, kind)), None)
            if found is None:
                found = kind(lib.passages)
                cache.append(found)
            return evaluate_baseline(lib, found, items)

        return run

    if "a" in args.systems:
        systems.append(("a", baseline_runner(RankBM25)))
    if "b" in args.systems:
        systems.append(("b", baseline_runner(Bm25s)))
    if "c" in args.systems:
        systems.append(("c", lambda lib, items: evaluate_citebot(lib, items, Options())))
    targets = {
        **{name: (squad_lib, items) for name, items in evaluations.items()},
        **{f"{name}.jsonl (bundled articles)": v for name, v in sets.items()},
    }
    for title, (lib, items) in targets.items():
        rows = []
        for _, run in systems:
            scores = run(lib, items)
            rows.append(scores.row())
            print(f"[{time.perf_counter() - t0:6.0f}s] {title}: {scores.row()}", file=sys.stderr)
        sections.append(f"#### {title}\n\n{HEADER}\n" + "\n".join(rows))
    if args.curve:
        held_out_all = squad.of_articles(HELD_OUT_ARTICLES)
        sections.append(
            "#### Abstention trade-off\n\n"
            + abstention_curve(squad_lib, bundled, held_out_all, set_paths, args.limit)
        )
    if args.ablation or args.ablation_new:
        held = evaluations["SQuAD held-out articles 25-48"]
        which = ROUND3 if args.ablation_new else slice(None)
        sections.append(
            "#### Before/after each piece (citebot)\n\n"
            + run_ablation(squad_lib, held, sets, args.squad, args.limit, which)
        )
    report = "\n\n".join([_machine_line(args), *sections])
    print(report)
    if args.write:
        write_results(report)
    return 0


def _machine_line(args: argparse.Namespace) -> str:
    import bm25s

    subset = f", subset of {args.limit} per SQuAD set" if args.limit else ""
    return (
        f"Measured {dt.date.today().isoformat()} on {platform.machine()} "
        f"({platform.processor() or 'cpu'}), Python {platform.python_version()}, "
        f"bm25s {bm25s.__version__}{subset}; `python -m bench.quality"
        + ("".join(f" {a}" for a in sys.argv[1:]) if sys.argv[1:] else "")
        + "`."
    )


def write_results(report: str) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    block = f"{MARK_BEGIN}\n{report}\n{MARK_END}"
    if MARK_END in text:
        text = re.sub(
            re.escape(MARK_BEGIN) + r".*?" + re.escape(MARK_END), lambda _: block, text, flags=re.S
        )
    else:
        text = text.replace(MARK_BEGIN, block)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
