"""Supplier KPIs: on time in full, acknowledgement latency, delay distribution, open lateness.

- **OTIF**: purchase-order lines *due* in the period (their expected date, the date asked
  for when the PO was placed, falls in it; rejected lines excluded) received in full (the
  quantity last agreed, i.e. after any 855 change) on or before the expected date. The
  receipt date of a fully received line is its last change (the receipt that completed it).
- **acknowledgement latency**: hours from the PO's creation to the first 855
  acknowledgement of each of its lines (`purchase_order.confirmed` in the audit log), for
  POs created in the period; median, p90 (nearest rank) and mean per supplier. Lines
  loaded already confirmed have no acknowledgement to measure and are left out.
- **delay distribution**: due lines received in full, by days late (on time, 1-3, 4-7,
  8-14, over 14), and due lines still open past their expected date.
- **unacknowledged**: open, unconfirmed lines older than the acknowledgement timeout, now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Date, and_, case, cast, func, select

from backorder.adapters import orm
from backorder.analytics.filters import KpiFilter, po_line_conditions
from backorder.analytics.sql import (
    binned_percentile_query,
    days_between,
    is_sqlite,
    materialized,
    ratio,
    seconds_between,
)

DELAY_BUCKETS = ("on time", "1-3 days", "4-7 days", "8-14 days", "over 14 days")
ALL = "*all suppliers*"  # the group of every supplier together (not a supplier code)


@dataclass(frozen=True)
class SupplierScore:
    """One supplier's scorecard for a period."""

    supplier: str
    name: str
    lines_due: int
    on_time_in_full: int
    otif_rate: float | None
    acknowledged: int
    ack_median_hours: float | None
    ack_p90_hours: float | None
    ack_mean_hours: float | None
    unacknowledged_overdue: int
    open_late_lines: int
    open_late_units: int
    delays: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SupplierTotals:
    """All suppliers together."""

    lines_due: int
    on_time_in_full: int
    otif_rate: float | None
    acknowledged: int
    ack_median_hours: float | None
    ack_p90_hours: float | None


def _day(connection: Connection, moment: Any) -> Any:
    return func.date(moment) if is_sqlite(connection) else cast(moment, Date)


def _delivery_rows(connection: Connection, where: KpiFilter, today: date) -> list[Any]:
    pol, po = orm.purchase_order_lines, orm.purchase_orders
    received_on = _day(connection, pol.c.updated_at)
    complete = and_(pol.c.received_quantity >= pol.c.quantity, pol.c.quantity > 0)
    late_days = days_between(connection, received_on, pol.c.expected_date)
    buckets = [
        func.sum(case((and_(complete, late_days <= 0), 1), else_=0)),
        func.sum(case((and_(complete, late_days.between(1, 3)), 1), else_=0)),
        func.sum(case((and_(complete, late_days.between(4, 7)), 1), else_=0)),
        func.sum(case((and_(complete, late_days.between(8, 14)), 1), else_=0)),
        func.sum(case((and_(complete, late_days > 14), 1), else_=0)),
    ]
    open_late = and_(~complete, pol.c.expected_date < today)
    return list(
        connection.execute(
            select(
                po.c.supplier,
                func.count(),
                *buckets,
                func.sum(case((open_late, 1), else_=0)),
                func.sum(case((open_late, pol.c.quantity - pol.c.received_quantity), else_=0)),
            )
            .join(po, po.c.po_number == pol.c.po_number)
            .where(
                pol.c.expected_date >= where.start,
                pol.c.expected_date <= where.end,
                pol.c.confirmation != "rejected",
                *po_line_conditions(where),
            )
            .group_by(po.c.supplier)
        ).all()
    )


