"""Orders and order lines, their promise-date history, and the backorder list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    String,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql

from backorder.adapters import orm
from backorder.adapters.bulk import drop_temporary, outcome_table
from backorder.adapters.repositories.finance import FinanceRepository, PromiseMove
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
class ShippedPiece:
    """Units of one line shipped from one DC."""

    line_id: int
    sku: str
    location: str
    quantity: int


@dataclass(frozen=True)
class OutcomeChange:
    """A line whose promise date or backorder state changed in a bulk update."""

    line_id: int
    sku: str
    requested_date: date
    old_promise: date | None
    new_promise: date | None
    was_backordered: bool
    backordered: int
    allocated: int


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


SMALL_BATCH = 50  # up to this many line outcomes, plain statements instead of a temp table
_ADD_ORDER = insert(orm.orders)
_EXISTING_ORDERS = select(orm.orders.c.order_id).where(
    orm.orders.c.order_id.in_(bindparam("values", expanding=True))
)
_SET_OUTCOME = (
    update(orm.order_lines)
    .where(orm.order_lines.c.line_id == bindparam("k_line_id"))
    .values(
        status=bindparam("v_status"),
        allocated_quantity=bindparam("v_allocated_quantity"),
        backordered_quantity=bindparam("v_backordered_quantity"),
        promise_date=bindparam("v_promise_date"),
        backordered_since=bindparam("v_backordered_since"),
        updated_at=bindparam("v_updated_at"),
    )
)
_ADD_SHIPMENT = insert(orm.shipments)
_SHIP_LINE = (
    update(orm.order_lines)
    .where(orm.order_lines.c.line_id == bindparam("k_line_id"))
    .values(
        shipped_quantity=bindparam("v_shipped_quantity"),
        status=bindparam("v_status"),
        allocated_quantity=bindparam("v_allocated_quantity"),
        backordered_quantity=bindparam("v_backordered_quantity"),
        backordered_since=bindparam("v_backordered_since"),
        updated_at=bindparam("v_updated_at"),
    )
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


def _was_promised(lines: Any) -> Any:
    # Only asked for lines without a date now: did they ever hold one (a date coming back
    # shifts revenue in; a first promise is a booking)? CASE keeps the lookup to those.
    history = orm.promise_history
    ever = exists().where(history.c.line_id == lines.c.line_id, history.c.promise_date.is_not(None))
    return case((lines.c.promise_date.is_(None), ever), else_=True).label("was_promised")


def _move(row: Any, new_promise: date | None) -> PromiseMove:
    return PromiseMove(
        line_id=row.line_id,
        order_id=row.order_id,
        customer=row.customer,
        open_quantity=row.quantity - row.shipped_quantity,
        unit_price=row.unit_price,
        old_promise=row.promise_date,
        new_promise=new_promise,
        was_promised=bool(row.was_promised),
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


class OrderRepository:
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

    def record_outcome(
        self,
        line_id: int,
        *,
        status: LineStatus,
        allocated: int,
        backordered: int,
        promise_date: date | None,
        today: date,
        now: datetime,
        reason: str,
    ) -> date | None:
        """Store a line's allocation outcome; returns the previous promise date."""
        lines = orm.order_lines
        row = self.connection.execute(
            select(
                lines.c.line_id,
                lines.c.order_id,
                lines.c.customer,
                lines.c.quantity,
                lines.c.shipped_quantity,
                lines.c.unit_price,
                lines.c.promise_date,
                lines.c.backordered_since,
                _was_promised(lines),
            ).where(lines.c.line_id == line_id)
        ).one()
        since = row.backordered_since if backordered else None
        if backordered and since is None:
            since = today
        self.connection.execute(
            update(orm.order_lines)
            .where(orm.order_lines.c.line_id == line_id)
            .values(
                status=status.value,
                allocated_quantity=allocated,
                backordered_quantity=backordered,
                backordered_since=since,
                promise_date=promise_date,
                updated_at=now,
            )
        )
        if row.promise_date != promise_date:
            self.connection.execute(
                insert(orm.promise_history).values(
                    line_id=line_id,
                    at=now,
                    old_promise_date=row.promise_date,
                    promise_date=promise_date,
                    reason=reason,
                )
            )
            self.finance.record_promise_moves([_move(row, promise_date)], now=now, reason=reason)
        old: date | None = row.promise_date
        return old

    def record_outcomes(
        self,
        outcomes: Sequence[tuple[int, str, int, int, date | None]],
        *,
        today: date,
        now: datetime,
        reason: str,
    ) -> list[OutcomeChange]:
        """Store many lines' outcomes at once; returns the lines whose promise or backorder
        state changed (for events)."""
        if len(outcomes) <= SMALL_BATCH:
            return self._record_few_outcomes(outcomes, today=today, now=now, reason=reason)
        lines = orm.order_lines
        table = outcome_table(self.connection, outcomes)
        promise_moved = lines.c.promise_date.is_distinct_from(table.c.promise_date)
        backorder_flipped = (lines.c.backordered_quantity > 0) != (table.c.backordered > 0)
        changed = self.connection.execute(
            select(
                table.c.line_id,
                lines.c.sku,
                lines.c.requested_date,
                lines.c.promise_date,
                table.c.promise_date.label("new_promise"),
                lines.c.backordered_quantity,
                table.c.backordered,
                table.c.allocated,
                lines.c.order_id,
                lines.c.customer,
                lines.c.quantity,
                lines.c.shipped_quantity,
                lines.c.unit_price,
                _was_promised(lines),
            )
            .join(lines, lines.c.line_id == table.c.line_id)
            .where(promise_moved | backorder_flipped)
        ).all()
        self.finance.record_promise_moves(
            [_move(r, r.new_promise) for r in changed if r.promise_date != r.new_promise],
            now=now,
            reason=reason,
        )
        self.connection.execute(
            insert(orm.promise_history).from_select(
                ["line_id", "at", "old_promise_date", "promise_date", "reason"],
                select(
                    table.c.line_id,
                    literal(now, DateTime(timezone=True)),
                    lines.c.promise_date,
                    table.c.promise_date,
                    literal(reason, String()),
                )
                .join(lines, lines.c.line_id == table.c.line_id)
                .where(promise_moved),
            )
        )
        unchanged = (
            (lines.c.status == table.c.status)
            & (lines.c.allocated_quantity == table.c.allocated)
            & (lines.c.backordered_quantity == table.c.backordered)
            & lines.c.promise_date.is_not_distinct_from(table.c.promise_date)
        )
        # Rewriting unchanged rows would cost a new row version each: skip them.
        self.connection.execute(
            update(lines)
            .where(lines.c.line_id == table.c.line_id, ~unchanged)
            .values(
                status=table.c.status,
                allocated_quantity=table.c.allocated,
                backordered_quantity=table.c.backordered,
                promise_date=table.c.promise_date,
                backordered_since=case(
                    (table.c.backordered > 0, func.coalesce(lines.c.backordered_since, today)),
                    else_=None,
                ),
                updated_at=now,
            )
        )
        drop_temporary(self.connection, table.name)
        return [
            OutcomeChange(
                line_id=r.line_id,
                sku=r.sku,
                requested_date=r.requested_date,
                old_promise=r.promise_date,
                new_promise=r.new_promise,
                was_backordered=r.backordered_quantity > 0,
                backordered=r.backordered,
                allocated=r.allocated,
            )
            for r in changed
        ]

    def record_shipments(
        self, shipped: Sequence[ShippedPiece], today: date, now: datetime
    ) -> dict[int, LineStatus]:
        """Store shipments and count them on their lines; returns each line's new status."""
        by_line: dict[int, int] = {}
        for piece in shipped:
            by_line[piece.line_id] = by_line.get(piece.line_id, 0) + piece.quantity
        lines = orm.order_lines
        current = {}
        for chunk in value_chunks([str(i) for i in by_line]):
            assert chunk is not None
            ids = [int(i) for i in chunk]
            for row in self.connection.execute(select(lines).where(lines.c.line_id.in_(ids))):
                current[row.line_id] = row
        updates, statuses = [], {}
        for line_id, quantity in by_line.items():
            row = current[line_id]
            shipped_total = row.shipped_quantity + quantity
            done = shipped_total >= row.quantity
            status = LineStatus.SHIPPED if done else LineStatus(row.status)
            statuses[line_id] = status
            updates.append(
                {
                    "k_line_id": line_id,
                    "v_shipped_quantity": shipped_total,
                    "v_status": status.value,
                    "v_allocated_quantity": max(row.allocated_quantity - quantity, 0),
                    "v_backordered_quantity": 0 if done else row.backordered_quantity,
                    "v_backordered_since": None if done else row.backordered_since,
                    "v_updated_at": now,
                }
            )
        if updates:
            self.connection.execute(_SHIP_LINE, updates)
            self.connection.execute(
                _ADD_SHIPMENT,
                [
                    {
                        "line_id": p.line_id,
                        "sku": p.sku,
                        "location": p.location,
                        "quantity": p.quantity,
                        "shipped_on": today,
                        "requested_date": current[p.line_id].requested_date,
                        "promise_date": current[p.line_id].promise_date,
                    }
                    for p in shipped
                ],
            )
        return statuses

    def _record_few_outcomes(
        self,
        outcomes: Sequence[tuple[int, str, int, int, date | None]],
        *,
        today: date,
        now: datetime,
        reason: str,
    ) -> list[OutcomeChange]:
        # A handful of lines (an API order): plain statements beat temporary tables.
        lines = orm.order_lines
        ids = [o[0] for o in outcomes]
        current = {
            r.line_id: r
            for r in self.connection.execute(
                select(
                    lines.c.line_id,
                    lines.c.sku,
                    lines.c.requested_date,
                    lines.c.promise_date,
                    lines.c.status,
                    lines.c.allocated_quantity,
                    lines.c.backordered_quantity,
                    lines.c.backordered_since,
                    lines.c.order_id,
                    lines.c.customer,
                    lines.c.quantity,
                    lines.c.shipped_quantity,
                    lines.c.unit_price,
                    _was_promised(lines),
                ).where(lines.c.line_id.in_(ids))
            )
        }
        updates, history, changes, moves = [], [], [], []
        for line_id, status, allocated, backordered, promise in outcomes:
            row = current[line_id]
            if (row.status, row.allocated_quantity, row.backordered_quantity, row.promise_date) == (
                status,
                allocated,
                backordered,
                promise,
            ):
                continue
            since = (row.backordered_since or today) if backordered else None
            updates.append(
                {
                    "k_line_id": line_id,
                    "v_status": status,
                    "v_allocated_quantity": allocated,
                    "v_backordered_quantity": backordered,
                    "v_promise_date": promise,
                    "v_backordered_since": since,
                    "v_updated_at": now,
                }
            )
            if row.promise_date != promise:
                history.append(
                    {
                        "line_id": line_id,
                        "at": now,
                        "old_promise_date": row.promise_date,
                        "promise_date": promise,
                        "reason": reason,
                    }
                )
                moves.append(_move(row, promise))
            if row.promise_date != promise or (row.backordered_quantity > 0) != (backordered > 0):
                changes.append(
                    OutcomeChange(
                        line_id=line_id,
                        sku=row.sku,
                        requested_date=row.requested_date,
                        old_promise=row.promise_date,
                        new_promise=promise,
                        was_backordered=row.backordered_quantity > 0,
                        backordered=backordered,
                        allocated=allocated,
                    )
                )
        if updates:
            self.connection.execute(_SET_OUTCOME, updates)
        if history:
            self.connection.execute(insert(orm.promise_history), history)
            self.finance.record_promise_moves(moves, now=now, reason=reason)
        return changes

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
