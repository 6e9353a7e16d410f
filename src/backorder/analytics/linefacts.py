"""Per-order-line facts the fill-rate and promise KPIs aggregate, in one pass over the lines.

What a line needs from other tables is kept small:

- **late shipments**: shipments after the line's requested date are few (most ship on
  time), so they are grouped once per line (units, last date) and joined. Units shipped
  on time are then the line's `shipped_quantity` minus its late units: the big
  shipments table is never grouped in full. On SQLite a partial index holds just the
  late shipments, in line order, with the columns read (`ix_shipments_late`, migration
  0003): the grouping reads that index alone, not the table.
- **the intake promise**: order intake stores it on the line itself
  (`order_lines.intake_promise_date`, migration 0004), besides the promise-history entry
  with reason `allocated at order intake`. Reading the column instead of looking the entry
  up cut the fill-rate statement by about a fifth on SQLite's demo database.
- **the first promise ever given**: needed only for lines shipped late, so it is a
  correlated lookup inside a CASE branch that only those reach (both databases evaluate
  CASE lazily).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from backorder.adapters import orm

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


def late_shipments(lines: Any = orm.order_lines) -> tuple[Any, Any]:
    """Per line shipped late: (units shipped after the requested date, last such day)."""
    shipments = orm.shipments
    # The condition is the one of SQLite's partial index `ix_shipments_late`, word for
    # word: SQLite then reads the late shipments from that index, already in line order.
    late = (
        select(
            shipments.c.line_id,
            func.sum(shipments.c.quantity).label("units"),
            func.max(shipments.c.shipped_on).label("last_day"),
        )
        .where(shipments.c.shipped_on > shipments.c.requested_date)
        .group_by(shipments.c.line_id)
        .subquery("late_shipments")
    )
    return late, late.c.line_id == lines.c.line_id


def intake_promise(lines: Any = orm.order_lines) -> Fact:
    """The promise date the line got at order intake (NULL: none, e.g. no supply then)."""
    return Fact(lines.c.intake_promise_date)


def first_promise(lines: Any = orm.order_lines) -> Any:
    """The first promise date the line was ever given (a correlated subquery)."""
    history = orm.promise_history
    return (
        select(history.c.promise_date)
        .where(history.c.line_id == lines.c.line_id, history.c.promise_date.is_not(None))
        .order_by(history.c.id)
        .limit(1)
        .scalar_subquery()
    )
