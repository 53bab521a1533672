from __future__ import annotations

from dataclasses import dataclass

import discord
import pytest

from bot.cogs.timeline import (
    TimelinePager,
    TimelineQuery,
    TimelineQueryError,
    about_choices,
    year_choices,
)


def test_query_parsing_normalises_and_validates():
    q = TimelineQuery.parse(year=" 2018 ", start="2014-05", end=None, about="  Met   Gala ")
    assert q == TimelineQuery(year=2018, start="2014-05", end=None, about="Met Gala")
    assert TimelineQuery.parse() == TimelineQuery()
    with pytest.raises(TimelineQueryError, match="year must be a number"):
        TimelineQuery.parse(year="twenty")
    with pytest.raises(TimelineQueryError, match="from must be YYYY"):
        TimelineQuery.parse(start="May 2014")
    with pytest.raises(TimelineQueryError, match="to must be YYYY"):
        TimelineQuery.parse(end="2014/05")


@dataclass
class Span:
    start: str
    end: str


def test_year_choices_cover_each_events_interval_and_filter_by_prefix():
    events = [Span("2014-05-05", "2014-05-05"), Span("2010-01-01", "2012-12-31")]
    assert [c.value for c in year_choices(events, "")] == [2010, 2011, 2012, 2014]
    assert [c.name for c in year_choices(events, "201")] == ["2010", "2011", "2012", "2014"]
    assert [c.value for c in year_choices(events, "2014")] == [2014]
    many = [Span(f"{y}-01-01", f"{y}-01-01") for y in range(1900, 2000)]
    assert len(year_choices(many, "")) == 25


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
