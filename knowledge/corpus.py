"""Load source articles from a folder into `Source` models.

Two formats: the plain-text articles citebot ships (optional ` date YYYY-MM-DD` header, one
paragraph per line) and Markdown with YAML front matter for users' own sources.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from knowledge.errors import CitebotError, UserError
from knowledge.models import Passage, Source
from knowledge.text.aliases import parse_alias_file
from knowledge.text.analysis import ANALYZER_VERSION, split_sentences

SOURCE_SUFFIXES = (".txt", ".md", ".markdown")
SKIPPED = "skipped "  # how the warning about a file that was not loaded begins
# Not a source: the user's alias groups (knowledge/text/aliases.py), part of the fingerprint.
ALIASES_FILE = "aliases.txt"
_DATE_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s*(.*)$")
_FINAL_PUNCTUATION = tuple(".!?:;\"'\u201d\u2019)\u2026")
_MAX_HEADING_WORDS = 14
_MAX_CREDIT_WORDS = 8
# A paragraph longer than this is split into passages of at most this size (at a sentence end
# when one is near, else at a space): one huge line must not make every answer slow.
MAX_PASSAGE_CHARS = 5000
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*\s+")
_SMALL_WORDS = frozenset(
    ["a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "via"]
)


class CorpusError(UserError):
    """The corpus cannot be used at all (missing or empty folder, or a bad file under --strict)."""


class UnsafeSourceError(CitebotError, OSError):
    """A source entry citebot refuses to read: a link leading out of the corpus folder, or not
    a regular file (a FIFO would block, a device or /proc file is not an article)."""


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


def source_files(folder: Path | str | None = None) -> tuple[Path, list[Path]]:
    """The corpus folder and its source files, sorted by name (no file is read)."""
    folder = Path(folder) if folder is not None else default_corpus_dir()
    if not folder.is_dir():
        raise CorpusError(
            f"corpus folder {folder} does not exist; name a folder of .txt or .md articles "
            "(or set CITEBOT_CORPUS to one)"
        )
    with os.scandir(folder) as entries:  # types from the directory entries: no stat
        names = sorted(
            e.name
            for e in entries
            if os.path.splitext(e.name)[1].lower() in SOURCE_SUFFIXES
            and not e.is_dir()
            and e.name.lower() != ALIASES_FILE
        )
    return folder, [folder / name for name in names]


def stat_key(files: Iterable[Path]) -> str:
    """A cheap key of the files as they are now (names, sizes, modification and change times,
    inodes): equal keys mean unchanged files, so a saved fingerprint can be reused without
    reading a byte."""
    digest = hashlib.sha256(f"analyzer={ANALYZER_VERSION}\n".encode())
    for path in files:
        try:
            st = os.stat(path)
            state = f"{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"
        except OSError as exc:  # a broken link: read (and refused) like the others
            state = f"unreadable {exc.errno}"
        digest.update(os.fsencode(path.name) + f"\0{state}\n".encode())
    return digest.hexdigest()[:32]


def content_fingerprint(files: Iterable[Path]) -> str:
    """Hash of every source file's name and bytes, as the loader reads them, and the analyzer
    version (an entry the loader refuses counts by its name and the reason)."""
    digest = hashlib.sha256(f"analyzer={ANALYZER_VERSION}\n".encode())
    roots: dict[Path, Path] = {}
    for path in files:
        root = roots.setdefault(path.parent, path.parent.resolve())
        try:
            raw = read_source_file(path, root)
        except (OSError, ValueError) as exc:
            digest.update(os.fsencode(path.name) + f"\0refused {_describe(exc)}\n".encode())
            continue
        digest.update(os.fsencode(path.name) + f"\0{len(raw)}\0".encode())
        digest.update(raw)
    return digest.hexdigest()[:16]


def iter_sources(
    files: Iterable[Path], warnings: list[str], *, strict: bool = False
) -> Iterator[Source]:
    """Parse the files one at a time; a bad file is recorded in `warnings` and skipped unless
    strict. A generator, so a large corpus is never held in memory whole."""
    roots: dict[Path, Path] = {}
    for path in files:
        root = roots.setdefault(path.parent, path.parent.resolve())
        notes: list[str] = []
        try:
            raw = read_source_file(path, root)
            source = parse_source(
                path.stem, raw.decode("utf-8"), markdown=path.suffix != ".txt", notes=notes
            )
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            message = f"{SKIPPED}{path}: {_describe(exc)}"
            if strict:
                raise CorpusError(message) from exc
            warnings.append(message)
            continue
        warnings.extend(f"{path}: {note}" for note in notes)
        yield source


def fingerprinted(folder: Path, files: list[Path]) -> list[Path]:
    """The files the fingerprint covers: the sources and the folder's alias file, if any (new
    aliases, new answers)."""
    aliases = [folder / name for name in os.listdir(folder) if name.lower() == ALIASES_FILE]
    return [*files, *sorted(aliases)]


def no_sources(folder: Path, warnings: list[str]) -> CorpusError:
    return CorpusError(
        f"no usable sources in {folder}: add .txt or .md articles (see README, "
        "'Adding your own sources')" + (f"; {'; '.join(warnings)}" if warnings else "")
    )


def load_corpus(folder: Path | str | None = None, *, strict: bool = False) -> Corpus:
    """Load every source file in `folder`; a bad file is skipped with a warning unless strict."""
    folder, files = source_files(folder)
    warnings: list[str] = []
    sources = list(iter_sources(files, warnings, strict=strict))
    if not sources:
        raise no_sources(folder, warnings)
    aliases_text = _aliases_text(folder, folder.resolve(), hashlib.sha256(), warnings, strict)
    return Corpus(
        sources=sources,
        fingerprint=content_fingerprint(fingerprinted(folder, files)),
        folder=folder,
        warnings=warnings,
        aliases_text=aliases_text,
    )


def read_source_file(path: Path, root: Path) -> bytes:
    """The bytes of a source file inside `root` (already resolved).

    A link is followed only when it stays inside the corpus folder, and only regular files are
    read: the file is opened without following a last-moment link and without blocking, then
    checked on the open descriptor, so swapping the file in between cannot get round either rule.
    """
    target = path.resolve()
    if not target.is_relative_to(root):
        raise UnsafeSourceError("it links to a file outside the corpus folder (never followed)")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        if not target.exists():
            raise UnsafeSourceError("it is a broken link") from exc
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeSourceError("not a regular file (a FIFO, socket or device is never read)")
        if info.st_size == 0:  # also what /proc and /sys files claim, whatever they would give
            raise ValueError("the file is empty")
        return handle.read()


def _aliases_text(folder: Path, root: Path, digest, warnings: list[str], strict: bool) -> str:
    """The folder's alias file, read as safely as a source and hashed into the fingerprint
    (new aliases, new answers)."""
    path = next((p for p in folder.iterdir() if p.name.lower() == ALIASES_FILE), None)
    if path is None:
        return ""
    if path.is_dir():
        message = f"{SKIPPED}{path}: a folder, not a file of aliases (one group per line)"
        if strict:
            raise CorpusError(message)
        warnings.append(message)
        return ""
    try:
        raw = read_source_file(path, root)
        text = raw.decode("utf-8")
        parse_alias_file(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        message = f"skipped {path}: {_describe(exc)}"
        if strict:
            raise CorpusError(message) from exc
        warnings.append(message)
        return ""
    digest.update(f"{ALIASES_FILE}\0{len(raw)}\0".encode())
    digest.update(raw)
    return text


def _describe(exc: Exception) -> str:
    if isinstance(exc, UnsafeSourceError):
        return str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text (save it as UTF-8)"
    if isinstance(exc, OSError):
        return f"cannot read it ({exc.strerror or exc})"
    return str(exc)


def parse_source(
    source_id: str, text: str, *, markdown: bool = False, notes: list[str] | None = None
) -> Source:
    """Parse one file's text; `notes` collects warnings about what was changed (long paragraphs
    split) for the loader to show with the file's name."""
    text = text.lstrip("\ufeff")
    notes = notes if notes is not None else []
    if markdown or text.startswith("---"):
        return _parse_markdown(source_id, text, notes)
    return _parse_plain(source_id, text, notes)


