"""Calendar arithmetic for date windows: weeks, parts of months, business days.

The windows are the convention documented in `dates.py`: early week = Mon-Tue, mid = Wed,
end = Thu-Fri; early month = 1-10, mid = 11-20, late/end = 21-last.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_DAY = dt.timedelta(days=1)
_WEEK_OF_MONTH = {"fi": 0, "1s": 0, "se": 1, "2n": 1, "th": 2, "3r": 2, "fo": 3, "4t": 3}


def monday_of(day: dt.date) -> dt.date:
    """Monday of the ISO week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def last_of_month(year: int, month: int) -> dt.date:
    """Last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_business_days(day: dt.date, count: int) -> dt.date:
    """`count` working days (Mon-Fri) after `day`; public holidays are not known here."""
    while count > 0:
        day += _DAY
        if day.weekday() < 5:
            count -= 1
    return day


def week_window(week_start: dt.date, part: str | None) -> tuple[dt.date, dt.date]:
    """Working days of a week, or of its early / mid / end part."""
    key = (part or "").lower().split()[0] if part else ""
    if key in ("early", "beginning", "start"):
        return week_start, week_start + _DAY
    if key in ("mid", "middle"):
        return week_start + 2 * _DAY, week_start + 2 * _DAY
    if key in ("end", "the", "late", "latter"):
        return week_start + 3 * _DAY, week_start + 4 * _DAY
    return week_start, week_start + 4 * _DAY


def month_window(year: int, month: int, part: str | None) -> tuple[dt.date, dt.date, bool]:
    """Window of a month part; the flag is False when the whole month is meant."""
    last = last_of_month(year, month)
    key = re.sub(r"\s+", " ", (part or "").lower())
    first = dt.date(year, month, 1)
    if not key:
        return first, last, False
    if "week of" in key:
        if key.startswith("last"):
            return last - 6 * _DAY, last, True
        start = first + dt.timedelta(days=7 * _WEEK_OF_MONTH[key[:2]])
        return start, start + 6 * _DAY, True
    if "half" in key:
        if key.startswith(("first", "1st")):
            return first, dt.date(year, month, 15), True
        return dt.date(year, month, 16), last, True
    if key.startswith(("early", "beginning", "start")):
        return first, dt.date(year, month, 10), True
    if key.startswith(("mid", "middle")):
        return dt.date(year, month, 11), dt.date(year, month, 20), True
    return dt.date(year, month, 21), last, True
