"""Score `citebot timeline` on news it was never written for: TimeBank + AQUAINT (TempEval-3).

`python -m bench.timeline_foreign [--data DIR] [--errors] [--no-peer]` runs `citebot timeline
--json` (the command line itself, in process) over the 256 documents of
`../shared/data/timebank/` and scores the mentions against the gold TIMEX3 annotations. The
documents stay in the shared folder: they are copyrighted news distributed for research.

Scored: DATE expressions whose value is a calendar date (day, ISO week, month, season, quarter,
half, year, decade, century; a time of day is scored as its day). Not scored as dates, but
counted apart: PRESENT_REF and the like, values with unknown parts (`XXXX-10`), durations, sets.

- value recall: gold dates whose value some overlapping mention gives exactly, over all gold;
- value accuracy: the same, over the gold dates some mention overlaps (what was found);
- false dates: mentions overlapping no gold expression of any type, over all mentions.

The peer is dateparser's `search_dates` (languages=['en'], RELATIVE_BASE the document's date,
PREFER_DATES_FROM 'past': news mostly reports what happened), run on the same paragraphs; each
string it finds is re-read with `DateDataParser.get_date_data` for its period (day, week,
month, year), which gives its value.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import io
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "timebank"
_CALENDAR = re.compile(
    r"\d{4}(?:-\d{2}(?:-\d{2})?|-W\d{1,2}(?:-WE)?|-Q[1-4]|-H[12]|-(?:SP|SU|FA|WI))?|\d{3}X?"
    r"|\d{2}(?:XX)?"
)


class GoldTimex(BaseModel):
    file: str
    dct: dt.date
    tid: str
    expression: str
    type: str
    value: str
    mod: str | None = None
    sentence: str = ""
    start: int
    end: int


@dataclass(frozen=True)
class Span:
    """An expression in a document's normalised text (whitespace runs as one space)."""

    doc: str
    start: int
    end: int
    text: str
    value: str | None

    def overlaps(self, other: Span) -> bool:
        return self.doc == other.doc and self.start < other.end and other.start < self.end


def normalise_value(value: str | None) -> str | None:
    """A TIMEX3 value in one spelling: '199' and '199X' are the 1990s, '19' and '19XX' the
    20th century, 'W2' is 'W02', a time of day is its day; None if not a calendar value."""
    if not value:
        return None
    value = value.split("T", 1)[0]
    if not _CALENDAR.fullmatch(value):
        return None
    if re.fullmatch(r"\d{3}X?", value):
        return value[:3] + "X"
    if re.fullmatch(r"\d{2}", value):
        return value + "XX"  # TimeML's century "19" is citebot's "19XX"
    return re.sub(r"-W(\d)(?!\d)", r"-W0\1", value)


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _normalised_offset(body: str, at: int) -> int:
    prefix = _normalise(body[:at])
    return len(prefix) + (1 if prefix and body[at - 1].isspace() else 0)