def _parse_plain(source_id: str, text: str, notes: list[str]) -> Source:
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
    passages = _passages(source_id, body, notes)
    if not passages:
        raise ValueError("no paragraphs of text found")
    return Source(
        source_id=source_id,
        title=title or derive_title(passages[0].text),
        date=date,
        passages=passages,
    )


def _front_matter(text: str) -> object:
    """The YAML between the '---' lines; PyYAML's multi-line message (with a caret) becomes one
    line naming the file's line (`text` starts on the opening '---' line)."""
    try:
        return yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        where = f" line {mark.line + 1}" if mark is not None else ""
        hint = " (put a value with ': ' in quotes)" if "mapping values" in problem else ""
        raise ValueError(f"front matter{where}: {problem}{hint}") from None


def _parse_markdown(source_id: str, text: str, notes: list[str]) -> Source:
    meta: dict = {}
    body = text
    if text.startswith("---"):
        parts = re.split(r"^---\s*$", text, maxsplit=2, flags=re.MULTILINE)
        if len(parts) < 3:
            raise ValueError("front matter starts with '---' but has no closing '---' line")
        found = _front_matter(parts[1])
        if not isinstance(found, dict):
            raise ValueError("front matter must be 'key: value' lines")
        meta, body = found, parts[2]
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", body)]
    lines: list[str] = []
    for block in blocks:
        if block.startswith("#"):
            lines.append(block.lstrip("#").strip() + "\n")  # marker: explicit heading
        elif block:
            lines.append(block)
    passages = _passages(source_id, lines, notes)
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


