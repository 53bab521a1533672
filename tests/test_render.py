from __future__ import annotations

import datetime as dt
import random
import re
from types import SimpleNamespace

import discord
import pytest

from bot import render
from knowledge.answering.answer import DISAGREE_NOTE, NO_ANSWER_NOTE, answer_question
from knowledge.answering.corrections import PassageChoice, PassageRef
from knowledge.models import Answer, Quote, Source
from knowledge.timeline import Mention


def quote(text: str, n: int = 1, *, title: str = "An Article", url: str | None = None) -> Quote:
    return Quote(
        text=text,
        source_id=f"s{n}",
        title=title,
        date=dt.date(2023, 10, 20 + n % 5),
        paragraph=n,
        score=1.0,
        url=url,
    )


def served(answer: Answer, answer_id: str = "a1b2c3d4e5", cached: bool = False):
    """A ServedAnswer's extra fields on top of an Answer, as the service returns it."""
    return SimpleNamespace(**answer.__dict__, answer_id=answer_id, cached=cached)


def within_limits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= render.TITLE_LIMIT
    assert len(embed.description or "") <= render.DESCRIPTION_LIMIT
    assert len(embed.fields) <= render.FIELD_COUNT_LIMIT
    for f in embed.fields:
        assert len(f.name) <= render.FIELD_NAME_LIMIT and len(f.value) <= render.FIELD_VALUE_LIMIT
    assert len(embed.footer.text or "") <= render.FOOTER_LIMIT
    assert len(embed) <= render.EMBED_TOTAL_LIMIT


def blocks(description: str) -> list[tuple[str, str]]:
    """(quote, citation) pairs: every run of '> ' lines and the line right after it."""
    lines = description.split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith("> "):
            start = i
            while i < len(lines) and lines[i].startswith("> "):
                i += 1
            out.append(("\n".join(lines[start:i]), lines[i] if i < len(lines) else ""))
        i += 1
    return out


def test_answer_embed_quotes_and_cites_each_passage(library):
    answer = answer_question(library, "Where did Kim Kardashian and Ivanka Trump first meet?")
    embed = render.answer_embed(served(answer))
    pairs = blocks(embed.description)
    assert answer.answered and len(pairs) == len(answer.quotes)
    for (quoted, cite), q in zip(pairs, answer.quotes, strict=True):
        assert render.plain(quoted) == f"> {q.text}"
        assert render.plain(cite) == (
            f"\u2014 {q.title} ({q.date.isoformat() if q.date else 'undated'}), "
            f"paragraph {q.paragraph}"
        )
    assert embed.footer.text.startswith("answer a1b2c3d4e5")
    assert render.answer_id_from_embed(embed) == "a1b2c3d4e5"
    within_limits(embed)


def test_citation_links_to_the_source_when_it_has_a_url():
    answer = Answer(
        question="q?",
        answered=True,
        quotes=[quote("Said (it).", url="https://example.org/a_(b) c")],
    )
    cite = blocks(render.answer_embed(answer).description)[0][1]
    assert cite.startswith("\u2014 [**An Article**](https://example.org/a_%28b%29%20c)")
    assert "paragraph 1" in cite


def test_user_text_is_escaped_and_cannot_ping_or_link():
    nasty = "**bold** _it_ @everyone <@&123> [click](https://evil.example) `code` > quote"
    answer = Answer(question=nasty, answered=False, note=NO_ANSWER_NOTE)
    embed = render.answer_embed(answer)
    assert "**bold**" not in embed.title and "\\*\\*bold\\*\\*" in embed.title
    assert "[click](" not in embed.title and "\\[click\\]" in embed.title
    assert "\\_it\\_" in embed.title and "\\`code\\`" in embed.title
    assert render.plain(embed.title) == nasty  # nothing lost, only escaped


def test_quote_markdown_from_the_sources_is_escaped_too():
    answer = Answer(
        question="q", answered=True, quotes=[quote("a *starred* word_with_underscores")]
    )
    quoted = blocks(render.answer_embed(answer).description)[0][0]
    assert "\\*starred\\*" in quoted and "word\\_with\\_underscores" in quoted


