"""Finance impact of backorders: revenue that moves between fiscal periods, expedite costs.

A revenue shift is written in the same transaction as the promise change that causes it
(`OrderRepository` calls `record_promise_moves` wherever it writes promise history), so
the two can never disagree. Periods are computed once per distinct date, and the rows are
written with `COPY`/`executemany`: a batch run moving thousands of promises stays cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from backorder.adapters import orm
from backorder.adapters.bulk import insert_rows
from backorder.domain.finance import FiscalCalendar, FiscalPeriod

MANY = 200  # from this many rows on, bulk insert (COPY on PostgreSQL)
_SHIFT_COLUMNS = (
    "line_id",
    "order_id",
    "customer",
    "from_period",
    "to_period",
    "from_promise",
    "to_promise",
    "open_quantity",
    "unit_price",
    "value",
    "at",
    "reason",
)


@dataclass(frozen=True)
class PromiseMove:
    """A line whose promise date moved, with what finance needs to value it."""

    line_id: int
    order_id: str
    customer: str
    open_quantity: int
    unit_price: float
    old_promise: date | None
    new_promise: date | None
    was_promised: bool  # held a promise date at some time before (None -> date is no intake)


@dataclass(frozen=True)
class PeriodTotals:
    """Value shifted into and out of one period."""

    shifted_in: float = 0.0
    shifted_out: float = 0.0
    lines_in: int = 0
    lines_out: int = 0

    @property
    def net(self) -> float:
        """Value gained (positive) or lost by the period."""
        return self.shifted_in - self.shifted_out


@functools.cache
def _shipped_calendar() -> FiscalCalendar:
    # The calendar of the shipped operations policy: what a repository built without one
    # (outside `bootstrap`) uses, as the service context does by default.
    from backorder.policies import default_operations_policy

    return default_operations_policy().finance.calendar()


class FinanceRepository:
    """Revenue shifts and expedite costs on one connection (inside the unit of work)."""

    def __init__(self, connection: Connection, calendar: FiscalCalendar | None = None) -> None:
        self.connection = connection
        self.calendar = calendar or _shipped_calendar()
        self._period_of = functools.lru_cache(maxsize=4096)(self.calendar.period_of)

    def label_of(self, day: date | None) -> str | None:
        """The fiscal period label of a date (None for no date)."""
        return None if day is None else self._period_of(day).label

    def record_promise_moves(
        self, moves: Sequence[PromiseMove], *, now: datetime, reason: str
    ) -> int:
        """Store the value each promise move shifts between periods; returns rows written.

        A move inside one period shifts nothing. A line losing its date shifts its value out
        to no period; one getting a date back shifts it in. The first promise of a new line
        is a booking, not a shift, and is not recorded.
        """
        rows: list[tuple[Any, ...]] = []
        for move in moves:
            if move.old_promise == move.new_promise or move.open_quantity <= 0:
                continue
            if move.old_promise is None and not move.was_promised:
                continue
            before, after = self.label_of(move.old_promise), self.label_of(move.new_promise)
            if before == after:
                continue
            value = round(move.open_quantity * move.unit_price, 2)
            rows.append(
                (
                    move.line_id,
                    move.order_id,
                    move.customer,
                    before,
                    after,
                    move.old_promise,
                    move.new_promise,
                    move.open_quantity,
                    move.unit_price,
                    value,
                    now,
                    reason[:200],
                )
            )
        if len(rows) >= MANY:
            return insert_rows(self.connection, orm.revenue_shifts, _SHIFT_COLUMNS, rows)
        if rows:
            self.connection.execute(
                insert(orm.revenue_shifts),
                [dict(zip(_SHIFT_COLUMNS, r, strict=True)) for r in rows],
            )
        return len(rows)

    def record_expedite_cost(
        self,
        *,
        line_id: int,
        cost: float,
        reason: str,
        approved_by: str,
        at: datetime,
        case_id: str | None = None,
    ) -> int:
        """Store the cost of expediting a line (counted in the fiscal period of `at`)."""
        result = self.connection.execute(
            insert(orm.expedite_costs)
            .values(
                line_id=line_id,
                case_id=case_id,
                cost=cost,
                reason=reason,
                approved_by=approved_by,
                at=at,
                period=self._period_of(at.date()).label,
            )
            .returning(orm.expedite_costs.c.id)
        )
        return int(result.scalar_one())

    def shift_totals(
        self, periods: Sequence[str], *, tier: str | None = None, region: str | None = None
    ) -> dict[str, PeriodTotals]:
        """Value shifted into and out of each period, for customers of a tier/region."""
        shifts, customers = orm.revenue_shifts, orm.customers
        wanted = list(periods)
        found: dict[str, PeriodTotals] = {}
        for column, incoming in ((shifts.c.to_period, True), (shifts.c.from_period, False)):
            query = (
                select(column, func.sum(shifts.c.value), func.count(shifts.c.line_id.distinct()))
                .where(column.in_(wanted))
                .group_by(column)
            )
            if tier is not None or region is not None:
                query = query.join(customers, customers.c.code == shifts.c.customer)
                if tier is not None:
                    query = query.where(customers.c.tier == tier)
                if region is not None:
                    query = query.where(customers.c.region == region)
            for label, value, lines in self.connection.execute(query):
                current = found.get(label, PeriodTotals())
                if incoming:
                    found[label] = replace(current, shifted_in=float(value), lines_in=int(lines))
                else:
                    found[label] = replace(current, shifted_out=float(value), lines_out=int(lines))
        return found

    def expedite_totals(
        self, periods: Sequence[str], *, tier: str | None = None, region: str | None = None
    ) -> dict[str, float]:
        """Expedite cost per period, for lines of customers of a tier/region."""
        costs, lines, customers = orm.expedite_costs, orm.order_lines, orm.customers
        query = (
            select(costs.c.period, func.sum(costs.c.cost))
            .where(costs.c.period.in_(list(periods)))
            .group_by(costs.c.period)
        )
        if tier is not None or region is not None:
            query = query.join(lines, lines.c.line_id == costs.c.line_id).join(
                customers, customers.c.code == lines.c.customer
            )
            if tier is not None:
                query = query.where(customers.c.tier == tier)
            if region is not None:
                query = query.where(customers.c.region == region)
        return {label: float(total) for label, total in self.connection.execute(query)}

    def shifts_of_line(self, line_id: int) -> list[dict[str, Any]]:
        """A line's revenue shifts, oldest first."""
        rows = self.connection.execute(
            select(orm.revenue_shifts)
            .where(orm.revenue_shifts.c.line_id == line_id)
            .order_by(orm.revenue_shifts.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def periods(self, first: str, last: str) -> list[FiscalPeriod]:
        """The periods from label `first` to label `last` (ValueError on a bad label)."""
        return self.calendar.periods(self.calendar.period(first), self.calendar.period(last))
