"""Load source articles from a folder into `Source` models.

Two formats: the plain-text articles citebot ships (optional ` date YYYY-MM-DD` header, one
paragraph per line) and Markdown with YAML front matter for users' own sources.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from knowledge.aliases import AliasError, parse_alias_file
from knowledge.analysis import ANALYZER_VERSION, split_sentences
from knowledge.models import Passage, Source

SOURCE_SUFFIXES = (".txt", ".md", ".markdown")
# Not a source: the user's alias groups (knowledge/aliases.py), part of the fingerprint.
ALIASES_FILE = "aliases.txt"
_DATE_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s*(.*)$")
_FINAL_PUNCTUATION = tuple(".!?:;\"'\u201d\u2019)\u2026")
_MAX_HEADING_WORDS = 14
_MAX_CREDIT_WORDS = 8
_SMALL_WORDS = frozenset(
    ["a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "via"]
)


class CorpusError(Exception):
    """The corpus cannot be used at all (missing or empty folder, or a bad file under --strict)."""


@dataclass
class Corpus:
    sources: list[Source]
    fingerprint: str
    folder: Path
    warnings: list[str] = field(default_factory=list)
    aliases_text: str = ""  # the folder's aliases.txt, if any

    @property
    def passages(self) -> list[Passage]:
        return [p for s in self.sources for p in s.passages]

    def source(self, source_id: str) -> Source:
        return self._by_id[source_id]

    def __post_init__(self) -> None:
        self._by_id = {s.source_id: s for s in self.sources}


def default_corpus_dir() -> Path:
    return Path(str(resources.files("knowledge") / "corpus"))


def load_corpus(folder: Path | str | None = None, *, strict: bool = False) -> Corpus:
    """Load every source file in `folder`; a bad file is skipped with a warning unless strict."""
    folder = Path(folder) if folder is not None else default_corpus_dir()
    if not folder.is_dir():
        raise CorpusError(
            f"corpus folder {folder} does not exist; pass --corpus DIR or set "
            "CITEBOT_CORPUS to a folder of .txt or .md articles"
        )
    files = sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in SOURCE_SUFFIXES and p.is_file() and p.name.lower() != ALIASES_FILE
    )
    sources: list[Source] = []
    warnings: list[str] = []
    digest = hashlib.sha256(f"analyzer={ANALYZER_VERSION}\n".encode())
    for path in files:
        try:
            raw = path.read_bytes()
            source = parse_source(path.stem, raw.decode("utf-8"), markdown=path.suffix != ".txt")
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            message = f"skipped {path}: {_describe(exc)}"
            if strict:
                raise CorpusError(message) from exc
            warnings.append(message)
            continue
        digest.update(f"{path.name}\0{len(raw)}\0".encode())
        digest.update(raw)
        sources.append(source)
    if not sources:
        raise CorpusError(
            f"no usable sources in {folder}: add .txt or .md articles (see README, "
            "'Adding your own sources')" + (f"; {'; '.join(warnings)}" if warnings else "")
        )
    aliases_text = _aliases_text(folder, digest, warnings, strict)
    return Corpus(
        sources=sources,
        fingerprint=digest.hexdigest()[:16],
        folder=folder,
        warnings=warnings,
        aliases_text=aliases_text,
    )


def _aliases_text(folder: Path, digest, warnings: list[str], strict: bool) -> str:
    """The folder's alias file, hashed into the fingerprint (new aliases, new answers)."""
    path = next((p for p in folder.iterdir() if p.name.lower() == ALIASES_FILE), None)
    if path is None or not path.is_file():
        return ""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        parse_alias_file(text)
    except (OSError, UnicodeDecodeError, AliasError) as exc:
        message = f"skipped {path}: {_describe(exc)}"
        if strict:
            raise CorpusError(message) from exc
        warnings.append(message)
        return ""
    digest.update(f"{ALIASES_FILE}\0{len(raw)}\0".encode())
    digest.update(raw)
    return text


