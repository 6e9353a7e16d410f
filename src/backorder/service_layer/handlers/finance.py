"""Finance impact of backorders: revenue shifted between fiscal periods, expedite costs.

The shifts themselves are written by the order repository with every promise change (see
`adapters.repositories.finance`); this module answers finance's question: per fiscal
period, how much order value moved in, how much moved out, the net, and what expediting
cost, for all customers or one tier/region.
"""

from __future__ import annotations

from dataclasses import dataclass

from backorder.adapters.repositories.finance import PeriodTotals
from backorder.domain.finance import CalendarKind, FiscalCalendar, FiscalPeriod
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError

MAX_PERIODS = 60  # five years of months: enough for any report, bounded for the database


@dataclass(frozen=True)
class PeriodImpact:
    """Revenue shifted into and out of one period, and its expedite cost."""

    period: FiscalPeriod
    shifts: PeriodTotals
    expedite_cost: float


@dataclass(frozen=True)
class RevenueShiftReport:
    """Impact per period of a range, with totals over the range."""

    calendar: CalendarKind
    fiscal_year_start_month: int
    periods: tuple[PeriodImpact, ...]
    tier: str | None
    region: str | None

    @property
    def shifted_in(self) -> float:
        """Value moved into the range's periods (from anywhere, including inside it)."""
        return sum(p.shifts.shifted_in for p in self.periods)

    @property
    def shifted_out(self) -> float:
        """Value moved out of the range's periods."""
        return sum(p.shifts.shifted_out for p in self.periods)

    @property
    def expedite_cost(self) -> float:
        """Expedite cost over the range."""
        return sum(p.expedite_cost for p in self.periods)


def revenue_shift(
    ctx: ServiceContext,
    *,
    period: str | None = None,
    first: str | None = None,
    last: str | None = None,
    tier: str | None = None,
    region: str | None = None,
) -> RevenueShiftReport:
    """Revenue shift and expedite cost of one period (`period`) or a range (`first`..`last`)."""
    calendar = ctx.operations.finance.calendar()
    if period is not None:
        if first is not None or last is not None:
            raise InvalidInputError("period", "give either period, or from and to, not both")
        first = last = period
    elif first is None or last is None:
        raise InvalidInputError(
            "period" if first is None and last is None else ("to" if last is None else "from"),
            "give a period, or both from and to",
        )
    start = _parse(calendar, first, "period" if period else "from")
    end = _parse(calendar, last, "period" if period else "to")
    if end.starts_on < start.starts_on:
        raise InvalidInputError("to", f"{last} is before {first}")
    periods = calendar.periods(start, end)
    if len(periods) > MAX_PERIODS:
        raise InvalidInputError("to", f"at most {MAX_PERIODS} periods at once")
    labels = [p.label for p in periods]
    with ctx.reader() as uow:
        shifts = uow.finance.shift_totals(labels, tier=tier, region=region)
        costs = uow.finance.expedite_totals(labels, tier=tier, region=region)
    return RevenueShiftReport(
        calendar=calendar.kind,
        fiscal_year_start_month=calendar.start_month,
        periods=tuple(
            PeriodImpact(p, shifts.get(p.label, PeriodTotals()), costs.get(p.label, 0.0))
            for p in periods
        ),
        tier=tier,
        region=region,
    )


def _parse(calendar: FiscalCalendar, label: str, field: str) -> FiscalPeriod:
    try:
        return calendar.period(label)
    except ValueError as error:
        raise InvalidInputError(field, str(error)) from None
