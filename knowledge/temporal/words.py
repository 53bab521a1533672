"""The tagger's English: month and weekday names, number words, pattern pieces, context cues.

General English only (no words of any article): the names come from `calendar`, the cue
lists are what tells a year from a count, an address or a code.
"""

from __future__ import annotations

import calendar
import re

SEASON_WORDS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
MONTHS = {
    name: i for i in range(1, 13) for name in (calendar.month_name[i], calendar.month_abbr[i])
} | {"Sept": 9}
WEEKDAYS = {calendar.day_name[i]: i for i in range(7)}
WEEKDAY_ABBR = {calendar.day_abbr[i]: i for i in range(7)} | {"Tues": 1, "Thur": 3, "Thurs": 3}
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a few": 3,
    "a couple of": 2,
    "a couple": 2,
    "several": 3,
}
VAGUE_QUANTITIES = frozenset({"a few", "a couple of", "a couple", "several"})

# Case-sensitive: a month or weekday is a capitalised name, so "may" the verb never matches.
FULL_MONTH = "|".join(calendar.month_name[1:])
ABBR_MONTH = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
MON = rf"(?P<mon>{FULL_MONTH}|{ABBR_MONTH})"
WD = rf"(?P<wd>{'|'.join(calendar.day_name)}|(?:Mon|Tues|Tue|Wed|Thurs|Thur|Thu|Fri|Sat|Sun)\.)"
DAY = r"(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?P<y>[12]\d{3})"
NOT_NUMBER_AFTER = r"(?!\d|[.,:]\d)"
QTY = (
    r"(?P<qty>a\s+few|a\s+couple(?:\s+of)?|several|an?|one|two|three|four|five|six|seven|eight"
    r"|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|\d{1,3})"
)
APPROX = (
    r"(?P<approx>nearly|almost|about|around|roughly|approximately|some|over|more\s+than"
    r"|less\s+than|under|just\s+over|just\s+under|at\s+least|close\s+to|barely|only|just)"
)
UNIT = r"(?P<unit>days?|weeks?|months?|years?|decades?)"
SEASON = r"(?P<season>[Ss]pring|[Ss]ummer|[Ff]all|[Aa]utumn|[Ww]inter)"
EXACT_WORDS = frozenset({"only", "just"})  # "just a year later" is not vaguer than "a year"

FUTURE_CUE = re.compile(
    r"(?i)\b(?:will|won't|shall|'ll|going\s+to|plans?\s+to|planning\s+to|(?:is|are)\s+set\s+to"
    r"|set\s+to|scheduled|upcoming|expected\s+to|next)\b|\u2019ll\b"
)
STREET = re.compile(
    r"\s+(?:[A-Z][\w.'-]*\s+){0,3}(?:Avenue|Ave\.?|Street|St\.|Road|Rd\.?|Boulevard|Blvd\.?"
    r"|Drive|Dr\.|Lane|Ln\.?|Way|Place|Pl\.|Court|Ct\.|Parkway|Pkwy\.?|Highway|Broadway|Plaza"
    r"|Square|Terrace|Circle)\b"
)
NOT_A_YEAR_BEFORE = frozenset(
    {"no", "number", "nos", "room", "suite", "route", "flight", "page", "pp", "p", "unit",
     "apartment", "apt", "highway", "interstate", "model", "at", "code", "score",
     "exit", "mile", "gate", "box", "bus", "pier", "platform", "channel", "version", "v"}
)  # fmt: skip
STRONG_YEAR_BEFORE = frozenset(
    {"in", "since", "until", "till", "during", "circa", "by", "from", "through", "throughout",
     "before", "after", "of", "and", "to", "between", "early", "late", "mid", "summer",
     "spring", "winter", "fall", "autumn"}
)  # fmt: skip
NON_PLURAL_S = frozenset(
    {"was", "is", "has", "as", "its", "his", "this", "thus", "plus", "yes", "does", "says",
     "sees", "marks", "brings", "saw", "gives", "makes", "proves", "remains", "becomes"}
)  # fmt: skip
IRREGULAR_PLURALS = frozenset(
    {"people", "men", "women", "children", "feet", "teeth", "mice", "geese", "police", "staff",
     "cattle", "sheep", "fish", "deer", "personnel", "crew", "head"}
)  # fmt: skip
QUANTIFIERS = frozenset(
    {"about", "around", "nearly", "almost", "over", "some", "roughly", "approximately", "than",
     "only", "just", "exactly", "least"}
)  # fmt: skip
FUNCTION_WORDS = frozenset(
    {"and", "or", "but", "when", "as", "in", "on", "at", "to", "for", "with", "after", "before",
     "until", "till", "was", "were", "is", "that", "which", "while", "because", "he", "she",
     "they", "we", "i", "it", "the", "a", "an", "there", "so", "then"}
)  # fmt: skip
HOLIDAY_BEFORE = re.compile(r"(?:Good|Black|Cyber|Super|Easter|Palm|Ash|Holy|Bloody)\s+$")