def _describe(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text (save it as UTF-8)"
    if isinstance(exc, OSError):
        return f"cannot read it ({exc.strerror or exc})"
    return str(exc)


def parse_source(source_id: str, text: str, *, markdown: bool = False) -> Source:
    text = text.lstrip("\ufeff")
    if markdown or text.startswith("---"):
        return _parse_markdown(source_id, text)
    return _parse_plain(source_id, text)


def _parse_plain(source_id: str, text: str) -> Source:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError("the file is empty")
    date = None
    first = lines[0]
    header = _DATE_HEADER.match(first)
    if header:
        date = _parse_date(header.group(1))
        first = header.group(2).strip()
    title = None
    body = lines[1:]
    if first and _is_heading_like(first):
        title = first
    elif first:
        body = [first, *body]
    passages = _passages(source_id, body)
    if not passages:
        raise ValueError("no paragraphs of text found")
    return Source(
        source_id=source_id,
        title=title or derive_title(passages[0].text),
        date=date,
        passages=passages,
    )


def _parse_markdown(source_id: str, text: str) -> Source:
    meta: dict = {}
    body = text
    if text.startswith("---"):
        parts = re.split(r"^---\s*$", text, maxsplit=2, flags=re.MULTILINE)
        if len(parts) < 3:
            raise ValueError("front matter starts with '---' but has no closing '---' line")
        meta = yaml.safe_load(parts[1]) or {}
        if not isinstance(meta, dict):
            raise ValueError("front matter must be 'key: value' lines")
        body = parts[2]
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", body)]
    lines: list[str] = []
    for block in blocks:
        if block.startswith("#"):
            lines.append(block.lstrip("#").strip() + "\n")  # marker: explicit heading
        elif block:
            lines.append(block)
    passages = _passages(source_id, lines)
    if not passages:
        raise ValueError("no paragraphs of text found")
    title = str(meta.get("title") or "").strip() or derive_title(passages[0].text)
    date = meta.get("date")
    if date is not None and not isinstance(date, dt.date):
        date = _parse_date(str(date))
    if isinstance(date, dt.datetime):
        date = date.date()
    return Source(
        source_id=source_id,
        title=title,
        date=date,
        url=_optional_str(meta.get("url")),
        outlet=_optional_str(meta.get("outlet")),
        passages=passages,
    )


def _optional_str(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"date {value!r} is not YYYY-MM-DD") from None


def _passages(source_id: str, lines: list[str]) -> list[Passage]:
    """Turn body lines into numbered passages, attaching headings and dropping credits."""
    passages: list[Passage] = []
    section: str | None = None
    for i, line in enumerate(lines):
        explicit_heading = line.endswith("\n")
        line = line.strip()
        if explicit_heading:
            section = line
            continue
        if _is_credit(line):
            continue
        if _is_heading_like(line):
            has_text_after = any(
                not _is_heading_like(x.strip()) and not _is_credit(x.strip())
                for x in lines[i + 1 :]
            )
            if has_text_after:
                section = line
            continue  # a trailing heading-like line is a byline, not a heading
        passages.append(
            Passage(
                source_id=source_id,
                paragraph=len(passages) + 1,
                text=line,
                section=section,
                sentences=split_sentences(line),
            )
        )
    return passages


def _is_heading_like(line: str) -> bool:
    """Short and without final punctuation: a headline, a section heading or a byline."""
    return len(line.split()) <= _MAX_HEADING_WORDS and not line.endswith(_FINAL_PUNCTUATION)


def _is_credit(line: str) -> bool:
    """Photo credits and captions: a few words, every content word capitalised or a path."""
    tokens = line.rstrip(".").split()
    if not tokens or len(tokens) > _MAX_CREDIT_WORDS or line.endswith(("!", "?", ":")):
        return False
    if "/" in line:
        return True
    content = [t for t in tokens if t.lower().strip(",") not in _SMALL_WORDS]
    return bool(content) and all(t[:1].isupper() for t in content)


def derive_title(text: str, limit: int = 80) -> str:
    """A short headline from an opening sentence, cut at a clause break or a word boundary."""
    sentence = text[: split_sentences(text)[0].end] if split_sentences(text) else text
    for mark in (" \u2014 ", " - ", "; ", ": "):
        if mark in sentence and sentence.index(mark) >= 20:
            sentence = sentence[: sentence.index(mark)]
    sentence = sentence.rstrip(" .")
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;")
    return cut + "\u2026"
