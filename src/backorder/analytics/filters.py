"""What every KPI can be narrowed to: a period, a region, a DC, a product line, a tier.

Filters become `IN (subquery)` conditions on the order lines (or on what hangs off a line),
so each KPI query keeps its own shape and the database plans them as semi-joins.

- **region** and **tier** are the customer's;
- **DC** is where the line ships from: its `ship_from`, else the customer's home DC; for
  purchase-order KPIs, the DC the PO line delivers to;
- **product line** and **item group** are the item's.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from backorder.adapters import orm


@dataclass(frozen=True)
class KpiFilter:
    """A period (inclusive dates) and optional scope of the KPIs."""

    start: date
    end: date
    region: str | None = None
    location: str | None = None
    product_line: str | None = None
    item_group: str | None = None
    tier: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        """Days in the period."""
        return (self.end - self.start).days + 1

    @property
    def scoped(self) -> bool:
        """True when anything beyond the period narrows the KPIs."""
        return any(getattr(self, f.name) for f in fields(self) if f.name not in ("start", "end"))

    def previous(self) -> KpiFilter:
        """The period of the same length just before this one (for trends)."""
        return replace(
            self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )

    def describe(self) -> dict[str, Any]:
        """The filter as plain values (for responses and the report)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _customers_in_scope(where: KpiFilter) -> Any | None:
    clauses = []
    if where.region:
        clauses.append(orm.customers.c.region == where.region)
    if where.tier:
        clauses.append(orm.customers.c.tier == where.tier)
    if not clauses:
        return None
    return select(orm.customers.c.code).where(*clauses)


def items_in_scope(where: KpiFilter) -> Any | None:
    """SKUs of the filter's product line and item group (None: every item)."""
    clauses = []
    if where.product_line:
        clauses.append(orm.items.c.product_line == where.product_line)
    if where.item_group:
        clauses.append(orm.items.c.item_group == where.item_group)
    if not clauses:
        return None
    return select(orm.items.c.sku).where(*clauses)


def line_conditions(where: KpiFilter, lines: Any = orm.order_lines) -> list[ColumnElement[bool]]:
    """Conditions on order lines for the filter's scope (not its period)."""
    conditions: list[ColumnElement[bool]] = []
    customers = _customers_in_scope(where)
    if customers is not None:
        conditions.append(lines.c.customer.in_(customers))
    skus = items_in_scope(where)
    if skus is not None:
        conditions.append(lines.c.sku.in_(skus))
    if where.location:
        at_home = select(orm.customers.c.code).where(
            orm.customers.c.home_location == where.location
        )
        conditions.append(
            or_(
                lines.c.ship_from == where.location,
                and_(lines.c.ship_from.is_(None), lines.c.customer.in_(at_home)),
            )
        )
    return conditions


def lines_in_scope(where: KpiFilter) -> Any | None:
    """Ids of the order lines in the filter's scope (None: every line)."""
    conditions = line_conditions(where)
    if not conditions:
        return None
    return select(orm.order_lines.c.line_id).where(*conditions)


def po_line_conditions(where: KpiFilter, po_lines: Any = orm.purchase_order_lines) -> list[Any]:
    """Conditions on purchase-order lines: their DC, its region, the item (tier ignored)."""
    conditions: list[Any] = []
    if where.location:
        conditions.append(po_lines.c.location == where.location)
    if where.region:
        in_region = select(orm.locations.c.code).where(orm.locations.c.region == where.region)
        conditions.append(po_lines.c.location.in_(in_region))
    skus = items_in_scope(where)
    if skus is not None:
        conditions.append(po_lines.c.sku.in_(skus))
    return conditions
