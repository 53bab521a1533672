"""Word documents (.docx): paragraphs in order, headings by their style, and the title and
author of the document's properties (python-docx reads the file; it is a ZIP of XML)."""

from __future__ import annotations

import io
import zipfile

from knowledge.sources.errors import SourceFormatError, check_kind

MAX_DOCX_PARAGRAPHS = 200_000


class DocxText:
    """Lines (a heading marked with a trailing newline, as Markdown headings are) and the
    document's own title and author."""

    def __init__(self, lines: list[str], title: str | None, author: str | None) -> None:
        self.lines, self.title, self.author = lines, title, author


def read_docx(raw: bytes, suffix: str = ".docx") -> DocxText:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    check_kind(raw, "a ZIP archive (a Word or OpenDocument file?)", suffix)
    try:
        document = Document(io.BytesIO(raw))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceFormatError("it is not a readable Word document") from exc
    lines: list[str] = []
    for paragraph in document.paragraphs[:MAX_DOCX_PARAGRAPHS]:
        text = " ".join(paragraph.text.split())
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        heading = style.startswith(("Heading", "Title"))
        lines.append(text + "\n" if heading else text)
    if not lines:
        raise SourceFormatError("the document has no text")
    properties = document.core_properties
    title = " ".join((properties.title or "").split()) or None
    author = " ".join((properties.author or "").split()) or None
    return DocxText(lines, title, author)
