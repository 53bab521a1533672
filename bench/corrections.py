"""How well moderators' corrections carry over to rewordings, and never to other questions.

`python -m bench.corrections` plays tests/data/corrections_eval.jsonl through the real service
(a temporary SQLite file): each of its 10 chat questions is asked in one guild, reported and
resolved with the passage that answers it; then its 3 rewordings and 50 unrelated questions are
asked in that guild and in another one. A rewording counts when it is answered with the
corrected quote first; an unrelated question counts as changed when its answer differs from
the other guild's. `--sweep` adds the trade-off over the threshold (pure scoring, no store),
and the question pairs of the three article sets as a second check of precision.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
from pathlib import Path

from bot.service import Asker, Service
from bot.settings import Settings
from knowledge.corrections import PARAPHRASE_THRESHOLD, rewording_score
from knowledge.library import Library

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "corrections_eval.jsonl"
ARTICLE_SETS = ("questions", "questions_people", "questions_holdout")
HERE, ELSEWHERE = Asker(display_name="eval", guild_id="1"), Asker(display_name="eval", guild_id="2")


def load(path: Path = EVAL) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _shown(answer) -> tuple:
    quotes = answer.quotes if answer.answered else answer.closest
    return answer.answered, [(q.source_id, q.paragraph, q.text) for q in quotes], answer.corrected


async def play(rows: list[dict], data: Path) -> dict:
    """Correct, then ask; returns the counts and the misses."""
    corrected = {r["id"]: r for r in rows if r["kind"] == "corrected"}
    async with await Service.open(Settings(CITEBOT_DATA=str(data))) as service:
        for row in corrected.values():
            answer = await service.ask(row["question"], HERE)
            report = await service.report(answer.answer_id, HERE, "wrong", "eval")
            await service.resolve(
                report.report_id, "eval", "resolved", "eval", answer=row["answer"]
            )
        hits, misses, changed, leaked = 0, [], [], 0
        rewordings = [r for r in rows if r["kind"] == "rewording"]
        for row in rewordings:
            answer = await service.ask(row["question"], HERE)
            source_id, paragraph = corrected[row["of"]]["answer"].split(":")[:2]
            first = answer.quotes[0] if answer.quotes else None
            if (
                answer.corrected is not None
                and first is not None
                and (first.source_id, first.paragraph) == (source_id, int(paragraph))
            ):
                hits += 1
            else:
                misses.append(row)
            other = await service.ask(row["question"], ELSEWHERE)
            leaked += other.corrected is not None
        unrelated = [r for r in rows if r["kind"] == "unrelated"]
        for row in unrelated:
            here = await service.ask(row["question"], HERE)
            there = await service.ask(row["question"], ELSEWHERE)
            if _shown(here) != _shown(there):
                changed.append(row)
    return {
        "rewordings": len(rewordings),
        "corrected": hits,
        "misses": misses,
        "unrelated": len(unrelated),
        "changed": changed,
        "other_guild_corrected": leaked,
    }


def _best(library: Library, question: str, corrected: list[str]) -> float:
    return max(rewording_score(library, question, c) for c in corrected)


def sweep(library: Library, rows: list[dict]) -> list[tuple[float, int, int]]:
    corrected = [r["question"] for r in rows if r["kind"] == "corrected"]
    by_id = {r["id"]: r["question"] for r in rows if r["kind"] == "corrected"}
    reword = [
        rewording_score(library, r["question"], by_id[r["of"]])
        for r in rows
        if r["kind"] == "rewording"
    ]
    other = [_best(library, r["question"], corrected) for r in rows if r["kind"] == "unrelated"]
    return [
        (t, sum(s >= t for s in reword), sum(s >= t for s in other))
        for t in sorted({0.45, 0.5, 0.55, 0.6, PARAPHRASE_THRESHOLD, 0.65, 0.7, 0.8})
    ]


def article_pairs(library: Library) -> tuple[list[float], list[float]]:
    """Scores of question pairs from the article sets: same gold answer and paragraph
    (rewordings) and different paragraphs (different questions)."""
    questions = [
        json.loads(line)
        for name in ARTICLE_SETS
        for line in (ROOT / "tests" / "data" / f"{name}.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    same, different = [], []
    for a, b in itertools.combinations(questions, 2):
        if a["question"].lower() == b["question"].lower():
            continue
        both = a.get("answerable") and b.get("answerable")
        where_a = (a.get("source_id"), a.get("paragraph"))
        where_b = (b.get("source_id"), b.get("paragraph"))
        score = rewording_score(library, a["question"], b["question"])
        if both and where_a == where_b and a["answer"].lower() == b["answer"].lower():
            same.append(score)
        elif not (both and where_a == where_b):
            different.append(score)
    return same, different


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", action="store_true", help="also the threshold trade-off")
    parser.add_argument("--misses", action="store_true", help="list what was missed or changed")
    args = parser.parse_args(argv)
    rows = load()
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(play(rows, Path(folder)))
    print(
        f"rewordings corrected: {result['corrected']}/{result['rewordings']}  "
        f"unrelated answers changed: {len(result['changed'])}/{result['unrelated']}  "
        f"corrected in another guild: {result['other_guild_corrected']}  "
        f"(threshold {PARAPHRASE_THRESHOLD})"
    )
    if args.misses:
        for row in result["misses"]:
            print(f"  missed   {row['id']:6} {row['question']}")
        for row in result["changed"]:
            print(f"  changed  {row['id']:6} {row['question']}")
    if args.sweep:
        from knowledge.library import open_library

        library = open_library(None, None)
        print("\nthreshold  rewordings  unrelated changed")
        for t, hits, changed in sweep(library, rows):
            print(f"{t:9.2f}  {hits:5}/30  {changed:9}/50")
        same, different = article_pairs(library)
        print("\narticle-set question pairs (a second check of precision)")
        print("threshold  same answer  different paragraphs")
        for t in sorted({0.5, 0.55, 0.6, PARAPHRASE_THRESHOLD, 0.65, 0.7}):
            print(
                f"{t:9.2f}  {sum(s >= t for s in same):5}/{len(same)}  "
                f"{sum(s >= t for s in different):9}/{len(different)}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
