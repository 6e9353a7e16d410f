"""Fiscal calendars: which fiscal period a date falls in, by label and by range.

Two calendars are supported. *Calendar months* label periods `YYYY-MM` (the calendar
month); the fiscal year start only decides fiscal year and quarter. *4-4-5* periods are
whole weeks: a fiscal year begins on the Monday nearest the first day of its start month,
so it has 52 or 53 weeks; each quarter has periods of 4, 4 and 5 weeks, and a 53rd week
goes to the last period. They are labelled `FY<year>-P<nn>`, the fiscal year named after
the calendar year in which it ends (a year starting in April 2026 is FY2027).
"""

from __future__ import annotations

import calendar
import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTH_LABEL = re.compile(r"^(\d{4})-(\d{2})$")
_445_LABEL = re.compile(r"^FY(\d{4})-P(\d{2})$")
_445_WEEKS = (4, 4, 5) * 4


class CalendarKind(enum.StrEnum):
    """How a fiscal year is cut into periods."""

    MONTH = "month"
    FOUR_FOUR_FIVE = "445"


@dataclass(frozen=True, order=True)
class FiscalPeriod:
    """One fiscal period: its label, first and last day, fiscal year and quarter."""

    starts_on: date
    ends_on: date  # the last day, inclusive
    label: str
    fiscal_year: int
    number: int  # 1..12 within the fiscal year

    @property
    def quarter(self) -> int:
        """Fiscal quarter, 1..4."""
        return (self.number - 1) // 3 + 1


@dataclass(frozen=True)
class FiscalCalendar:
    """A fiscal calendar: calendar months or 4-4-5 weeks, from a start month."""

    kind: CalendarKind = CalendarKind.MONTH
    start_month: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CalendarKind(self.kind))  # accepts "month"/"445"
        if not 1 <= self.start_month <= 12:
            raise ValueError("start_month must be 1..12")

    @property
    def label_format(self) -> str:
        """How labels of this calendar look (for messages)."""
        return "YYYY-MM" if self.kind is CalendarKind.MONTH else "FYYYYY-PNN"

    def period_of(self, day: date) -> FiscalPeriod:
        """The period `day` falls in."""
        if self.kind is CalendarKind.MONTH:
            return self._month(day.year, day.month)
        year = day.year if self.start_month == 1 else day.year + 1
        while day < self._year_start(year):
            year -= 1
        while day >= self._year_start(year + 1):
            year += 1
        weeks = (day - self._year_start(year)).days // 7
        for number, length in enumerate(self._weeks(year), start=1):
            if weeks < length:
                return self._445(year, number)
            weeks -= length
        raise AssertionError("a day always falls in one of twelve periods")

    def period(self, label: str) -> FiscalPeriod:
        """The period with this label; ValueError when the calendar has none such."""
        pattern = _MONTH_LABEL if self.kind is CalendarKind.MONTH else _445_LABEL
        found = pattern.match(label.strip())
        if found is None:
            raise ValueError(f"{label!r} is not a period label of the form {self.label_format}")
        year, number = int(found.group(1)), int(found.group(2))
        if not 1 <= number <= 12 or year < 1900:
            raise ValueError(f"{label!r} is not a period label of the form {self.label_format}")
        if self.kind is CalendarKind.MONTH:
            return self._month(year, number)
        return self._445(year, number)

    def following(self, period: FiscalPeriod) -> FiscalPeriod:
        """The period after `period`."""
        return self.period_of(period.ends_on + timedelta(days=1))

    def periods(self, first: FiscalPeriod, last: FiscalPeriod) -> list[FiscalPeriod]:
        """Every period from `first` to `last`, both included (empty when reversed)."""
        found: list[FiscalPeriod] = []
        current = first
        while current.starts_on <= last.starts_on:
            found.append(current)
            current = self.following(current)
        return found

    def _month(self, year: int, month: int) -> FiscalPeriod:
        number = (month - self.start_month) % 12 + 1
        fiscal_year = year if self.start_month == 1 or month < self.start_month else year + 1
        last = calendar.monthrange(year, month)[1]
        return FiscalPeriod(
            starts_on=date(year, month, 1),
            ends_on=date(year, month, last),
            label=f"{year:04d}-{month:02d}",
            fiscal_year=fiscal_year,
            number=number,
        )

    def _year_start(self, fiscal_year: int) -> date:
        """The Monday nearest the first day of the start month (Thursday goes back)."""
        anchor_year = fiscal_year if self.start_month == 1 else fiscal_year - 1
        anchor = date(anchor_year, self.start_month, 1)
        back = anchor.weekday()
        return anchor - timedelta(days=back) if back <= 3 else anchor + timedelta(days=7 - back)

    def _weeks(self, fiscal_year: int) -> tuple[int, ...]:
        total = (self._year_start(fiscal_year + 1) - self._year_start(fiscal_year)).days // 7
        # 52 weeks fill the pattern; a 53rd week lengthens the last period.
        return (*_445_WEEKS[:-1], _445_WEEKS[-1] + total - 52)

    def _445(self, fiscal_year: int, number: int) -> FiscalPeriod:
        weeks = self._weeks(fiscal_year)
        start = self._year_start(fiscal_year) + timedelta(weeks=sum(weeks[: number - 1]))
        return FiscalPeriod(
            starts_on=start,
            ends_on=start + timedelta(weeks=weeks[number - 1], days=-1),
            label=f"FY{fiscal_year:04d}-P{number:02d}",
            fiscal_year=fiscal_year,
            number=number,
        )
