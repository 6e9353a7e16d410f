"""Service KPIs computed in SQL over the database.

Definitions (a line is *due* when its requested date falls in the period and it was not
cancelled):

- **line fill rate**: due lines whose whole quantity shipped on or before the requested
  date (on time in full) / due lines;
- **unit fill rate**: units of due lines shipped on or before the requested date / units
  of due lines ordered;
- **order fill rate**: orders all of whose lines are due and on time in full / orders all
  of whose lines are due;
- **backlog**: open lines with units that cannot ship by their requested date, aged from
  the day they first became backordered, in buckets 0-7, 8-14, 15-30, 31-60, 60+ days;
- **backorder value**: backordered units x unit price over open lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from backorder.adapters import orm

AGE_BUCKETS = ((0, 7), (8, 14), (15, 30), (31, 60), (61, None))


@dataclass(frozen=True)
class FillRates:
    """On-time-in-full rates of lines, units and orders due in a period."""

    due_lines: int
    line_fill_rate: float
    unit_fill_rate: float
    order_fill_rate: float


@dataclass(frozen=True)
class BacklogBucket:
    """Backordered open lines of one age range."""

    label: str
    lines: int
    units: int
    value: float


@dataclass(frozen=True)
class ShortItem:
    """An item with backordered units."""

    sku: str
    item_group: str
    lines: int
    units: int
    value: float


def _least(connection: Connection, a: Any, b: Any) -> Any:
    # SQLite's two-argument min() is PostgreSQL's least().
    return func.min(a, b) if connection.dialect.name == "sqlite" else func.least(a, b)


def _on_time_units() -> Any:
    shipments = orm.shipments
    return (
        select(shipments.c.line_id, func.sum(shipments.c.quantity).label("units"))
        .where(shipments.c.shipped_on <= shipments.c.requested_date)
        .group_by(shipments.c.line_id)
        .subquery()
    )


def fill_rates(
    connection: Connection,
    start: date,
    end: date,
    item_group: str | None = None,
    exclude_group: str | None = None,
) -> FillRates:
    """Fill rates of lines requested between `start` and `end` (inclusive)."""
    lines, items = orm.order_lines, orm.items
    on_time = _on_time_units()
    due = and_(
        lines.c.requested_date >= start,
        lines.c.requested_date <= end,
        lines.c.status != "cancelled",
    )
    query = (
        select(
            func.count(),
            func.coalesce(
                func.sum(case((func.coalesce(on_time.c.units, 0) >= lines.c.quantity, 1), else_=0)),
                0,
            ),
            func.coalesce(func.sum(lines.c.quantity), 0),
            func.coalesce(
                func.sum(_least(connection, func.coalesce(on_time.c.units, 0), lines.c.quantity)),
                0,
            ),
        )
        .select_from(lines)
        .outerjoin(on_time, on_time.c.line_id == lines.c.line_id)
        .join(items, items.c.sku == lines.c.sku)
        .where(due)
    )
    if item_group is not None:
        query = query.where(items.c.item_group == item_group)
    if exclude_group is not None:
        query = query.where(items.c.item_group != exclude_group)
    count, full, ordered, units_on_time = connection.execute(query).one()
    orders = _order_fill_rate(connection, start, end)
    return FillRates(
        due_lines=int(count),
        line_fill_rate=full / count if count else 1.0,
        unit_fill_rate=units_on_time / ordered if ordered else 1.0,
        order_fill_rate=orders,
    )


def _order_fill_rate(connection: Connection, start: date, end: date) -> float:
    lines = orm.order_lines
    on_time = _on_time_units()
    per_order = (
        select(
            lines.c.order_id,
            func.min(lines.c.requested_date).label("first"),
            func.max(lines.c.requested_date).label("last"),
            func.sum(
                case((func.coalesce(on_time.c.units, 0) >= lines.c.quantity, 0), else_=1)
            ).label("late_lines"),
        )
        .outerjoin(on_time, on_time.c.line_id == lines.c.line_id)
        .where(lines.c.status != "cancelled")
        .group_by(lines.c.order_id)
        .subquery()
    )
    count, full = connection.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((per_order.c.late_lines == 0, 1), else_=0)), 0),
        ).where(per_order.c.first >= start, per_order.c.last <= end)
    ).one()
    return float(full / count) if count else 1.0


def backlog(connection: Connection, today: date) -> list[BacklogBucket]:
    """Backordered open lines by age bucket."""
    lines = orm.order_lines
    open_backorders = and_(
        lines.c.backordered_quantity > 0, lines.c.status.not_in(("cancelled", "shipped"))
    )
    rows = connection.execute(
        select(lines.c.backordered_since, lines.c.backordered_quantity, lines.c.unit_price).where(
            open_backorders
        )
    ).all()
    buckets = []
    for low, high in AGE_BUCKETS:
        chosen = [
            r
            for r in rows
            if r.backordered_since is not None
            and low <= (today - r.backordered_since).days
            and (high is None or (today - r.backordered_since).days <= high)
        ]
        buckets.append(
            BacklogBucket(
                label=f"{low}-{high} days" if high is not None else f"over {low - 1} days",
                lines=len(chosen),
                units=sum(r.backordered_quantity for r in chosen),
                value=round(sum(r.backordered_quantity * r.unit_price for r in chosen), 2),
            )
        )
    return buckets


def short_items(connection: Connection, limit: int = 10) -> list[ShortItem]:
    """Items with the most backordered units on open lines."""
    lines, items = orm.order_lines, orm.items
    units = func.sum(lines.c.backordered_quantity)
    rows = connection.execute(
        select(
            lines.c.sku,
            items.c.item_group,
            func.count(),
            units,
            func.sum(lines.c.backordered_quantity * lines.c.unit_price),
        )
        .join(items, items.c.sku == lines.c.sku)
        .where(lines.c.backordered_quantity > 0, lines.c.status.not_in(("cancelled", "shipped")))
        .group_by(lines.c.sku, items.c.item_group)
        .order_by(units.desc(), lines.c.sku)
        .limit(limit)
    ).all()
    return [ShortItem(r[0], r[1], int(r[2]), int(r[3]), round(float(r[4]), 2)) for r in rows]
