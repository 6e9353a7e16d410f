"""Orders and order lines, their promise-date history, and the backorder list."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    any_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql

from backorder.adapters import orm
from backorder.adapters.repositories.finance import FinanceRepository
from backorder.adapters.repositories.line_outcomes import SMALL_BATCH as SMALL_BATCH
from backorder.adapters.repositories.line_outcomes import LineOutcomeWrites
from backorder.adapters.repositories.line_outcomes import OutcomeChange as OutcomeChange
from backorder.adapters.repositories.line_outcomes import ShippedPiece as ShippedPiece
from backorder.adapters.repositories.supply import value_chunks
from backorder.domain.model import LineStatus, Order, OrderLine, PromiseChange


@dataclass(frozen=True)
class LineRecord:
    """An order line as stored, with the allocation facts kept beside it."""

    line: OrderLine
    line_number: int
    allocated_quantity: int
    backordered_quantity: int
    backordered_since: date | None


@dataclass(frozen=True)
class BackorderFilter:
    """Filters of the backorder list (all optional)."""

    sku: str | None = None
    customer: str | None = None
    region: str | None = None
    status: str | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None
    today: date | None = None


_ADD_ORDER = insert(orm.orders)
_EXISTING_ORDERS = select(orm.orders.c.order_id).where(
    orm.orders.c.order_id.in_(bindparam("values", expanding=True))
)
_ADD_LINES = insert(orm.order_lines)
_LINES_BY_ID = select(orm.order_lines).where(
    orm.order_lines.c.line_id == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger)))
)


def _line(row: Any, history: Sequence[PromiseChange] = ()) -> OrderLine:
    return OrderLine(
        line_id=row.line_id,
        order_id=row.order_id,
        customer=row.customer,
        sku=row.sku,
        quantity=row.quantity,
        requested_date=row.requested_date,
        unit_price=row.unit_price,
        unit_cost=row.unit_cost,
        ship_from=row.ship_from,
        order_type=row.order_type,
        ordered_at=row.ordered_at,
        status=LineStatus(row.status),
        shipped_quantity=row.shipped_quantity,
        promise_date=row.promise_date,
        promise_history=tuple(history),
    )


def _record(row: Any, history: Sequence[PromiseChange] = ()) -> LineRecord:
    return LineRecord(
        line=_line(row, history),
        line_number=row.line_number,
        allocated_quantity=row.allocated_quantity,
        backordered_quantity=row.backordered_quantity,
        backordered_since=row.backordered_since,
    )


def _insert_pipelined(
    connection: Connection, heads: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> list[int]:
    """Orders and lines through psycopg's pipelined executemany; the line ids, in order.

    A multi-row VALUES statement of thousands of parameters costs more to build and parse
    than to run; one prepared single-row statement sent N times in a pipeline does not.
    """
    raw: Any = connection.connection.dbapi_connection
    cursor: psycopg.Cursor[Any] = raw.cursor()
    names = list(heads[0])
    cursor.executemany(
        f"INSERT INTO orders ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
        [tuple(h[n] for n in names) for h in heads],
    )
    names = list(rows[0])
    cursor.executemany(
        f"INSERT INTO order_lines ({', '.join(names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))}) RETURNING line_id",
        [tuple(r[n] for n in names) for r in rows],
        returning=True,
    )
    ids = []
    while True:
        row = cursor.fetchone()
        assert row is not None
        ids.append(int(row[0]))
        if not cursor.nextset():
            return ids


def _insert_multirow(
    connection: Connection, heads: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> list[int]:
    """Orders and lines through multi-row INSERTs (SQLite); the line ids, in order.

    SQLite does not return the ids of a multi-row INSERT in the order of its rows, so
    SQLAlchemy would send one statement per row; the (order, line number) key that
    comes back with each id maps them instead. Dates and moments are stored by the
    driver adapters registered in `adapters.db`, as SQLAlchemy's types store them.
    """
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    names = list(heads[0])
    cursor.executemany(
        f"INSERT INTO orders ({', '.join(names)}) VALUES ({', '.join(['?'] * len(names))})",
        [tuple(h[n] for n in names) for h in heads],
    )
    names = list(rows[0])
    row_marks = f"({', '.join(['?'] * len(names))})"
    per_statement = max(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(names), 1)
    ids: dict[tuple[str, int], int] = {}
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        cursor.execute(
            f"INSERT INTO order_lines ({', '.join(names)}) "
            f"VALUES {', '.join([row_marks] * len(chunk))} "
            "RETURNING order_id, line_number, line_id",
            [row[n] for row in chunk for n in names],
        )
        ids.update({(order_id, number): int(i) for order_id, number, i in cursor.fetchall()})
    return [ids[(row["order_id"], row["line_number"])] for row in rows]


def _line_rows(order: Order, now: datetime) -> list[dict[str, Any]]:
    """The `order_lines` rows of a new order, numbered from 1."""
    return [
        {
            "order_id": order.order_id,
            "line_number": number,
            "customer": order.customer,
            "sku": line.sku,
            "quantity": line.quantity,
            "shipped_quantity": line.shipped_quantity,
            "requested_date": line.requested_date,
            "unit_price": line.unit_price,
            "unit_cost": line.unit_cost,
            "ship_from": line.ship_from,
            "order_type": line.order_type,
            "ordered_at": order.ordered_at,
            "status": LineStatus.OPEN.value,
            "allocated_quantity": 0,
            "backordered_quantity": 0,
            "updated_at": now,
        }
        for number, line in enumerate(order.lines, start=1)
    ]


class OrderRepository(LineOutcomeWrites):
    """Reads and writes orders on one connection (inside the unit of work)."""

    def __init__(self, connection: Connection, finance: FinanceRepository | None = None) -> None:
        self.connection = connection
        # Every promise change records the revenue it shifts between fiscal periods.
        self.finance = finance or FinanceRepository(connection)

    def order_exists(self, order_id: str) -> bool:
        """True when an order with this id was placed."""
        found = self.connection.execute(
            select(orm.orders.c.order_id).where(orm.orders.c.order_id == order_id)
        ).first()
        return found is not None

    def customers_of(self, line_ids: Sequence[int]) -> dict[int, str]:
        """Customer of each line."""
        found: dict[int, str] = {}
        for chunk in value_chunks([str(i) for i in line_ids]):
            assert chunk is not None
            rows = self.connection.execute(
                select(orm.order_lines.c.line_id, orm.order_lines.c.customer).where(
                    orm.order_lines.c.line_id.in_([int(i) for i in chunk])
                )
            )
            found.update({r[0]: r[1] for r in rows})
        return found

    def existing_orders(self, order_ids: Sequence[str]) -> set[str]:
        """Which of the order ids are already stored."""
        found: set[str] = set()
        for chunk in value_chunks(order_ids):
            assert chunk is not None
            found.update(r[0] for r in self.connection.execute(_EXISTING_ORDERS, {"values": chunk}))
        return found

    def add_order(self, order: Order, now: datetime) -> list[int]:
        """Store an order and its lines (line ids assigned by the database)."""
        self.connection.execute(
            _ADD_ORDER,
            {
                "order_id": order.order_id,
                "customer": order.customer,
                "ordered_at": order.ordered_at,
            },
        )
        result = self.connection.execute(
            _ADD_LINES.returning(orm.order_lines.c.line_id, sort_by_parameter_order=True),
            _line_rows(order, now),
        )
        return [int(i) for i in result.scalars()]

    def add_orders(self, orders: Sequence[Order], now: datetime) -> list[list[int]]:
        """Store many orders and their lines in two round trips; the line ids of each order."""
        if not orders:
            return []
        heads = [
            {"order_id": o.order_id, "customer": o.customer, "ordered_at": o.ordered_at}
            for o in orders
        ]
        rows = [row for order in orders for row in _line_rows(order, now)]
        if self.connection.dialect.name == "postgresql":
            ids = _insert_pipelined(self.connection, heads, rows)
        elif self.connection.dialect.name == "sqlite":
            ids = _insert_multirow(self.connection, heads, rows)
        else:
            self.connection.execute(_ADD_ORDER, heads)
            result = self.connection.execute(
                _ADD_LINES.returning(orm.order_lines.c.line_id, sort_by_parameter_order=True),
                rows,
            )
            ids = [int(i) for i in result.scalars()]
        per_order, start = [], 0
        for order in orders:
            per_order.append(ids[start : start + len(order.lines)])
            start += len(order.lines)
        return per_order

    def lines_by_id(self, line_ids: Sequence[int]) -> dict[int, LineRecord]:
        """Lines by id (unknown ids are left out).

        PostgreSQL gets the ids as one array (`= ANY(...)`): a short statement that is
        prepared once, where thousands of `IN` parameters cost more to parse than to run.
        """
        if not line_ids:
            return {}
        lines = orm.order_lines
        if self.connection.dialect.name == "postgresql":
            rows = self.connection.execute(_LINES_BY_ID, {"ids": [int(i) for i in line_ids]})
            return {row.line_id: _record(row) for row in rows}
        found: dict[int, LineRecord] = {}
        for start in range(0, len(line_ids), 900):
            chunk = list(line_ids[start : start + 900])
            rows = self.connection.execute(select(lines).where(lines.c.line_id.in_(chunk)))
            found.update({row.line_id: _record(row) for row in rows})
        return found

    def get_line(self, line_id: int, *, with_history: bool = False) -> LineRecord | None:
        """One line, or None."""
        row = self.connection.execute(
            select(orm.order_lines).where(orm.order_lines.c.line_id == line_id)
        ).first()
        if row is None:
            return None
        return _record(row, self.history(line_id) if with_history else ())

    def lines_of_order(self, order_id: str) -> list[LineRecord]:
        """All lines of an order, by line number."""
        rows = self.connection.execute(
            select(orm.order_lines)
            .where(orm.order_lines.c.order_id == order_id)
            .order_by(orm.order_lines.c.line_number)
        )
        return [_record(r) for r in rows]

    def ordered_at(self, order_id: str) -> datetime | None:
        """When the order was placed."""
        return self.connection.execute(
            select(orm.orders.c.ordered_at).where(orm.orders.c.order_id == order_id)
        ).scalar_one_or_none()

    def history(self, line_id: int) -> list[PromiseChange]:
        """Promise-date history of a line, oldest first."""
        rows = self.connection.execute(
            select(orm.promise_history)
            .where(orm.promise_history.c.line_id == line_id)
            .order_by(orm.promise_history.c.id)
        )
        return [PromiseChange(at=r.at, promise_date=r.promise_date, reason=r.reason) for r in rows]

    def set_quantity(self, line_id: int, quantity: int, now: datetime) -> None:
        """Change the ordered quantity."""
        self.connection.execute(
            update(orm.order_lines)
            .where(orm.order_lines.c.line_id == line_id)
            .values(quantity=quantity, updated_at=now)
        )

    def cancel(self, line_id: int, now: datetime) -> None:
        """Mark a line cancelled; it holds nothing any more."""
        self.connection.execute(
            update(orm.order_lines)
            .where(orm.order_lines.c.line_id == line_id)
            .values(
                status=LineStatus.CANCELLED.value,
                allocated_quantity=0,
                backordered_quantity=0,
                backordered_since=None,
                promise_date=None,
                updated_at=now,
            )
        )

    def open_lines_of(self, skus: Sequence[str] | None) -> list[OrderLine]:
        """Open (not shipped, not cancelled) lines of the given items, or of all items."""
        closed = (LineStatus.CANCELLED.value, LineStatus.SHIPPED.value)
        query = select(orm.order_lines).where(orm.order_lines.c.status.not_in(closed))
        found: list[OrderLine] = []
        for chunk in value_chunks(skus):
            selected = query if chunk is None else query.where(orm.order_lines.c.sku.in_(chunk))
            found.extend(_line(r) for r in self.connection.execute(selected))
        return found

    def backorders(
        self, where: BackorderFilter, *, after: int | None, limit: int
    ) -> list[LineRecord]:
        """Backordered lines, by line id, after the cursor."""
        lines = orm.order_lines
        clauses = [lines.c.backordered_quantity > 0]
        if where.sku:
            clauses.append(lines.c.sku == where.sku)
        if where.customer:
            clauses.append(lines.c.customer == where.customer)
        if where.status:
            clauses.append(lines.c.status == where.status)
        if where.region:
            in_region = select(orm.customers.c.code).where(orm.customers.c.region == where.region)
            clauses.append(lines.c.customer.in_(in_region))
        today = where.today or date.today()
        if where.min_age_days is not None:
            clauses.append(lines.c.backordered_since <= _days_before(today, where.min_age_days))
        if where.max_age_days is not None:
            clauses.append(lines.c.backordered_since >= _days_before(today, where.max_age_days))
        if after is not None:
            clauses.append(lines.c.line_id > after)
        rows = self.connection.execute(
            select(lines).where(and_(*clauses)).order_by(lines.c.line_id).limit(limit)
        )
        return [_record(r) for r in rows]

    def count_by_status(self) -> dict[str, int]:
        """Number of lines per status."""
        rows = self.connection.execute(
            select(orm.order_lines.c.status, func.count()).group_by(orm.order_lines.c.status)
        )
        return {r[0]: int(r[1]) for r in rows}

    def search(self, text: str, limit: int = 20) -> list[LineRecord]:
        """Lines whose order id or SKU starts with `text`."""
        rows = self.connection.execute(
            select(orm.order_lines)
            .where(
                or_(
                    orm.order_lines.c.order_id.startswith(text),
                    orm.order_lines.c.sku.startswith(text),
                )
            )
            .order_by(orm.order_lines.c.line_id)
            .limit(limit)
        )
        return [_record(r) for r in rows]


def _days_before(today: date, days: int) -> date:
    from datetime import timedelta

    return today - timedelta(days=days)
