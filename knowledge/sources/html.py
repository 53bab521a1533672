"""Web pages (.html, .htm): the article's main text without navigation, ads, comments or
scripts, with the page's title, date, author and canonical link.

Extraction is trafilatura's (chosen by measurement: README, Dependencies); the page's own
metadata gives the citation, and a page saved by `citebot sources add URL` carries the address
it was fetched from in a first-line comment (`saved_page`), used when the page names none.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from knowledge.sources.errors import SourceFormatError, check_kind

# A page bigger than this is not an article (a data dump, an archive page): refused unread.
MAX_HTML_BYTES = 8 * 1024 * 1024
_SAVED = re.compile(rb"\A<!-- citebot-source (\{.*\}) -->\r?\n")


class PageText:
    """What a page gives a source: its paragraphs and the metadata to cite it by."""

    def __init__(
        self,
        lines: list[str],
        title: str | None,
        date: dt.date | None,
        author: str | None,
        url: str | None,
        outlet: str | None,
    ) -> None:
        self.lines, self.title, self.date = lines, title, date
        self.author, self.url, self.outlet = author, url, outlet


def saved_page(raw: bytes) -> tuple[dict[str, str], bytes]:
    """The fetch record a saved page starts with (address, time fetched) and the page itself."""
    match = _SAVED.match(raw)
    if match is None:
        return {}, raw
    try:
        record = json.loads(match.group(1))
    except ValueError:
        record = {}
    return (record if isinstance(record, dict) else {}), raw[match.end() :]


def saved_page_header(url: str, fetched: str) -> bytes:
    """The first line `citebot sources add URL` writes above a fetched page."""
    record = json.dumps({"url": url, "fetched": fetched}, ensure_ascii=True)
    record = record.replace("--", "-\\u002d")  # "--" would end the comment early
    return f"<!-- citebot-source {record} -->\n".encode()


def read_page(raw: bytes, suffix: str = ".html") -> PageText:
    """The main text of a page, one paragraph or heading per line, and its metadata."""
    from trafilatura import bare_extraction

    check_kind(raw, None, suffix)
    if len(raw) > MAX_HTML_BYTES:
        raise SourceFormatError(f"the page is over {MAX_HTML_BYTES // 2**20} MB")
    record, page = saved_page(raw)
    if b"<" not in page[:4096] and b"\0" in page[:4096]:
        raise SourceFormatError("it is not HTML (binary data)")
    try:
        found = bare_extraction(
            page,
            url=record.get("url"),
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            deduplicate=False,  # True would drop a page seen before in this process
        )
    except (ValueError, TypeError, LookupError) as exc:  # lxml or a codec giving up
        raise SourceFormatError(f"the page cannot be parsed ({exc})") from exc
    doc = found if isinstance(found, dict) else found.as_dict() if found is not None else {}
    text = doc.get("text") or ""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise SourceFormatError("no article text found in the page")
    title = _clean(doc.get("title"))
    if title and lines[0] == title and len(lines) > 1:
        lines = lines[1:]  # the headline repeated as the article's first line
    return PageText(
        lines=lines,
        title=title,
        date=_date(doc.get("date")),
        author=_clean(doc.get("author")),
        url=_clean(doc.get("url")) or record.get("url"),
        outlet=_clean(doc.get("sitename")),
    )


def _clean(value: object) -> str | None:
    return " ".join(str(value).split()) or None if value else None


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
