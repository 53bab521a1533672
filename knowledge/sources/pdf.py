"""PDF files: the text layer page by page, paragraphs rebuilt from the lines' positions.

pypdf gives each run of text with its position. Lines are joined into paragraphs: a wider gap
than the page's usual line spacing ends one, so does an indented line after a short finished
one, and a finished sentence before a column or page change; a word hyphenated at a line end is
joined again. Running headers and footers (a line repeated on most pages, a bare page number)
are dropped. Each paragraph keeps the page it starts on, which the citation shows ("p. 4").
"""

from __future__ import annotations

import io
import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from knowledge.sources.errors import SourceFormatError, check_kind

MAX_PDF_PAGES = 2000
_FINAL = tuple(".!?:\"'\u201d\u2019)")
_PAGE_NUMBER = re.compile(r"^(page\s+)?\d{1,4}(\s*(/|of)\s*\d{1,4})?$", re.IGNORECASE)
_HYPHEN_END = re.compile(r"[A-Za-z\u00c0-\u024f][-\u00ad]$")


@dataclass
class Line:
    text: str
    x: float
    y: float
    page: int


@dataclass
class PdfText:
    """Paragraphs as (page, text), and the document's own title and author if it names them."""

    paragraphs: list[tuple[int, str]]
    title: str | None
    author: str | None


def read_pdf(raw: bytes, suffix: str = ".pdf") -> PdfText:
    """Every page's paragraphs; a PDF that is encrypted, damaged or has no text is refused."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    check_kind(raw, "a PDF", suffix)
    if not raw.startswith(b"%PDF-"):
        raise SourceFormatError("it is not a PDF (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceFormatError("the PDF is encrypted (needs a password)")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise SourceFormatError(f"the PDF has over {MAX_PDF_PAGES} pages")
        lines = [line for n, page in enumerate(reader.pages, 1) for line in _page_lines(page, n)]
        info = reader.metadata
    except SourceFormatError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        if "decrypt" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise SourceFormatError("the PDF is encrypted (needs a password)") from exc
        raise SourceFormatError(f"the PDF is damaged ({exc})") from exc
    lines = _without_running_lines(lines)
    if not lines:
        raise SourceFormatError("the PDF has no text layer (a scan? run OCR on it first)")
    return PdfText(
        paragraphs=paragraphs(lines),
        title=_meta(info, "title"),
        author=_meta(info, "author"),
    )


def _meta(info: object, name: str) -> str | None:
    value = getattr(info, name, None) if info is not None else None
    return " ".join(str(value).split()) or None if value else None


def _page_lines(page, number: int) -> list[Line]:
    """The page's text lines in the order the page draws them, each with its position."""
    lines: list[Line] = []
    parts: list[str] = []
    where: list[float] = []

    def close() -> None:
        text = " ".join("".join(parts).split())
        if text:
            lines.append(Line(text, where[0], where[1], number))
        parts.clear()
        where.clear()

    def visit(text: str, cm, tm, font, size) -> None:
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        if where and abs(y - where[1]) > 1.0:
            close()
        if not where and text.strip():
            where.extend((x, y))
        if where:
            parts.append(text)
        if text.endswith("\n"):
            close()

    page.extract_text(visitor_text=visit)
    close()
    return lines


def _without_running_lines(lines: list[Line]) -> list[Line]:
    """Drops page numbers and headers or footers repeated on most pages."""
    pages = len({line.page for line in lines})
    key = [re.sub(r"\d+", "#", line.text.lower()) for line in lines]
    seen = Counter(dict.fromkeys((k, line.page) for k, line in zip(key, lines, strict=True)))
    per_text = Counter(k for k, _ in seen)
    running = {k for k, n in per_text.items() if pages >= 3 and n >= max(3, pages // 2)}
    return [
        line
        for k, line in zip(key, lines, strict=True)
        if k not in running and not _PAGE_NUMBER.match(line.text)
    ]


def paragraphs(lines: list[Line]) -> list[tuple[int, str]]:
    """Lines joined into (page, paragraph) in reading order."""
    spacing = _usual_spacing(lines)
    width = statistics.median(len(line.text) for line in lines)
    found: list[tuple[int, str]] = []
    current: list[Line] = []
    for line in lines:
        if current and _ends_paragraph(current[-1], line, spacing, width):
            found.append((current[0].page, _joined(current)))
            current = []
        current.append(line)
    if current:
        found.append((current[0].page, _joined(current)))
    return found


def _usual_spacing(lines: list[Line]) -> float:
    gaps = [
        a.y - b.y
        for a, b in itertools.pairwise(lines)
        if a.page == b.page and 0 < a.y - b.y < 100 and abs(a.x - b.x) < 50
    ]
    # A low quantile, not the median: with short paragraphs half the gaps are paragraph gaps.
    return sorted(gaps)[len(gaps) // 5] if gaps else 0.0


def _ends_paragraph(last: Line, line: Line, spacing: float, width: float) -> bool:
    """Whether `line` starts a new paragraph after `last`."""
    sentence_end = last.text.endswith(_FINAL)
    short = len(last.text) < 0.8 * width
    same_column = last.page == line.page and 0 < last.y - line.y < 100 and abs(last.x - line.x) < 50
    if same_column and spacing:
        if last.y - line.y > 1.3 * spacing:
            return True
        return sentence_end and short and line.x > last.x + 4  # an indented first line
    # A column or page change: a finished sentence followed by a capital starts a new one (a
    # paragraph that goes on over the break is cut mid-sentence far more often than not).
    return sentence_end and not line.text[:1].islower()


def _joined(lines: list[Line]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        if _HYPHEN_END.search(text) and line.text[:1].islower():
            text = text[:-1] + line.text
        else:
            text = f"{text} {line.text}"
    return text.replace("\u00ad", "")
