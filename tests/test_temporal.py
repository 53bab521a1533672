"""The temporal tagger: each rule family, what must never be tagged, and the gold list."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.timeline_eval import evaluate, load_gold, locate, tag_corpus
from knowledge.temporal import find_dates, parse_value, tag_paragraphs

MONDAY = dt.date(2023, 10, 23)  # a Monday, like article 003's date


def only(text, reference=None):
    found = find_dates(text, reference)
    assert len(found) == 1, [e.text for e in found]
    return found[0]


def value_of(text, reference=None):
    expr = only(text, reference)
    return expr.value.value if expr.value else None


# --- absolute ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "granularity"),
    [
        ("The gala was held on Friday, October 20, 2023, downtown.", "2023-10-20", "day"),
        ("It opened October 20, 2023.", "2023-10-20", "day"),
        ("Filed Oct. 22, 2021 in Ohio.", "2021-10-22", "day"),
        ("She was born 12 August 1990.", "1990-08-12", "day"),
        ("Signed on 2021-04-05.", "2021-04-05", "day"),
        ("They married on June 5th, 2010.", "2010-06-05", "day"),
        ("In May 2018, they met.", "2018-05", "month"),
        ("She left in June 2019 for good.", "2019-06", "month"),
        ("It was October of 2022.", "2022-10", "month"),
        ("There has been no photo since May 2016.", "2016-05", "month"),
        ("They met in 2014.", "2014", "year"),
        ("They met at the 2014 Met Gala.", "2014", "year"),
        ("She left politics back in 2022.", "2022", "year"),
        ("His 2024 campaign began.", "2024", "year"),
        ("The Normans came in 1066.", "1066", "year"),
        ("They married in Summer 2025.", "2025-SU", "season"),
        ("It rained all through the fall of 2019.", "2019-FA", "season"),
        ("During the latter half of 2018, talks went on.", "2018-H2", "half"),
        ("Sales fell in the first half of 2019.", "2019-H1", "half"),
        ("Profits rose in the fourth quarter of 2020.", "2020-Q4", "quarter"),
        ("It was big in the 1990s.", "199X", "decade"),
        ("Production began in early 2015.", "2015", "year"),
    ],
)
def test_absolute_expressions(text, value, granularity):
    expr = only(text)
    assert expr.anchor == "absolute"
    assert expr.value.value == value and expr.value.granularity == granularity


def test_intervals_bound_each_value():
    summer = only("in Summer 2025").value
    assert (summer.start, summer.end) == (dt.date(2025, 6, 1), dt.date(2025, 8, 31))
    half = only("the latter half of 2018").value
    assert (half.start, half.end, half.label) == (
        dt.date(2018, 7, 1),
        dt.date(2018, 12, 31),
        "second half of 2018",
    )
    early = only("in early 2015").value
    assert early.approximate and early.end < dt.date(2015, 6, 1) and early.label == "early 2015"


def test_parse_value_round_trips_every_value_kind():
    for value in ["2023-10-20", "2023-W43", "2023-W42-WE", "2018-06", "2025-SU", "2018-Q3",
                  "2018-H2", "2018", "201X"]:  # fmt: skip
        assert parse_value(value).value == value
    assert parse_value("2023-13") is None and parse_value("soon") is None


# --- relative to the previous dated event ---------------------------------------------------


def tag_article(paragraphs, publication=None):
    return [e for exprs in tag_paragraphs(paragraphs, publication) for e in exprs]


@pytest.mark.parametrize(
    ("before", "relative", "value", "approximate"),
    [
        ("In May 2018, they met.", "The following month, he signed it.", "2018-06", False),
        ("In 2025, she turned 44.", "A year earlier, she wrote a post.", "2024", False),
        ("They wed in Summer 2025.", "Two years earlier, she had a party.", "2023", False),
        (
            "It started in the latter half of 2018.",
            "One year later, she thanked him.",
            "2019",
            False,
        ),
        ("Back in 2010, he was on TV.", "A decade later, she studied law.", "202X", True),
        ("They met in 2014.", "More than a decade later, both have children.", "202X", True),
        ("In October 2022, they dined.", "He had ranted a few weeks earlier.", "2022-10", True),
        ("In 2022, he spoke out.", "Two weeks after his tweet, they met.", "2022", False),
        ("On March 3, 2021, it opened.", "Two weeks later it closed.", "2021-W11", False),
        ("On March 3, 2021, it opened.", "The next day it closed.", "2021-03-04", False),
        ("She graduated in 2010.", "They moved the following year.", "2011", False),
    ],
)
def test_relative_to_previous_event(before, relative, value, approximate):
    exprs = tag_article([before, relative], dt.date(2030, 1, 1))
    last = exprs[-1]
    assert last.anchor == "previous-event"
    assert last.value.value == value and last.approximate is approximate


def test_offsets_chain_and_anchor_to_a_date_right_after_them():
    exprs = tag_article(
        ["In 2010 it began. A decade later it grew. Two years after that, it ended."]
    )
    assert [e.value.value for e in exprs] == ["2010", "202X", "202X"]
    exprs = find_dates("It closed two weeks after May 5, 2018.")
    assert [e.value.value for e in exprs] == ["2018-W20", "2018-05-05"]


def test_relative_expression_without_previous_event_is_unresolved():
    expr = only("The following month, the president commuted her sentence.")
    assert expr.anchor == "previous-event" and expr.value is None and not expr.resolved


# --- relative to the publication date -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Over the weekend, she shared photos.", "2023-W42-WE"),
        ("They bonded nearly a decade ago at the gala.", "201X"),
        ("I'm seeing you next week.", "2023-W44"),
        ("We met last week.", "2023-W42"),
        ("She was arrested on Friday.", "2023-10-20"),
        ("She will travel on Friday.", "2023-10-27"),
        ("He said on Friday that he will travel on Monday.", None),  # two dates: see below
        ("Kim posted on Sunday, October 22 about it.", "2023-10-22"),
        ("The party was on October 20.", "2023-10-20"),
        ("Yesterday the council voted.", "2023-10-22"),
        ("Prices rose last year.", "2022"),
        ("It passed in March.", "2023-03"),
        ("Everyone is welcome this weekend.", "2023-W43-WE"),
        ("They divorced three years ago.", "2020"),
    ],
)
def test_relative_to_publication(text, value):
    if value is None:
        exprs = find_dates(text, MONDAY)
        assert [e.value.value for e in exprs] == ["2023-10-20", "2023-10-30"]
        return
    expr = only(text, MONDAY)
    assert expr.anchor == "publication" and expr.value.value == value


def test_weekend_and_decade_labels():
    weekend = only("over the weekend", MONDAY).value
    assert (weekend.start, weekend.end) == (dt.date(2023, 10, 21), dt.date(2023, 10, 22))
    decade = only("nearly a decade ago", MONDAY)
    assert decade.approximate and decade.value.label == "about 2013"
    assert decade.value.granularity == "decade"


def test_month_day_prefers_the_year_matching_its_weekday():
    # October 20 was a Friday in 2023; a January 2024 article still dates it to 2023.
    assert value_of("on Friday, October 20", dt.date(2024, 1, 5)) == "2023-10-20"


def test_quoted_deictic_is_relative_to_when_it_was_said():
    paragraph = (
        "Kim wrote on Sunday, October 22 about her sister. "
        "\u201cI\u2019m jumping in bed with you next week for our picnic.\u201d"
    )
    exprs = tag_paragraphs([paragraph], MONDAY)[0]
    assert [e.value.value for e in exprs] == ["2023-10-22", "2023-W43"]
    assert exprs[1].anchor == "previous-event"
    outside = only("I will see you next week.", MONDAY)
    assert outside.value.value == "2023-W44" and outside.anchor == "publication"


@pytest.mark.parametrize(
    "text",
    [
        "Kim rang in her birthday over the weekend.",
        "They bonded nearly a decade ago.",
        "See you next week.",
        "She was arrested on Friday.",
        "On Sunday, October 22 she posted.",
        "It passed in March.",
        "Yesterday it rained.",
    ],
)
def test_without_a_publication_date_relative_expressions_stay_unresolved(text):
    expr = only(text, None)
    assert expr.anchor == "publication"
    assert expr.value is None and not expr.resolved


def test_approximate_flags():
    assert only("about 30 years ago", MONDAY).approximate
    assert only("a few months ago", MONDAY).approximate
    assert only("several years ago", MONDAY).approximate
    assert not only("two years ago", MONDAY).approximate
    assert not only("just a year ago", MONDAY).approximate
    assert only("a decade ago", MONDAY).approximate  # decades are always rough


# --- never dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Kim met with Trump, 77, in the Oval Office.",
        "Kardashian, 43, shared photos with Trump, 41.",
        "which 41-year-old Trump dutifully re-shared.",
        "She rang in her 43rd birthday with friends.",
        "Kardashian's is the 21st, and Trump's is the 30th.",
        "The former reality star had moved into 1600 Pennsylvania Avenue.",
        "She lives at 1900 Broadway Street.",
        "A photo of her with Trump one-on-one.",
        "It may sound like something out of a comedy.",
        "She met officials to secure the release of a second prisoner.",
        "People who deserve a second chance.",
        "Three of her sisters attended, and 2000 people watched.",
        "The company has 2019 employees.",
        "They talked for over three hours at a three-hour dinner.",
        "Her friends went out; we stayed home.",
        "The Sunday Times reported it on Good Friday.",
        "Arabella was three and North West was about to turn one.",
        "She took a room at the hotel, Room 2001.",
        "They march in the streets.",
    ],
)
def test_non_dates_are_not_tagged(text):
    assert find_dates(text, MONDAY) == []


# --- the gold list of the bundled articles ---------------------------------------------------

GOLD = load_gold()


@pytest.fixture(scope="module")
def tagged(corpus):
    return tag_corpus(corpus)


@pytest.mark.parametrize(
    "item", GOLD.dates, ids=[f"{g.source_id[:3]}-p{g.paragraph}-{g.expression}" for g in GOLD.dates]
)
def test_gold_date_is_found_with_its_value(corpus, tagged, item):
    loc = locate(corpus, item)
    hits = [
        e
        for e in tagged[(item.source_id, item.paragraph)]
        if e.start < loc.end and loc.start < e.end
    ]
    assert hits, f"{item.expression!r} not tagged"
    assert (hits[0].value.value if hits[0].value else None) == item.value
    assert hits[0].anchor == item.anchor and hits[0].approximate is item.approximate


@pytest.mark.parametrize(
    "item",
    GOLD.non_dates,
    ids=[f"{g.source_id[:3]}-p{g.paragraph}-{g.expression}" for g in GOLD.non_dates],
)
def test_gold_non_date_is_not_tagged(corpus, tagged, item):
    loc = locate(corpus, item)
    hits = [
        e.text
        for e in tagged[(item.source_id, item.paragraph)]
        if e.start < loc.end and loc.start < e.end
    ]
    assert hits == []


def test_gold_list_scores_and_every_gold_sentence_is_verbatim(corpus):
    for item in GOLD.dates + GOLD.other_temporal + GOLD.non_dates:
        locate(corpus, item)  # raises on a sentence or expression not in the article
    report = evaluate(corpus, GOLD)
    assert report.gold == len(GOLD.dates) >= 40
    assert report.false_positives == [] and report.misses == []
    assert report.precision == 1.0 and report.value_accuracy == 1.0


def test_every_rule_has_exactly_one_resolver():
    """Resolvers are looked up by rule name: a rule without one would fail only at tagging time."""
    from knowledge.temporal.resolvers import CALENDAR_RESOLVERS, RELATIVE_RESOLVERS, RESOLVERS
    from knowledge.temporal.rules import RULES

    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert set(names) == set(RESOLVERS)
    assert not set(CALENDAR_RESOLVERS) & set(RELATIVE_RESOLVERS)


# --- issue 20: kinds seen missing on foreign news ------------------------------------------

MARCH_1998 = dt.date(1998, 3, 18)  # a Wednesday
FRIDAY = dt.date(1998, 2, 13)


@pytest.mark.parametrize(
    ("text", "reference", "value"),
    [
        ("The 1957-58 season was cancelled.", None, "1957/1958"),
        ("Figures for 2009-2010 show it.", None, "2009/2010"),
        ("The 2019-20 season was cancelled.", None, "2019/2020"),
        ("It shaped the 20th century.", None, "19XX"),
        ("Built in the eleventh century.", None, "10XX"),
        ("Prices fell through the nineties.", MARCH_1998, "199X"),
        ("He arrived in nineteen ninety-six.", None, "1996"),
        ("by the year two thousand", None, "2000"),
        ("The book is due to be published in May.", MARCH_1998, "1998-05"),
        ("The book was published in May.", MARCH_1998, "1997-05"),
        ("The agency on Friday announced new rules.", FRIDAY, "1998-02-13"),
        ("He said Friday the plan will be seen as a turning point.", FRIDAY, "1998-02-13"),
        ("Sales rose in the last week.", dt.date(2000, 4, 14), "2000-W15"),
        ("The deal closes at the end of the year.", MARCH_1998, "1998"),
        ("Spending this fiscal year is flat.", MARCH_1998, "1998"),
        ("Profit rose in fiscal 1989.", None, "1989"),
        ("A 2009 analysis found no link.", None, "2009"),
        ("Third-quarter profit rose.", dt.date(1989, 11, 2), "1989-Q3"),
        ("Sales rose over Thanksgiving.", dt.date(2000, 1, 7), "1999-11-25"),
        ("Voters go to the polls on Election Day.", dt.date(1998, 10, 26), "1998-11-03"),
        ("Easter 1998 was cold.", None, "1998-04-12"),
        ("Prices fell in the summer.", dt.date(1989, 10, 26), "1989-SU"),
        ("Results for the full year were weak.", dt.date(1989, 10, 26), "1989"),
        ("It happened a week or so ago.", dt.date(1991, 2, 25), "1991-W08"),
        ("The tour ends this September.", dt.date(1998, 2, 5), "1998-09"),
        ("The job figures for January were strong.", dt.date(1998, 2, 6), "1998-01"),
        ("Police studied the October attack.", dt.date(1999, 4, 19), "1998-10"),
        ("We expect that to continue into 1990.", None, "1990"),
        ("Earlier in the year sales fell.", dt.date(2000, 2, 24), "2000"),
        ("In September, it announced plans to buy a rival.", dt.date(1989, 10, 30), "1989-09"),
        ("The club has decided to admit them in early March.", dt.date(1999, 2, 10), "1999-03"),
        ("Orders for November are strong.", dt.date(1989, 10, 30), "1989-11"),
        ("Crowds came in Easter week.", dt.date(2000, 4, 17), "2000-W16"),
        ("They vote this coming Sunday.", dt.date(1998, 3, 5), "1998-03-08"),
        ("Debt is to be cut by year's end.", dt.date(2000, 2, 24), "2000"),
        ("The paper wrote on Thursday, Jan. 6: enough.", dt.date(2000, 1, 6), "2000-01-06"),
        (
            "It posted a loss for the third quarter of $226 million.",
            dt.date(1989, 11, 2),
            "1989-Q3",
        ),
        ("The fourth quarter was weak.", MARCH_1998, "1997-Q4"),
        ("Ties were cut in the post-1962 years.", None, "1962"),
        ("Sales stayed weak for the rest of the year.", dt.date(1994, 5, 3), "1994"),
        ("It snowed in the spring of nineteen eighty-one.", None, "1981-SP"),
        # a past verb right before a month-day puts it on or before the reference day
        ("The club's season ended Jan. 15.", dt.date(1995, 11, 20), "1995-01-15"),
        ("The lease was terminated on Dec. 1.", dt.date(1995, 11, 20), "1994-12-01"),
        ("The offer was extended to Dec. 2.", dt.date(1995, 11, 20), "1995-12-02"),
        # an intention before the date, or a modal, looks forward
        ("The crew planned to sail on Thursday.", dt.date(1997, 6, 4), "1997-06-05"),
        ("They agreed to sell the mill in January.", dt.date(1993, 10, 12), "1994-01"),
        ("On Monday, the city agreed to pay the bill.", dt.date(1997, 6, 4), "1997-06-02"),
        ("Members can vote at the congress in March.", dt.date(1996, 11, 8), "1997-03"),
        ("The ferry is to leave port Friday.", dt.date(1991, 5, 7), "1991-05-10"),
        ("The vote was scheduled for early June.", dt.date(2001, 5, 2), "2001-06"),
        # a relative or subordinate clause has its own tense
        (
            "Officials will help families who were flown out of the towns in late November.",
            dt.date(2000, 4, 5),
            "1999-11",
        ),
        ("The lawyers had no date when the case is heard in May.", dt.date(2000, 3, 29), "2000-05"),
        (
            "The group issued a long written statement Friday saying it will win.",
            dt.date(1999, 3, 13),
            "1999-03-12",
        ),
    ],
)
def test_foreign_news_kinds(text, reference, value):
    assert value_of(text, reference) == value


def test_a_year_ago_beside_a_quarter_is_that_quarter_a_year_back():
    exprs = find_dates("Third-quarter profit rose to $5 from $4 a year ago.", dt.date(1989, 11, 2))
    assert [e.value.value for e in exprs] == ["1989-Q3", "1988-Q3"]


def test_many_years_ago_beside_a_month_is_a_year_not_a_comparison():
    exprs = find_dates("He took power in January 1959, 41 years ago.", dt.date(2000, 1, 15))
    assert [e.value.value for e in exprs] == ["1959-01", "1959"]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("The 1957-58 season was bad; a year later it improved.", ["1957/1958", "1959"]),
        ("From 2009-2010 it grew; two years earlier it shrank.", ["2009/2010", "2007"]),
        ("The 19th century ended; a year later the mill closed.", ["18XX", "18XX"]),
    ],
)
def test_offsets_from_a_range_or_a_century(text, values):
    assert [e.value.value for e in find_dates(text, dt.date(2020, 1, 1))] == values


def test_the_year_or_quarter_ended_a_day_is_the_period_it_closes():
    exprs = find_dates("For the year ended June 30, profit rose.", dt.date(1993, 8, 10))
    assert [(e.text, e.value.value) for e in exprs] == [
        ("the year", "1993"),
        ("June 30", "1993-06-30"),
    ]
    exprs = find_dates("Sales fell in the quarter ending Aug. 31.", dt.date(1995, 10, 3))
    assert exprs[0].value.value == "1995-Q3"  # June to August: mostly the third quarter


def test_the_quarter_ended_a_day_keeps_the_fiscal_quarter_the_article_named():
    paragraphs = ["Its fiscal first quarter was strong.", "In the quarter ended Aug. 31, it grew."]
    tagged = tag_paragraphs(paragraphs, dt.date(1995, 10, 3))
    assert (tagged[1][0].text, tagged[1][0].value.value) == ("the quarter", "1995-Q1")


def test_through_a_month_in_a_report_is_so_far():
    exprs = find_dates("Sales rose this year through August.", dt.date(1989, 10, 27))
    assert [e.value.value for e in exprs] == ["1989", "1989-08"]


def test_the_next_morning_is_the_day_after():
    exprs = tag_paragraphs(
        ["He was arrested on Feb. 22, 2000.", "He appeared in court the next morning."],
        dt.date(2000, 2, 24),
    )
    assert [e.value.value for p in exprs for e in p] == ["2000-02-22", "2000-02-23"]


def test_the_quarter_needs_a_quarter_before_it():
    assert find_dates("The quarter was weak.", MARCH_1998) == []
    exprs = tag_paragraphs(
        ["Third-quarter profit rose.", "The quarter was strong; the year-ago period was not."],
        dt.date(1989, 11, 2),
    )
    assert [e.value.value for p in exprs for e in p] == ["1989-Q3", "1989-Q3", "1988-Q3"]


def test_the_latest_quarter_is_the_last_one_over():
    assert value_of("The latest quarter was weak.", dt.date(1989, 11, 2)) == "1989-Q3"
    assert value_of("Sales in the current quarter are flat.", dt.date(1989, 11, 2)) == "1989-Q4"


def test_a_year_earlier_after_a_year_ago_is_the_same_compared_period():
    text = (
        "Third-quarter profit fell to $3 from $4 a year ago; "
        "sales were $9, up from $8 a year earlier."
    )
    exprs = find_dates(text, dt.date(1989, 11, 2))
    assert [e.value.value for e in exprs] == ["1989-Q3", "1988-Q3", "1988-Q3"]


def test_month_range_is_one_range_of_the_right_year():
    expr = only("The pool is open June through September.", dt.date(2024, 3, 1))
    assert expr.value.value == "2024-06/2024-09"
    assert (expr.value.start, expr.value.end) == (dt.date(2024, 6, 1), dt.date(2024, 9, 30))
    assert expr.value.label == "June\u2013September 2024"
    assert parse_value("2024-06/2024-09") == expr.value


@pytest.mark.parametrize(
    "text",
    [
        "It is currently closed.",
        "Now it is open.",
        "That is all in the past.",
        "Over the past year it grew.",
    ],
)
def test_present_and_past_references_are_never_dates(text):
    assert find_dates(text, MARCH_1998) == []