def _body(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def load_gold(data: Path) -> tuple[list[Span], list[Span], dict[str, str]]:
    """(calendar DATE gold, every gold expression, normalised text per document)."""
    rows = [
        GoldTimex.model_validate(r) for r in json.loads((data / "gold.json").read_text())["gold"]
    ]
    texts = {path.stem: _normalise(_body(path)) for path in sorted((data / "corpus").glob("*.md"))}
    calendar, every = [], []
    for row in rows:
        doc = Path(row.file).stem
        body = _body(data / "corpus" / row.file)
        start = _normalised_offset(body, row.start)
        text = _normalise(row.expression)
        value = normalise_value(row.value) if row.type == "DATE" else None
        span = Span(doc, start, start + len(text), text, value)
        if texts[doc][span.start : span.end] != text:
            raise ValueError(f"gold {row.file} {row.tid} not found at its offsets")
        every.append(span)
        if value is not None:
            calendar.append(span)
    return calendar, every, texts


# --- the systems ---------------------------------------------------------------------------


def citebot_spans(data: Path, texts: dict[str, str]) -> list[Span]:
    """Every mention `citebot timeline --json` lists, placed in its document."""
    with tempfile.TemporaryDirectory(prefix="citebot-foreign-") as workdir:
        out = io.StringIO()
        argv = ["timeline", "--json", "--corpus", str(data / "corpus"), "--data", workdir]
        with contextlib.redirect_stdout(out):
            from bot.cli import main

            code = main(argv)
        if code != 0:
            raise RuntimeError(f"citebot timeline exited with {code}")
    payload = json.loads(out.getvalue())
    mentions = [m for e in payload["events"] for m in e["mentions"]] + payload["unresolved"]
    return _place_mentions(mentions, texts)


def _place_mentions(mentions: list[dict], texts: dict[str, str]) -> list[Span]:
    spans: list[Span] = []
    seen: Counter[tuple[str, int, int, str]] = Counter()
    for m in mentions:
        doc, text = m["source_id"], texts[m["source_id"]]
        at = text.find(m["quote"])
        key = (doc, m["paragraph"], m["start"], m["expression"])
        inner = -1
        for _ in range(seen[key] + 1):  # the n-th mention of the same words in one sentence
            inner = m["quote"].find(m["expression"], inner + 1)
        seen[key] += 1
        if at < 0 or inner < 0:
            raise ValueError(f"mention not found in {doc}: {m['expression']!r}")
        start = at + inner
        spans.append(Span(doc, start, start + len(m["expression"]), m["expression"], m["value"]))
    return spans


def dateparser_spans(data: Path, texts: dict[str, str]) -> list[Span]:
    """dateparser's `search_dates` over each document's paragraphs, its value from the period
    `get_date_data` gives the string it found."""
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    spans: list[Span] = []
    for path in sorted((data / "corpus").glob("*.md")):
        doc = path.stem
        dct = dt.date.fromisoformat(re.search(r"^date: (\S+)", path.read_text(), re.M)[1])  # type: ignore[index]
        settings = {
            "RELATIVE_BASE": dt.datetime(dct.year, dct.month, dct.day, 12),
            "PREFER_DATES_FROM": "past",
        }
        parser = DateDataParser(languages=["en"], settings=settings)
        text, cursor = texts[doc], 0
        for paragraph in re.split(r"\n\s*\n", _body(path)):
            paragraph = _normalise(paragraph)
            if not paragraph:
                continue
            base = text.find(paragraph, cursor)
            cursor = base + len(paragraph)
            found = search_dates(paragraph, languages=["en"], settings=settings) or []
            inner = 0
            for words, _when in found:
                at = paragraph.find(words, inner)
                if at < 0:
                    continue
                inner = at + len(words)
                value = _period_value(parser.get_date_data(words))
                spans.append(Span(doc, base + at, base + at + len(words), words, value))
    return spans


def _period_value(data: object) -> str | None:
    when = getattr(data, "date_obj", None)
    period = getattr(data, "period", None)
    if when is None:
        return None
    if period == "year":
        return f"{when.year:04d}"
    if period == "month":
        return f"{when.year:04d}-{when.month:02d}"
    if period == "week":
        year, week, _ = when.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return when.date().isoformat()


# --- scoring -------------------------------------------------------------------------------


@dataclass
class Score:
    system: str
    gold: int = 0
    found: int = 0
    correct: int = 0
    mentions: int = 0
    false_dates: list[Span] = field(default_factory=list)
    misses: list[tuple[Span, Span | None]] = field(default_factory=list)  # (gold, wrong hit)
    on_other_gold: int = 0  # mentions overlapping only gold that is not a calendar date

    @property
    def value_recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def value_accuracy(self) -> float:
        return self.correct / self.found if self.found else 0.0

    @property
    def false_rate(self) -> float:
        return len(self.false_dates) / self.mentions if self.mentions else 0.0


def score(
    system: str, spans: list[Span], calendar_gold: list[Span], every_gold: list[Span]
) -> Score:
    result = Score(system, gold=len(calendar_gold), mentions=len(spans))
    by_doc = _by_doc(spans)
    for gold in calendar_gold:
        hits = [s for s in by_doc.get(gold.doc, []) if s.overlaps(gold)]
        if hits:
            result.found += 1
        if any(normalise_value(h.value) == gold.value for h in hits):
            result.correct += 1
        else:
            result.misses.append((gold, hits[0] if hits else None))
    gold_by_doc = _by_doc(every_gold)
    calendar_by_doc = _by_doc(calendar_gold)
    for span in spans:
        if not any(span.overlaps(g) for g in gold_by_doc.get(span.doc, [])):
            result.false_dates.append(span)
        elif not any(span.overlaps(g) for g in calendar_by_doc.get(span.doc, [])):
            result.on_other_gold += 1
    return result


def _by_doc(spans: Iterable[Span]) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    for span in spans:
        out.setdefault(span.doc, []).append(span)
    return out


def miss_kind(gold: Span, hit: Span | None) -> str:
    """A miss by the shape of its gold value, and whether it was not found or read wrong."""
    value = gold.value or ""
    shape = (
        "day" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
        else "week" if "-W" in value
        else "month" if re.fullmatch(r"\d{4}-\d{2}", value)
        else "quarter/half/season" if re.fullmatch(r"\d{4}-\w{2}", value)
        else "year" if re.fullmatch(r"\d{4}", value)
        else "decade/century"
    )  # fmt: skip
    return f"{shape}, {'not found' if hit is None else 'wrong value'}"


def _print_score(s: Score) -> None:
    print(
        f"{s.system:<22} value recall {s.value_recall:.3f} ({s.correct}/{s.gold})  "
        f"found {s.found / max(s.gold, 1):.3f} ({s.found})  "
        f"value accuracy {s.value_accuracy:.3f} ({s.correct}/{s.found})  "
        f"false dates {s.false_rate:.3f} ({len(s.false_dates)}/{s.mentions})  "
        f"on non-calendar gold {s.on_other_gold}"
    )


def _print_kinds(s: Score) -> None:
    kinds = Counter(miss_kind(g, h) for g, h in s.misses)
    print(f"  {s.system} misses by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))


def _print_errors(s: Score) -> None:
    for gold, hit in s.misses:
        got = f"{hit.text!r} -> {hit.value}" if hit else "not found"
        print(f"  miss  {gold.doc} {gold.text!r} = {gold.value}: {got}")
    for span in s.false_dates:
        print(f"  false {span.doc} {span.text!r} -> {span.value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the timebank folder")
    parser.add_argument("--errors", action="store_true", help="list every miss and false date")
    parser.add_argument("--no-peer", action="store_true", help="skip dateparser (slow)")
    args = parser.parse_args(argv)
    if not (args.data / "gold.json").is_file():
        print(f"no gold.json in {args.data}; pass --data DIR", file=sys.stderr)
        return 2
    calendar_gold, every_gold, texts = load_gold(args.data)
    print(f"{len(texts)} documents, {len(calendar_gold)} calendar-valued DATE expressions")
    systems: list[tuple[str, Callable[[Path, dict[str, str]], list[Span]]]] = [
        ("citebot", citebot_spans)
    ]
    if not args.no_peer:
        if importlib.util.find_spec("dateparser") is None:
            print(
                "dateparser is not installed: pip install '.[bench]', or --no-peer", file=sys.stderr
            )
            return 2
        systems.append(("dateparser search_dates", dateparser_spans))
    for name, run in systems:
        result = score(name, run(args.data, texts), calendar_gold, every_gold)
        _print_score(result)
        _print_kinds(result)
        if args.errors:
            _print_errors(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
