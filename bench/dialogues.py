"""Evaluate follow-up questions on the dialogue set (tests/data/dialogues.jsonl).

`python -m bench.dialogues` replays each conversation as a member would: the first turn is
asked alone, each later turn after the answer citebot gave to the turn before (read in its
context, knowledge.answering.conversation). Each later turn is also asked alone, without
context, to show what the context bought. Judged like bench.questions: the first quote comes
from a gold paragraph (top-1), holds a gold answer (answer), and an unanswerable turn is
declined.

`--sets` also asks every question of tests/data/questions*.jsonl as the second turn after the
answer to an unrelated question (another source's), to show the context never makes a
complete question worse.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from bench.questions import DATA, Outcome, Question, judge, load_questions
from knowledge.answering.answer import answer_question
from knowledge.answering.conversation import follow_up
from knowledge.models import Answer
from knowledge.search.library import Library, open_library

DIALOGUES = DATA / "dialogues.jsonl"
QUESTION_SETS = sorted(DATA.glob("questions*.jsonl"))


class Turn(Question):
    id: str = ""
    kind: str  # first, follow_up (depends on the turn before) or switch (a new topic)
    standalone: str = ""


class Dialogue(BaseModel):
    id: str
    turns: list[Turn] = Field(min_length=1)


class Scored(BaseModel):
    turn: Turn
    dialogue: str
    searched: str  # the question as understood with the context
    in_context: Outcome
    alone: Outcome
    written: Outcome | None = None  # asked as the set's standalone rewrite: the ceiling


class Figures(BaseModel):
    """Shares of a group of turns: right (answer) and top-1 with and without the context;
    for unanswerable turns, declined."""

    group: str
    n: int
    answer: float
    top1: float
    answer_alone: float
    top1_alone: float
    declined: float = 0.0
    declined_alone: float = 0.0
    answer_written: float | None = None  # asked as the set's own standalone rewrite


class Asker:
    """answer_question with a memo: many turns are the same question with and without context."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._memo: dict[str, Answer] = {}

    def __call__(self, question: str) -> Answer:
        if question not in self._memo:
            self._memo[question] = answer_question(self.library, question)
        return self._memo[question]

    def after(self, message: str, previous: Answer | None) -> tuple[str, Answer]:
        """The message answered in its context, as the service does
        (knowledge.answering.conversation.answer_in_context), with the memo: (the question as
        understood, the answer)."""
        asked = follow_up(self.library, message, previous)
        if asked.context:  # depends on the previous answer: no memo
            answer = answer_question(self.library, asked.question, asked.options())
        else:
            answer = self(asked.question)
        if not asked.rewritten:
            return message, answer
        searched = answer.searched_for or answer.question
        return asked.question, answer.model_copy(
            update={"question": message, "searched_for": searched}
        )


def load_dialogues(path: Path) -> list[Dialogue]:
    lines = path.read_text(encoding="utf-8").splitlines()
    dialogues = [Dialogue.model_validate_json(line) for line in lines if line.strip()]
    for d in dialogues:
        for i, turn in enumerate(d.turns):
            turn.id = turn.id or f"{d.id}.{i + 1}"
    return dialogues


def replay(dialogue: Dialogue, ask: Asker) -> list[Scored]:
    """Every turn after the first, scored in its context and alone."""
    previous = ask(dialogue.turns[0].question)
    scored = []
    for turn in dialogue.turns[1:]:
        searched, answer = ask.after(turn.question, previous)
        scored.append(
            Scored(
                turn=turn,
                dialogue=dialogue.id,
                searched=searched,
                in_context=judge(turn, answer),
                alone=judge(turn, ask(turn.question)),
                written=judge(turn, ask(turn.standalone)) if turn.standalone else None,
            )
        )
        previous = answer
    return scored


def _share(items: list[Outcome], pred: Callable[[Outcome], bool]) -> float:
    return round(sum(map(pred, items)) / len(items), 4) if items else 0.0


