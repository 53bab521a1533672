"""`citebot sources`: list the sources, add a file or a page by its link, remove one."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.cli.common import UsageError, add_common, run_service
from bot.render_text import visible
from bot.source_folder import MAX_SOURCE_BYTES


def register(sub: argparse._SubParsersAction) -> None:
    sources = sub.add_parser(
        "sources",
        help="list, add or remove sources",
        description="List the sources (the default), add a file or a web page by its link, or "
        "remove one by its id. A running `citebot run` takes changes within seconds.",
    )
    sources.add_argument("--json", action="store_true", help="print the list as JSON")
    add_common(sources)
    sources.set_defaults(handler=run_list)
    actions = sources.add_subparsers(dest="action", metavar="{list,add,remove}")
    listing = actions.add_parser("list", help="list the sources (title, date, kind, ¶, link)")
    listing.add_argument("--json", action="store_true", help="print the list as JSON")
    add_common(listing)
    listing.set_defaults(handler=run_list)
    add = actions.add_parser(
        "add",
        help="add a file (.txt .md .html .htm .pdf .docx) or a web page by its http(s) link",
    )
    add.add_argument("what", help="a file path, or an http:// or https:// link")
    add.add_argument("--replace", action="store_true", help="replace a source of the same id")
    add_common(add)
    add.set_defaults(handler=run_add)
    remove = actions.add_parser("remove", help="remove a source by its id (see `sources list`)")
    remove.add_argument("source_id")
    add_common(remove)
    remove.set_defaults(handler=run_remove)


def run_list(args: argparse.Namespace) -> int:
    rows = [
        row.model_dump()
        for row in run_service(args, lambda service: service.sources(), database=False)
    ]
    if args.json:
        print(json.dumps({"sources": rows}, ensure_ascii=False))
        return 0
    width = max((len(row["source_id"]) for row in rows), default=0)
    for row in rows:
        link = f"  <{row['url']}>" if row["url"] else ""
        print(
            visible(
                f"{row['source_id']:{width}}  {row['date'] or 'undated':10}  {row['kind']:8} "
                f"{row['paragraphs']:3} ¶  {row['title']}{link}"
            )
        )
    return 0


def run_add(args: argparse.Namespace) -> int:
    what = args.what
    if what.lower().startswith(("http://", "https://")):
        added = run_service(
            args,
            lambda service: service.add_source_url(what, replace=args.replace),
            load_library=False,
            database=False,
        )
    elif "://" in what:
        raise UsageError("only http:// and https:// links can be added")
    else:
        path = Path(what)
        raw = _read(path)
        added = run_service(
            args,
            lambda service: service.add_source_file(path.name, raw, replace=args.replace),
            load_library=False,
            database=False,
        )
    link = f" <{added.url}>" if added.url else ""
    print(
        visible(
            f"added {added.source_id}: {added.title!r} ({added.kind}, {added.paragraphs} ¶)"
            f"{link}; a running bot answers from it within seconds"
        )
    )
    return 0


def run_remove(args: argparse.Namespace) -> int:
    removed = run_service(
        args,
        lambda service: service.remove_source(args.source_id),
        load_library=False,
        database=False,
    )
    print(visible(f"removed {', '.join(removed)}; it is no longer quoted"))
    return 0


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise UsageError(f"{path} is not a file")
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise UsageError(f"{path} is over {MAX_SOURCE_BYTES // 2**20} MB")
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