def _latencies(connection: Connection, where: KpiFilter) -> Any:
    """Per acknowledged PO line created in the period: its supplier and hours to the 855."""
    pol, po = orm.purchase_order_lines, orm.purchase_orders
    begin = datetime.combine(where.start, time.min, tzinfo=UTC)
    finish = datetime.combine(where.end + timedelta(days=1), time.min, tzinfo=UTC)
    # As an IN list on the PO lines, SQLite reads the lines of those POs by their index.
    created = select(po.c.po_number).where(po.c.created_at >= begin, po.c.created_at < finish)
    # The line keeps its first acknowledgement's time (`acknowledged_at`, migration 0006):
    # no look-up per line in the audit log.
    query = (
        select(po.c.supplier, pol.c.acknowledged_at, po.c.created_at)
        .select_from(pol)
        .join(po, po.c.po_number == pol.c.po_number)
        .where(pol.c.po_number.in_(created), *po_line_conditions(where))
    )
    acknowledged = materialized(query, "acknowledged", connection)
    hours = seconds_between(connection, acknowledged.c.acknowledged_at, acknowledged.c.created_at)
    return (
        select(acknowledged.c.supplier, (hours / 3600.0).label("hours"))
        .where(acknowledged.c.acknowledged_at.is_not(None))
        .subquery()
    )


def _unacknowledged(
    connection: Connection, where: KpiFilter, now: datetime, timeout: timedelta
) -> dict[str, int]:
    pol, po = orm.purchase_order_lines, orm.purchase_orders
    rows = connection.execute(
        select(po.c.supplier, func.count())
        .join(po, po.c.po_number == pol.c.po_number)
        .where(
            pol.c.confirmation == "unconfirmed",
            pol.c.received_quantity < pol.c.quantity,
            po.c.created_at <= now - timeout,
            *po_line_conditions(where),
        )
        .group_by(po.c.supplier)
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def supplier_scores(
    connection: Connection,
    where: KpiFilter,
    today: date,
    now: datetime,
    ack_timeout: timedelta = timedelta(hours=24),
) -> tuple[list[SupplierScore], SupplierTotals]:
    """Scorecards of every supplier with POs in the period, worst OTIF first, and the totals."""
    deliveries = {r[0]: r for r in _delivery_rows(connection, where, today)}
    ack = {
        r.supplier: r
        for r in connection.execute(
            binned_percentile_query(
                _latencies(connection, where), ["supplier"], "hours", overall=ALL
            )
        ).all()
    }
    everyone = ack.pop(ALL, None)
    unacknowledged = _unacknowledged(connection, where, now, ack_timeout)
    names = dict(connection.execute(select(orm.suppliers.c.code, orm.suppliers.c.name)).all())
    scores = []
    for supplier in sorted(set(deliveries) | set(ack) | set(unacknowledged)):
        row = deliveries.get(supplier)
        due = int(row[1]) if row else 0
        delays = [int(v or 0) for v in row[2:7]] if row else [0] * 5
        latency = ack.get(supplier)
        scores.append(
            SupplierScore(
                supplier=supplier,
                name=names.get(supplier) or supplier,
                lines_due=due,
                on_time_in_full=delays[0],
                otif_rate=ratio(delays[0], due),
                acknowledged=int(latency.n) if latency else 0,
                ack_median_hours=_hours(latency.p50) if latency else None,
                ack_p90_hours=_hours(latency.p90) if latency else None,
                ack_mean_hours=_hours(latency.mean) if latency else None,
                unacknowledged_overdue=unacknowledged.get(supplier, 0),
                open_late_lines=int(row[7] or 0) if row else 0,
                open_late_units=int(row[8] or 0) if row else 0,
                delays=dict(zip(DELAY_BUCKETS, delays, strict=True))
                | {"open, past due": int(row[7] or 0) if row else 0},
            )
        )
    scores.sort(key=lambda s: (s.otif_rate if s.otif_rate is not None else 2.0, s.supplier))
    due_total = sum(s.lines_due for s in scores)
    otif_total = sum(s.on_time_in_full for s in scores)
    totals = SupplierTotals(
        lines_due=due_total,
        on_time_in_full=otif_total,
        otif_rate=ratio(otif_total, due_total),
        acknowledged=int(everyone.n) if everyone else 0,
        ack_median_hours=_hours(everyone.p50) if everyone else None,
        ack_p90_hours=_hours(everyone.p90) if everyone else None,
    )
    return scores, totals


def _hours(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)
