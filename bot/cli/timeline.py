"""`citebot timeline`: dated events from the sources, oldest first, with quotes and citations."""

from __future__ import annotations

import argparse
import json
import shutil

from bot.cli.common import UsageError, add_common
from bot.render_text import visible
from knowledge.timeline import (
    Event,
    FilterError,
    Mention,
    about_terms,
    best_mention,
    citations,
    filter_events,
    matches_about,
    parse_date_bound,
    parse_year,
    trim_quote,
)

_MAX_LABEL = 30
_MIN_QUOTE = 40


def register(sub: argparse._SubParsersAction) -> None:
    timeline = sub.add_parser(
        "timeline",
        help="dated events from the sources, oldest first",
        description="Dated events from the sources, oldest first; within a year, finer dates "
        "come before the coarser ones holding them.",
    )
    timeline.add_argument("--year", metavar="Y", help="events whose dates overlap year Y")
    timeline.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        help="events ending on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)",
    )
    timeline.add_argument(
        "--to", dest="end", metavar="DATE", help="events starting on or before DATE"
    )
    timeline.add_argument(
        "--about", metavar="TEXT", help='events whose quotes hold these words, e.g. "Met Gala"'
    )
    timeline.add_argument("--json", action="store_true", help="print one JSON object")
    add_common(timeline)
    timeline.set_defaults(handler=run_timeline)


def run_timeline(args: argparse.Namespace) -> int:
    from bot.cli.ask import _library

    try:
        year = parse_year(args.year) if args.year is not None else None
        start = parse_date_bound(args.start, "--from").start if args.start else None
        end = parse_date_bound(args.end, "--to").end if args.end else None
        if start and end and start > end:
            raise FilterError(f"--from {args.start} is after --to {args.end}")
        terms = about_terms(args.about) if args.about is not None else []
    except FilterError as exc:
        raise UsageError(str(exc)) from None
    timeline = _library(args).timeline
    events = filter_events(timeline.events, year=year, start=start, end=end, about=args.about)
    dated_filter = year is not None or start is not None or end is not None
    undated = (
        []
        if dated_filter
        else [m for m in timeline.unresolved if not terms or matches_about([m], terms)]
    )
    if args.json:
        payload = {
            "events": [e.model_dump(mode="json") for e in events],
            "unresolved": [m.model_dump(mode="json") for m in undated],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    print(visible(render_timeline(events, undated)))
    return 0


def render_timeline(events: list[Event], undated: list[Mention], width: int | None = None) -> str:
    """One line per event: label, the shortest good quote trimmed to fit, citations."""
    if not events and not undated:
        return "No dated events match."
    width = width or max(shutil.get_terminal_size((100, 20)).columns, 80)
    labels = [e.label for e in events] + (["undated"] if undated else [])
    pad = min(max(len(label) for label in labels), _MAX_LABEL)
    lines = []
    rows = [(e.label, best_mention(e), e.mentions) for e in events]
    rows += [("undated", m, [m]) for m in undated]
    for label, mention, mentions in rows:
        cites = f"[{', '.join(citations(mentions))}]"
        room = max(width - pad - len(cites) - 4, _MIN_QUOTE)
        quote = trim_quote(mention.quote, mention.expression, room)
        lines.append(f"{label:<{pad}}  {quote}  {cites}")
    if undated:
        lines.append("(undated: relative to an article that gives no date, so left unresolved)")
    return "\n".join(lines)
