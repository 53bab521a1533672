"""`citebot chat`: the Discord commands in a terminal, for people without a bot token.

It calls the same service and prints the same embeds the bot would send (bot/render.py), as text.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import sys
from pathlib import Path
from typing import TextIO

import discord

from bot import render
from bot.cli.common import local_user
from bot.lines import LineError, read_line
from bot.render_text import visible
from bot.service import (
    CATEGORIES,
    COMMUNITY_STATUSES,
    CORRECTION_STATUSES,
    STATUSES,
    Asker,
    Category,
    Service,
    TimelineQuery,
    with_all,
)
from knowledge.errors import UserError
from knowledge.files import write_output

HELP = """\
Type a question, or one of:
  /ask QUESTION
  /timeline [year:YYYY] [from:DATE] [to:DATE] [about:WORDS]   (quote words with spaces)
  /report ANSWER_ID REASON [category:wrong|outdated|missing-source|other]
  /reports [list] [open|resolved|rejected|all]
  /reports resolve REPORT_ID NOTE [answer:SOURCE_ID:PARAGRAPH[:SENTENCE]]
  /reports reject REPORT_ID NOTE
  /reports corrections [active|withdrawn|retired|all]   /reports withdraw CORRECTION_ID
  /reports export [FILE.csv]
  /reports community [pending|confirmed|dismissed|all]   /reports confirm|dismiss COMMUNITY_ID
  /new   (forget the previous answer: the next question starts a new conversation)
  /help  /quit
A question that follows up the previous answer ("and when was that?") is read with it."""

LISTED = with_all(STATUSES)
LISTED_CORRECTIONS = with_all(CORRECTION_STATUSES)
LISTED_COMMUNITY = with_all(COMMUNITY_STATUSES)
_ANSWER_OPTION = re.compile(r"(?:^|\s)answer[:=](\S+)")


class ChatError(UserError):
    """A line the session cannot run as typed; shown as one line, the session goes on."""


def options(text: str, allowed: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """Split `key:value` options (Discord style; `key=value` too) from the other words."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ChatError(f"cannot read that line ({exc})") from None
    found: dict[str, str] = {}
    rest: list[str] = []
    for word in words:
        key, sep, value = word.partition(":") if ":" in word else word.partition("=")
        if sep and key in allowed:
            found[key] = value
        elif sep and re.fullmatch(r"[a-z_]+", key):
            raise ChatError(f"unknown option {key!r}; expected one of {', '.join(allowed)}")
        else:
            rest.append(word)
    return found, rest


