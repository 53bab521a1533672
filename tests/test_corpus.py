from __future__ import annotations

import datetime as dt

import pytest

from knowledge.corpus import CorpusError, derive_title, load_corpus, parse_source

ID = {
    "000": "000_f42420c014769c46",
    "001": "001_2309abed9a7bf6a3",
    "002": "002_a57a7b017964c452",
    "003": "003_b322379a8092fc22",
    "004": "004_da2181d899a75127",
}


def by_id(corpus, short):
    return corpus.source(ID[short])


def test_all_five_articles_load_with_reader_paragraph_counts(corpus):
    counts = {s.source_id[:3]: len(s.passages) for s in corpus.sources}
    assert counts == {"000": 13, "001": 7, "002": 7, "003": 9, "004": 8}
    assert corpus.warnings == []
    for source in corpus.sources:
        assert [p.paragraph for p in source.passages] == list(range(1, len(source.passages) + 1))


def test_dates_from_header_and_missing_date(corpus):
    assert by_id(corpus, "000").date == dt.date(2025, 11, 10)
    assert by_id(corpus, "001").date == dt.date(2023, 10, 18)
    assert by_id(corpus, "002").date is None
    assert by_id(corpus, "003").date == dt.date(2023, 10, 23)
    assert by_id(corpus, "004").date == dt.date(2023, 10, 31)


def test_titles_headline_or_derived_from_opening(corpus):
    assert by_id(corpus, "000").title == (
        "Inside The Friendship Between Kim Kardashian And Ivanka Trump"
    )
    assert by_id(corpus, "002").title.startswith("Ivanka Trump Surprisingly Pops Up")
    # 003 and 004 open with a paragraph on the header line: it is paragraph 1, and the title
    # is a short headline taken from it.
    s003 = by_id(corpus, "003")
    assert s003.passages[0].text.startswith("Kim Kardashian and Ivanka Trump")
    assert s003.title == "Kim Kardashian and Ivanka Trump\u2019s friendship goes way back"
    s004 = by_id(corpus, "004")
    assert s004.passages[0].text.startswith("After Kim Kardashian shocked fans")
    assert len(s004.title) <= 81 and s004.passages[0].text.startswith(s004.title.rstrip("\u2026"))


def test_headings_become_sections_never_passages(corpus):
    s000 = by_id(corpus, "000")
    assert s000.passages[2].section == "Ivanka Trump and Kim Kardashian first met at a major event"
    assert s000.passages[2].text.startswith("These two high-powered friends")
    s001 = by_id(corpus, "001")
    assert s001.passages[3].section == "Paris Hilton (and politics) brought them together"
    texts = {p.text for p in corpus.passages}
    assert "They also bonded over Kanye West" not in texts
    assert s000.passages[0].section is None


def test_credits_captions_and_bylines_are_dropped(corpus):
    texts = [p.text for p in corpus.passages]
    for credit in (
        "Getty Images",
        "SAUL LOEB/AFP/Getty Images",
        "Courtesy of Kim Kardashian/Instagram",
        "Kim Kardashian, Ivanka Trump and Friends.",
        "With reporting by Sarah Jones",
    ):
        assert credit not in texts
        assert all(not t.startswith(credit) for t in texts)
    assert all(p.section != "With reporting by Sarah Jones" for p in corpus.passages)


def test_sentences_cover_the_paragraph_verbatim(corpus):
    for passage in corpus.passages:
        assert passage.sentences, passage
        for span in passage.sentences:
            sentence = passage.text[span.start : span.end]
            assert sentence == sentence.strip() and sentence
        joined = " ".join(passage.sentence_texts())
        assert " ".join(joined.split()) == " ".join(passage.text.split())


