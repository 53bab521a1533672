"""Where a sentence speaks of a time: absolute dates and relative ones ("the following month").

A stand-in pattern tagger for answer typing; the timeline's own tagger can replace it behind
`date_spans` without changing callers.
"""

from __future__ import annotations

import re

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_UNITS = "day|week|weekend|month|year|decade|century|season|quarter|night|morning|evening"
_COUNTS = (
    r"\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|a few|a couple of|several|many|some"
)
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"

_PATTERNS = [
    # October 20, 2023 / October 2023 / October 20 / 20 October 2023
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+{_YEAR})?\b",
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?(?:,?\s+{_YEAR})?\b",
    rf"\b(?:(?:early|mid|late)[- ])?(?:{_MONTHS})\.?(?:\s+(?:of\s+)?{_YEAR})?\b",
    rf"\b(?:(?:early|mid|late)[- ])?(?:spring|summer|fall|autumn|winter)(?:\s+(?:of\s+)?{_YEAR})\b",
    rf"\b(?:(?:early|mid|late)[- ])?(?:{_YEAR}s?|'\d0s)\b(?!,\d)",
    rf"\b(?:{_YEAR})\s*(?:-|\u2013|to)\s*(?:{_YEAR}|\d\d)\b",
    rf"\b(?:(?:last|next|this|on|that)\s+)?(?:{_WEEKDAYS})\b",
    rf"\b(?:the\s+)?(?:following|next|previous|preceding|same|last|coming|prior)\s+(?:{_UNITS})\b",
    rf"\b(?:this|that)\s+(?:{_UNITS})\b",
    rf"\b(?:{_COUNTS})\s+(?:{_UNITS})s?\s+(?:later|earlier|after|before|ago|prior|afterwards?)\b",
    rf"\b(?:{_COUNTS})\s+(?:{_UNITS})s?\s+(?:after|before)\b",
    r"\b(?:yesterday|today|tonight|tomorrow|nowadays|recently|at the time|over the weekend)\b",
    r"\b(?:the\s+)?(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|"
    r"eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|"
    r"seventeenth|eighteenth|nineteenth|twentieth|twenty-first)\s+century\b",
    rf"\b(?:in|since|until|by|during|from|before|after)\s+the\s+(?:{_YEAR}s|\d0s)\b",
]
_DATE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
# "May" and "March" are also ordinary words: only trust them next to a day or a year.
_AMBIGUOUS_MONTH = re.compile(r"^(?:may|march|mar|jan|dec|sept?|oct|nov)\.?$", re.IGNORECASE)


def date_spans(text: str) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) character spans of time expressions, in text order."""
    spans: list[tuple[int, int]] = []
    for m in _DATE.finditer(text):
        piece = m.group()
        if _AMBIGUOUS_MONTH.match(piece.strip()) and not text[m.start()].isupper():
            continue
        if piece.strip().lower() == "may" and not _near_number(text, m.end()):
            continue
        spans.append((m.start(), m.end()))
    return spans


def _near_number(text: str, end: int) -> bool:
    return bool(re.match(r"\s+(?:\d|of\s+\d)", text[end : end + 8]))