_DATELINE_END = re.compile(r"(?:--|\u2014|\u2013)\s*$")


def _join_datelines(lines: list[str]) -> list[str]:
    """A line ending in a dash ("LISBON, May 3 (Agency) --") opens the paragraph
    after it: a news dateline, not a heading."""
    joined: list[str] = []
    for line in lines:
        previous = joined[-1] if joined else ""
        headings = previous.endswith("\n") or line.endswith("\n")
        if previous and not headings and _DATELINE_END.search(previous):
            joined[-1] = f"{previous.rstrip()} {line.strip()}"
            continue
        joined.append(line)
    return joined


def _passages(source_id: str, lines: list[str], notes: list[str]) -> list[Passage]:
    """Turn body lines into numbered passages, attaching headings and dropping credits."""
    lines = _join_datelines(lines)
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
        pieces = split_long_paragraph(line)
        if len(pieces) > 1:
            notes.append(
                f"paragraph {len(passages) + 1} is {len(line):,} characters long; split into "
                f"{len(pieces)} passages of at most {MAX_PASSAGE_CHARS:,}"
            )
        for piece in pieces:
            passages.append(
                Passage(
                    source_id=source_id,
                    paragraph=len(passages) + 1,
                    text=piece,
                    section=section,
                    sentences=split_sentences(piece),
                )
            )
    return passages


def split_long_paragraph(text: str, limit: int = MAX_PASSAGE_CHARS) -> list[str]:
    """`text` in pieces of at most `limit` characters, each cut after the last sentence end in
    its second half, else at the last space there, else hard; whitespace at the cuts dropped."""
    pieces: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = 0
        for match in _SENTENCE_END.finditer(window, limit // 2):
            if match.start() < limit:
                cut = match.start() + len(match.group().rstrip())
        if not cut:
            cut = window.rfind(" ", limit // 2) if " " in window[limit // 2 :] else limit
        piece, text = text[:cut].rstrip(), text[cut:].lstrip()
        if piece:
            pieces.append(piece)
    if text:
        pieces.append(text)
    return pieces


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