def test_markdown_front_matter_source(tmp_path):
    (tmp_path / "story.md").write_text(
        "---\ntitle: The headline\ndate: 2024-05-01\nurl: https://example.org/story\n"
        "outlet: Example News\n---\n\nFirst paragraph, which\nwraps over two lines.\n\n"
        "## A section\n\nSecond paragraph.\n",
        encoding="utf-8",
    )
    source = load_corpus(tmp_path).sources[0]
    assert (source.source_id, source.title, source.date) == (
        "story",
        "The headline",
        dt.date(2024, 5, 1),
    )
    assert (source.url, source.outlet) == ("https://example.org/story", "Example News")
    assert [p.text for p in source.passages] == [
        "First paragraph, which wraps over two lines.",
        "Second paragraph.",
    ]
    assert source.passages[1].section == "A section"


def test_markdown_without_optional_fields(tmp_path):
    source = parse_source("x", "---\ntitle: T\n---\nOnly paragraph here.\n", markdown=True)
    assert (source.title, source.date, source.url, source.outlet) == ("T", None, None, None)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin1.txt", "caf\xe9 au lait.".encode("latin-1"), "not UTF-8"),
        ("empty.txt", b"", "empty"),
        ("blank.md", b"---\ntitle: x\n---\n\n", "no paragraphs"),
        ("badfront.md", b"---\ntitle: [unclosed\n---\nText here.\n", "badfront.md"),
        ("baddate.md", b"---\ntitle: x\ndate: soon\n---\nText here.\n", "YYYY-MM-DD"),
    ],
)
def test_bad_file_is_skipped_with_a_warning_naming_it(tmp_path, name, content, reason):
    (tmp_path / "good.txt").write_text("A good paragraph that loads fine.\n", encoding="utf-8")
    (tmp_path / name).write_bytes(content)
    corpus = load_corpus(tmp_path)
    assert [s.source_id for s in corpus.sources] == ["good"]
    assert len(corpus.warnings) == 1
    assert name in corpus.warnings[0] and reason in corpus.warnings[0]
    with pytest.raises(CorpusError, match=name):
        load_corpus(tmp_path, strict=True)


def test_missing_or_empty_corpus_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no usable sources"):
        load_corpus(tmp_path)


def test_fingerprint_changes_with_content(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("One paragraph.\n", encoding="utf-8")
    first = load_corpus(tmp_path).fingerprint
    assert load_corpus(tmp_path).fingerprint == first
    path.write_text("One paragraph, edited.\n", encoding="utf-8")
    assert load_corpus(tmp_path).fingerprint != first


def test_derive_title_cuts_at_a_word_boundary():
    long = "After " + "very " * 30 + "long opening."
    title = derive_title(long)
    assert title.endswith("\u2026") and len(title) <= 81 and not title[:-1].endswith(" ")
    assert long.startswith(title[:-1])


def test_broken_front_matter_is_one_line_naming_file_and_line(tmp_path):
    """PyYAML's four-line message with a caret becomes one line: file, line, what is wrong."""
    (tmp_path / "good.txt").write_text("A good paragraph that loads fine.\n", encoding="utf-8")
    (tmp_path / "broken.md").write_text(
        "---\ndate: 2020-01-02\ntitle: Broken: front: matter\n---\nText here.\n", encoding="utf-8"
    )
    [warning] = load_corpus(tmp_path).warnings
    assert "\n" not in warning and "^" not in warning
    assert "broken.md" in warning and "front matter line 3" in warning
    with pytest.raises(CorpusError) as strict:
        load_corpus(tmp_path, strict=True)
    assert "\n" not in str(strict.value) and "front matter line 3" in str(strict.value)
    (tmp_path / "good.txt").unlink()
    with pytest.raises(CorpusError, match="no usable sources") as nothing:
        load_corpus(tmp_path)
    assert "\n" not in str(nothing.value) and "broken.md: front matter line 3" in str(nothing.value)


def test_a_dateline_opens_the_paragraph_after_it_instead_of_being_a_heading():
    text = (
        "---\ntitle: T\n---\nLISBON, May 3 (Wire) --\n\n"
        "The council met late.\n\nA second paragraph.\n"
    )
    source = parse_source("x", text, markdown=True)
    assert [p.text for p in source.passages] == [
        "LISBON, May 3 (Wire) -- The council met late.",
        "A second paragraph.",
    ]
    assert source.passages[0].section is None
