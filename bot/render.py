"""Discord embeds and messages from citebot's models: the one place that knows Discord's limits.

Everything echoed (questions, quotes, titles, reasons) has its markdown escaped. Text that does
not fit is cut with an ellipsis; a quote is never separated from its citation: a quote is either
shown with its citation or left out (and the omission is marked).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.render_text import (
    SEARCHED_FOR,
    community_note,
    corrected_note,
    italic_runs,
    searched_for_parts,
)
from bot.timeline_query import TimelineQuery
from knowledge.models import Answer, Quote, Source
from knowledge.timeline import Mention, Timeline, best_mention, trim_quote

if TYPE_CHECKING:
    from bot.service import Service

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
ELLIPSIS = "\u2026"

TIMELINE_EVENTS_PER_PAGE = 10
TIMELINE_QUOTE_CHARS = 220
REPORT_TEXT_CHARS = 200
INTERNAL_ERROR = "Something went wrong on my side; it has been logged. Please try again later."

COLOUR_ANSWER = discord.Colour.blurple()
COLOUR_NO_ANSWER = discord.Colour.light_grey()
COLOUR_DISAGREE = discord.Colour.orange()
COLOUR_CORRECTED = discord.Colour.green()
COLOUR_TIMELINE = discord.Colour.teal()
COLOUR_REPORTS = discord.Colour.dark_red()

_LINK_SAFE = str.maketrans({"(": "%28", ")": "%29", " ": "%20", "<": "%3C", ">": "%3E"})


_MARKDOWN_CHAR = re.compile(r"([\\*_~|`\[\]])")
_LINE_START = re.compile(r"^(\s*)([>#-])", re.MULTILINE)


def escape(text: str) -> str:
    """Escape Discord markdown in echoed text: every markup character, and quote, heading and
    list markers at line starts. (discord.utils.escape_markdown escapes a masked link as a whole,
    which is not enough for text placed inside a link label, hence this.)"""
    return _LINE_START.sub(r"\1\\\2", _MARKDOWN_CHAR.sub(r"\\\1", text))


def shorten(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, at a word boundary if one is near, plus '…'."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= (limit - 1) * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ELLIPSIS


def escape_shorten(text: str, limit: int) -> str:
    """Escape, then fit in `limit` without leaving half an escape sequence at the cut."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    keep = limit
    while keep > 0:
        candidate = escape(shorten(text, keep))
        if len(candidate) <= limit:
            return candidate
        keep -= max(1, len(candidate) - limit)
    return ELLIPSIS[:limit]


def fit_content(text: str) -> str:
    """A plain message's content (not escaped: for the bot's own words)."""
    return shorten(text, CONTENT_LIMIT)


# ---------------------------------------------------------------- answers


def _link(title: str, url: str | None) -> str:
    label = escape(title)
    if not url:
        return f"**{label}**"
    return f"[**{label}**]({url.translate(_LINK_SAFE)})"


def citation_md(quote: Quote) -> str:
    date = quote.date.isoformat() if quote.date else "undated"
    return f"\u2014 {_link(quote.title, quote.url)} ({date}), paragraph {quote.paragraph}"


def quote_md(text: str) -> str:
    lines = escape(text).splitlines() or [""]
    return "\n".join(f"> {line}" for line in lines)


def _quote_block(quote: Quote, budget: int) -> str | None:
    """The quote as a block quote followed by its citation, shortened to `budget` if needed.

    Returns None when not even a few words of the quote fit next to the citation.
    """
    cite = citation_md(quote)
    block = f"{quote_md(quote.text)}\n{cite}"
    if len(block) <= budget:
        return block
    room = budget - len(cite) - len("> \n")
    if room < 40:
        return None
    text = quote.text
    keep = room
    while keep >= 20:
        block = f"{quote_md(shorten(text, keep))}\n{cite}"
        if len(block) <= budget:
            return block
        keep -= max(1, len(block) - budget)
    return None


def _omitted(n: int, what: str) -> str:
    plural = "" if n == 1 else "s"
    return f"*{ELLIPSIS} {n} more {what}{plural} not shown*"


SEARCHED_FOR_CHARS = 300  # the question is at most 500; the line stays a short preface


def searched_for_md(answer: Answer) -> str | None:
    """ "Searched for: when was the *election*", corrected words (or a follow-up's words from
    its context) in italics, escaped."""
    parts = searched_for_parts(answer)
    if not parts:
        return None
    words: list[tuple[str, bool]] = []
    used = 0
    for word, corrected in parts:
        used += len(word) + 1
        if used > SEARCHED_FOR_CHARS:
            words.append((ELLIPSIS, False))
            break
        words.append((escape(word), corrected))
    return f"{SEARCHED_FOR} {italic_runs(words)}"


