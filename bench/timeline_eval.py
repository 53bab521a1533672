"""Score the temporal tagger against the hand-written gold list of the bundled articles.

`python -m bench.timeline_eval [--errors]` prints precision, recall (relaxed: the tagged span
overlaps the gold one; strict: same span), value accuracy over the matched expressions, and
how many listed non-dates were tagged. Precision counts every tag that is not a gold date as a
false positive, including tags on durations or "at the time".
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from knowledge.corpus import Corpus, load_corpus
from knowledge.temporal import TemporalExpression, tag_paragraphs

GOLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "timeline_gold.json"


class GoldItem(BaseModel):
    source_id: str
    paragraph: int
    sentence: str
    expression: str
    value: str | None = None
    anchor: str | None = None
    approximate: bool = False
    type: str | None = None
    note: str | None = None


class Gold(BaseModel):
    dates: list[GoldItem]
    other_temporal: list[GoldItem]
    non_dates: list[GoldItem]


def load_gold(path: Path = GOLD) -> Gold:
    return Gold.model_validate(json.loads(path.read_text(encoding="utf-8")))


@dataclass
class Located:
    item: GoldItem
    start: int  # offsets in the paragraph's text
    end: int


@dataclass
class Report:
    system: int = 0
    gold: int = 0
    matched: int = 0
    strict: int = 0
    correct_value: int = 0
    correct_anchor: int = 0
    non_dates_tagged: list[tuple[Located, TemporalExpression]] = field(default_factory=list)
    misses: list[Located] = field(default_factory=list)
    wrong_values: list[tuple[Located, TemporalExpression]] = field(default_factory=list)
    false_positives: list[tuple[str, int, TemporalExpression]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def value_accuracy(self) -> float:
        return self.correct_value / self.matched if self.matched else 0.0


def locate(corpus: Corpus, item: GoldItem) -> Located:
    """Offsets of a gold expression in its paragraph; fails loudly on a typo in the gold list."""
    passage = corpus.source(item.source_id).passages[item.paragraph - 1]
    at = passage.text.find(item.sentence)
    inner = item.sentence.find(item.expression)
    if at < 0 or inner < 0:
        raise ValueError(f"gold item not found verbatim: {item.source_id} ¶{item.paragraph}")
    return Located(item, at + inner, at + inner + len(item.expression))


def tag_corpus(corpus: Corpus) -> dict[tuple[str, int], list[TemporalExpression]]:
    tagged: dict[tuple[str, int], list[TemporalExpression]] = {}
    for source in corpus.sources:
        per_paragraph = tag_paragraphs([p.text for p in source.passages], source.date)
        for passage, exprs in zip(source.passages, per_paragraph, strict=True):
            tagged[(source.source_id, passage.paragraph)] = exprs
    return tagged


def _overlaps(a: Located, e: TemporalExpression) -> bool:
    return a.start < e.end and e.start < a.end


def evaluate(corpus: Corpus, gold: Gold) -> Report:
    tagged = tag_corpus(corpus)
    report = Report(gold=len(gold.dates), system=sum(len(v) for v in tagged.values()))
    used: set[int] = set()
    for item in gold.dates:
        loc = locate(corpus, item)
        hits = [e for e in tagged[(item.source_id, item.paragraph)] if _overlaps(loc, e)]
        hits = [e for e in hits if id(e) not in used]
        if not hits:
            report.misses.append(loc)
            continue
        expr = hits[0]
        used.add(id(expr))
        report.matched += 1
        report.strict += (expr.start, expr.end) == (loc.start, loc.end)
        value = expr.value.value if expr.value else None
        if value == item.value:
            report.correct_value += 1
        else:
            report.wrong_values.append((loc, expr))
        report.correct_anchor += expr.anchor == item.anchor
    for (source_id, paragraph), exprs in tagged.items():
        for expr in exprs:
            if id(expr) not in used:
                report.false_positives.append((source_id, paragraph, expr))
    for item in gold.non_dates:
        loc = locate(corpus, item)
        for expr in tagged[(item.source_id, item.paragraph)]:
            if _overlaps(loc, expr):
                report.non_dates_tagged.append((loc, expr))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every miss and error")
    args = parser.parse_args(argv)
    corpus = load_corpus()
    gold = load_gold()
    r = evaluate(corpus, gold)
    print(f"gold date expressions   {r.gold}  (plus {len(gold.other_temporal)} other, unscored)")
    print(f"tagged expressions      {r.system}")
    print(f"precision               {r.precision:.3f}  ({r.matched}/{r.system})")
    print(f"recall (relaxed)        {r.recall:.3f}  ({r.matched}/{r.gold})")
    print(f"recall (strict extent)  {r.strict / r.gold:.3f}  ({r.strict}/{r.gold})")
    print(f"value accuracy          {r.value_accuracy:.3f}  ({r.correct_value}/{r.matched})")
    print(f"value F1                {_f1(r.precision, r.correct_value / r.gold):.3f}")
    print(f"anchor accuracy         {r.correct_anchor / max(r.matched, 1):.3f}")
    print(f"non-dates tagged        {len(r.non_dates_tagged)} of {len(gold.non_dates)}")
    print(f"tagging time            {_ms_per_article(corpus):.1f} ms per article (median of 20)")
    if args.errors:
        for loc in r.misses:
            print(f"miss   {loc.item.source_id[:3]} ¶{loc.item.paragraph} {loc.item.expression!r}")
        for loc, e in r.wrong_values:
            got = e.value.value if e.value else None
            print(f"value  {loc.item.expression!r}: {got} != {loc.item.value}")
        for source_id, paragraph, e in r.false_positives:
            print(f"extra  {source_id[:3]} ¶{paragraph} {e.text!r}")
        for loc, e in r.non_dates_tagged:
            print(f"nondate {loc.item.expression!r} tagged as {e.text!r}")
    return 0


def _ms_per_article(corpus: Corpus) -> float:
    runs = []
    for _ in range(20):
        began = time.perf_counter()
        tag_corpus(corpus)
        runs.append((time.perf_counter() - began) * 1000 / len(corpus.sources))
    return sorted(runs)[len(runs) // 2]


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


if __name__ == "__main__":
    raise SystemExit(main())