def test_abstention_shows_the_note_and_labels_the_closest_passages():
    answer = Answer(
        question="q", answered=False, note=NO_ANSWER_NOTE, closest=[quote("Nearby text.")]
    )
    embed = render.answer_embed(answer)
    assert embed.description.startswith(f"*{render.escape(NO_ANSWER_NOTE)}*")
    assert "**Closest passages:**" in embed.description
    assert embed.colour == render.COLOUR_NO_ANSWER


def test_disagreement_note_and_colour():
    answer = Answer(
        question="q",
        answered=True,
        disagreement=True,
        note=DISAGREE_NOTE,
        quotes=[quote("In 2014.", 1), quote("In 2015.", 2)],
    )
    embed = render.answer_embed(answer)
    assert render.plain(embed.description).startswith(DISAGREE_NOTE)
    assert embed.colour == render.COLOUR_DISAGREE and len(blocks(embed.description)) == 2


def test_long_quotes_are_cut_with_an_ellipsis_but_keep_their_citation():
    words = " ".join(f"word{i}" for i in range(2500))  # ~20,000 characters
    answer = Answer(
        question="why " * 200,
        answered=True,
        quotes=[quote(words, 1, title="T" * 600), quote(words, 2), quote(words, 3)],
    )
    embed = render.answer_embed(served(answer))
    within_limits(embed)
    assert embed.title.endswith(render.ELLIPSIS)
    pairs = blocks(embed.description)
    assert pairs, "the first quote is shortened, not dropped"
    for quoted, cite in pairs:
        assert quoted.endswith(render.ELLIPSIS)
        assert cite.startswith("\u2014 ") and "paragraph" in cite
    assert embed.description.rstrip("*").endswith("not shown")


def test_many_quotes_drop_whole_blocks_and_say_so():
    sentence = "A fairly ordinary sentence from an article. " * 12
    answer = Answer(question="q", answered=True, quotes=[quote(sentence, n) for n in range(1, 20)])
    embed = render.answer_embed(answer)
    within_limits(embed)
    pairs = blocks(embed.description)
    assert 1 <= len(pairs) < 19
    for quoted, cite in pairs:
        assert not quoted.endswith(render.ELLIPSIS) and cite.startswith("\u2014 ")
    assert f"{19 - len(pairs)} more quotes not shown" in embed.description


def test_random_markdown_heavy_answers_always_fit():
    rng = random.Random(5)
    alphabet = "ab *_~`|>[]()#-@\\\n\u00e9"
    for _ in range(200):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3000)))]
        texts += ["x" * rng.randint(0, 5000)]
        answer = Answer(
            question="".join(rng.choice(alphabet) for _ in range(rng.randint(1, 600))),
            answered=True,
            quotes=[quote(t or "y", n, title=t[:300] or "t") for n, t in enumerate(texts)],
        )
        embed = render.answer_embed(served(answer))
        within_limits(embed)
        for _, cite in blocks(embed.description):
            assert cite.startswith("\u2014 ")


@pytest.mark.parametrize("limit", [1, 2, 5, 17, 100])
def test_escape_shorten_never_leaves_a_dangling_escape(limit):
    text = "\\*_" * 80
    out = render.escape_shorten(text, limit)
    assert len(out) <= limit
    body = out.removesuffix(render.ELLIPSIS)
    assert re.fullmatch(r"(\\.)*", body), out


def test_shorten_prefers_a_word_boundary():
    assert render.shorten("alpha beta gamma delta", 15) == "alpha beta\u2026"
    assert render.shorten("short", 15) == "short"
    assert len(render.shorten("x" * 50, 10)) == 10


def test_plain_spells_out_links_and_drops_markup():
    md = "*note* \\*kept\\* [**A \\[b\\]**](https://x.example/p) **bold**"
    assert render.plain(md) == "note *kept* A [b] <https://x.example/p> bold"


# ---------------------------------------------------------------- timeline


SOURCES = {
    "s1": Source(source_id="s1", title="First *Article*", url="https://one.example/a"),
    "s2": Source(source_id="s2", title="Second", url=None),
}