def answer_description(answer: Answer, budget: int = DESCRIPTION_LIMIT) -> str:
    parts: list[str] = []
    if searched := searched_for_md(answer):
        parts.append(searched)
    if corrected := corrected_note(answer):
        parts.append(f"*{corrected}*")
    if community := community_note(answer):
        parts.append(f"*{community}*")
    if answer.note:
        parts.append(f"*{escape(answer.note)}*")
    quotes = answer.quotes if answer.answered else answer.closest
    if not answer.answered and quotes:
        parts.append("**Closest passages:**")
    reserve = len(_omitted(len(quotes), "quote")) + 2
    for i, quote in enumerate(quotes):
        used = len("\n\n".join(parts)) + (2 if parts else 0)
        last = i == len(quotes) - 1
        room = budget - used - (0 if last else reserve)
        block = _quote_block(quote, room)
        if block is None:
            parts.append(_omitted(len(quotes) - i, "quote"))
            break
        parts.append(block)
    return "\n\n".join(parts)


def answer_footer(answer_id: str | None, cached: bool = False) -> str | None:
    if not answer_id:
        return None
    bits = [f"answer {answer_id}"]
    if cached:
        bits.append("from cache")
    bits.append("wrong? use the button or /report")
    return " \u00b7 ".join(bits)


def answer_embed(answer: Answer) -> discord.Embed:
    """The embed for an answer (or a ServedAnswer, whose answer_id goes in the footer)."""
    answer_id = getattr(answer, "answer_id", None)
    footer = answer_footer(answer_id, bool(getattr(answer, "cached", False)))
    title = escape_shorten(answer.question, TITLE_LIMIT)
    if answer.corrected is not None:
        colour = COLOUR_CORRECTED
    elif answer.disagreement:
        colour = COLOUR_DISAGREE
    elif answer.answered:
        colour = COLOUR_ANSWER
    else:
        colour = COLOUR_NO_ANSWER
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title) - len(footer or ""))
    embed = discord.Embed(
        title=title, description=answer_description(answer, budget) or None, colour=colour
    )
    if footer:
        embed.set_footer(text=footer)
    return embed


_ANSWER_ID_IN_FOOTER = re.compile(r"^answer (\S+)")


def answer_id_from_embed(embed: discord.Embed) -> str | None:
    """Read back the answer id the footer carries (for the "Report answer" context menu)."""
    text = embed.footer.text if embed.footer else None
    match = _ANSWER_ID_IN_FOOTER.match(text or "")
    return match.group(1) if match else None


# ---------------------------------------------------------------- timeline

TimelineRow = tuple[str, Mention, Sequence[Mention]]  # label, the quote to show, all mentions
SourceLookup = Callable[[str], Source | None]
TIMELINE_TITLE_CHARS = 60
TIMELINE_LINE_CHARS = 1000


def _event_line(row: TimelineRow, source: SourceLookup) -> str:
    label, shown, mentions = row
    by_source: dict[str, list[int]] = {}
    for m in mentions:
        paragraphs = by_source.setdefault(m.source_id, [])
        if m.paragraph not in paragraphs:
            paragraphs.append(m.paragraph)
    head = f"**{escape(label)}** \u2014 "
    head += escape(trim_quote(shown.quote, shown.expression, TIMELINE_QUOTE_CHARS)) + "\n\u2003"
    cites: list[str] = []
    size = len(head)
    for i, (source_id, paragraphs) in enumerate(by_source.items()):
        src = source(source_id)
        title = src.title if src else source_id
        link = _link(shorten(title, TIMELINE_TITLE_CHARS), src.url if src else None)
        cite = f"{link} " + ", ".join(f"\u00b6{p}" for p in paragraphs[:10])
        if len(paragraphs) > 10:
            cite += f" +{len(paragraphs) - 10}"
        if cites and size + len(cite) + 40 > TIMELINE_LINE_CHARS:
            cites.append(f"+{len(by_source) - i} more sources")
            break
        cites.append(cite)
        size += len(cite) + 2
    return head + "; ".join(cites)


def timeline_title(
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    about: str | None = None,
) -> str:
    return escape_shorten(TimelineQuery(year, start, end, about).title, TITLE_LIMIT)


