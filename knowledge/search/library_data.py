"""Everything derived from a corpus besides the index, saved as flat arrays and memory-mapped.

Passages, their sources, sentence spans and the corpus-wide word tables are stored the way the
index stores its vocabulary: UTF-8 blobs with offsets and numpy arrays, so loading a library of
a million paragraphs is a handful of `np.load(mmap_mode="r")` calls and no source file is read.
Per-sentence objects (terms, sets, mentions) are made only for the sentences a question ranks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import mmap
import shutil
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge.errors import CitebotError
from knowledge.files import write_atomically
from knowledge.models import Passage, Source, Span
from knowledge.search import integrity
from knowledge.search.index import _Terms
from knowledge.text.analysis import ANALYZER_VERSION

# 2: file sizes and checksums; 3: reading.json (knowledge/search/reading_data.py); 4: the alias
# groups in aliases.sqlite3 (knowledge/search/alias_store.py)
DATA_FORMAT = "4"
META = "library.json"
SOURCES = "sources.json"
ARRAYS = (
    "text_offsets",  # int64, passage p's UTF-8 text is text.bin[o[p]:o[p + 1]]
    "section_of",  # int32 per passage: its heading in `sections`, -1 for none
    "source_of",  # int32 per passage: its source in sources.json
    "source_first",  # int64 per source: its first passage
    "first",  # int64 per passage + 1: its first sentence (sentences of a passage are contiguous)
    "passage_of",  # int32 per sentence
    "sent_start",  # int32 per sentence: character offsets into the passage text
    "sent_end",
    "passage_vectors",  # float32 per passage: IDF-weighted mean word vector, unit length
    "near_matrix",  # float32 per near word: its unit vector
)
STRINGS = ("text", "sections", "common", "vocabulary", "lemma_keys", "lemma_values", "near")


class DataError(CitebotError):
    """Saved library data is missing, from another version or damaged; callers rebuild."""


class Strings(Sequence[str]):
    """A list of strings as one UTF-8 blob plus offsets; `find` needs them sorted."""

    def __init__(self, blob: bytes | np.ndarray, offsets: np.ndarray) -> None:
        self._terms = _Terms(blob, offsets)
        self._bytes = self._terms._bytes
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        return bytes(self._bytes[start:end]).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))

    def find(self, word: str) -> int | None:
        return self._terms.find(word)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._terms.find(word) is not None


class WordGroups:
    """Sorted keys mapped to groups of words (lemma key -> index terms), read in place."""

    def __init__(self, keys: Strings, values: Strings) -> None:
        self._keys = keys
        self._values = values

    def get(self, key: str, default: frozenset[str] = frozenset()) -> frozenset[str]:
        i = self._keys.find(key)
        return default if i is None else frozenset(self._values[i].split("\n"))

    def __len__(self) -> int:
        return len(self._keys)


def strings_arrays(items: Sequence[str]) -> tuple[bytes, np.ndarray]:
    encoded = [s.encode("utf-8") for s in items]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return b"".join(encoded), offsets


def write_strings(folder: Path, name: str, items: Sequence[str]) -> None:
    blob, offsets = strings_arrays(items)
    (folder / f"{name}.bin").write_bytes(blob)
    np.save(folder / f"{name}_offsets.npy", offsets)


class LibraryData:
    """The saved passages, sentences and word tables of one corpus fingerprint."""

    def __init__(self, folder: Path, meta: dict, arrays: dict, strings: dict) -> None:
        self.folder = folder
        self.meta = meta
        self.arrays = arrays
        self.strings: dict[str, Strings] = strings
        self.fingerprint: str = meta["fingerprint"]
        self.warnings: list[str] = list(meta.get("warnings", []))
        self.avg_len: float = float(meta["avg_len"])
        self.n_passages = len(arrays["text_offsets"]) - 1
        self.n_sentences = len(arrays["passage_of"])
        self._sources: list[Source] | None = None
        self._by_id: dict[str, int] | None = None
        self.passage_text = lru_cache(maxsize=4096)(self._passage_text)
        self._whole_source = lru_cache(maxsize=256)(self._source_whole)

    @classmethod
    def load(cls, folder: Path, fingerprint: str | None = None) -> LibraryData:
        """Memory-map the arrays; anything missing, foreign or inconsistent is a DataError."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / META).read_text())
            if meta.get("format") != DATA_FORMAT or meta.get("analyzer") != ANALYZER_VERSION:
                raise DataError(f"library data in {folder} was made by another version")
            if fingerprint is not None and meta.get("fingerprint") != fingerprint:
                raise DataError(f"library data in {folder} belongs to another corpus")
            _verify(folder, meta)
            # Plain ndarray views of the maps: indexing a np.memmap goes through Python code.
            arrays = {
                n: np.load(folder / f"{n}.npy", mmap_mode="r").view(np.ndarray) for n in ARRAYS
            }
            strings = {}
            for name in STRINGS:
                blob_path = folder / f"{name}.bin"
                blob = (
                    np.memmap(blob_path, dtype=np.uint8, mode="r")
                    if blob_path.stat().st_size
                    else b""
                )
                strings[name] = Strings(blob, np.load(folder / f"{name}_offsets.npy"))
            data = cls(folder, meta, arrays, strings)
        except DataError:
            raise
        except integrity.Damaged as exc:
            raise DataError(f"library data in {folder} is damaged: {exc}") from exc
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"cannot load library data from {folder}: {exc}") from exc
        data.check()
        return data

    def check(self) -> None:
        """Cheap consistency checks: a truncated or mixed-up folder is rebuilt, never served."""
        a, s, m = self.arrays, self.strings, self.meta
        n, n_sent = self.n_passages, self.n_sentences
        problems = [
            len(s["text"]._bytes) != int(a["text_offsets"][-1]) if n else False,
            len(a["section_of"]) != n or len(a["source_of"]) != n,
            len(a["first"]) != n + 1 or int(a["first"][-1]) != n_sent,
            len(a["sent_start"]) != n_sent or len(a["sent_end"]) != n_sent,
            a["passage_vectors"].shape[0] != n,
            a["near_matrix"].shape[0] != len(s["near"]),
            len(s["lemma_keys"]) != len(s["lemma_values"]),
            n != m.get("n_passages") or n_sent != m.get("n_sentences"),
            len(a["source_first"]) != m.get("n_sources"),
        ]
        if any(problems):
            raise DataError(f"library data in {self.folder} is inconsistent (damaged?)")

    # -- passages -------------------------------------------------------------------------
    def _passage_text(self, p: int) -> str:
        o = self.arrays["text_offsets"]
        start, end = int(o[p]), int(o[p + 1])
        return bytes(self.strings["text"]._bytes[start:end]).decode("utf-8")

    def section(self, p: int) -> str | None:
        i = int(self.arrays["section_of"][p])
        return None if i < 0 else self.strings["sections"][i]

    def spans(self, p: int) -> list[Span]:
        a = self.arrays
        first, last = int(a["first"][p]), int(a["first"][p + 1])
        starts, ends = a["sent_start"][first:last].tolist(), a["sent_end"][first:last].tolist()
        return [Span(start=x, end=y) for x, y in zip(starts, ends, strict=True)]

    def passage(self, p: int) -> Passage:
        src = int(self.arrays["source_of"][p])
        return Passage(
            source_id=self.sources[src].source_id,
            paragraph=p - int(self.arrays["source_first"][src]) + 1,
            text=self.passage_text(p),
            section=self.section(p),
            sentences=self.spans(p),
        )

    # -- sources --------------------------------------------------------------------------
    @property
    def sources(self) -> list[Source]:
        """Source metadata (title, date, url, outlet), without passages: read on first use."""
        if self._sources is None:
            try:
                rows = json.loads((self.folder / SOURCES).read_text())
            except (OSError, ValueError) as exc:
                raise DataError(f"cannot read {self.folder / SOURCES}: {exc}") from exc
            self._sources = [
                Source(
                    source_id=r["source_id"],
                    title=r["title"],
                    date=dt.date.fromisoformat(r["date"]) if r.get("date") else None,
                    url=r.get("url"),
                    outlet=r.get("outlet"),
                )
                for r in rows
            ]
        return self._sources

    def source(self, source_id: str) -> Source:
        """Metadata of one source (no passages: see `source_with_passages`)."""
        if self._by_id is None:
            self._by_id = {s.source_id: i for i, s in enumerate(self.sources)}
        return self.sources[self._by_id[source_id]]

    def position(self, source_id: str, paragraph: int) -> int | None:
        """The passage position of a source's paragraph (1-based), None when there is none."""
        if self._by_id is None:
            self._by_id = {s.source_id: i for i, s in enumerate(self.sources)}
        i = self._by_id.get(source_id)
        if i is None or paragraph < 1:
            return None
        first = self.arrays["source_first"]
        end = int(first[i + 1]) if i + 1 < len(first) else self.n_passages
        p = int(first[i]) + paragraph - 1
        return p if p < end else None

    def paragraph_count(self, source_id: str) -> int:
        """How many paragraphs a source has (0 for an unknown id)."""
        p = self.position(source_id, 1)
        if p is None:
            return 0
        i = int(self.arrays["source_of"][p])
        first = self.arrays["source_first"]
        end = int(first[i + 1]) if i + 1 < len(first) else self.n_passages
        return end - p

    def find_text(self, text: str) -> Iterator[tuple[int, int]]:
        """(passage, character offset) of each passage holding `text`, in order: one scan of
        the memory-mapped text blob, never a passage materialised that does not hold it."""
        needle = text.encode("utf-8")
        offsets = self.arrays["text_offsets"]
        if not needle or not self.n_passages or not int(offsets[-1]):
            return
        with (
            (self.folder / "text.bin").open("rb") as f,
            mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as blob,
        ):
            at = 0
            while (hit := blob.find(needle, at)) >= 0:
                p = int(np.searchsorted(offsets, hit, side="right")) - 1
                if hit + len(needle) <= int(offsets[p + 1]):  # not across two passages
                    yield p, len(blob[int(offsets[p]) : hit].decode("utf-8"))
                    at = int(offsets[p + 1])
                else:
                    at = hit + 1

    def source_with_passages(self, source_id: str) -> Source:
        """One source whole, its passages read from the saved data."""
        return self._whole_source(source_id)

    def _source_whole(self, source_id: str) -> Source:
        meta = self.source(source_id)
        i = self._by_id[source_id]  # type: ignore[index]
        first = self.arrays["source_first"]
        end = int(first[i + 1]) if i + 1 < len(first) else self.n_passages
        passages = [self.passage(p) for p in range(int(first[i]), end)]
        return meta.model_copy(update={"passages": passages})

    def paragraph_counts(self) -> list[int]:
        first = np.append(np.asarray(self.arrays["source_first"]), self.n_passages)
        return np.diff(first).tolist()


