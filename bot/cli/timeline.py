"""`citebot timeline`: dated events from the sources, oldest first, with quotes and citations."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.cli.common import UsageError, add_common, run_service
from bot.render_text import render_timeline, visible
from bot.service import Service, TimelineQuery, TimelineQueryError
from knowledge.files import write_atomically


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
    timeline.add_argument(
        "--png", type=Path, metavar="FILE", help="draw the events as a picture into FILE (PNG)"
    )
    timeline.add_argument(
        "--svg", type=Path, metavar="FILE", help="draw the events as a picture into FILE (SVG)"
    )
    add_common(timeline)
    timeline.set_defaults(handler=run_timeline)


def run_timeline(args: argparse.Namespace) -> int:
    try:
        query = TimelineQuery.parse(args.year, args.start, args.end, args.about)
    except TimelineQueryError as exc:
        raise UsageError(str(exc)) from None
    if args.png or args.svg:
        return _draw(args, query)
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


def _draw(args: argparse.Namespace, query: TimelineQuery) -> int:
    """Write the picture(s) asked for; one line per file on stdout."""
    wanted = [(fmt, path) for fmt, path in (("png", args.png), ("svg", args.svg)) if path]
    for _, path in wanted:
        if not path.parent.is_dir():
            raise UsageError(f"cannot write {path}: folder {path.parent} does not exist")

    async def draw(service: Service) -> tuple[int, list[bytes]]:
        timeline = await service.timeline(query)
        pictures = [
            await service.timeline_picture(query, fmt=fmt, title=query.title)  # type: ignore[arg-type]
            for fmt, _ in wanted
        ]
        return len(timeline.events), pictures

    count, pictures = run_service(args, draw, database=False)
    for (_, path), data in zip(wanted, pictures, strict=True):
        try:
            write_atomically(path, data)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        print(f"wrote {path} ({count} event{'s' if count != 1 else ''})")
    return 0
