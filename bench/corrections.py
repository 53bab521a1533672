"""How well moderators' corrections carry over to rewordings, and never to other questions.

`python -m bench.corrections` plays tests/data/corrections_eval.jsonl through the real service
(a temporary SQLite file): each of its 10 chat questions is asked in one guild, reported and
resolved with the passage that answers it; then its 3 rewordings and 50 unrelated questions are
asked in that guild and in another one. A rewording counts when it is answered with the
corrected quote first; an unrelated question counts as changed when its answer differs from
the other guild's. `--sweep` adds the trade-off over the retrieval floor (pure scoring, no
store), with the question pairs of the three article sets as a second check of precision.
`--dev` plays tests/data/corrections_dev.jsonl instead: the set tuned on.
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
from knowledge.answering.corrections import PARAPHRASE_THRESHOLD, RETRIEVAL_FLOOR, match_score
from knowledge.search.library import Library

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "corrections_eval.jsonl"
DEV = ROOT / "tests" / "data" / "corrections_dev.jsonl"  # tuned on; EVAL is only measured
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


def _passage(row: dict) -> tuple[str, int]:
    source_id, paragraph = row["answer"].split(":")[:2]
    return source_id, int(paragraph)


def _matches(library: Library, question: str, corrected: dict, floor: float) -> bool:
    score = match_score(library, question, corrected["question"], _passage(corrected), floor=floor)
    return score is not None


def sweep(library: Library, rows: list[dict]) -> list[tuple[float, int, int]]:
    """Rewordings matched and unrelated questions matching any correction, by the floor the
    words need when retrieval agrees (at the floor PARAPHRASE_THRESHOLD: words alone)."""
    corrected = {r["id"]: r for r in rows if r["kind"] == "corrected"}
    out = []
    for floor in FLOORS:
        hits = sum(
            _matches(library, r["question"], corrected[r["of"]], floor)
            for r in rows
            if r["kind"] == "rewording"
        )
        changed = sum(
            any(_matches(library, r["question"], c, floor) for c in corrected.values())
            for r in rows
            if r["kind"] == "unrelated"
        )
        out.append((floor, hits, changed))
    return out


FLOORS = sorted({0.2, 0.25, RETRIEVAL_FLOOR, 0.4, 0.5, PARAPHRASE_THRESHOLD})


def article_pairs(library: Library, floor: float) -> tuple[list[bool], list[bool]]:
    """Question pairs from the article sets, the second one taken as corrected with its gold
    paragraph: is the first matched? Same gold answer and paragraph (rewordings), and
    different paragraphs (different questions)."""
    questions = [
        json.loads(line)
        for name in ARTICLE_SETS
        for line in (ROOT / "tests" / "data" / f"{name}.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    same, different = [], []
    for x, y in itertools.permutations(questions, 2):
        if x["question"].lower() == y["question"].lower() or not y.get("answerable"):
            continue
        where_x = (x.get("source_id"), x.get("paragraph"))
        where_y = (y["source_id"], y["paragraph"])
        matched = (
            match_score(library, x["question"], y["question"], where_y, floor=floor) is not None
        )
        if x.get("answerable") and where_x == where_y:
            if x["answer"].lower() == y["answer"].lower():
                same.append(matched)
        else:
            different.append(matched)
    return same, different


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sweep", action="store_true", help="also the threshold trade-off")
    parser.add_argument("--misses", action="store_true", help="list what was missed or changed")
    parser.add_argument("--dev", action="store_true", help="the dev set (tuned on), not eval")
    args = parser.parse_args(argv)
    rows = load(DEV if args.dev else EVAL)
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(play(rows, Path(folder)))
    print(
        f"rewordings corrected: {result['corrected']}/{result['rewordings']}  "
        f"unrelated answers changed: {len(result['changed'])}/{result['unrelated']}  "
        f"corrected in another guild: {result['other_guild_corrected']}  "
        f"(threshold {PARAPHRASE_THRESHOLD}, retrieval floor {RETRIEVAL_FLOOR})"
    )
    if args.misses:
        for row in result["misses"]:
            print(f"  missed   {row['id']:6} {row['question']}")
        for row in result["changed"]:
            print(f"  changed  {row['id']:6} {row['question']}")
    if args.sweep:
        from knowledge.search.library import open_library

        library = open_library(None, None)
        n_reword = sum(r["kind"] == "rewording" for r in rows)
        n_other = sum(r["kind"] == "unrelated" for r in rows)
        print("\nretrieval floor  rewordings  unrelated matched  article pairs: same  different")
        for floor, hits, changed in sweep(library, rows):
            same, different = article_pairs(library, floor)
            off = " (words alone)" if floor >= PARAPHRASE_THRESHOLD else ""
            print(
                f"{floor:15.2f}  {hits:5}/{n_reword}  {changed:9}/{n_other}"
                f"  {sum(same):12}/{len(same)}  {sum(different):5}/{len(different)}{off}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
