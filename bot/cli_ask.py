"""`citebot ask`, `citebot sources`, `citebot index`."""

from __future__ import annotations

import argparse
import json
import sys

from bot.render_text import render_answer
from knowledge.answer import QuestionError, answer_question
from knowledge.library import Library, open_library


def register(sub: argparse._SubParsersAction, add_common) -> None:
    ask = sub.add_parser("ask", help="answer a question with quotes from the sources")
    ask.add_argument("question", nargs="+", help="the question, or - to read one per line")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    add_common(ask)
    ask.set_defaults(handler=run_ask)

    sources = sub.add_parser("sources", help="list the loaded sources")
    sources.add_argument("--json", action="store_true")
    add_common(sources)
    sources.set_defaults(handler=run_sources)

    index = sub.add_parser("index", help="rebuild the search index and print counts")
    add_common(index)
    index.set_defaults(handler=run_index)


def _library(args: argparse.Namespace, *, rebuild: bool = False) -> Library:
    from bot.cli import settings_from

    settings = settings_from(args)
    library = open_library(
        settings.corpus_dir, settings.data_dir, strict=args.strict, rebuild=rebuild
    )
    for warning in library.corpus.warnings:
        print(f"citebot: warning: {warning}", file=sys.stderr)
    return library


def run_ask(args: argparse.Namespace) -> int:
    library = _library(args)
    if args.question == ["-"]:
        if not args.json:
            from bot.cli import UsageError

            raise UsageError("reading questions from stdin ('-') needs --json")
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                payload = answer_question(library, line).model_dump(mode="json")
            except QuestionError as exc:
                payload = {"question": line.strip()[:80], "error": str(exc)}
            print(json.dumps(payload, ensure_ascii=False), flush=True)
        return 0
    answer = answer_question(library, " ".join(args.question))
    if args.json:
        print(answer.model_dump_json())
    else:
        print(render_answer(answer))
    return 0


def run_sources(args: argparse.Namespace) -> int:
    library = _library(args)
    rows = [
        {
            "source_id": s.source_id,
            "title": s.title,
            "date": s.date.isoformat() if s.date else None,
            "paragraphs": len(s.passages),
        }
        for s in library.corpus.sources
    ]
    if args.json:
        print(json.dumps({"sources": rows}, ensure_ascii=False))
        return 0
    for row in rows:
        print(
            f"{row['source_id']}  {row['date'] or 'undated':10}  {row['paragraphs']:3} ¶  "
            f"{row['title']}"
        )
    return 0


def run_index(args: argparse.Namespace) -> int:
    library = _library(args, rebuild=True)
    corpus = library.corpus
    print(
        f"indexed {len(corpus.sources)} sources, {len(library.passages)} passages, "
        f"{library.index.n_docs} documents; fingerprint {corpus.fingerprint}"
    )
    return 0
