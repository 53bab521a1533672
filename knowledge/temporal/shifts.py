"""Calendar arithmetic on resolved dates: moving a value by some units, finding a nearby day.

Kept apart from the rules so a resolver reads as "which anchor, which direction, how far".
"""

from __future__ import annotations

import datetime as dt

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

from knowledge.temporal.values import (
    RANK,
    TimeValue,
    century_value,
    decade_value,
    parse_value,
    period_containing,
    season_value,
    week_value,
)
from knowledge.temporal.words import SEASON_WORDS


def shift(anchor: TimeValue, unit: str, amount: int, approximate: bool) -> TimeValue:
    """The period `amount` units after (negative: before) the anchor.

    The result is never finer than the anchor: "two weeks after" a year stays in that year,
    "a year after" the second half of 2018 is 2019.
    """
    if "/" in anchor.value:  # a range: "a year later" counts from its end, "earlier" its start
        first, last = (parse_value(part) for part in anchor.value.split("/"))
        anchor = (last if amount > 0 else first) or anchor
    approximate = approximate or anchor.approximate
    unit_granularity = "year" if unit == "decade" else unit
    delta = relativedelta(
        days=amount if unit == "day" else 0,
        weeks=amount if unit == "week" else 0,
        months=amount if unit == "month" else 0,
        years=amount * (10 if unit == "decade" else 1) if unit in ("year", "decade") else 0,
    )
    if unit == "decade":
        return period_containing("decade", anchor.start + delta, approximate=True)
    if RANK[anchor.granularity] <= RANK[unit_granularity]:
        return period_containing(unit_granularity, anchor.start + delta, approximate)
    unit_days = {"day": 1, "week": 7, "month": 30.44, "year": 365.25}[unit]
    anchor_months = {"month": 1, "season": 3, "quarter": 3, "half": 6, "year": 12}
    if anchor.granularity == "week":
        whole = int(abs(amount) * unit_days // 7)
        moved = anchor.start + dt.timedelta(weeks=whole if amount > 0 else -whole)
        return week_value(moved, approximate, weekend=anchor.value.endswith("-WE"))
    months = anchor_months.get(anchor.granularity)
    if anchor.granularity == "century":  # only whole centuries move it
        whole = int(abs(amount) * unit_days // 36525)
        moved = anchor.start + relativedelta(years=100 * whole * (1 if amount > 0 else -1))
        return century_value(moved.year, approximate)
    if months is None:  # a decade anchor: only whole decades move it
        whole = int(abs(amount) * unit_days // 3652.5)
        moved = anchor.start + relativedelta(years=10 * whole * (1 if amount > 0 else -1))
        return decade_value(moved.year, approximate)
    whole = int(abs(amount) * unit_days // (30.44 * months))
    moved = anchor.start + relativedelta(months=months * whole * (1 if amount > 0 else -1))
    return period_containing(anchor.granularity, moved, approximate)


def weekend_near(reference: dt.date, direction: str) -> dt.date:
    """The Saturday of a weekend near the reference date.

    'this', 'last', 'next' follow ISO weeks like "this week" does; 'past' is the latest
    weekend begun by the reference date ("over the weekend" in a Monday paper), 'coming' the
    next one not yet over.
    """
    saturday = reference + dt.timedelta(days=5 - reference.weekday())
    if direction == "last":
        return saturday - dt.timedelta(weeks=1)
    if direction == "next":
        return saturday + dt.timedelta(weeks=1)
    if direction == "past" and reference.weekday() < 5:
        return saturday - dt.timedelta(weeks=1)
    return saturday


def nearest_year(
    reference: dt.date, month: int, day: int, weekday: int | None, lean: str = "past"
) -> dt.date | None:
    """The month-day nearest the reference date, agreeing with a named weekday when given.

    Without a weekday the tense decides: looking ahead ("future"), the next such day; told
    in the past tense ("told-past": "the season ended Jan. 15"), the last one by the reference;
    else the nearer one, a past day counting as half as far (news mostly reports what happened).
    """
    options = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            options.append(dt.date(year, month, day))
        except ValueError:
            continue
    if not options:
        return None
    if weekday is not None and any(o.weekday() == weekday for o in options):
        options = [o for o in options if o.weekday() == weekday]
    elif lean == "future" and any(o >= reference for o in options):
        return min(o for o in options if o >= reference)
    elif lean == "told-past" and any(o <= reference for o in options):
        return max(o for o in options if o <= reference)
    else:
        return min(
            options,
            key=lambda o: (
                (o - reference).days if o > reference else (reference - o).days / 2,
                o > reference,
            ),
        )
    return min(options, key=lambda o: (abs((o - reference).days), o > reference))


def season_from(reference: dt.date, word: str, sign: int) -> TimeValue:
    """This (0), the next (1) or the previous (-1) season of that name around a date."""
    code = SEASON_WORDS[word]
    year = reference.year - (1 if code == "WI" and reference.month < 3 else 0)
    current = season_value(year, code)
    if sign > 0 and current.start <= reference:
        current = season_value(year + 1, code)
    elif sign < 0 and current.end >= reference:
        current = season_value(year - 1, code)
    return current


def holiday_date(holiday: str, year: int) -> dt.date:
    """The day of a named holiday (keys of knowledge.temporal.words.HOLIDAYS) in a year."""
    fixed = {"christmas": (12, 25), "christmas-eve": (12, 24), "new-years-day": (1, 1),
             "new-years-eve": (12, 31), "independence-day": (7, 4), "veterans-day": (11, 11),
             "halloween": (10, 31), "valentines-day": (2, 14)}  # fmt: skip
    if holiday in fixed:
        return dt.date(year, *fixed[holiday])
    if holiday == "easter":
        return easter(year)
    if holiday == "memorial-day":  # the last Monday of May
        return dt.date(year, 5, 31) - dt.timedelta(days=dt.date(year, 5, 31).weekday())
    month, weekday, nth, after = {
        "thanksgiving": (11, 3, 4, 0),  # the fourth Thursday of November
        "labor-day": (9, 0, 1, 0),  # the first Monday of September
        "election-day": (11, 0, 1, 1),  # the Tuesday after the first Monday of November
    }[holiday]
    first = dt.date(year, month, 1)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day + dt.timedelta(days=after)