class PassageTable(Sequence[Passage]):
    """`Library.passages`: a read-only list of passages materialised one at a time."""

    def __init__(self, data: LibraryData) -> None:
        self._data = data
        self._get = lru_cache(maxsize=1024)(data.passage)

    def __len__(self) -> int:
        return self._data.n_passages

    def __getitem__(self, p):
        if isinstance(p, slice):
            return [self._get(i) for i in range(*p.indices(len(self)))]
        p = int(p)
        if p < 0:
            p += len(self)
        if not 0 <= p < len(self):
            raise IndexError(p)
        return self._get(p)

    def __iter__(self) -> Iterator[Passage]:
        return (self._data.passage(p) for p in range(len(self)))


def save_meta(folder: Path, **fields) -> None:
    """Written last, with every file's size and checksums (knowledge.search.integrity), so a damaged
    or swapped file is noticed on load without reading it whole."""
    files = {
        p.name: integrity.stamp(p).model_dump()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != META
    }
    (folder / META).write_text(
        json.dumps({"format": DATA_FORMAT, "analyzer": ANALYZER_VERSION, **fields, "files": files})
    )


def _verify(folder: Path, meta: dict) -> None:
    stamps = {name: integrity.FileStamp(**d) for name, d in meta["files"].items()}
    restamped = integrity.verify(folder, stamps)
    if restamped:  # only modification times changed (a copy): record them, best effort
        with contextlib.suppress(OSError):
            write_atomically(
                folder / META,
                json.dumps(
                    {
                        **meta,
                        "files": {name: stamp.model_dump() for name, stamp in restamped.items()},
                    }
                ),
            )


def move_into_place(tmp: Path, folder: Path) -> None:
    """Replace `folder` by the completely written `tmp`: a half-written folder is never read."""
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
