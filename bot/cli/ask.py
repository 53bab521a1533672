"""`citebot ask`, `citebot sources`, `citebot index`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from bot.cli.common import UsageError, add_common, local_user, run_service
from bot.render_text import render_answer, visible
from knowledge.errors import UserError

if TYPE_CHECKING:
    from bot.service import Asker, Service


def register(sub: argparse._SubParsersAction) -> None:
    ask = sub.add_parser("ask", help="answer a question with quotes from the sources")
    ask.add_argument("question", nargs="+", help="the question, or - to read one per line")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument(
        "--after",
        metavar="ANSWER_ID",
        help="ask as a follow-up of that answer (its names, dates, places complete it)",
    )
    add_common(ask)
    ask.set_defaults(handler=run_ask)

    sources = sub.add_parser("sources", help="list the loaded sources")
    sources.add_argument("--json", action="store_true")
    add_common(sources)
    sources.set_defaults(handler=run_sources)

    index = sub.add_parser("index", help="rebuild the search index and print counts")
    add_common(index)
    index.set_defaults(handler=run_index)


def run_ask(args: argparse.Namespace) -> int:
    from bot.service import Asker

    asker = Asker(display_name=local_user())
    if args.question == ["-"]:
        if not args.json:
            raise UsageError("reading questions from stdin ('-') needs --json")
        return run_service(
            args, lambda service: _ask_lines(service, asker, args.after), load_library=args.strict
        )
    # The library is loaded by the first question the cache cannot answer (--strict checks
    # the sources first).
    served = run_service(
        args,
        lambda service: service.ask(" ".join(args.question), asker, after=args.after),
        load_library=args.strict,
    )
    if args.json:  # spaced as the stdin form's lines are
        print(json.dumps(served.model_dump(mode="json"), ensure_ascii=False))
    else:
        print(visible(render_answer(served)))
        print(
            f"\n[answer {served.answer_id}{', from the cache' if served.cached else ''}; if it is "
            f'wrong: citebot report {served.answer_id} --reason "..."]'
        )
    return 0


async def _ask_lines(service: Service, asker: Asker, after: str | None) -> int:
    """One JSON answer per stdin line, printed as soon as it is ready; a bad line (a refused
    question, bytes that are not UTF-8, a line over the size limit, read no further than that)
    gets an error object and the rest still run."""
    from bot.lines import LineError, read_line

    while True:
        try:
            line = read_line(sys.stdin)
        except LineError as exc:
            payload: dict = {"question": exc.preview.strip()[:80], "error": str(exc)}
        else:
            if line is None:
                return 0
            if not line.strip():
                continue
            try:
                payload = (await service.ask(line, asker, after=after)).model_dump(mode="json")
            except UserError as exc:
                payload = {"question": line.strip()[:80], "error": str(exc)}
        print(json.dumps(payload, ensure_ascii=False), flush=True)


def run_sources(args: argparse.Namespace) -> int:
    rows = [
        row.model_dump()
        for row in run_service(args, lambda service: service.sources(), database=False)
    ]
    if args.json:
        print(json.dumps({"sources": rows}, ensure_ascii=False))
        return 0
    width = max((len(row["source_id"]) for row in rows), default=0)
    for row in rows:
        print(
            visible(
                f"{row['source_id']:{width}}  {row['date'] or 'undated':10}  "
                f"{row['paragraphs']:3} ¶  {row['title']}"
            )
        )
    return 0


def run_index(args: argparse.Namespace) -> int:
    built = run_service(
        args, lambda service: service.rebuild_index(), load_library=False, database=False
    )
    print(
        f"indexed {built.sources} sources, {built.passages} passages, "
        f"{built.documents} documents; fingerprint {built.fingerprint}"
    )
    return 0