def mention(source_id: str, paragraph: int, quote: str, expression: str = "May") -> Mention:
    return Mention(
        source_id=source_id, paragraph=paragraph, quote=quote, expression=expression,
        anchor="absolute",
    )  # fmt: skip


def rows(n: int, quote_len: int = 80) -> list[render.TimelineRow]:
    out = []
    for i in range(n):
        mentions = [
            mention("s1", i + 1, f"In May {2000 + i} event {i} happened. " + "x" * quote_len),
            mention("s2", 2, f"Event {i} was in May {2000 + i}."),
        ]
        out.append((f"May {2000 + i}", mentions[1], mentions))
    return out


def test_timeline_lines_are_chronological_with_label_short_quote_and_citations():
    pages = render.timeline_pages(rows(3), SOURCES.get, "Timeline")
    assert len(pages) == 1
    text = pages[0].description
    labels = re.findall(r"\*\*(May \d{4})\*\*", text)
    assert labels == ["May 2000", "May 2001", "May 2002"]
    first = text.split("\n\n")[0]
    assert "Event 0 was in May 2000." in first  # the quote the row chose to show
    assert "[**First \\*Article\\***](https://one.example/a) \u00b61" in first
    assert "**Second** \u00b62" in first
    assert pages[0].footer.text == "page 1/1 \u00b7 3 events"


def test_timeline_paginates_and_every_page_fits():
    evs = rows(57, quote_len=400)
    pages = render.timeline_pages(evs, SOURCES.get, render.timeline_title(about="x" * 300))
    assert len(pages) == 6
    seen = []
    for i, page in enumerate(pages, start=1):
        within_limits(page)
        assert page.footer.text == f"page {i}/6 \u00b7 57 events"
        seen += re.findall(r"\*\*(May \d{4})\*\*", page.description)
    assert seen == [label for label, _, _ in evs]


def test_long_quotes_and_many_citations_stay_within_a_line_budget():
    long_quote = "word " * 300 + "in May 2001 " + "tail " * 100
    many = [mention(f"s{n}", n, long_quote, "May 2001") for n in range(1, 80)]
    lookup = {f"s{n}": Source(source_id=f"s{n}", title="T" * 200) for n in range(1, 80)}.get
    pages = render.timeline_pages([("May 2001", many[0], many)] * 12, lookup, "Timeline")
    assert len(pages) > 1
    for page in pages:
        within_limits(page)
        for line in page.description.split("\n\n"):
            assert "May 2001" in line.split("\n")[0]  # the trimmed quote keeps its date words
            assert line.endswith("more sources") and len(line) <= render.TIMELINE_LINE_CHARS


