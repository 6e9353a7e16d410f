"""Per-order-line facts the KPIs aggregate, shaped for each database's planner.

SQLite has no hash joins: a correlated subquery through the `line_id` index is several
times faster than joining a grouped subquery. PostgreSQL is the opposite at volume: a
million index probes lose to one hash aggregate and a hash join. The facts are therefore
an expression plus the joins it needs (none on SQLite), and every KPI query uses them the
same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, case, func, select

from backorder.adapters import orm
from backorder.analytics.sql import is_sqlite

# The reason the order-intake handler writes on the promise a line gets when it is placed
# (`service_layer.handlers.orders.accept_orders`).
INTAKE_REASON = "allocated at order intake"


@dataclass(frozen=True)
class Fact:
    """A per-line value and the outer joins (subquery, on-clause) it needs."""

    value: Any
    joins: tuple[tuple[Any, Any], ...] = field(default=())

    def join_into(self, query: Any) -> Any:
        """`query` with this fact's joins added."""
        for subquery, on in self.joins:
            query = query.outerjoin(subquery, on)
        return query


def on_time_units(connection: Connection, lines: Any = orm.order_lines) -> Fact:
    """Units of the line shipped on or before its requested date (0 when none)."""
    shipments = orm.shipments
    on_time = shipments.c.shipped_on <= shipments.c.requested_date
    if is_sqlite(connection):
        units = (
            select(func.sum(shipments.c.quantity))
            .where(shipments.c.line_id == lines.c.line_id, on_time)
            .scalar_subquery()
        )
        # Lines that shipped nothing (yet) need no look-up.
        return Fact(case((lines.c.shipped_quantity == 0, 0), else_=func.coalesce(units, 0)))
    per_line = (
        select(shipments.c.line_id, func.sum(shipments.c.quantity).label("units"))
        .where(on_time)
        .group_by(shipments.c.line_id)
        .subquery()
    )
    return Fact(
        func.coalesce(per_line.c.units, 0), ((per_line, per_line.c.line_id == lines.c.line_id),)
    )


def intake_promise(connection: Connection, lines: Any = orm.order_lines) -> Fact:
    """The promise date the line got at order intake (NULL: none, e.g. no supply)."""
    history = orm.promise_history
    at_intake = history.c.reason == INTAKE_REASON
    if is_sqlite(connection):
        # Intake writes a line's first history entry, if any: one index seek finds it, where
        # filtering on the reason would read every entry of the line.
        promise = (
            select(case((at_intake, history.c.promise_date)))
            .where(history.c.line_id == lines.c.line_id)
            .order_by(history.c.id)
            .limit(1)
            .scalar_subquery()
        )
        return Fact(promise)
    per_line = (
        select(history.c.line_id, func.min(history.c.promise_date).label("promise"))
        .where(at_intake)
        .group_by(history.c.line_id)
        .subquery()
    )
    return Fact(per_line.c.promise, ((per_line, per_line.c.line_id == lines.c.line_id),))


def first_promise(connection: Connection, lines: Any, among: Any) -> Fact:
    """The first promise date the line was ever given (`among`: the line ids of interest)."""
    history = orm.promise_history
    if is_sqlite(connection):
        promise = (
            select(history.c.promise_date)
            .where(history.c.line_id == lines.c.line_id, history.c.promise_date.is_not(None))
            .order_by(history.c.id)
            .limit(1)
            .scalar_subquery()
        )
        return Fact(promise)
    first_entry = (
        select(history.c.line_id, func.min(history.c.id).label("id"))
        .where(history.c.promise_date.is_not(None), history.c.line_id.in_(among))
        .group_by(history.c.line_id)
        .subquery()
    )
    first = (
        select(history.c.line_id, history.c.promise_date)
        .join(first_entry, first_entry.c.id == history.c.id)
        .subquery()
    )
    return Fact(first.c.promise_date, ((first, first.c.line_id == lines.c.line_id),))
