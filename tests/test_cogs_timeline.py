from __future__ import annotations

import datetime as dt

import discord
import pytest

from bot.discord.cogs.timeline import TimelinePager, about_choices, year_choices
from bot.render import timeline_embeds
from bot.render import timeline_rows as rows_of
from bot.service import Service, Suggestions, TimelineQuery, TimelineQueryError
from bot.settings import Settings
from knowledge.timeline import about_terms, matches_about


def test_query_parsing_normalises_and_validates():
    q = TimelineQuery.parse(year=" 2018 ", start="2014-05", end=None, about="  Met   Gala ")
    assert q == TimelineQuery(year=2018, start="2014-05", end=None, about="Met Gala")
    assert q.start_date == dt.date(2014, 5, 1) and q.end_date is None and q.dated
    assert TimelineQuery.parse(end="2019").end_date == dt.date(2019, 12, 31)
    assert TimelineQuery.parse() == TimelineQuery() and not TimelineQuery().dated


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year": "twenty"}, "year must be a number like 2018, not 'twenty'"),
        ({"year": "0"}, "year must be between 1 and 9999"),
        ({"start": "May 2014"}, "from 'May 2014' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"end": "2014/05"}, "to '2014/05' is not a date"),
        ({"start": "2019", "end": "2014-06"}, "from 2019 is after to 2014-06"),
        ({"about": "the and of"}, "about 'the and of' has no words to look for"),
    ],
)
def test_bad_filters_are_explained(kwargs, message):
    with pytest.raises(TimelineQueryError) as caught:
        TimelineQuery.parse(**kwargs)
    assert str(caught.value).startswith(message)


async def test_rows_follow_the_services_timeline_and_its_filters():
    async with await Service.open(Settings()) as service:
        full = await service.timeline()
        every = rows_of(full)
        assert [label for label, _, _ in every] == [e.label for e in full.events] + [
            "undated" for _ in full.unresolved
        ]
        for (_, shown, mentions), event in zip(every, full.events, strict=False):
            assert shown in mentions and shown.quote in [m.quote for m in event.mentions]
        met = rows_of(await service.timeline(about="Met Gala"))
        assert met and all(
            any("met gala" in m.quote.lower() for m in mentions) for _, _, mentions in met
        )
        pages = await timeline_embeds(service, TimelineQuery.parse(year="2014"))
        assert pages[0].title == "Timeline: 2014" and "**2014**" in pages[0].description


def test_suggestions_name_years_and_things_with_events(library):
    found = Suggestions.build(library.timeline, library.corpus)
    assert found.years == sorted(set(found.years)) and 2014 in found.years
    assert {"Met Gala", "Kim Kardashian"} <= set(found.names)
    events = library.timeline.events
    for name in found.names:
        assert any(matches_about(e.mentions, about_terms(name)) for e in events), name


def test_year_choices_filter_by_prefix():
    years = [1996, 2010, 2011, 2014]
    assert [c.value for c in year_choices(years, "")] == years
    assert [c.name for c in year_choices(years, "201")] == ["2010", "2011", "2014"]
    assert len(year_choices(list(range(1900, 2000)), "")) == 25


def test_about_choices_put_prefix_matches_first():
    names = ["Kanye West", "Met Gala", "Kim Kardashian", "Ivanka Trump", "Gala dinner"]
    assert [c.value for c in about_choices(names, "ga")] == ["Gala dinner", "Met Gala"]
    assert [c.value for c in about_choices(names, "")] == names
    assert about_choices(["x" * 150], "x")[0].value == "x" * 100


async def test_pager_disables_buttons_at_the_ends():
    pages = [discord.Embed(title=str(i)) for i in range(3)]
    pager = TimelinePager(pages)
    assert pager.previous.disabled and not pager.next.disabled
    pager.index = 2
    pager._sync_buttons()
    assert not pager.previous.disabled and pager.next.disabled
    await pager.on_timeout()  # no message yet: nothing to edit, no error
    assert all(item.disabled for item in pager.children)


async def test_timeline_command_options(command_payloads):
    options = {o["name"]: o for o in command_payloads["timeline"]["options"]}
    assert list(options) == ["year", "from", "to", "about"]
    assert options["year"]["autocomplete"] and options["about"]["autocomplete"]
    assert not any(o["required"] for o in options.values())


def test_suggested_years_leave_out_centuries_and_decades(tmp_path):
    from knowledge.corpus import load_corpus
    from knowledge.timeline import build_timeline

    (tmp_path / "a.md").write_text(
        "---\ntitle: A\ndate: 2020-05-01\n---\n\nThe mill shaped the 19th century and the 1990s."
        "\n\nIt closed in 2008.\n",
        encoding="utf-8",
    )
    corpus = load_corpus(tmp_path)
    found = Suggestions.build(build_timeline(corpus), corpus)
    assert found.years == [2008]
