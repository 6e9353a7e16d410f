"""Backlog KPIs, computed in SQL: aging, value, fill-rate risk, short items.

- **backlog**: open lines (not shipped, not cancelled) with backordered units, aged from
  the day they became backordered, in buckets 0-7, 8-14, 15-30, 31-60, over 60 days, with
  units and value (backordered units x unit price). A snapshot as of a day: the period
  does not apply, the scope does.
- **fill-rate risk**: open lines requested in the next N days (today included): their
  units, and the units not covered by supply in time (the allocation's backordered units),
  lines and value at risk, and the share of due units at risk.
- **short items**: items with the most backordered units on open lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, select, text

from backorder.adapters import orm
from backorder.analytics.filters import KpiFilter, line_conditions
from backorder.analytics.sql import is_sqlite, ratio

AGE_BUCKETS = ((0, 7), (8, 14), (15, 30), (31, 60), (61, None))
CLOSED = ("cancelled", "shipped")
# The condition of SQLite's partial index of open lines (migration 0002), word for word.
OPEN_LINE = "status NOT IN ('cancelled', 'shipped')"


@dataclass(frozen=True)
class BacklogBucket:
    """Backordered open lines of one age range."""

    label: str
    lines: int
    units: int
    value: float


@dataclass(frozen=True)
class PromiseAccuracy:
    """Lines shipped complete in the period, and how many met their first and latest promise."""

    shipped_lines: int
    on_first_promise: int
    on_latest_promise: int
    first_promise_rate: float | None
    latest_promise_rate: float | None


@dataclass(frozen=True)
class FillRateRisk:
    """Open demand due in the next days and the part of it supply does not cover in time."""

    horizon_days: int
    due_lines: int
    due_units: int
    lines_at_risk: int
    units_at_risk: int
    value_at_risk: float
    unit_risk_rate: float | None


@dataclass(frozen=True)
class ShortItem:
    """An item with backordered units."""

    sku: str
    item_group: str
    lines: int
    units: int
    value: float


def open_backorders(connection: Connection) -> Any:
    """Open lines with backordered units (a few percent of all lines)."""
    lines = orm.order_lines
    backordered = lines.c.backordered_quantity > 0
    if is_sqlite(connection):
        # SQLite would walk the whole table in another index's order; as an IN list the
        # partial index of backordered lines drives the query.
        inner = orm.order_lines.alias("backordered")
        backordered = lines.c.line_id.in_(
            select(inner.c.line_id).where(inner.c.backordered_quantity > 0)
        )
    # PostgreSQL uses the partial index for the plain condition itself.
    return and_(backordered, lines.c.status.not_in(CLOSED))


def age_label(low: int, high: int | None) -> str:
    """How a bucket is named: "8-14 days", "over 60 days"."""
    return f"{low}-{high} days" if high is not None else f"over {low - 1} days"


def age_bucket(today: date) -> Any:
    """The index of a line's age bucket (ages compare as dates: one CASE on both dialects)."""
    since = orm.order_lines.c.backordered_since
    return case(
        *(
            (since >= today - timedelta(days=high), index)
            for index, (_, high) in enumerate(AGE_BUCKETS)
            if high is not None
        ),
        else_=len(AGE_BUCKETS) - 1,
    )


def backlog(
    connection: Connection, today: date, where: KpiFilter | None = None
) -> list[BacklogBucket]:
    """Backordered open lines by age bucket, as of `today`."""
    lines = orm.order_lines
    bucket = age_bucket(today)
    rows = connection.execute(
        select(
            bucket.label("bucket"),
            func.count(),
            func.sum(lines.c.backordered_quantity),
            func.sum(lines.c.backordered_quantity * lines.c.unit_price),
        )
        .where(
            open_backorders(connection),
            lines.c.backordered_quantity > 0,
            lines.c.backordered_since.is_not(None),
            *(line_conditions(where) if where else ()),
        )
        .group_by(bucket)
    ).all()
    found = {int(r[0]): r for r in rows}
    result = []
    for index, (low, high) in enumerate(AGE_BUCKETS):
        row = found.get(index)
        result.append(
            BacklogBucket(
                label=age_label(low, high),
                lines=int(row[1]) if row else 0,
                units=int(row[2] or 0) if row else 0,
                value=round(float(row[3] or 0), 2) if row else 0.0,
            )
        )
    return result


def fill_rate_risk(
    connection: Connection, today: date, horizon_days: int, where: KpiFilter | None = None
) -> FillRateRisk:
    """Open lines requested in the next `horizon_days` days and their units not covered."""
    lines = orm.order_lines
    open_units = lines.c.quantity - lines.c.shipped_quantity
    still_open: list[Any] = [lines.c.status.not_in(CLOSED)]
    if is_sqlite(connection):
        # SQLite would read every line ever placed; as an IN list the partial index of open
        # lines (migration 0002) drives the query. Its condition is written word for word,
        # or SQLite does not use it.
        inner = orm.order_lines.alias("open_lines")
        still_open.append(lines.c.line_id.in_(select(inner.c.line_id).where(text(OPEN_LINE))))
    due, units, at_risk_lines, at_risk_units, at_risk_value = connection.execute(
        select(
            func.count(),
            func.sum(open_units),
            func.sum(case((lines.c.backordered_quantity > 0, 1), else_=0)),
            func.sum(lines.c.backordered_quantity),
            func.sum(lines.c.backordered_quantity * lines.c.unit_price),
        ).where(
            lines.c.requested_date >= today,
            lines.c.requested_date < today + timedelta(days=horizon_days),
            *still_open,
            *(line_conditions(where) if where else ()),
        )
    ).one()
    return FillRateRisk(
        horizon_days=horizon_days,
        due_lines=int(due),
        due_units=int(units or 0),
        lines_at_risk=int(at_risk_lines or 0),
        units_at_risk=int(at_risk_units or 0),
        value_at_risk=round(float(at_risk_value or 0), 2),
        unit_risk_rate=ratio(at_risk_units, units),
    )


def short_items(
    connection: Connection, limit: int = 10, where: KpiFilter | None = None
) -> list[ShortItem]:
    """Items with the most backordered units on open lines."""
    lines, items = orm.order_lines, orm.items
    per_item = (
        select(
            lines.c.sku,
            func.count().label("lines"),
            func.sum(lines.c.backordered_quantity).label("units"),
            func.sum(lines.c.backordered_quantity * lines.c.unit_price).label("value"),
        )
        .where(open_backorders(connection), *(line_conditions(where) if where else ()))
        .group_by(lines.c.sku)
        .order_by(func.sum(lines.c.backordered_quantity).desc(), lines.c.sku)
        .limit(limit)
        .subquery()
    )
    group = func.coalesce(items.c.item_group, literal("")).label("item_group")
    rows = connection.execute(
        select(per_item, group)
        .outerjoin(items, items.c.sku == per_item.c.sku)
        .order_by(per_item.c.units.desc(), per_item.c.sku)
    ).all()
    return [
        ShortItem(r.sku, r.item_group, int(r.lines), int(r.units), round(float(r.value or 0), 2))
        for r in rows
    ]
