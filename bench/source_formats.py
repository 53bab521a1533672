"""The libraries that read web pages and PDFs, compared on the test suite's realistic files.

    python -m bench.source_formats

HTML: trafilatura against readability-lxml on the news page (navigation, an advert, related
links, comments, scripts): the article's paragraphs recovered, boilerplate lines leaked, and
milliseconds per page. PDF: pypdf against pdfminer.six on a two-column report and a 200-page
one: seconds, and the paragraphs found whole. The candidates not chosen are not dependencies:
`pip install readability-lxml pdfminer.six` to run this.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

from tests.source_files import (
    AD,
    COMMENT,
    NAV,
    NEWS_PARAGRAPHS,
    PDF_PARAGRAPHS,
    news_page,
    pdf_bytes,
)

RUNS = 20


def _timed(read: Callable[[], list[str]], runs: int) -> tuple[list[str], float]:
    started = time.perf_counter()
    for _ in range(runs):
        found = read()
    return found, (time.perf_counter() - started) / runs


def html_trafilatura(page: str) -> list[str]:
    from trafilatura import bare_extraction

    doc = bare_extraction(page, include_comments=False, with_metadata=True)
    text = doc.as_dict()["text"] if doc is not None else ""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def html_readability(page: str) -> list[str]:
    import lxml.html
    from readability import Document

    summary = lxml.html.fromstring(Document(page).summary())
    return [" ".join(p.text_content().split()) for p in summary.iter("p", "li", "h1", "h3")]


def html_scores(lines: list[str]) -> tuple[int, int]:
    recovered = sum(p in lines for p in NEWS_PARAGRAPHS)
    boilerplate = [COMMENT, AD, *NAV, "Great news for the harbour", "Ferry timetable"]
    leaked = sum(any(b in line for b in boilerplate) for line in lines)
    return recovered, leaked


def pdf_pypdf(raw: bytes) -> list[str]:
    from knowledge.sources.pdf import read_pdf

    return [text for _, text in read_pdf(raw).paragraphs]


def pdf_pdfminer(raw: bytes) -> list[str]:
    from pdfminer.high_level import extract_text

    text = extract_text(io.BytesIO(raw))
    blocks = re.split(r"\n\s*\n", text)
    return [" ".join(b.replace("-\n", "").split()) for b in blocks if b.strip()]


def main() -> int:
    page = news_page()
    print("| HTML reader | paragraphs recovered | boilerplate lines | ms per page |")
    print("|---|---:|---:|---:|")
    for name, read in (("trafilatura", html_trafilatura), ("readability-lxml", html_readability)):
        lines, seconds = _timed(lambda read=read: read(page), RUNS)
        recovered, leaked = html_scores(lines)
        print(f"| {name} | {recovered}/{len(NEWS_PARAGRAPHS)} | {leaked} | {seconds * 1000:.1f} |")
    two_columns = pdf_bytes(PDF_PARAGRAPHS, columns=2, header="Annual report", repeat=12)
    from bench.live_sources import pdf_file

    long_pdf = pdf_file(200)
    print("\n| PDF reader | two columns: paragraphs whole | s (2 pages) | s (200 pages) |")
    print("|---|---:|---:|---:|")
    for name, read in (
        ("pypdf (+ citebot's paragraphs)", pdf_pypdf),
        ("pdfminer.six", pdf_pdfminer),
    ):
        found, short_s = _timed(lambda read=read: read(two_columns), 3)
        whole = sum(p in PDF_PARAGRAPHS for p in found)
        _, long_s = _timed(lambda read=read: read(long_pdf), 1)
        print(f"| {name} | {whole}/{len(PDF_PARAGRAPHS) * 12} | {short_s:.2f} | {long_s:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