class ChatSession:
    def __init__(self, service: Service, out: TextIO, user: str) -> None:
        self.service, self.out = service, out
        self.asker = Asker(display_name=user, face="chat")
        self.previous: str | None = None  # the last answer's id: follow-ups are read after it

    def say(self, text: str) -> None:
        print(visible(text), file=self.out, flush=True)

    def show(self, embed: discord.Embed) -> None:
        self.say(render.embed_text(embed) + "\n")

    async def handle(self, line: str) -> bool:
        """Run one line; False when the session should end."""
        line = line.strip()
        if not line:
            return True
        command, _, rest = line.partition(" ") if line.startswith("/") else ("/ask", "", line)
        rest = rest.strip()
        try:
            if command in ("/quit", "/exit"):
                return False
            if command == "/help":
                self.say(HELP)
            elif command == "/new":
                self.previous = None
                self.say("New conversation: the next question is read on its own.")
            elif command == "/ask":
                await self.ask(rest)
            elif command == "/timeline":
                await self.timeline(rest)
            elif command == "/report":
                await self.report(rest)
            elif command == "/reports":
                await self.reports(rest)
            else:
                raise ChatError(f"unknown command {command}; /help lists them")
        except UserError as exc:
            self.say(f"error: {exc}")
        return True

    async def ask(self, question: str) -> None:
        served = await self.service.ask(question, self.asker, after=self.previous)
        self.previous = served.answer_id
        self.show(render.answer_embed(served))

    async def timeline(self, text: str) -> None:
        found, rest = options(text, ("year", "from", "to", "about"))
        if rest:
            raise ChatError(f'unexpected {rest[0]!r}; e.g. /timeline year:2018 about:"Met Gala"')
        query = TimelineQuery.parse(
            year=found.get("year"), start=found.get("from"), end=found.get("to"),
            about=found.get("about"),
        )  # fmt: skip
        for embed in await render.timeline_embeds(self.service, query):
            self.show(embed)

    async def report(self, text: str) -> None:
        match = re.search(r"(?:^|\s)category[:=](\S+)", text)
        category: str = Category.WRONG.value
        if match:
            category = match.group(1)
            text = (text[: match.start()] + text[match.end() :]).strip()
        if category not in CATEGORIES:
            raise ChatError(f"category must be one of {', '.join(CATEGORIES)}")
        answer_id, _, reason = text.partition(" ")
        if not answer_id or not reason.strip():
            raise ChatError("usage: /report ANSWER_ID REASON (the id is in the answer's footer)")
        report = await self.service.report(answer_id, self.asker, category, reason.strip())
        self.say(render.report_thanks(report))

    async def reports(self, text: str) -> None:
        action, _, rest = text.partition(" ")
        if action in ("", "list", *LISTED):
            status = rest.strip() if action == "list" else action
            status = status or "open"
            if status not in LISTED:
                raise ChatError(f"status must be one of {', '.join(LISTED)}")
            found = await self.service.reports(None if status == "all" else status)
            feedback = await self.service.feedback()
            shown = await self.service.community_shown()
            for embed in render.review_embeds(found, status, feedback, shown):
                self.show(embed)
        elif action in ("resolve", "reject"):
            answer = None
            match = _ANSWER_OPTION.search(rest)
            if match:
                if action == "reject":
                    raise ChatError("answer: names the passage that answers; use it with resolve")
                answer = match.group(1)
                rest = rest[: match.start()] + rest[match.end() :]
            number, _, note = rest.strip().partition(" ")
            if not re.fullmatch(r"[0-9]+", number) or not note.strip():
                raise ChatError(f"usage: /reports {action} REPORT_ID NOTE")
            status = "resolved" if action == "resolve" else "rejected"
            report = await self.service.resolve(
                int(number), self.asker.display_name, status, note.strip(), answer=answer
            )
            self.say(render.report_outcome(report))
        elif action == "corrections":
            status = rest.strip() or "active"
            if status not in LISTED_CORRECTIONS:
                raise ChatError(f"status must be one of {', '.join(LISTED_CORRECTIONS)}")
            self.show(render.corrections_embed(await self.service.corrections(status), status))
        elif action == "withdraw":
            number = rest.strip()
            if not re.fullmatch(r"[0-9]+", number):
                raise ChatError("usage: /reports withdraw CORRECTION_ID")
            correction = await self.service.withdraw_correction(
                int(number), self.asker.display_name
            )
            self.say(f"Correction #{correction.correction_id} withdrawn.")
        elif action == "export":
            await self.export(rest.strip())
        elif action in ("community", "confirm", "dismiss"):
            await self.community(action, rest.strip())
        else:
            raise ChatError(
                "usage: /reports [list|resolve|reject|corrections|withdraw|export|community|"
                "confirm|dismiss] ...; /help shows more"
            )

    async def export(self, target: str) -> None:
        data = await self.service.export_reports("csv", None)
        if not target:
            self.say(data)
            return
        try:
            write_output(Path(target), data)
        except OSError as exc:
            raise ChatError(f"cannot write {target}: {exc.strerror or exc}") from None
        self.say(f"wrote {target}")

    async def community(self, action: str, rest: str) -> None:
        """/reports community [STATUS], /reports confirm|dismiss ID."""
        if action == "community":
            status = rest or "pending"
            if status not in LISTED_COMMUNITY:
                raise ChatError(f"status must be one of {', '.join(LISTED_COMMUNITY)}")
            found = await self.service.community_answers(status)
            self.show(render.community_embed(found, status))
            return
        if not re.fullmatch(r"[0-9]+", rest):
            raise ChatError(f"usage: /reports {action} COMMUNITY_ID")
        closed = await self.service.close_community(
            int(rest), self.asker.display_name, confirm=action == "confirm"
        )
        self.say(render.community_outcome(closed))


async def chat(
    service: Service,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    user: str | None = None,
) -> int:
    """The read-run-print loop over an open service; ends on /quit or end of input."""
    stdin, out = stdin or sys.stdin, out or sys.stdout
    session = ChatSession(service, out, user or local_user())
    interactive = stdin.isatty()
    sources = len(service.library.sources)
    session.say(f"citebot chat: {sources} sources. Type a question, /help, or /quit.")
    while True:
        if interactive:
            print("citebot> ", end="", file=out, flush=True)
        try:
            line = await asyncio.to_thread(read_line, stdin)
        except LineError as exc:
            session.say(f"error: {exc}")
            continue
        if line is None or not await session.handle(line):
            return 0
