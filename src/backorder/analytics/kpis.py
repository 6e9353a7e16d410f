"""Fill rates of order lines, computed in SQL over the database.

A line is *due* in a period when its requested date falls in it and it was not cancelled.

- **line fill rate** (eventual, on time in full): due lines whose whole quantity shipped on
  or before the requested date / due lines;
- **unit fill rate**: units of due lines shipped on or before the requested date (at most
  the line's quantity) / units ordered on due lines;
- **order fill rate**: orders whose lines due in the period all shipped on time in full /
  orders with lines due in the period (an order with lines due in two periods counts in
  each, for its lines due there);
- **first-pass fill rates**: the same ratios for lines *promised in full by the requested
  date at order intake* (the promise the intake decision wrote is on or before the
  requested date): lines, their units, and orders all of whose lines were;
- **promise-date accuracy**: of the due lines that have shipped complete, those that left
  on or before the date *first* committed to the customer, and on or before the *latest*
  one. A line's promise is when its units are ready, often before the customer wants
  them; the commitment is the later of the promise and the requested date, so a line
  shipped by its requested date kept both. A line never promised and shipped late missed.

Units shipped on time are the line's shipped units minus those shipped after the
requested date (see `analytics.linefacts`): one pass over the due lines computes all of
the above. Backlog, fill-rate risk and short items are in `analytics.backlog`;
this module keeps the names the demo report has always imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, literal, select, union_all

from backorder.adapters import orm
from backorder.analytics.backlog import (
    AGE_BUCKETS,
    BacklogBucket,
    FillRateRisk,
    PromiseAccuracy,
    ShortItem,
    backlog,
    fill_rate_risk,
    short_items,
)
from backorder.analytics.filters import KpiFilter, line_conditions
from backorder.analytics.linefacts import (
    INTAKE_REASON,
    first_promise,
    intake_promise,
    late_shipments,
)
from backorder.analytics.sql import least, materialized, ratio

__all__ = [
    "AGE_BUCKETS",
    "INTAKE_REASON",
    "BacklogBucket",
    "FillRateRisk",
    "FillRates",
    "PromiseAccuracy",
    "ServiceLevel",
    "ShortItem",
    "WeeklyFill",
    "backlog",
    "fill_rate_risk",
    "fill_rates",
    "service_levels",
    "short_items",
]


@dataclass(frozen=True)
class FillRates:
    """On-time-in-full rates of lines, units and orders due in a period."""

    due_lines: int
    line_fill_rate: float
    unit_fill_rate: float
    order_fill_rate: float


@dataclass(frozen=True)
class ServiceLevel:
    """Eventual (on time in full) and first-pass fill rates of a period (None: nothing due)."""

    due_lines: int
    due_units: int
    due_orders: int
    line_fill_rate: float | None
    unit_fill_rate: float | None
    order_fill_rate: float | None
    first_pass_line_fill_rate: float | None
    first_pass_unit_fill_rate: float | None
    first_pass_order_fill_rate: float | None


@dataclass(frozen=True)
class WeeklyFill:
    """Fill rates of the lines requested in one week (starting Monday)."""

    week: str
    due_lines: int
    line_fill_rate: float | None
    unit_fill_rate: float | None
    first_pass_line_fill_rate: float | None


def _due_lines(
    connection: Connection, where: KpiFilter, start: date, conditions: Sequence[Any]
) -> Any:
    """Per due line (requested from `start` to the filter's end): what the KPIs count."""
    lines = orm.order_lines
    late, on_late = late_shipments(lines)
    promised = intake_promise(lines)
    requested = lines.c.requested_date
    late_day = late.c.last_day
    on_time = least(
        connection, lines.c.shipped_quantity - func.coalesce(late.c.units, 0), lines.c.quantity
    )
    shipped = lines.c.status == "shipped"

    def kept(promise: Any) -> Any:
        # Shipped complete, nothing after the requested date (every commitment is at least
        # that), or the last late shipment by the promise. Since that shipment was after
        # the requested date, "by the later of promise and request" is "by the promise";
        # no promise (NULL) is a miss. Only late lines reach the look-up.
        return case((~shipped, 0), (late_day.is_(None), 1), (late_day <= promise, 1), else_=0)

    query = select(
        lines.c.order_id,
        lines.c.quantity,
        requested.label("day"),
        on_time.label("on_time_units"),
        case((on_time >= lines.c.quantity, 1), else_=0).label("in_full"),
        case((promised.value <= requested, 1), else_=0).label("first_pass"),
        case((shipped, 1), else_=0).label("complete"),
        kept(first_promise(lines)).label("kept_first"),
        kept(lines.c.promise_date).label("kept_latest"),
    ).select_from(lines.outerjoin(late, on_late))
    # One CTE, computed once (it is read twice): each correlated look-up runs once per line,
    # and the lines are written to a temporary table once, not once more as raw facts.
    return materialized(
        promised.join_into(query).where(
            requested >= start,
            requested <= where.end,
            lines.c.status != "cancelled",
            *conditions,
        ),
        "due_lines",
        connection,
    )


def _rate_rows(
    connection: Connection, where: KpiFilter, start: date, conditions: Sequence[Any]
) -> list[Any]:
    """One statement: (kind, current, day, counts...) per period flag and requested day for
    lines, and per period flag for orders."""
    due = _due_lines(connection, where, start, conditions)
    sums = ("n", "a", "b", "c", "d", "e", "f", "g", "h")
    # Grouped by the day, not its week: a few dozen groups either way, and the week is
    # worked out per group in Python instead of per line in SQL. The day alone is the key
    # (a smaller sort); the period flag follows from it.
    line_rows = select(
        literal("line").label("kind"),
        (due.c.day >= where.start).label("current"),
        due.c.day,
        func.count().label("n"),
        func.sum(due.c.quantity).label("a"),
        func.sum(due.c.on_time_units).label("b"),
        func.sum(due.c.in_full).label("c"),
        func.sum(due.c.first_pass).label("d"),
        func.sum(due.c.first_pass * due.c.quantity).label("e"),
        func.sum(due.c.complete).label("f"),
        func.sum(due.c.kept_first).label("g"),
        func.sum(due.c.kept_latest).label("h"),
    ).group_by(due.c.day)
    # Grouped by period as well: an order with lines due in both periods counts in each,
    # for the lines it had due there.
    current = (due.c.day >= where.start).label("current")
    per_order = (
        select(
            current,
            func.sum(1 - due.c.in_full).label("late_lines"),
            func.sum(1 - due.c.first_pass).label("short_lines"),
        )
        .group_by(due.c.order_id, current)
        .subquery()
    )
    order_rows = select(
        literal("order"),
        per_order.c.current,
        literal(None).label("day"),
        func.count(),
        func.sum(case((per_order.c.late_lines == 0, 1), else_=0)),
        func.sum(case((per_order.c.short_lines == 0, 1), else_=0)),
        *(literal(0) for _ in sums[3:]),
    ).group_by(per_order.c.current)
    return list(connection.execute(union_all(line_rows, order_rows)).all())


def monday(day: Any) -> str:
    """The Monday of a day's ISO week as `YYYY-MM-DD` (a date on PostgreSQL, text on SQLite)."""
    found = date.fromisoformat(str(day)[:10])
    return (found - timedelta(days=found.weekday())).isoformat()


def service_levels(
    connection: Connection, where: KpiFilter, *, with_previous: bool = False
) -> tuple[ServiceLevel, ServiceLevel | None, list[WeeklyFill], PromiseAccuracy]:
    """Fill rates of the period (and the one before, if asked), week by week, and how
    the lines due in the period kept their promises: one pass over the lines."""
    start = where.previous().start if with_previous else where.start
    rows = _rate_rows(connection, where, start, line_conditions(where))
    # A few dozen (kind, period, week) rows: summing them here is cheaper than rescanning.
    width = 9
    weeks: dict[str, list[int]] = {}
    totals = {True: [0] * width, False: [0] * width}
    orders: dict[bool, tuple[int, int, int]] = {}
    for kind, current, day, *numbers in rows:
        values = [int(n or 0) for n in numbers]
        flag = bool(current)
        if kind == "order":
            orders[flag] = (values[0], values[1], values[2])
            continue
        totals[flag] = [a + b for a, b in zip(totals[flag], values, strict=True)]
        if flag:
            week = monday(day)
            weeks[week] = [a + b for a, b in zip(weeks.get(week, [0] * width), values, strict=True)]

    def level(flag: bool) -> ServiceLevel:
        lines, units, on_time, in_full, first, first_units, *_ = totals[flag]
        due_orders, full_orders, first_orders = orders.get(flag, (0, 0, 0))
        return ServiceLevel(
            due_lines=lines,
            due_units=units,
            due_orders=due_orders,
            line_fill_rate=ratio(in_full, lines),
            unit_fill_rate=ratio(on_time, units),
            order_fill_rate=ratio(full_orders, due_orders),
            first_pass_line_fill_rate=ratio(first, lines),
            first_pass_unit_fill_rate=ratio(first_units, units),
            first_pass_order_fill_rate=ratio(first_orders, due_orders),
        )

    weekly = [
        WeeklyFill(week, n[0], ratio(n[3], n[0]), ratio(n[2], n[1]), ratio(n[4], n[0]))
        for week, n in sorted(weeks.items())
    ]
    complete, kept_first, kept_latest = totals[True][6:9]
    promise = PromiseAccuracy(
        shipped_lines=complete,
        on_first_promise=kept_first,
        on_latest_promise=kept_latest,
        first_promise_rate=ratio(kept_first, complete),
        latest_promise_rate=ratio(kept_latest, complete),
    )
    return level(True), level(False) if with_previous else None, weekly, promise


def fill_rates(
    connection: Connection,
    start: date,
    end: date,
    item_group: str | None = None,
    exclude_group: str | None = None,
) -> FillRates:
    """Eventual fill rates of lines requested between `start` and `end` (1.0: nothing due)."""
    lines, items = orm.order_lines, orm.items
    conditions = []
    if item_group is not None:
        conditions.append(
            lines.c.sku.in_(select(items.c.sku).where(items.c.item_group == item_group))
        )
    if exclude_group is not None:
        conditions.append(
            lines.c.sku.in_(select(items.c.sku).where(items.c.item_group != exclude_group))
        )
    where = KpiFilter(start, end)
    count = in_full = units = on_time = due_orders = full_orders = 0
    for kind, _, _, n, a, b, c, *_ in _rate_rows(connection, where, start, conditions):
        if kind == "order":
            due_orders, full_orders = int(n), int(a or 0)
        else:
            count, units, on_time, in_full = (
                count + int(n),
                units + int(a or 0),
                on_time + int(b or 0),
                in_full + int(c or 0),
            )
    return FillRates(
        due_lines=count,
        line_fill_rate=in_full / count if count else 1.0,
        unit_fill_rate=on_time / units if units else 1.0,
        order_fill_rate=full_orders / due_orders if due_orders else 1.0,
    )
