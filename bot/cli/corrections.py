"""`citebot corrections [withdraw ID | restore ID]`: the passages moderators named for reported
questions."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot.cli.common import add_common, add_nested_common, local_user, run_service
from bot.render_text import visible
from bot.service import CORRECTION_STATUSES, with_all

if TYPE_CHECKING:
    from bot.service import Correction, Service

_STATUSES = with_all(CORRECTION_STATUSES)


def register(sub: argparse._SubParsersAction) -> None:
    corrections = sub.add_parser(
        "corrections",
        help="list, withdraw or restore moderators' corrections (set by reports resolve)",
    )
    corrections.add_argument("--status", choices=_STATUSES, default="active")
    corrections.add_argument("--json", action="store_true", help="print them as JSON")
    add_common(corrections)
    corrections.set_defaults(handler=run_corrections)
    actions = corrections.add_subparsers(dest="corrections_action", metavar="ACTION")
    withdraw = actions.add_parser("withdraw", help="stop answering with a correction")
    withdraw.add_argument("correction_id", type=int, metavar="CORRECTION_ID")
    withdraw.add_argument("--moderator", metavar="NAME", help="default: your login")
    withdraw.add_argument("--json", action="store_true", default=argparse.SUPPRESS)

    add_nested_common(withdraw)
    withdraw.set_defaults(handler=run_withdraw)
    restore = actions.add_parser(
        "restore", help="serve a retired correction again once its passage is back"
    )
    restore.add_argument("correction_id", type=int, metavar="CORRECTION_ID")
    restore.add_argument("--moderator", metavar="NAME", help="default: your login")
    restore.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    add_nested_common(restore)
    restore.set_defaults(handler=run_restore)


def run_corrections(args: argparse.Namespace) -> int:
    async def work(service: Service) -> list[Correction]:
        return await service.corrections(args.status)

    found = run_service(args, work, load_library=False)
    if args.json:
        print(json.dumps({"corrections": [c.model_dump(mode="json") for c in found]}))
        return 0
    if not found:
        print(f"no {'' if args.status == 'all' else args.status + ' '}corrections")
    for correction in found:
        print(visible(describe(correction)))
    return 0


def describe(correction: Correction) -> str:
    when = correction.created_at.strftime("%Y-%m-%d %H:%M")
    where = f"guild {correction.guild_id}" if correction.guild_id else "command line"
    report = f"report #{correction.report_id}" if correction.report_id else "no report"
    lines = [
        f"#{correction.correction_id}  {correction.status:9}  {when} UTC  by "
        f"{correction.moderator}  {where}  {report}",
        f"    question: {correction.question}",
        f"    answer:   {correction.answer_ref}  \u201c{_short(correction.quote)}\u201d",
    ]
    if correction.status != "active":
        lines.append(f"    {correction.status} by {correction.closed_by}: {correction.closed_note}")
    return "\n".join(lines)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def run_withdraw(args: argparse.Namespace) -> int:
    moderator = args.moderator or local_user()

    async def work(service: Service) -> Correction:
        return await service.withdraw_correction(args.correction_id, moderator)

    return _print(args, run_service(args, work, load_library=False), "withdrawn")


def run_restore(args: argparse.Namespace) -> int:
    moderator = args.moderator or local_user()

    async def work(service: Service) -> Correction:
        return await service.restore_correction(args.correction_id, moderator)

    return _print(args, run_service(args, work, load_library=False), "restored: active again")


def _print(args: argparse.Namespace, correction: Correction, done: str) -> int:
    if getattr(args, "json", False):
        print(correction.model_dump_json())
    else:
        print(f"correction #{correction.correction_id} {done}")
    return 0