# Dates written out in words ("nineteen ninety-six", "the nineties", "the 20th century").
TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
              "seventy": 70, "eighty": 80, "ninety": 90}  # fmt: skip
TEENS_WORDS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
               "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
               "nineteen": 19}  # fmt: skip
UNIT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9}  # fmt: skip
DECADE_WORDS = {f"{word[:-1]}ies": tens for word, tens in TENS_WORDS.items()}  # "nineties": 90
ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                 "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11,
                 "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
                 "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
                 "twentieth": 20, "twenty-first": 21}  # fmt: skip
_WORDS = "|".join
SPELLED_YEAR = (
    rf"(?P<hi>{_WORDS(TEENS_WORDS)}|twenty)[\s-]+(?P<lo>(?:{_WORDS(TENS_WORDS)})"
    rf"(?:[\s-]+(?:{_WORDS(UNIT_WORDS)}))?|{_WORDS(TEENS_WORDS)}|o[\s-]?(?:{_WORDS(UNIT_WORDS)}))"
    rf"|two\s+thousand(?:\s+(?:and\s+)?(?P<lo2>{_WORDS(UNIT_WORDS)}|{_WORDS(TEENS_WORDS)}))?"
)
QUARTER_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}

# Tense: a past-tense verb right next to a date ("on Friday announced", "said Monday") dates
# it in the past even when the clause goes on about the future; modal and plan words, or a
# deadline ("by May", "until March"), lean forward.
PAST_AUXILIARIES = re.compile(r"(?i)\b(?:was|were|had|did|said|told|went|came|made|took)\b")
IRREGULAR_PAST = frozenset(
    {"said", "told", "met", "left", "went", "came", "took", "gave", "made", "held", "began",
     "won", "lost", "saw", "fell", "rose", "sold", "bought", "paid", "sent", "spent", "found",
     "became", "got", "struck", "was", "were", "had", "did", "fled", "flew", "led", "ran",
     "spoke", "wrote", "broke", "chose", "drove", "thought", "brought", "taught", "caught",
     "fought", "stood", "understood", "kept", "felt", "heard", "meant", "quit", "shot"}
)  # fmt: skip
NOT_PAST_ED = frozenset(
    {"need", "needed", "feed", "seed", "speed", "indeed", "hundred", "proceed", "succeed",
     "exceed", "red", "bed", "shed", "wed", "bred", "freed", "agreed", "scheduled", "expected",
     "planned", "proposed", "intended", "supposed", "slated", "set", "due"}
)  # fmt: skip
FORWARD_CUE = re.compile(
    r"(?i)\b(?:would|might|should|can|due\s+to|expects?|hopes?\s+to|intends?\s+to"
    r"|aims?\s+to|slated|as\s+(?:early|soon)\s+as|(?:is|are)\s+to)\b"
)
# A past decision about what is to come ("agreed to sell the mill in January", "was planned for
# March") looks forward for a date after it; "On Friday, it agreed to ..." is the deciding day.
INTENT_CUE = re.compile(
    r"(?i)\b(?:(?:agreed|decided|planned|promised|pledged|vowed|intended)\s+to|planned\s+for)\b"
)
PRESENT_CUE = re.compile(r"(?i)\b(?:is|are|am|opens|runs|lasts|starts|begins)\b")
# Words after a spelled-out number that make it a count ("nineteen twenty-dollar bills").
COUNT_NOUNS = (
    r"dollars?|people|percent|per\s+cent|million|billion|thousand|hundred|times|miles|tons"
    r"|years|months|weeks|days|hours|minutes|points|votes|members"
)
# Holidays of the US calendar by the names news uses (knowledge.temporal.shifts dates them).
HOLIDAYS = {
    r"Thanksgiving(?:\s+Day)?": "thanksgiving",
    r"Christmas\s+Eve": "christmas-eve",
    r"Christmas(?:\s+Day)?": "christmas",
    r"New\s+Year['\u2019]s\s+Eve": "new-years-eve",
    r"New\s+Year['\u2019]s(?:\s+Day)?": "new-years-day",
    r"Election\s+Day": "election-day",
    r"Easter(?:\s+Sunday)?": "easter",
    r"Independence\s+Day|the\s+Fourth\s+of\s+July": "independence-day",
    r"Labor\s+Day": "labor-day",
    r"Memorial\s+Day": "memorial-day",
    r"Veterans['\u2019]?\s+Day": "veterans-day",
    r"Halloween": "halloween",
    r"Valentine['\u2019]s\s+Day": "valentines-day",
}