def figures(group: str, scored: list[Scored]) -> Figures:
    answerable = [s for s in scored if s.turn.answerable]
    unanswerable = [s for s in scored if not s.turn.answerable]
    ctx = [s.in_context for s in answerable]
    alone = [s.alone for s in answerable]
    return Figures(
        group=group,
        n=len(scored),
        answer=_share(ctx, lambda o: o.answer_ok),
        top1=_share(ctx, lambda o: o.top1),
        answer_alone=_share(alone, lambda o: o.answer_ok),
        top1_alone=_share(alone, lambda o: o.top1),
        declined=_share([s.in_context for s in unanswerable], lambda o: not o.answered),
        declined_alone=_share([s.alone for s in unanswerable], lambda o: not o.answered),
        answer_written=_share([s.written for s in answerable if s.written], lambda o: o.answer_ok)
        if any(s.written for s in answerable)
        else None,
    )


def dialogue_figures(scored: list[Scored]) -> list[Figures]:
    follow = [s for s in scored if s.turn.kind == "follow_up"]
    return [
        figures("follow-ups (answerable)", [s for s in follow if s.turn.answerable]),
        figures("follow-ups (unanswerable)", [s for s in follow if not s.turn.answerable]),
        figures("topic switches", [s for s in scored if s.turn.kind == "switch"]),
    ]


def after_unrelated(questions: list[Question], ask: Asker) -> list[Scored]:
    """Each question asked after the answer to the next question of another source."""
    scored = []
    for i, q in enumerate(questions):
        others = questions[i + 1 :] + questions[:i]
        other = next((o for o in others if o.source_id and o.source_id != q.source_id), None)
        previous = ask(other.question) if other else None
        searched, answer = ask.after(q.question, previous)
        turn = Turn(**q.model_dump(), kind="switch")
        scored.append(
            Scored(
                turn=turn,
                dialogue="",
                searched=searched,
                in_context=judge(q, answer),
                alone=judge(q, ask(q.question)),
            )
        )
    return scored


def _print(rows: list[Figures]) -> None:
    print(
        f"{'group':40} {'n':>4} {'answer':>7} {'alone':>6} {'top-1':>6} {'alone':>6} "
        f"{'declined':>9} {'alone':>6} {'written':>8}"
    )
    for r in rows:
        written = f"{r.answer_written:8.2f}" if r.answer_written is not None else f"{'':8}"
        print(
            f"{r.group:40} {r.n:4} {r.answer:7.2f} {r.answer_alone:6.2f} {r.top1:6.2f} "
            f"{r.top1_alone:6.2f} {r.declined:9.2f} {r.declined_alone:6.2f} {written}"
        )


def _misses(scored: list[Scored]) -> None:
    for s in scored:
        t, o = s.turn, s.in_context
        wrong = not o.answer_ok if t.answerable else o.answered
        if wrong or s.alone.answer_ok != o.answer_ok:
            mark = "miss" if wrong else "gain"
            print(f"  {mark} {s.dialogue} [{t.kind}] {t.question!r} -> {s.searched!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dialogues", description=__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=DIALOGUES)
    parser.add_argument(
        "--sets", action="store_true", help="also the question sets, after an unrelated answer"
    )
    parser.add_argument("--misses", action="store_true", help="list the turns missed or changed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    ask = Asker(open_library(None, None))
    scored = [s for d in load_dialogues(args.file) for s in replay(d, ask)]
    rows = dialogue_figures(scored)
    if args.misses:
        _misses(scored)
    if args.sets:
        for path in QUESTION_SETS:
            after = after_unrelated(load_questions(path), ask)
            rows.append(figures(f"{path.name} after unrelated", after))
            if args.misses:
                _misses([s for s in after if s.in_context != s.alone])
    if args.json:
        print(json.dumps([r.model_dump() for r in rows], indent=2))
    else:
        _print(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
