"""Date phrases to dates, relative to the message date.

A phrase resolves to a window (earliest, latest); the commitment date is the latest day
the phrase allows, because that is the day a supplier can be held to ("end of next week"
is Friday of next week, "early January" is January 10). Windows used for vague parts:

    week:   early = Mon-Tue, mid = Wed, end/late = Thu-Fri, whole week = Mon-Fri
    month:  early = 1-10, mid = 11-20, late/end = 21-last, first half = 1-15, ...

`dateparser` (PREFER_DATES_FROM='future', RELATIVE_BASE=message date) resolves absolute
dates written with month names, weekdays, "tomorrow" and "in 10 days"; the rules here
cover what it does not: week numbers, parts of weeks and months, EOM, business days and
numeric dates (whose day/month order is read from the whole message).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

import dateparser

from backorder.risk.extraction.calendar_windows import (
    add_business_days,
    last_of_month,
    monday_of,
    month_window,
    week_window,
)
from backorder.risk.extraction.date_grammar import MONTHS, NUMBER_WORDS, WEEKDAYS, DateSpan
from backorder.risk.extraction.model import DatePrecision

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DateContext:
    """What a phrase is resolved against."""

    base: dt.datetime
    day_first: bool = False  # numeric dates: 05/12 is 5 December
    order_known: bool = False  # the message itself shows which order it uses


@dataclass(frozen=True)
class DateResolution:
    """A resolved phrase: its window, its precision and how sure the reading is."""

    earliest: dt.date
    latest: dt.date
    precision: DatePrecision
    factor: float = 1.0  # multiplies the commitment confidence
    notes: tuple[str, ...] = field(default=())


def infer_day_first(spans: list[DateSpan]) -> tuple[bool, bool]:
    """Read the numeric date order from all numeric dates of a message: (day_first, known)."""
    day_first = month_first = False
    for span in spans:
        if span.rule != "numeric":
            continue
        a, b = int(span.groups["a"] or 0), int(span.groups["b"] or 0)
        if span.groups["sep"] == "." or a > 12 >= b:
            day_first = True
        elif b > 12 >= a:
            month_first = True
    if day_first != month_first:
        return day_first, True
    return False, False


def _number(word: str | None) -> int | None:
    if word is None:
        return None
    word = re.sub(r"\s+", " ", word.strip().lower())
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def _weekday_index(word: str) -> int:
    return WEEKDAYS[word.lower()[:3]]


@lru_cache(maxsize=4096)
def _dateparser(phrase: str, base: dt.date, past: bool) -> dt.date | None:
    settings = {
        "PREFER_DATES_FROM": "past" if past else "future",
        "RELATIVE_BASE": dt.datetime.combine(base, dt.time(12, 0)),
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(phrase, languages=["en"], settings=settings)
    return parsed.date() if parsed is not None else None


def _month_and_year(name: str, year: str | None, base: dt.date) -> tuple[int, int]:
    month = MONTHS[name.lower().rstrip(".")]
    if year:
        return int(year), month
    return (base.year if month >= base.month else base.year + 1), month


def _from_numeric(span: DateSpan, ctx: DateContext) -> DateResolution | None:
    groups = span.groups
    a, b = int(groups["a"] or 0), int(groups["b"] or 0)
    day_first = groups["sep"] == "." or a > 12 or (b <= 12 and ctx.day_first)
    day, month = (a, b) if day_first else (b, a)
    notes: list[str] = []
    factor = 1.0
    if a <= 12 and b <= 12 and a != b and groups["sep"] != "." and not ctx.order_known:
        factor, notes = 0.7, [f"'{span.text}' could be read day-first or month-first"]
    base = ctx.base.date()
    year_text = groups["y"]
    year = int(year_text) + (2000 if len(year_text) == 2 else 0) if year_text else base.year
    try:
        day_date = dt.date(year, month, day)
    except ValueError:
        return None
    if not year_text and day_date < base - dt.timedelta(days=60):
        day_date = day_date.replace(year=year + 1)
    return DateResolution(day_date, day_date, DatePrecision.DAY, factor, tuple(notes))


def _week_number(span: DateSpan, base: dt.date) -> DateResolution | None:
    groups = span.groups
    week = int(groups["w"] or 0)
    tail = groups.get("w2")
    last_week, year = week, None
    if tail:
        if len(tail) == 2 and int(tail) == week + 1:
            last_week = week + 1  # "week 48/49"
        else:
            year = int(tail) + (2000 if len(tail) == 2 else 0)
    if year is None:
        year = base.year
        if dt.date.fromisocalendar(year, min(week, 52), 5) < base - dt.timedelta(days=14):
            year += 1  # "KW 2" written in December is next January
    try:
        first_monday = dt.date.fromisocalendar(year, week, 1)
        last_monday = dt.date.fromisocalendar(year, last_week, 1)
    except ValueError:
        return None
    earliest, _ = week_window(first_monday, groups.get("part"))
    _, latest = week_window(last_monday, groups.get("part"))
    return DateResolution(earliest, latest, DatePrecision.WEEK)


def _duration(span: DateSpan, base: dt.date) -> DateResolution | None:
    groups = span.groups
    low, high = _number(groups["n"]), _number(groups.get("n2"))
    if low is None:
        return None  # "a few days": vague
    high = high if high is not None and high >= low else low
    unit = (groups["unit"] or "").lower()
    business = bool(groups.get("biz")) and "calendar" not in (groups.get("biz") or "").lower()
    within = (groups.get("prep") or "").lower().startswith(("within", "inside"))
    notes: tuple[str, ...] = ()
    factor = 1.0
    if high != low:
        factor, notes = 0.9, (f"a range: {span.text}",)
    if business and not unit.startswith("month"):
        per = 5 if unit.startswith("w") else 1  # a working week has five working days
        start, end = add_business_days(base, low * per), add_business_days(base, high * per)
    else:
        noun = (
            "months" if unit.startswith("month") else ("weeks" if unit.startswith("w") else "days")
        )
        first = _dateparser(f"in {low} {noun}", base, False)
        last = _dateparser(f"in {high} {noun}", base, False)
        if first is None or last is None:
            return None
        start, end = first, last
    if unit.startswith("month"):
        return DateResolution(base if within else start, end, DatePrecision.WEEK, 0.9, notes)
    precision = DatePrecision.DAY if high == low else DatePrecision.DAYS
    return DateResolution(base if within else start, end, precision, factor, notes)


def _weekday(span: DateSpan, ctx: DateContext, past: bool) -> DateResolution | None:
    groups = span.groups
    base = ctx.base.date()
    index = _weekday_index(groups["wd"] or "")
    week_word = (groups.get("wk") or "").lower()
    if week_word:
        monday = monday_of(base) + dt.timedelta(days=0 if week_word == "this" else 7)
        day = monday + dt.timedelta(days=index)
        return DateResolution(day, day, DatePrecision.DAY)
    rel = (groups.get("rel") or "").lower()
    day_or_none = _dateparser(f"{rel} {groups['wd']}".strip(), base, past)
    if day_or_none is None:
        return None
    day = day_or_none
    if past and day > base:
        day -= dt.timedelta(days=7)
    notes: tuple[str, ...] = ()
    factor = 1.0
    if rel == "next" and monday_of(day) == monday_of(base):
        factor, notes = 0.75, (f"'{span.text}' may mean this week or next week",)
    elif not past and day.weekday() == base.weekday():
        factor, notes = 0.85, (f"'{span.text}' written on a {span.text.strip()}",)
    return DateResolution(day, day, DatePrecision.DAY, factor, notes)


def _absolute(span: DateSpan, ctx: DateContext, past: bool) -> DateResolution | None:
    groups = span.groups
    base = ctx.base.date()
    if span.rule == "iso":
        try:
            day = dt.date(int(groups["y"] or 0), int(groups["m"] or 0), int(groups["d"] or 0))
        except ValueError:
            return None
        return DateResolution(day, day, DatePrecision.DAY)
    if span.rule == "numeric":
        numeric = _from_numeric(span, ctx)
        weekday = groups.get("wd")
        if numeric is not None and weekday and _weekday_index(weekday) != numeric.latest.weekday():
            note = f"'{weekday}' is not the weekday of {numeric.latest.isoformat()}"
            return replace(numeric, factor=numeric.factor * 0.6, notes=(*numeric.notes, note))
        return numeric
    month_name = groups["mon"] or ""
    phrase = f"{groups['d']} {month_name.rstrip('.')} {groups['y'] or ''}".strip()
    parsed = _dateparser(phrase, base, past)
    if parsed is None:
        return None
    notes: list[str] = []
    factor = 1.0
    if not groups["y"] and not past and parsed > base + dt.timedelta(days=300):
        # A day-month just before the message date is a past date, not one next year.
        parsed = parsed.replace(year=parsed.year - 1)
    if groups.get("wd") and _weekday_index(groups["wd"] or "") != parsed.weekday():
        factor = 0.6
        notes.append(f"'{groups['wd']}' is not the weekday of {parsed.isoformat()}")
    return DateResolution(parsed, parsed, DatePrecision.DAY, factor, tuple(notes))


def _range(span: DateSpan, base: dt.date, past: bool) -> DateResolution | None:
    groups = span.groups
    month_name = (groups["mon"] or "").rstrip(".")
    year = groups["y"] or ""
    first = _dateparser(f"{groups['d']} {month_name} {year}".strip(), base, past)
    last = _dateparser(f"{groups['d2']} {month_name} {year}".strip(), base, past)
    if first is None or last is None or last < first:
        return None
    return DateResolution(first, last, DatePrecision.DAYS)


def _relative_week(span: DateSpan, base: dt.date) -> DateResolution:
    groups = span.groups
    if span.rule == "week_after_next":
        monday = monday_of(base) + dt.timedelta(days=14)
        return DateResolution(monday, monday + dt.timedelta(days=4), DatePrecision.WEEK)
    which = (groups.get("which") or "this").lower()
    part = (groups.get("part") or "").lower()
    monday = monday_of(base) + dt.timedelta(days=0 if which in ("this", "the") else 7)
    earliest, latest = week_window(monday, part or None)
    if part == "later":
        earliest = base + _DAY
    earliest = max(earliest, min(base, latest))
    return DateResolution(earliest, max(latest, base), DatePrecision.WEEK)


def _month_part(span: DateSpan, base: dt.date) -> DateResolution:
    groups = span.groups
    if span.rule == "year_end":
        return DateResolution(
            dt.date(base.year, 12, 1), dt.date(base.year, 12, 31), DatePrecision.PART_OF_MONTH
        )
    if span.rule == "month_end":
        word = span.text.lower()
        part = "mid" if "mid" in word else ("early" if word.startswith(("beg", "start")) else "end")
        year, month = base.year, base.month
    elif groups.get("mon"):
        year, month = _month_and_year(groups["mon"] or "", groups.get("y"), base)
        part = groups.get("part") or ""
    else:
        year, month = base.year, base.month
        if (groups.get("rel") or "").lower() in ("next", "the following", "coming"):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        part = groups.get("part") or ""
    earliest, latest, narrowed = month_window(year, month, part)
    if part.lower() == "later":
        earliest, latest, narrowed = base + _DAY, last_of_month(year, month), True
    if not narrowed:
        return DateResolution(
            max(earliest, base), latest, DatePrecision.MONTH, 0.7, (f"only a month: {span.text}",)
        )
    return DateResolution(max(earliest, min(base, latest)), latest, DatePrecision.PART_OF_MONTH)


def _ordinal_day(span: DateSpan, base: dt.date) -> DateResolution | None:
    """The next such day of a month ("the 17th", "Tuesday 18th"), checked against the weekday."""
    day_number = int(span.groups["d"] or 0)
    weekday = span.groups.get("wd")
    year, month = base.year, base.month
    for _ in range(3):
        try:
            day = dt.date(year, month, day_number)
        except ValueError:
            day = None
        if day is not None and day >= base:
            if weekday and _weekday_index(weekday) != day.weekday():
                return DateResolution(
                    day, day, DatePrecision.DAY, 0.6, (f"'{span.text}' names another weekday",)
                )
            return DateResolution(day, day, DatePrecision.DAY, 0.9, ("month not written",))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _widen_to_week(res: DateResolution) -> DateResolution:
    monday = monday_of(res.latest)
    return DateResolution(
        monday, monday + dt.timedelta(days=4), DatePrecision.WEEK, res.factor, res.notes
    )


def resolve(span: DateSpan, ctx: DateContext, past: bool = False) -> DateResolution | None:
    """Resolve a date phrase; None when it names no date ("soon") or cannot be read."""
    base = ctx.base.date()
    rule = span.rule
    res: DateResolution | None
    if rule == "vague":
        return None
    if rule in ("iso", "numeric", "month_day", "day_month"):
        res = _absolute(span, ctx, past)
        if res is not None and span.week_of:
            res = _widen_to_week(res)
    elif rule in ("month_day_range", "day_month_range"):
        res = _range(span, base, past)
    elif rule in ("weekday", "week_weekday"):
        res = _weekday(span, ctx, past)
    elif rule == "relative_day":
        word = " ".join((span.groups["word"] or "").lower().split())
        if word.startswith(("tmr", "tom")):
            word = "tomorrow" if "after" not in word else word
        if word in ("tomorrow", "yesterday", "day after tomorrow", "the day after tomorrow"):
            day = _dateparser(word, base, False) or base
        else:
            day = base  # today, tonight, end of day, COB, immediately, ready now
        res = DateResolution(day, day, DatePrecision.DAY)
    elif rule in ("duration", "duration_from_now"):
        res = _duration(span, base)
    elif rule in ("week_rel", "week_after_next"):
        res = _relative_week(span, base)
    elif rule == "week_number":
        res = _week_number(span, base)
    elif rule in ("month_part", "month_end", "year_end"):
        res = _month_part(span, base)
    elif rule in ("ordinal_day", "weekday_ordinal"):
        res = _ordinal_day(span, base)
    else:  # pragma: no cover - every grammar rule is handled above
        raise ValueError(f"unknown date rule {rule}")
    if res is None:
        return None
    if res.latest < base and not past:
        return DateResolution(
            res.earliest,
            res.latest,
            res.precision,
            res.factor * 0.5,
            (*res.notes, f"{res.latest.isoformat()} is before the message date"),
        )
    return res