def timeline_chunks(
    rows: Sequence[TimelineRow],
    source: SourceLookup,
    title: str = "Timeline",
    per_page: int = TIMELINE_EVENTS_PER_PAGE,
) -> list[list[str]]:
    """The rows' lines split into pages that each fit one embed (at most `per_page` rows);
    page n shows the rows after those of the pages before it."""
    footer_room = 80
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title) - footer_room)
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for row in rows:
        line = _event_line(row, source)
        extra = len(line) + (2 if current else 0)
        if current and (size + extra > budget or len(current) >= per_page):
            chunks.append(current)
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current:
        chunks.append(current)
    return chunks


def timeline_pages(
    rows: Sequence[TimelineRow],
    source: SourceLookup,
    title: str = "Timeline",
    per_page: int = TIMELINE_EVENTS_PER_PAGE,
) -> list[discord.Embed]:
    """Chronological lines split into pages that each fit one embed (at most `per_page` events)."""
    chunks = timeline_chunks(rows, source, title, per_page)
    if not chunks:
        embed = discord.Embed(
            title=title,
            description="*No dated events match; try fewer filters.*",
            colour=COLOUR_TIMELINE,
        )
        return [embed]
    pages = []
    total = len(rows)
    for i, chunk in enumerate(chunks, start=1):
        embed = discord.Embed(title=title, description="\n\n".join(chunk), colour=COLOUR_TIMELINE)
        plural = "" if total == 1 else "s"
        embed.set_footer(text=f"page {i}/{len(chunks)} \u00b7 {total} event{plural}")
        pages.append(embed)
    return pages


# ---------------------------------------------------------------- reports


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "?"


def report_field(report: Any) -> tuple[str, str]:
    name = f"#{report.report_id} \u00b7 {report.status} \u00b7 {report.category}"
    lines = [
        f"answer `{report.answer_id}` \u00b7 {escape_shorten(report.reporter_name, 64)} "
        f"\u00b7 {_when(report.created_at)}",
        f"**Q:** {escape_shorten(report.question, REPORT_TEXT_CHARS)}",
        f"**Reason:** {escape_shorten(report.reason, REPORT_TEXT_CHARS * 2)}",
    ]
    if report.status != "open":
        who = escape_shorten(report.moderator or "?", 64)
        note = escape_shorten(report.resolution_note or "", REPORT_TEXT_CHARS)
        lines.append(f"**{report.status.capitalize()}** by {who}: {note}")
    if getattr(report, "answer_ref", None):
        lines.append(
            f"**Answer:** `{report.answer_ref}` (correction #{report.correction_id}, "
            f"{report.correction_status})"
        )
    return shorten(name, FIELD_NAME_LIMIT), shorten("\n".join(lines), FIELD_VALUE_LIMIT)


def reports_embed(
    reports: Sequence[Any], status: str | None, budget: int = EMBED_TOTAL_LIMIT
) -> discord.Embed:
    title = f"Reports ({status or 'all'})"
    embed = discord.Embed(title=title, colour=COLOUR_REPORTS)
    if not reports:
        embed.description = "*No reports.*"
        return embed
    footer_room = 120
    total = len(title) + footer_room + EMBED_TOTAL_LIMIT - budget
    shown = 0
    for report in reports:
        if shown == FIELD_COUNT_LIMIT:
            break
        name, value = report_field(report)
        if total + len(name) + len(value) > EMBED_TOTAL_LIMIT:
            break
        embed.add_field(name=name, value=value, inline=False)
        total += len(name) + len(value)
        shown += 1
    rest = len(reports) - shown
    footer = f"{len(reports)} report{'s' if len(reports) != 1 else ''}"
    if rest:
        footer += f" \u00b7 {rest} more not shown; /reports export has them all"
    embed.set_footer(text=footer)
    return embed


def community_outcome(community: Any) -> str:
    """What a moderator's confirm or dismiss did."""
    if community.status == "confirmed":
        text = (
            f"Community answer #{community.community_id} confirmed as correction "
            f"#{community.correction_id}: this question and its rewordings in this server are "
            f"now answered with `{community.answer_ref}` first, marked as corrected."
        )
    else:
        text = f"Community answer #{community.community_id} dismissed: it is no longer put first."
    return fit_content(text)


def report_outcome(report: Any) -> str:
    text = (
        f"Report #{report.report_id} is now {report.status}"
        f" (answer `{report.answer_id}`, {report.category})."
    )
    if getattr(report, "answer_ref", None):
        text += (
            f" Correction #{report.correction_id}: this question and its rewordings in this "
            f"server are now answered with `{report.answer_ref}` first."
        )
    return fit_content(text)


