"""`citebot timeline`: dated events from the sources, oldest first, with quotes and citations."""

from __future__ import annotations

import argparse
import json

from bot.cli.common import UsageError, add_common, run_service
from bot.render_text import render_timeline, visible
from bot.service import TimelineQuery, TimelineQueryError


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
    try:
        query = TimelineQuery.parse(args.year, args.start, args.end, args.about)
    except TimelineQueryError as exc:
        raise UsageError(str(exc)) from None
    timeline = run_service(args, lambda service: service.timeline(query), database=False)
    events, undated = timeline.events, timeline.unresolved
    if args.json:
        payload = {
            "events": [e.model_dump(mode="json") for e in events],
            "unresolved": [m.model_dump(mode="json") for m in undated],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    print(visible(render_timeline(events, undated)))
    return 0
