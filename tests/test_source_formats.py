"""Web pages and PDFs as sources: the article's text, its citation, and unreadable files
skipped with one warning line (fatal under strict)."""

from __future__ import annotations

import pytest

from knowledge.answering.answer import answer_question
from knowledge.corpus import CorpusError, load_corpus, parse_file
from knowledge.search.library import open_library
from tests.source_files import (
    AD,
    COMMENT,
    NAV,
    NEWS_PARAGRAPHS,
    PDF_PARAGRAPHS,
    bad_charset_page,
    docx_bytes,
    hyphenated_pdf,
    news_page,
    pdf_bytes,
    scanned_pdf,
    write,
)


def test_news_page_gives_the_article_alone_with_its_metadata():
    source = parse_file("tower", ".html", news_page().encode(), [])
    texts = [p.text for p in source.passages]
    assert texts == NEWS_PARAGRAPHS
    everything = " ".join(texts)
    assert COMMENT not in everything and AD not in everything
    assert not any(item in texts for item in NAV)
    assert "dataLayer" not in everything
    assert source.title == "Guild votes to restore Gannet Point tower"
    assert source.date is not None and source.date.isoformat() == "2025-02-13"
    assert source.author == "Mira Castell"
    assert source.url == "https://news.example.org/vellmar/tower"
    assert source.kind == "html"


def test_page_with_a_wrong_charset_is_read_in_its_real_one():
    source = parse_file("cafe", ".htm", bad_charset_page(), [])
    assert "caf\u00e9 owners" in source.passages[0].text
    assert "r\u00e9sum\u00e9" in source.passages[1].text


@pytest.mark.parametrize("columns", [1, 2])
def test_pdf_paragraphs_are_rebuilt_in_one_and_two_columns(columns):
    raw = pdf_bytes(PDF_PARAGRAPHS, columns=columns, header="Canal Trust annual report", repeat=12)
    source = parse_file("report", ".pdf", raw, [])
    texts = [p.text for p in source.passages]
    assert texts == PDF_PARAGRAPHS * 12  # running header and page numbers dropped
    assert source.passages[0].page == 1 and source.passages[-1].page == 2
    assert source.kind == "pdf" and source.author == "Trust Secretary"


def test_pdf_hyphenation_and_a_paragraph_running_over_a_page_break():
    source = parse_file("terns", ".pdf", hyphenated_pdf(), [])
    texts = [p.text for p in source.passages]
    assert texts[0].startswith("The survey counted forty-one nesting pairs of terns on the shingle")
    assert texts[1].endswith(
        "although the evidence is still incomplete and the count will be "
        "repeated next year by the same volunteers."
    )
    assert [p.page for p in source.passages] == [1, 1]


def test_word_document_paragraphs_heading_and_properties():
    raw = docx_bytes(PDF_PARAGRAPHS, title="Canal Trust annual report", heading="The year")
    source = parse_file("trust", ".docx", raw, [])
    assert [p.text for p in source.passages] == PDF_PARAGRAPHS
    assert {p.section for p in source.passages} == {"The year"}
    assert (source.title, source.author, source.kind) == (
        "Canal Trust annual report",
        "Trust Secretary",
        "docx",
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("scan.pdf", scanned_pdf(), "no text layer"),
        ("locked.pdf", pdf_bytes(PDF_PARAGRAPHS, encrypt="secret"), "encrypted"),
        ("truncated.pdf", pdf_bytes(PDF_PARAGRAPHS)[:300], "PDF"),
        ("report.html", pdf_bytes(PDF_PARAGRAPHS), "it is a PDF"),
        (
            "empty-page.html",
            "<html><body><nav><a href='/'>Home</a></nav></body></html>",
            "text found",
        ),
        ("notes.txt", pdf_bytes(PDF_PARAGRAPHS), "it is a PDF"),
        ("letter.docx", b"not a zip file at all", "not a readable Word document"),
        ("letter.pdf", docx_bytes(["Text."], title="x", heading="y"), "ZIP archive"),
    ],
)
def test_unreadable_file_is_skipped_with_one_line_naming_it(tmp_path, name, content, reason):
    write(tmp_path, "tower.html", news_page())
    write(tmp_path, name, content)
    corpus = load_corpus(tmp_path)
    assert [s.source_id for s in corpus.sources] == ["tower"]
    (warning,) = corpus.warnings
    assert name in warning and reason in warning and "\n" not in warning
    with pytest.raises(CorpusError, match=reason):
        load_corpus(tmp_path, strict=True)


def test_quote_from_a_pdf_cites_its_page_and_a_page_its_link(tmp_path):
    write(tmp_path, "tower.html", news_page())
    write(
        tmp_path,
        "report.pdf",
        pdf_bytes(["Filler paragraph about nothing in particular."] * 60 + PDF_PARAGRAPHS),
    )
    library = open_library(tmp_path, None)
    answer = answer_question(library, "How many households are members of the trust?")
    assert answer.answered
    quote = answer.quotes[0]
    assert quote.source_id == "report" and "3,180 households" in quote.text
    assert quote.page == 2 and '"page": 2' in answer.model_dump_json().replace(
        '"page":2', '"page": 2'
    )
    answer = answer_question(library, "How much will the Gannet Point tower restoration cost?")
    assert answer.answered and answer.quotes[0].url == "https://news.example.org/vellmar/tower"
    assert answer.quotes[0].date is not None