# ---------------------------------------------------------------- corrections and feedback

FEEDBACK_LINES = 15
CHOICE_LIMIT = 100  # an autocomplete choice's name and value


def passage_choice(choice: Any) -> tuple[str, str]:
    """(name, value) of an autocomplete choice for a passage: title, paragraph, first words."""
    ref = choice.ref
    where = f"\u00b6{ref.paragraph}" + (f" s{ref.sentence}" if ref.sentence else "")
    head = f"{shorten(choice.title, 40)} {where}: "
    name = head + shorten(" ".join(choice.text.split()), CHOICE_LIMIT - len(head))
    return name, str(ref)[:CHOICE_LIMIT]


def feedback_embed(feedback: Sequence[Any], budget: int = EMBED_TOTAL_LIMIT) -> discord.Embed:
    """ "This answered me" clicks, one line per question and passage, most clicked first."""
    counts: dict[tuple[str, str, str, int], list[Any]] = {}
    for item in feedback:
        key = (item.answer_id, item.question, item.source_id, item.paragraph)
        counts.setdefault(key, []).append(item)
    title = "This answered me"
    lines = []
    size = len(title) + 80
    ranked = sorted(counts.items(), key=lambda kv: -len(kv[1]))
    for (answer_id, question, source_id, paragraph), items in ranked[:FEEDBACK_LINES]:
        line = (
            f"**{len(items)}\u00d7** {escape_shorten(question, 120)} \u2192 `{source_id}:"
            f"{paragraph}` \u201c{escape_shorten(items[0].quote, 100)}\u201d (answer `{answer_id}`)"
        )
        if size + len(line) + 1 > min(budget, DESCRIPTION_LIMIT):
            break
        lines.append(line)
        size += len(line) + 1
    embed = discord.Embed(
        title=title,
        description="\n".join(lines) or "*No clicks.*",
        colour=COLOUR_REPORTS,
    )
    rest = len(counts) - len(lines)
    footer = f"{len(feedback)} click{'s' if len(feedback) != 1 else ''} on closest passages"
    if rest:
        footer += f" \u00b7 {rest} more not shown"
    embed.set_footer(text=footer)
    return embed


def corrections_embed(corrections: Sequence[Any], status: str) -> discord.Embed:
    title = f"Corrections ({status})"
    embed = discord.Embed(title=title, colour=COLOUR_CORRECTED)
    if not corrections:
        embed.description = "*No corrections.*"
        return embed
    total = len(title) + 120
    shown = 0
    for c in corrections:
        if shown == FIELD_COUNT_LIMIT:
            break
        name = shorten(
            f"#{c.correction_id} \u00b7 {c.status} \u00b7 {c.answer_ref}", FIELD_NAME_LIMIT
        )
        lines = [
            f"{escape_shorten(c.moderator, 64)} \u00b7 {_when(c.created_at)}"
            + (f" \u00b7 report #{c.report_id}" if c.report_id else ""),
            f"**Q:** {escape_shorten(c.question, REPORT_TEXT_CHARS)}",
            f"**A:** {escape_shorten(c.quote, REPORT_TEXT_CHARS)}",
        ]
        if c.status != "active":
            lines.append(
                f"**{c.status.capitalize()}** by {escape_shorten(c.closed_by or '?', 64)}: "
                f"{escape_shorten(c.closed_note or '', REPORT_TEXT_CHARS)}"
            )
        value = shorten("\n".join(lines), FIELD_VALUE_LIMIT)
        if total + len(name) + len(value) > EMBED_TOTAL_LIMIT:
            break
        embed.add_field(name=name, value=value, inline=False)
        total += len(name) + len(value)
        shown += 1
    footer = f"{len(corrections)} correction{'s' if len(corrections) != 1 else ''}"
    if len(corrections) > shown:
        footer += (
            f" \u00b7 {len(corrections) - shown} more not shown; citebot corrections lists all"
        )
    embed.set_footer(text=footer)
    return embed