def test_bundled_timeline_pages_hold_every_event_once(library):
    from bot.render import timeline_rows as rows_of

    all_rows = rows_of(library.timeline)
    pages = render.timeline_pages(all_rows, library.corpus.source, "Timeline")
    assert len(pages) == -(-len(all_rows) // render.TIMELINE_EVENTS_PER_PAGE)
    text = "\n\n".join(p.description for p in pages)
    assert text.count("\n\n") + 1 == len(all_rows)
    for page in pages:
        within_limits(page)


def test_empty_timeline_says_so():
    (page,) = render.timeline_pages([], SOURCES.get, "Timeline: 1850")
    assert "No dated events" in page.description and page.title == "Timeline: 1850"


def test_timeline_title_echoes_filters_escaped():
    title = render.timeline_title(2018, "2014", None, "Met **Gala**")
    assert title.startswith("Timeline: 2018, 2014 to \u2026, about")
    assert "\\*\\*Gala\\*\\*" in title


# ---------------------------------------------------------------- reports


def report(n: int, status: str = "open", reason: str = "The date is wrong.") -> SimpleNamespace:
    return SimpleNamespace(
        report_id=n,
        answer_id=f"ans{n}",
        question="When did they meet? @everyone",
        answer_text="...",
        reporter_id="42",
        reporter_name="**mallory**",
        guild_id="1",
        channel_id="2",
        category="wrong",
        reason=reason,
        created_at=dt.datetime(2024, 5, 1, 12, 30),
        status=status,
        moderator="mod" if status != "open" else None,
        resolution_note="fixed" if status != "open" else None,
        resolved_at=None,
    )


def test_reports_embed_lists_reports_with_escaped_text():
    embed = render.reports_embed([report(1), report(2, "resolved")], "all")
    assert [f.name for f in embed.fields] == [
        "#1 \u00b7 open \u00b7 wrong",
        "#2 \u00b7 resolved \u00b7 wrong",
    ]
    assert "\\*\\*mallory\\*\\*" in embed.fields[0].value
    assert "**Resolved** by mod: fixed" in embed.fields[1].value
    assert embed.footer.text == "2 reports"


def test_reports_embed_caps_fields_and_total_and_points_to_export():
    many = [report(n, reason="r" * 1000) for n in range(1, 40)]
    embed = render.reports_embed(many, "open")
    within_limits(embed)
    assert 0 < len(embed.fields) < 39
    assert f"{39 - len(embed.fields)} more not shown" in embed.footer.text


def test_no_reports():
    assert render.reports_embed([], "open").description == "*No reports.*"


def test_cooldown_message_rounds_up_to_whole_seconds():
    assert render.cooldown_message(0.2) == "You're asking quickly: please try again in 1 s."
    assert "in 4 s" in render.cooldown_message(3.6)


# ---------------------------------------------------------------- corrections and feedback


def click(
    n: int, question: str = "where? **bold**", quote_text: str = "A quote."
) -> SimpleNamespace:
    return SimpleNamespace(
        answer_id=f"ans{n % 7}",
        question=f"{question} {n % 7}",
        source_id="001_abc",
        paragraph=n % 7 + 1,
        quote=quote_text,
    )


def test_a_corrected_answer_says_so_first_in_its_own_colour():
    corrected = Answer(
        question="q",
        answered=True,
        quotes=[quote("Palm Beach.")],
        corrected={"by": "Mo", "at": dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)},
    )
    embed = render.answer_embed(served(corrected))
    assert embed.description.startswith("*Corrected by a moderator on 2026-03-04.*\n\n> Palm")
    assert embed.colour == render.COLOUR_CORRECTED
    assert render.answer_embed(served(Answer(question="q", answered=False))).colour != (
        render.COLOUR_CORRECTED
    )


def test_review_queue_shares_one_message_between_reports_and_clicks():
    many = [report(n, reason="r" * 1000) for n in range(1, 40)]
    clicks = [click(n, question="q" * 300, quote_text="x" * 500) for n in range(60)]
    embeds = render.review_embeds(many, "all", clicks)
    assert len(embeds) == 2 and sum(len(e) for e in embeds) <= render.EMBED_TOTAL_LIMIT
    for embed in embeds:
        within_limits(embed)
    assert embeds[1].title == "This answered me" and "more not shown" in embeds[1].footer.text
    assert embeds[1].description.startswith("**")  # most clicked first, escaped text
    assert render.review_embeds([report(1)], "open", []) == [
        render.reports_embed([report(1)], "open")
    ]


def test_passage_choices_fit_discord_autocomplete():
    choice = PassageChoice(PassageRef("s" * 120, 12, 3), "T" * 300, "w " * 400)
    name, value = render.passage_choice(choice)
    assert len(name) <= 100 and len(value) <= 100 and "\u00b612 s3: w w" in name


def test_corrections_embed_lists_what_a_moderator_needs():
    correction = SimpleNamespace(
        correction_id=3, status="withdrawn", answer_ref="001_abc:2:1", moderator="*mo*",
        created_at=dt.datetime(2024, 5, 1), report_id=9, question="Q?", quote="The answer.",
        closed_by="mo", closed_note="withdrawn",
    )  # fmt: skip
    embed = render.corrections_embed([correction], "all")
    within_limits(embed)
    (field,) = embed.fields
    assert field.name == "#3 \u00b7 withdrawn \u00b7 001_abc:2:1"
    assert (
        "\\*mo\\*" in field.value
        and "report #9" in field.value
        and "**A:** The answer." in field.value
    )
    assert render.corrections_embed([], "active").description == "*No corrections.*"
