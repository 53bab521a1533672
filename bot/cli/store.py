"""`citebot report`, `reports [resolve|export]`, `cache` and `db check|backup|restore`."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import (
    EXIT_FAILURE,
    UsageError,
    add_common,
    add_nested_common,
    local_user,
    run_service,
    settings_from,
)
from bot.render_text import visible
from bot.service import CATEGORIES, COMMUNITY_STATUSES, STATUSES, Category, with_all
from knowledge.files import write_atomically, write_output

if TYPE_CHECKING:
    from bot.service import CommunityAnswer, Feedback, Report, Service

# bot.cli.common (and with it aiosqlite and the store) is imported inside the commands, so
# building the parser stays cheap for every other command.

_STATUSES = with_all(STATUSES)


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="report a wrong answer by its answer id")
    report.add_argument("answer_id", metavar="ANSWER_ID", help="the id printed with the answer")
    report.add_argument("--reason", required=True, help="what is wrong (up to 1,000 characters)")
    report.add_argument("--category", choices=CATEGORIES, default=Category.WRONG.value)
    report.add_argument("--reporter", metavar="NAME", help="your name (default: your login)")
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    add_common(report)
    report.set_defaults(handler=run_report)
    _register_reports(sub)
    _register_cache(sub)
    _register_db(sub)


def _register_reports(sub: argparse._SubParsersAction) -> None:
    reports = sub.add_parser("reports", help="list, resolve and export wrong-answer reports")
    reports.add_argument("--status", choices=_STATUSES, default="open")
    reports.add_argument("--json", action="store_true", help="print the reports as JSON")
    add_common(reports)
    reports.set_defaults(handler=run_reports)
    actions = reports.add_subparsers(dest="reports_action", metavar="ACTION")

    resolve = actions.add_parser("resolve", help="close a report as resolved (or --reject)")
    resolve.add_argument("report_id", type=int, metavar="REPORT_ID")
    resolve.add_argument("--note", required=True, help="what was done (up to 1,000 characters)")
    resolve.add_argument("--reject", action="store_true", help="the answer was right after all")
    resolve.add_argument("--moderator", metavar="NAME", help="default: your login")
    resolve.add_argument(
        "--answer",
        metavar="SOURCE_ID:PARAGRAPH[:SENTENCE]",
        help="the passage that answers: the question and its rewordings (in the report's "
        "server) are answered with it from now on",
    )
    resolve.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    add_nested_common(resolve)
    resolve.set_defaults(handler=run_resolve)

    _register_community(actions)

    export = actions.add_parser("export", help="write reports as CSV or JSON Lines")
    export.add_argument("--format", choices=("csv", "jsonl"), required=True, dest="fmt")
    export.add_argument("--output", type=Path, metavar="FILE", help="default: standard output")
    export.add_argument(
        "--status", choices=_STATUSES, default="all", dest="export_status", help="default: all"
    )
    export.add_argument(
        "--community", action="store_true", help="the community answers instead of the reports"
    )
    add_nested_common(export)
    export.set_defaults(handler=run_export)


def _register_community(actions: argparse._SubParsersAction) -> None:
    community = actions.add_parser(
        "community", help="passages members found answered them (pending ones by default)"
    )
    community.add_argument(
        "--status", choices=with_all(COMMUNITY_STATUSES), default="pending", dest="community_status"
    )
    community.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    add_nested_common(community)
    community.set_defaults(handler=run_community)
    for name, text in (
        ("confirm", "make a community answer a correction of its question"),
        ("dismiss", "never put a community answer first"),
    ):
        close = actions.add_parser(name, help=text)
        close.add_argument("community_id", type=int, metavar="COMMUNITY_ID")
        close.add_argument("--moderator", metavar="NAME", help="default: your login")
        close.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
        add_nested_common(close)
        close.set_defaults(handler=run_close_community, confirm=name == "confirm")


def _register_cache(sub: argparse._SubParsersAction) -> None:
    cache = sub.add_parser("cache", help="answer cache statistics and clearing")
    cache_actions = cache.add_subparsers(dest="cache_action", metavar="ACTION", required=True)
    stats = cache_actions.add_parser("stats", help="entries and hit rate since the file began")
    stats.add_argument("--json", action="store_true")
    add_common(stats)
    stats.set_defaults(handler=run_cache_stats)
    clear = cache_actions.add_parser("clear", help="drop cached answers (reports are kept)")
    add_common(clear)
    clear.set_defaults(handler=run_cache_clear)


def _register_db(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database maintenance")
    db_actions = db.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    check = db_actions.add_parser("check", help="integrity check of the database")
    check.add_argument("--json", action="store_true")
    add_common(check)
    check.set_defaults(handler=run_db_check)
    export = db_actions.add_parser(
        "export", help="write every answer, report and counter as JSON Lines (to move backends)"
    )
    export.add_argument("file", type=Path, nargs="?", metavar="FILE", help="default: stdout")
    add_common(export)
    export.set_defaults(handler=run_db_export)
    load = db_actions.add_parser("import", help="load a `db export` file into a new database")
    load.add_argument("file", type=Path, metavar="FILE", help="an export; - reads stdin")
    add_common(load)
    load.set_defaults(handler=run_db_import)
    backup = db_actions.add_parser(
        "backup", help="copy the database to FILE, safely while the bot runs"
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    add_common(backup)
    backup.set_defaults(handler=run_db_backup)
    restore = db_actions.add_parser(
        "restore", help="replace the database by a backup (stop the bot first)"
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    add_common(restore)
    restore.set_defaults(handler=run_db_restore)


# -- report -----------------------------------------------------------------------------------
def run_report(args: argparse.Namespace) -> int:
    from bot.service import Asker

    reporter = Asker(display_name=args.reporter or local_user())

    async def work(service: Service) -> Report:
        return await service.report(args.answer_id, reporter, args.category, args.reason)

    report = run_service(args, work, load_library=False)
    if args.json:
        print(report.model_dump_json())
        return 0
    if report.updated_at > report.created_at:
        print(
            f"updated your open report #{report.report_id} on answer {report.answer_id} "
            "(both reasons kept)"
        )
    else:
        print(f"report #{report.report_id} received for answer {report.answer_id}; thank you")
    return 0


# -- reports ----------------------------------------------------------------------------------
def run_reports(args: argparse.Namespace) -> int:
    async def work(
        service: Service,
    ) -> tuple[list[Report], list[Feedback], list[CommunityAnswer]]:
        found = await service.reports(args.status)
        return found, await service.feedback(), await service.community_shown()

    reports, feedback, community = run_service(args, work, load_library=False)
    if args.json:
        print(
            json.dumps(
                {
                    "reports": [r.model_dump(mode="json") for r in reports],
                    "feedback": [f.model_dump(mode="json") for f in feedback],
                    "community": [c.model_dump(mode="json") for c in community],
                }
            )
        )
        return 0
    if not reports:
        print(f"no {'' if args.status == 'all' else args.status + ' '}reports")
    for report in reports:
        print(visible(_describe(report)))
    if community:
        print("\nCommunity answers served first (citebot reports confirm|dismiss ID):")
        for c in community:
            print(visible(_describe_community(c)))
    if feedback:
        print(f'\n"This answered me" ({len(feedback)} clicks on closest passages):')
        for line in feedback_lines(feedback):
            print(visible(f"  {line}"))
    return 0


def feedback_lines(feedback: list[Feedback]) -> list[str]:
    """One line per passage and question: how many said it answered them."""
    from collections import Counter

    counts = Counter((f.answer_id, f.question, f.source_id, f.paragraph) for f in feedback)
    return [
        f"{n}\u00d7 answer {answer_id} {question!r} \u2192 {source_id}:{paragraph}"
        for (answer_id, question, source_id, paragraph), n in counts.most_common()
    ]


def _describe(report: Report, width: int = 88) -> str:
    when = report.created_at.strftime("%Y-%m-%d %H:%M")
    where = f" in guild {report.guild_id}" if report.guild_id else ""
    lines = [
        f"#{report.report_id}  {report.status:8}  {report.category:14}  {when} UTC  "
        f"by {report.reporter_name}{where}  answer {report.answer_id}",
        f"    question: {report.question}",
    ]
    for reason in report.reason.split("\n\n") if report.reason else ["(no reason given)"]:
        lines += textwrap.wrap(
            reason, width, initial_indent="    reason: ", subsequent_indent="            "
        )
    if report.status != "open":
        lines.append(f"    {report.status} by {report.moderator}: {report.resolution_note or ''}")
    if report.answer_ref:
        lines.append(
            f"    answer: {report.answer_ref} (correction #{report.correction_id}, "
            f"{report.correction_status})"
        )
    return "\n".join(lines)


def run_resolve(args: argparse.Namespace) -> int:
    status = "rejected" if args.reject else "resolved"
    moderator = args.moderator or local_user()
    if args.answer is not None and args.reject:
        raise UsageError("--answer names the passage that answers; it cannot go with --reject")

    async def work(service: Service) -> Report:
        return await service.resolve(
            args.report_id, moderator, status, args.note, answer=args.answer
        )

    report = run_service(args, work, load_library=args.answer is not None)
    if getattr(args, "json", False):
        print(report.model_dump_json())
    elif report.answer_ref:
        print(
            f"report #{report.report_id} {report.status}; correction #{report.correction_id}: "
            f"{report.question!r} and its rewordings are now answered with {report.answer_ref}"
        )
    else:
        print(f"report #{report.report_id} {report.status}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    output: Path | None = args.output
    if output is not None and not output.parent.is_dir():
        raise UsageError(f"cannot write {output}: folder {output.parent} does not exist")

    async def work(service: Service) -> str:
        if args.community:
            return await service.export_community(args.fmt, args.export_status)
        return await service.export_reports(args.fmt, args.export_status)

    text = run_service(args, work, load_library=False)
    _emit(text, output)
    if output is not None:
        print(f"wrote {output} ({args.fmt})", file=sys.stderr)
    return 0


def run_community(args: argparse.Namespace) -> int:
    found = run_service(
        args, lambda service: service.community_answers(args.community_status), load_library=False
    )
    if getattr(args, "json", False):
        print(json.dumps({"community": [c.model_dump(mode="json") for c in found]}))
        return 0
    if not found:
        print(f"no {args.community_status} community answers")
    for c in found:
        print(visible(_describe_community(c)))
    return 0


def _describe_community(c: CommunityAnswer) -> str:
    where = f" in guild {c.guild_id}" if c.guild_id else ""
    lines = [
        f"#{c.community_id}  {c.status:9}  {c.members} answered, {c.against} reported{where}  "
        f"{c.answer_ref}",
        f"    question: {c.question}",
        f"    passage:  {c.quote}",
    ]
    if c.status != "pending":
        lines.append(f"    {c.status} by {c.moderator}")
    return "\n".join(lines)


def run_close_community(args: argparse.Namespace) -> int:
    moderator = args.moderator or local_user()

    async def work(service: Service) -> CommunityAnswer:
        return await service.close_community(args.community_id, moderator, confirm=args.confirm)

    closed = run_service(args, work, load_library=False)
    if getattr(args, "json", False):
        print(closed.model_dump_json())
    else:
        print(visible(render_plain_outcome(closed)))
    return 0


def render_plain_outcome(closed: CommunityAnswer) -> str:
    if closed.status == "confirmed":
        return (
            f"community answer #{closed.community_id} confirmed: correction "
            f"#{closed.correction_id} answers {closed.question!r} and its rewordings with "
            f"{closed.answer_ref}"
        )
    return f"community answer #{closed.community_id} dismissed"


def _emit(text: str, output: Path | None) -> None:
    """To standard output, or written whole to `output`."""
    if output is None:
        # Exact into a file or a pipe; on a terminal, control characters are shown, not obeyed.
        sys.stdout.write(visible(text) if sys.stdout.isatty() else text)
        return
    try:
        write_output(output, text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc


# -- cache ------------------------------------------------------------------------------------
def run_cache_stats(args: argparse.Namespace) -> int:
    async def work(service: Service):
        return await service.cache_stats()

    stats = run_service(args, work, load_library=False)
    if args.json:
        print(stats.model_dump_json())
        return 0
    rate = f"{stats.hit_rate:.1%}" if stats.hit_rate is not None else "n/a (nothing asked yet)"
    since = stats.counting_since.strftime("%Y-%m-%d %H:%M UTC") if stats.counting_since else "?"
    print(f"database      {stats.path}")
    print(f"cached        {stats.entries} answers ({stats.answers} stored in all)")
    print(f"hit rate      {rate}: {stats.hits} hits, {stats.misses} misses since {since}")
    print(f"open reports  {stats.open_reports}")
    return 0


def run_cache_clear(args: argparse.Namespace) -> int:
    async def work(service: Service) -> int:
        return await service.clear_cache()

    cleared = run_service(args, work, load_library=False)
    print(f"cleared {cleared} cached answers (answers with reports are kept for moderators)")
    return 0


# -- db ---------------------------------------------------------------------------------------
def _database(args: argparse.Namespace) -> str | Path:
    from bot.store import StoreError, database_target

    settings = settings_from(args)
    try:
        return database_target(settings.database_url, settings.data_dir)
    except StoreError as exc:
        raise UsageError(str(exc)) from None


def run_db_check(args: argparse.Namespace) -> int:
    import asyncio

    from bot.store import check_store

    result = asyncio.run(check_store(_database(args)))
    if args.json:
        print(result.model_dump_json())
        return 0 if result.ok else EXIT_FAILURE
    if not result.reachable:  # a setting or the server, not the data: no restore to advise
        print(visible(f"citebot: error: cannot check the database: {result.problems[0]}"),
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILURE
    if result.ok and not result.exists:
        print(f"{result.path}: no database yet (it is created by the first ask or report)")
    elif result.ok:
        counts = ", ".join(f"{table}: {n}" for table, n in result.counts.items())
        print(f"{result.path}: ok (schema {result.schema_version}; {counts})")
        if (result.schema_version or 0) < result.expected_version:
            print(f"  it will be upgraded to schema {result.expected_version} on next use")
    else:
        print(visible(f"{result.path}: PROBLEMS FOUND"), file=sys.stderr)
        for problem in result.problems:
            print(visible(f"  - {problem}"), file=sys.stderr)
        print(
            "  citebot leaves the database untouched; restore a backup with citebot db restore "
            "FILE, or move or rename it to start a new one",
            file=sys.stderr,
        )
    return 0 if result.ok else EXIT_FAILURE


DUMP_FORMAT = "citebot-export"


def run_db_export(args: argparse.Namespace) -> int:
    """One header line, then one {"table", "row"} object per line, parents first."""
    output: Path | None = args.file
    if output is not None and not output.parent.is_dir():
        raise UsageError(f"cannot write {output}: folder {output.parent} does not exist")
    rows: list[tuple[str, dict]] = []
    counts = run_service(
        args,
        lambda service: service.export_database(lambda t, row: rows.append((t, row))),
        load_library=False,
    )
    _emit(_export_text(rows), output)
    print(f"exported {_counted(counts)}", file=sys.stderr)
    return 0


def _export_text(rows: list[tuple[str, dict]]) -> str:
    """A `citebot db export` file: one header line, then one {"table", "row"} per line."""
    from bot.store import SCHEMA_VERSION

    lines = [json.dumps({"format": DUMP_FORMAT, "schema_version": SCHEMA_VERSION})]
    lines += [json.dumps({"table": t, "row": row}, ensure_ascii=False) for t, row in rows]
    return "\n".join(lines) + "\n"


def run_db_import(args: argparse.Namespace) -> int:
    rows = _read_export(args.file)
    counts = run_service(args, lambda service: service.import_database(rows), load_library=False)
    print(f"imported {_counted(counts)}")
    return 0


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{table}: {n}" for table, n in counts.items())


def _read_export(file: Path) -> list[tuple[str, dict]]:
    """The rows of a `citebot db export` file, checked before anything is written."""
    from bot.store import SCHEMA_VERSION

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}") from None
    lines = text.splitlines()
    try:
        header = json.loads(lines[0]) if lines else {}
        rows = [(item["table"], item["row"]) for item in map(json.loads, lines[1:]) if item]
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{file} is not a citebot db export ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != DUMP_FORMAT:
        raise UsageError(f"{file} is not a citebot db export (no {DUMP_FORMAT} header line)")
    if header.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(
            f"{file} was exported at schema {header.get('schema_version')}, this citebot is at "
            f"{SCHEMA_VERSION}: export and import with the same citebot version"
        )
    if not all(isinstance(table, str) and isinstance(row, dict) for table, row in rows):
        raise UsageError(f"{file} is not a citebot db export (a line without a table and row)")
    return rows


def run_db_backup(args: argparse.Namespace) -> int:
    from bot.store import StoreError, backup_database, is_postgres_url

    target = _database(args)
    if is_postgres_url(target):
        return _backup_postgres(args)
    try:
        done = backup_database(Path(target), args.file)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    counts = ", ".join(f"{table}: {n}" for table, n in done.counts.items())
    print(f"backed up {done.source} to {done.target} ({done.bytes:,} bytes; {counts})")
    return 0


def run_db_restore(args: argparse.Namespace) -> int:
    from bot.store import StoreError, is_postgres_url, restore_database

    target = _database(args)
    if is_postgres_url(target):
        return _restore_postgres(args)
    path = Path(target)
    try:
        moved = restore_database(args.file, path)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    if moved:
        state = "damaged" if ".damaged-" in Path(moved).name else "replaced"
        print(f"moved the {state} database aside to {moved}")
    print(f"restored {path} from {args.file}")
    return 0


def _backup_postgres(args: argparse.Namespace) -> int:
    """On PostgreSQL a backup is a `db export` file: one consistent snapshot of citebot's
    tables (pg_dump remains the tool for the whole server)."""
    if not args.file.parent.is_dir():
        raise UsageError(f"cannot write {args.file}: folder {args.file.parent} does not exist")
    run_db_export(args)
    print(f"backed up to {args.file} (a citebot db export; restore with citebot db restore)")
    return 0


def _restore_postgres(args: argparse.Namespace) -> int:
    """Replace every row with those of a `db backup` (or `db export`) file, all or nothing."""
    from bot.store import aside_name

    rows = _read_export(args.file)
    kept = settings_from(args).data_dir / aside_name("citebot-export", "replaced")

    def keep(replaced: list[tuple[str, dict]]) -> None:
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(kept, _export_text(replaced))
        except OSError as exc:
            raise UsageError(
                f"cannot keep the replaced rows in {kept} ({exc.strerror or exc}); nothing was "
                "restored"
            ) from None

    counts = run_service(
        args, lambda service: service.restore_database(rows, keep), load_library=False
    )
    print(f"kept the replaced rows in {kept} (a citebot db export)")
    print(f"restored from {args.file} ({_counted(counts)})")
    return 0