def community_embed(
    items: Sequence[Any], status: str, budget: int = EMBED_TOTAL_LIMIT
) -> discord.Embed:
    """Passages members found answered a question: who counts, and what to do about it."""
    title = f"Community answers ({status})"
    embed = discord.Embed(title=title, colour=COLOUR_ANSWER)
    if not items:
        embed.description = "*None.*"
        return embed
    if status == "pending":
        embed.description = "Confirm one with `/reports confirm`, or `/reports dismiss` it."
    total = len(title) + len(embed.description or "")
    for c in items[:FIELD_COUNT_LIMIT]:
        name = shorten(
            f"#{c.community_id} \u00b7 {c.members} answered, {c.against} reported \u00b7 "
            f"{c.answer_ref}",
            FIELD_NAME_LIMIT,
        )
        lines = [
            f"**Q:** {escape_shorten(c.question, REPORT_TEXT_CHARS)}",
            f"**A:** {escape_shorten(c.quote, REPORT_TEXT_CHARS)}",
        ]
        if c.status != "pending":
            lines.append(f"**{c.status.capitalize()}** by {escape_shorten(c.moderator or '?', 64)}")
        value = shorten("\n".join(lines), FIELD_VALUE_LIMIT)
        if total + len(name) + len(value) > budget:
            break
        embed.add_field(name=name, value=value, inline=False)
        total += len(name) + len(value)
    return embed


def review_embeds(
    reports: Sequence[Any],
    status: str | None,
    feedback: Sequence[Any],
    community: Sequence[Any] = (),
) -> list[discord.Embed]:
    """The review queue: reports, the pending community answers, then the "This answered me"
    clicks, within one message's 6,000 characters (the clicks and the community answers get
    what the reports leave, at least a quarter each)."""
    extra: list[discord.Embed] = []
    if community:
        extra.append(community_embed(community, "pending", EMBED_TOTAL_LIMIT // 4))
    if feedback:
        extra.append(feedback_embed(feedback, EMBED_TOTAL_LIMIT // 4))
    used = sum(len(e) for e in extra)
    return [reports_embed(reports, status, EMBED_TOTAL_LIMIT - used), *extra]


# ---------------------------------------------------------------- short messages


def cooldown_message(retry_after: float, doing: str = "asking") -> str:
    seconds = max(1, round(retry_after + 0.49))
    return f"You're {doing} quickly: please try again in {seconds} s."


# ---------------------------------------------------------------- terminal (citebot chat)

_MARKUP = re.compile(r"\\(.)|\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)|\*\*|\*", re.DOTALL)


def plain(markdown: str) -> str:
    """The markdown this module writes, as terminal text: links spelled out, markup dropped."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        if match.group(2) is not None:
            return f"{plain(match.group(2))} <{match.group(3)}>"
        return ""

    return _MARKUP.sub(replace, markdown)


def embed_text(embed: discord.Embed) -> str:
    """Everything an embed carries, for `citebot chat`: the same content as on Discord."""
    parts: list[str] = []
    if embed.title:
        parts.append(plain(embed.title))
    if embed.description:
        parts.append(plain(embed.description))
    for field in embed.fields:
        parts.append(f"{plain(field.name or '')}\n{plain(field.value or '')}")
    if embed.footer and embed.footer.text:
        parts.append(f"[{embed.footer.text}]")
    return "\n\n".join(parts)


def timeline_rows(timeline: Timeline) -> list[TimelineRow]:
    """(label, quote to show, mentions) per event; undated mentions last, never guessed."""
    rows: list[TimelineRow] = [(e.label, best_mention(e), e.mentions) for e in timeline.events]
    rows += [("undated", m, [m]) for m in timeline.unresolved]
    return rows


async def timeline_embeds(service: Service, query: TimelineQuery) -> list[discord.Embed]:
    """The /timeline pages for `query`, as the bot sends them and the terminal chat prints them."""
    return (await timeline_view(service, query)).pages


@dataclass(frozen=True)
class TimelineView:
    """The /timeline pages and, per page, which dated events it shows (for its picture)."""

    pages: list[discord.Embed]
    events: list[range]  # indices into the query's timeline.events, one range per page
    title: str


async def timeline_view(service: Service, query: TimelineQuery) -> TimelineView:
    timeline = await service.timeline(query)
    title = timeline_title(query.year, query.start, query.end, query.about)
    rows = timeline_rows(timeline)
    pages = timeline_pages(rows, service.source, title)
    dated, first, spans = len(timeline.events), 0, []
    for chunk in timeline_chunks(rows, service.source, title) or [[]]:
        last = first + len(chunk)
        spans.append(range(min(first, dated), min(last, dated)))
        first = last
    return TimelineView(pages, spans, query.title)


def report_thanks(report: Any) -> str:
    """What a reporter reads once their report is filed."""
    return (
        f"Thanks, a moderator will review it (report #{report.report_id} "
        f"on answer `{report.answer_id}`)."
    )
