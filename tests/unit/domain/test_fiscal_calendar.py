"""Fiscal periods: calendar months and 4-4-5 weeks, labels, fiscal years and quarters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backorder.domain.finance import CalendarKind, FiscalCalendar
from backorder.domain.operations import FinancePolicy

MONTHS = FiscalCalendar()
FOUR_FOUR_FIVE = FiscalCalendar(CalendarKind.FOUR_FOUR_FIVE, 1)


def test_calendar_months_are_labelled_by_month_and_counted_from_the_fiscal_year_start() -> None:
    october = MONTHS.period_of(date(2026, 10, 17))
    assert (october.label, october.starts_on, october.ends_on) == (
        "2026-10",
        date(2026, 10, 1),
        date(2026, 10, 31),
    )
    assert (october.fiscal_year, october.number, october.quarter) == (2026, 10, 4)

    april_start = FiscalCalendar(CalendarKind.MONTH, 4)
    assert april_start.period_of(date(2026, 4, 1)).label == "2026-04"
    # A year starting in April 2026 ends in March 2027: it is FY2027.
    assert (
        april_start.period_of(date(2026, 4, 1)).fiscal_year,
        april_start.period("2026-04").number,
    ) == (2027, 1)
    march = april_start.period("2027-03")
    assert (march.fiscal_year, march.number, march.quarter) == (2027, 12, 4)
    assert MONTHS.period("2024-02").ends_on == date(2024, 2, 29)


def test_445_years_start_on_the_monday_nearest_the_start_month_and_cut_4_4_5() -> None:
    first = FOUR_FOUR_FIVE.period("FY2027-P01")
    # 1 January 2027 is a Friday: the nearest Monday is 4 January 2027.
    assert first.starts_on == date(2027, 1, 4)
    weeks = [
        ((p.ends_on - p.starts_on).days + 1) // 7
        for p in (FOUR_FOUR_FIVE.period(f"FY2027-P{n:02d}") for n in range(1, 13))
    ]
    assert weeks == [4, 4, 5] * 4
    assert FOUR_FOUR_FIVE.period("FY2027-P03").quarter == 1
    assert FOUR_FOUR_FIVE.period("FY2027-P04").quarter == 2
    # 1 January 2026 is a Thursday: the year goes back to Monday 29 December 2025.
    assert FOUR_FOUR_FIVE.period("FY2026-P01").starts_on == date(2025, 12, 29)
    assert FOUR_FOUR_FIVE.period_of(date(2025, 12, 30)).label == "FY2026-P01"


def test_a_53_week_year_gives_its_extra_week_to_the_last_period() -> None:
    fy2026 = [FOUR_FOUR_FIVE.period(f"FY2026-P{n:02d}") for n in range(1, 13)]
    total_days = (fy2026[-1].ends_on - fy2026[0].starts_on).days + 1
    assert total_days == 53 * 7  # 29 Dec 2025 .. 3 Jan 2027
    assert ((fy2026[-1].ends_on - fy2026[-1].starts_on).days + 1) // 7 == 6
    assert FOUR_FOUR_FIVE.following(fy2026[-1]).label == "FY2027-P01"


@pytest.mark.parametrize(
    "calendar",
    [
        MONTHS,
        FiscalCalendar(CalendarKind.MONTH, 7),
        FOUR_FOUR_FIVE,
        FiscalCalendar(CalendarKind.FOUR_FOUR_FIVE, 4),
    ],
)
def test_every_day_falls_in_exactly_the_period_its_label_names(calendar: FiscalCalendar) -> None:
    day, end = date(2025, 1, 1), date(2028, 12, 31)
    previous = None
    while day <= end:
        period = calendar.period_of(day)
        assert period.starts_on <= day <= period.ends_on
        assert calendar.period(period.label) == period
        if previous is not None and previous != period:
            assert period.starts_on == previous.ends_on + timedelta(days=1)
            assert period == calendar.following(previous)
        previous = period
        day += timedelta(days=1)


def test_ranges_and_bad_labels() -> None:
    assert [
        p.label for p in MONTHS.periods(MONTHS.period("2026-11"), MONTHS.period("2027-02"))
    ] == [
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
    ]
    assert MONTHS.periods(MONTHS.period("2027-02"), MONTHS.period("2026-11")) == []
    for bad in ("2026-13", "2026-00", "26-10", "FY2027-P01", ""):
        with pytest.raises(ValueError, match="period"):
            MONTHS.period(bad)
    with pytest.raises(ValueError, match="FYYYYY-PNN"):
        FOUR_FOUR_FIVE.period("2026-10")
    with pytest.raises(ValueError, match="start_month"):
        FiscalCalendar(CalendarKind.MONTH, 13)


def test_the_policy_section_reads_445_written_as_a_number() -> None:
    policy = FinancePolicy.model_validate({"fiscal_calendar": 445, "fiscal_year_start_month": 4})
    assert policy.calendar() == FiscalCalendar(CalendarKind.FOUR_FOUR_FIVE, 4)
    assert FinancePolicy().calendar() == MONTHS
