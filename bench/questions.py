"""Evaluate the answerer on the question sets about the bundled articles.

`python -m bench.questions [FILE ...]` prints, per set: paragraph accuracy at rank 1 (the
first quote comes from the expected paragraph or a listed alternative), answer accuracy (the
first quote holds a gold answer), abstentions on answerable questions and on unanswerable ones.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import BaseModel, Field

from knowledge.answering.answer import answer_question
from knowledge.answering.ranker import load_model
from knowledge.answering.ranking import Options
from knowledge.models import Answer
from knowledge.search.library import Library, open_library
from knowledge.text.analysis import fold

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DEFAULT_SETS = (
    DATA / "questions.jsonl",
    DATA / "questions_people.jsonl",
    DATA / "questions_holdout.jsonl",  # written before round-2 tuning, never tuned on
    DATA / "questions_chat_dev.jsonl",  # chat forms of the first two (bench.chatify): dev
)


class Question(BaseModel):
    id: str
    question: str
    answerable: bool = True
    source_id: str | None = None
    paragraph: int | None = None
    answer: str | None = None
    answers: list[str] = Field(default_factory=list)
    also: list[tuple[str, int]] = Field(default_factory=list)

    def gold_answers(self) -> list[str]:
        return self.answers or ([self.answer] if self.answer else [])

    def gold_paragraphs(self) -> set[tuple[str, int]]:
        return {(self.source_id, self.paragraph), *self.also}


class Outcome(BaseModel):
    question: Question
    answered: bool
    top1: bool = False
    answer_ok: bool = False


class Summary(BaseModel):
    name: str
    answerable: int
    unanswerable: int
    top1: float
    answer_accuracy: float
    abstained_answerable: float
    abstained_unanswerable: float


def load_questions(path: Path) -> list[Question]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [Question.model_validate_json(line) for line in lines if line.strip()]


def judge(question: Question, answer: Answer) -> Outcome:
    if not answer.answered or not answer.quotes:
        return Outcome(question=question, answered=False)
    first = answer.quotes[0]
    top1 = (first.source_id, first.paragraph) in question.gold_paragraphs()
    answer_ok = any(fold(gold) in fold(first.text) for gold in question.gold_answers())
    return Outcome(question=question, answered=True, top1=top1, answer_ok=answer_ok)


def evaluate(
    questions: Iterable[Question], ask: Callable[[str], Answer]
) -> tuple[list[Outcome], Summary]:
    outcomes = [judge(q, ask(q.question)) for q in questions]
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]

    def share(items: list[Outcome], pred: Callable[[Outcome], bool]) -> float:
        return round(sum(map(pred, items)) / len(items), 4) if items else 0.0

    return outcomes, Summary(
        name="",
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        top1=share(answerable, lambda o: o.top1),
        answer_accuracy=share(answerable, lambda o: o.answer_ok),
        abstained_answerable=share(answerable, lambda o: not o.answered),
        abstained_unanswerable=share(unanswerable, lambda o: not o.answered),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.questions", description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--misses", action="store_true", help="list the questions missed")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--model", type=Path, default=None, help="a ranker.json to try")
    parser.add_argument(
        "--off", action="append", default=[], metavar="OPTION", help="an Options flag to turn off"
    )
    args = parser.parse_args(argv)
    library: Library = open_library(None, None)
    off = dict.fromkeys(args.off, False)
    options = Options(model=load_model(args.model) if args.model else None, **off)
    files = args.files or [p for p in DEFAULT_SETS if p.exists()]
    summaries = []
    for path in files:
        outcomes, summary = evaluate(
            load_questions(path), lambda q: answer_question(library, q, options)
        )
        summary.name = path.name
        summaries.append(summary)
        if args.misses:
            for o in outcomes:
                q = o.question
                wrong = (not o.answer_ok) if q.answerable else o.answered
                if wrong:
                    print(f"  miss {q.id}: {q.question} (answered={o.answered}, top1={o.top1})")
    if args.json:
        print(json.dumps([s.model_dump() for s in summaries], indent=2))
        return 0
    print(f"{'set':28} {'n':>4} {'top-1':>6} {'answer':>7} {'abst.(ans)':>10} {'abst.(unans)':>12}")
    for s in summaries:
        print(
            f"{s.name:28} {s.answerable:4} {s.top1:6.2f} {s.answer_accuracy:7.2f} "
            f"{s.abstained_answerable:10.2f} {s.abstained_unanswerable:12.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
