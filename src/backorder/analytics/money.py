"""Finance KPIs: revenue shifted between fiscal periods, and expedite cost.

- **revenue shifted**: when a promise date moves across a fiscal period boundary the
  line's open value (open units x unit price) leaves the old period and lands in the new
  one; the finance tables record each move as it happens (`revenue_shifts`). For the moves
  recorded in the period, per fiscal period: value shifted in, out, and the net. A line
  losing its date shifts out to no period ("unscheduled").
- **expedite cost**: approved expedite costs recorded in the period, per fiscal period.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from backorder.adapters import orm
from backorder.analytics.exceptions import period_bounds
from backorder.analytics.filters import KpiFilter, lines_in_scope

UNSCHEDULED = "unscheduled"


@dataclass(frozen=True)
class PeriodMoney:
    """Revenue shifted into and out of one fiscal period, and expedite cost booked in it."""

    period: str
    shifted_in: float
    shifted_out: float
    net: float
    lines_in: int
    lines_out: int
    expedite_cost: float


@dataclass(frozen=True)
class MoneyTotals:
    """The period's totals."""

    revenue_shifted: float  # value that moved out of a period (to a later one, or none)
    lines_shifted: int
    expedite_cost: float
    expedites: int


def money_by_period(
    connection: Connection, where: KpiFilter
) -> tuple[list[PeriodMoney], MoneyTotals]:
    """Per fiscal period: revenue shifted in and out, expedite cost; and the totals."""
    shifts, costs = orm.revenue_shifts, orm.expedite_costs
    begin, finish = period_bounds(where)
    scope = lines_in_scope(where)
    shift_where = [shifts.c.at >= begin, shifts.c.at < finish]
    cost_where = [costs.c.at >= begin, costs.c.at < finish]
    if scope is not None:
        shift_where.append(shifts.c.line_id.in_(scope))
        cost_where.append(costs.c.line_id.in_(scope))
    table: dict[str, list[float]] = {}
    for column, slot in ((shifts.c.to_period, 0), (shifts.c.from_period, 1)):
        label = func.coalesce(column, UNSCHEDULED)
        rows = connection.execute(
            select(label, func.sum(shifts.c.value), func.count(shifts.c.line_id.distinct()))
            .where(*shift_where)
            .group_by(label)
        ).all()
        for period, value, lines in rows:
            entry = table.setdefault(period, [0.0, 0.0, 0, 0, 0.0])
            entry[slot] = float(value or 0)
            entry[slot + 2] = int(lines)
    cost_rows = connection.execute(
        select(costs.c.period, func.sum(costs.c.cost), func.count())
        .where(*cost_where)
        .group_by(costs.c.period)
    ).all()
    expedites = 0
    for period, cost, count in cost_rows:
        table.setdefault(period, [0.0, 0.0, 0, 0, 0.0])[4] = float(cost or 0)
        expedites += int(count)
    periods = [
        PeriodMoney(
            period=period,
            shifted_in=round(v[0], 2),
            shifted_out=round(v[1], 2),
            net=round(v[0] - v[1], 2),
            lines_in=int(v[2]),
            lines_out=int(v[3]),
            expedite_cost=round(v[4], 2),
        )
        for period, v in sorted(table.items(), key=lambda kv: (kv[0] == UNSCHEDULED, kv[0]))
    ]
    moved, lines = connection.execute(
        select(func.sum(shifts.c.value), func.count(shifts.c.line_id.distinct())).where(
            *shift_where
        )
    ).one()
    totals = MoneyTotals(
        revenue_shifted=round(float(moved or 0), 2),
        lines_shifted=int(lines or 0),
        expedite_cost=round(sum(p.expedite_cost for p in periods), 2),
        expedites=expedites,
    )
    return periods, totals
