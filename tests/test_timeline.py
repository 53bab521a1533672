"""Timeline: mentions, merging across sources, order, filters, storage and `citebot timeline`."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.cli import main
from knowledge import timeline as tl
from knowledge.corpus import load_corpus
from knowledge.search.library import open_library
from knowledge.timeline import (
    FilterError,
    build_timeline,
    filter_events,
    load_or_build_timeline,
    parse_date_bound,
    parse_year,
    timeline_path,
    trim_quote,
)


@pytest.fixture(scope="module")
def bundled():
    return build_timeline(load_corpus())


def events_with(timeline, words):
    return [e for e in timeline.events if any(words in m.quote for m in e.mentions)]


def sources(event):
    return {m.source_id[:3] for m in event.mentions}


# --- the bundled articles ----------------------------------------------------------------


def test_met_gala_merges_across_three_articles(bundled):
    (gala,) = [e for e in events_with(bundled, "Met Gala") if len(e.mentions) > 1]
    assert sources(gala) == {"000", "003", "004"}
    assert (gala.value, gala.label, gala.approximate) == ("2014", "2014", False)
    rough = [m for m in gala.mentions if m.source_id[:3] != "000"]
    assert {m.value for m in rough} == {"201X"} and all(m.approximate for m in rough)


def test_birthday_party_merges_and_the_undated_article_stays_unresolved(bundled):
    (party,) = [e for e in bundled.events if e.value == "2023-10-20"]
    assert {"002", "003"} <= sources(party)
    (undated,) = [m for m in party.mentions if m.source_id.startswith("002")]
    assert undated.value is None and undated.anchor == "publication"
    assert undated.expression == "over the weekend" and "Funke" in undated.quote


def test_different_happenings_on_the_same_date_stay_apart(bundled):
    in_2020 = [e for e in bundled.events if e.value == "2020"]
    quotes = [" ".join(m.quote for m in e.mentions) for e in in_2020]
    assert len(in_2020) == 3  # Biden support, a New York Times profile, Johnson's pardon
    assert sum("Biden" in q for q in quotes) == 1 and sum("profile" in q for q in quotes) == 1
    in_2022 = [e for e in bundled.events if e.value == "2022"]
    assert all(len(e.mentions) == 1 for e in in_2022)  # West on Fox News, Kushner's memoir, ...


def test_mentions_quote_whole_sentences_verbatim(bundled):
    corpus = load_corpus()
    for event in bundled.events:
        for m in event.mentions:
            passage = corpus.source(m.source_id).passages[m.paragraph - 1]
            assert passage.text[m.start : m.end] == m.quote and m.expression in m.quote
            assert m.anchor in ("absolute", "publication", "previous-event")


def test_events_are_chronological_with_coarse_dates_after_finer_ones(bundled):
    values = [e.value for e in bundled.events if e.start.year == 2018 and e.end.year == 2018]
    assert values == ["2018-05", "2018-06", "2018-06", "2018-H2", "2018"]
    keys = [tl.event_sort_key(e) for e in bundled.events]
    assert keys == sorted(keys)
    labels = [e.label for e in bundled.events]
    assert labels.index("about 2024") > labels.index("2024")  # a decade guess after its year


# --- merging rules on small corpora --------------------------------------------------------


def article(folder, name, date, *paragraphs):
    folder.mkdir(exist_ok=True)
    header = f"---\ntitle: {name}\n" + (f"date: {date}\n" if date else "") + "---\n\n"
    (folder / f"{name}.md").write_text(header + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def build(folder):
    return build_timeline(load_corpus(folder))


def test_same_happening_in_two_articles_is_one_event(tmp_path):
    article(
        tmp_path,
        "a",
        "2021-05-01",
        "On March 3, 2021, the city museum reopened its sculpture garden.",
    )
    article(tmp_path, "b", "2021-06-01", "The museum's sculpture garden reopened on March 3, 2021.")
    (event,) = build(tmp_path).events
    assert event.value == "2021-03-03" and {m.source_id for m in event.mentions} == {"a", "b"}


def test_different_happenings_on_one_date_are_two_events(tmp_path):
    article(
        tmp_path,
        "a",
        "2021-05-01",
        "On March 3, 2021, the city museum reopened its sculpture garden.",
    )
    article(
        tmp_path, "b", "2021-06-01", "On March 3, 2021, the harbour ferry strike ended after talks."
    )
    events = build(tmp_path).events
    assert [e.value for e in events] == ["2021-03-03", "2021-03-03"]
    assert all(len(e.mentions) == 1 for e in events)


def test_same_words_on_different_dates_are_two_events(tmp_path):
    article(tmp_path, "a", None, "On March 3, 2021, the city museum reopened its sculpture garden.")
    article(tmp_path, "b", None, "On March 9, 2022, the city museum reopened its sculpture garden.")
    assert sorted(e.value for e in build(tmp_path).events) == ["2021-03-03", "2022-03-09"]


def test_a_rough_date_joins_the_exact_one_it_contains(tmp_path):
    article(
        tmp_path, "a", "2020-01-01", "The city museum reopened its sculpture garden in June 2014."
    )
    article(
        tmp_path,
        "b",
        "2023-10-23",
        "Nearly a decade ago the city museum reopened its sculpture garden.",
    )
    (event,) = build(tmp_path).events
    assert (event.value, event.approximate) == ("2014-06", False) and len(event.mentions) == 2


def test_undated_article_joins_a_matching_event_or_stays_unresolved(tmp_path):
    article(
        tmp_path,
        "a",
        "2021-03-08",
        "Over the weekend, the city museum reopened its sculpture garden.",
    )
    article(tmp_path, "b", None, "The city museum reopened its sculpture garden over the weekend.")
    article(tmp_path, "c", None, "Last week the harbour ferry workers went on strike.")
    timeline = build(tmp_path)
    (event,) = timeline.events
    assert event.value == "2021-W09-WE" and {m.source_id for m in event.mentions} == {"a", "b"}
    (alone,) = timeline.unresolved
    assert alone.source_id == "c" and alone.value is None and alone.expression == "Last week"


# --- filters -------------------------------------------------------------------------------


def test_year_filter_keeps_events_overlapping_the_year(bundled):
    kept = filter_events(bundled.events, year=2018)
    assert kept and all(
        e.start <= dt.date(2018, 12, 31) and e.end >= dt.date(2018, 1, 1) for e in kept
    )
    assert {e.value for e in kept} == {"2018-05", "2018-06", "2018-H2", "2018"}
    # A decade guess counts as its year (issue 20): 202X "about 2024" is not in 2027.
    assert filter_events(bundled.events, year=2027) == []
    assert "about 2024" in [e.label for e in filter_events(bundled.events, year=2024)]


def test_from_to_accept_year_month_and_day(bundled):
    assert parse_date_bound("2018", "--from").start == dt.date(2018, 1, 1)
    assert parse_date_bound("2018-06", "--to").end == dt.date(2018, 6, 30)
    assert parse_date_bound("2023-10-20", "--to").end == dt.date(2023, 10, 20)
    kept = filter_events(bundled.events, start=dt.date(2023, 10, 21), end=dt.date(2023, 10, 31))
    assert [e.value for e in kept] == [  # no "about 2020" or "about 2024" (issue 20)
        "2023-10-22",
        "2023-10-22",
        "2023-W43",
        "2023-10-30",
        "2023-10",
    ]


@pytest.mark.parametrize(
    ("about", "word"), [("Alice Johnson", "Johnson"), ("Met Gala", "Met Gala"), ("Kanye", "Kanye")]
)
def test_about_keeps_events_whose_quotes_hold_the_words(bundled, about, word):
    kept = filter_events(bundled.events, about=about)
    assert kept and all(any(word in m.quote for m in e.mentions) for e in kept)
    assert len(kept) < len(bundled.events)


def test_about_uses_the_search_analyzer(bundled):
    assert filter_events(bundled.events, about="met galas") == filter_events(
        bundled.events, about="Met Gala"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_year("99999"), "out of range"),
        (lambda: parse_year("twenty"), "not a year"),
        (lambda: parse_date_bound("2023-13-01", "--from"), "not a date"),
        (lambda: parse_date_bound("2023-02-30", "--to"), "not a date"),
        (lambda: parse_date_bound("yesterday", "--from"), "not a date"),
        (lambda: filter_events([], start=dt.date(2024, 1, 1), end=dt.date(2023, 1, 1)), "after"),
        (lambda: filter_events([], about="the of and"), "no words"),
    ],
)
def test_bad_filters_raise_clear_errors(call, message):
    with pytest.raises(FilterError, match=message):
        call()


# --- storage ------------------------------------------------------------------------------


def test_timeline_is_computed_once_per_fingerprint_and_saved(tmp_path, monkeypatch):
    article(tmp_path / "c", "a", "2021-05-01", "On March 3, 2021, the museum reopened.")
    corpus = load_corpus(tmp_path / "c")
    first = load_or_build_timeline(corpus, tmp_path / "data")
    path = timeline_path(tmp_path / "data", corpus.fingerprint)
    assert path.is_file() and json.loads(path.read_text())["fingerprint"] == corpus.fingerprint

    def fail(_corpus):
        raise AssertionError("rebuilt although saved")

    monkeypatch.setattr(tl.storage, "build_timeline", fail)
    assert load_or_build_timeline(corpus, tmp_path / "data") == first


def test_broken_or_outdated_saved_timeline_is_rebuilt(tmp_path):
    article(tmp_path / "c", "a", "2021-05-01", "On March 3, 2021, the museum reopened.")
    corpus = load_corpus(tmp_path / "c")
    path = timeline_path(tmp_path / "data", corpus.fingerprint)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert load_or_build_timeline(corpus, tmp_path / "data").events[0].value == "2021-03-03"
    stale = json.loads(path.read_text()) | {"tagger": "0", "events": []}
    path.write_text(json.dumps(stale))
    assert load_or_build_timeline(corpus, tmp_path / "data").events
    assert json.loads(path.read_text())["tagger"] != "0"


def test_library_exposes_the_timeline_lazily(tmp_path):
    article(tmp_path / "c", "a", "2021-05-01", "On March 3, 2021, the museum reopened.")
    library = open_library(tmp_path / "c", tmp_path / "data")
    assert not timeline_path(tmp_path / "data", library.fingerprint).exists()
    assert library.timeline.events[0].value == "2021-03-03"
    assert library.timeline is library.timeline
    assert timeline_path(tmp_path / "data", library.fingerprint).is_file()


# --- presentation ---------------------------------------------------------------------------


def test_trim_quote_keeps_the_date_in_view():
    quote = (
        "Long before anything else happened in the town, the museum finally reopened in June 2014."
    )
    short = trim_quote(quote, "June 2014", 40)
    assert short.startswith("\u2026") and "June 2014" in short and len(short) <= 40
    head = trim_quote(
        "In June 2014 the museum reopened after a very long closure indeed.", "June 2014", 30
    )
    assert head.startswith("In June 2014") and head.endswith("\u2026") and len(head) <= 30
    assert trim_quote("Short one.", "one", 40) == "Short one."


# --- command line ---------------------------------------------------------------------------


def run(capsys, *argv):
    code = main(["timeline", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_contract(capsys, tmp_path):
    code, out, err = run(capsys, "--json", "--data", str(tmp_path))
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert payload["events"]
    for event in payload["events"]:
        assert {
            "value",
            "start",
            "end",
            "granularity",
            "approximate",
            "label",
            "mentions",
        } <= event.keys()
        assert isinstance(event["value"], str) and isinstance(event["approximate"], bool)
        assert dt.date.fromisoformat(event["start"]) <= dt.date.fromisoformat(event["end"])
        assert event["granularity"] in (
            "day",
            "week",
            "month",
            "season",
            "quarter",
            "half",
            "year",
            "decade",
        )
        for m in event["mentions"]:
            assert {"source_id", "paragraph", "quote", "expression", "anchor"} <= m.keys()
            assert isinstance(m["paragraph"], int) and m["anchor"] in (
                "absolute",
                "publication",
                "previous-event",
            )
    assert timeline_path(tmp_path, load_corpus().fingerprint).is_file()


def test_cli_human_output_one_line_per_event(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run(capsys, "--year", "2018", "--data", str(tmp_path))
    lines = out.splitlines()
    assert code == 0 and len(lines) == 5
    assert lines[0].startswith("May 2018") and "[004 \u00b68]" in lines[0]
    assert (
        lines[1].startswith("June 2018") and "001 \u00b62" in lines[1] and "003 \u00b69" in lines[1]
    )
    assert all(len(line) <= 100 for line in lines)
    assert any("\u2026" in line for line in lines)


def test_cli_about_and_range(capsys, tmp_path):
    code, out, _ = run(
        capsys, "--about", "Met Gala", "--from", "2014", "--to", "2014-12", "--data", str(tmp_path)
    )
    assert code == 0 and out.count("\n") == 2 and "000 \u00b63, 003 \u00b62, 004 \u00b66" in out
    code, out, _ = run(capsys, "--about", "kangaroo", "--data", str(tmp_path))
    assert code == 0 and out.strip() == "No dated events match."


def test_cli_lists_unresolved_mentions_when_no_date_filter(capsys, tmp_path):
    article(tmp_path / "c", "x", None, "Last week the harbour ferry workers went on strike.")
    code, out, _ = run(capsys, "--corpus", str(tmp_path / "c"), "--data", str(tmp_path / "d"))
    assert code == 0 and out.startswith("undated") and "[x \u00b61]" in out
    code, out, _ = run(
        capsys, "--json", "--corpus", str(tmp_path / "c"), "--data", str(tmp_path / "d")
    )
    assert json.loads(out) == {"events": [], "unresolved": json.loads(out)["unresolved"]}
    assert json.loads(out)["unresolved"][0]["value"] is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--year", "99999"], "year must be between 1 and 9999"),
        (["--year", "abc"], "year must be a number"),
        (["--from", "2024", "--to", "2023"], "from 2024 is after to 2023"),
        (["--from", "2023-13-01"], "not a date"),
        (["--to", "20-10-2023"], "not a date"),
        (["--about", "the"], "no words"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(capsys, tmp_path, argv, message):
    code, out, err = run(capsys, *argv, "--data", str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("citebot: error:")


# --- issue 20: what a new user tried --------------------------------------------------------


def test_a_range_filter_leaves_out_decade_guesses_outside_it(capsys, tmp_path):
    """`--from 2023-10 --to 2023-10-22` listed "about 2020" and "about 2024": a decade guess
    counts as its best-guess year, which lies outside the range."""
    code, out, _ = run(
        capsys, "--json", "--from", "2023-10", "--to", "2023-10-22", "--data", str(tmp_path)
    )
    events = json.loads(out)["events"]
    assert code == 0 and events
    assert not [e["label"] for e in events if e["label"].startswith("about")]
    assert all(e["start"] <= "2023-10-22" and e["end"] >= "2023-10-01" for e in events)


def test_a_decade_guess_is_kept_by_a_range_holding_its_year(bundled):
    guesses = [e for e in bundled.events if e.granularity == "decade" and e.approximate]
    assert guesses
    for event in guesses:
        year = event.likely_start.year
        assert event in filter_events(bundled.events, year=year)
        assert event not in filter_events(bundled.events, year=year + 2)


def test_month_range_in_a_users_article_is_one_range(tmp_path):
    article(tmp_path, "pool", "2024-03-01", "The city pool is open June through September.")
    (event,) = build(tmp_path).events
    assert event.value == "2024-06/2024-09"
    assert (event.start, event.end) == (dt.date(2024, 6, 1), dt.date(2024, 9, 30))
    assert event.label == "June\u2013September 2024"
