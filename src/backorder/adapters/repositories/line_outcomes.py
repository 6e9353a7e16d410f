"""Writing what allocation decided onto order lines: outcomes, promise history, shipments.

Part of `OrderRepository` (a mixin on its connection): the bulk paths that runs and
intake batches take, kept apart from the reads and single-line changes of orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    bindparam,
    case,
    exists,
    func,
    insert,
    select,
    update,
)

from backorder.adapters import orm
from backorder.adapters.bulk import (
    drop_temporary,
    insert_rows,
    is_postgres,
    outcome_table,
    update_rows,
)
from backorder.adapters.repositories.finance import FinanceRepository, PromiseMove
from backorder.domain.model import LineStatus, OrderLine


@dataclass(frozen=True)
class ShippedPiece:
    """Units of one line shipped from one DC."""

    line_id: int
    sku: str
    location: str
    quantity: int


class OutcomeChange(NamedTuple):
    """A line whose promise date or backorder state changed in a bulk update.

    A named tuple: a batch run makes one per changed line, up to one per open line.
    """

    line_id: int
    sku: str
    requested_date: date
    old_promise: date | None
    new_promise: date | None
    was_backordered: bool
    backordered: int
    allocated: int


SMALL_BATCH = 50  # up to this many line outcomes, plain statements instead of a temp table
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
_OUTCOME_COLUMNS = (
    "status",
    "allocated_quantity",
    "backordered_quantity",
    "promise_date",
    "backordered_since",
    "updated_at",
)
# A line just placed also keeps its first promise as its intake promise.
_NEW_OUTCOME_COLUMNS = (
    "status",
    "allocated_quantity",
    "backordered_quantity",
    "promise_date",
    "intake_promise_date",
    "backordered_since",
    "updated_at",
)
_HISTORY_COLUMNS = ("line_id", "at", "old_promise_date", "promise_date", "reason")
_SHIPPED_COLUMNS = (
    "shipped_quantity",
    "status",
    "allocated_quantity",
    "backordered_quantity",
    "backordered_since",
    "updated_at",
)
_SHIPMENT_COLUMNS = (
    "line_id",
    "sku",
    "location",
    "quantity",
    "shipped_on",
    "requested_date",
    "promise_date",
)
_ol = orm.order_lines
# What shipping needs of a line, and no more (every column read is converted per row).
_SHIPPING_STATE = select(
    _ol.c.line_id,
    _ol.c.quantity,
    _ol.c.shipped_quantity,
    _ol.c.status,
    _ol.c.allocated_quantity,
    _ol.c.backordered_quantity,
    _ol.c.backordered_since,
    _ol.c.requested_date,
    _ol.c.promise_date,
).where(_ol.c.line_id.in_(bindparam("ids", expanding=True)))


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


class LineOutcomeWrites:
    """Outcomes and shipments of order lines (mixed into `OrderRepository`)."""

    connection: Connection
    finance: FinanceRepository

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
        # One pass over the changed lines (up to every open line of a batch run) gathers
        # their events, promise history and promise moves. A first promise is a booking,
        # not a shift (`record_promise_moves` skips it): most lines of a first run, not
        # worth a move object each.
        changes: list[OutcomeChange] = []
        history: list[tuple[Any, ...]] = []
        moves: list[PromiseMove] = []
        for row in changed:
            line_id, sku, requested, old, new, held_backordered, backordered, allocated = row[:8]
            changes.append(
                OutcomeChange(
                    line_id, sku, requested, old, new, held_backordered > 0, backordered, allocated
                )
            )
            if old != new:
                # The moved lines are among those just read: their history goes by COPY,
                # with no second join of the outcomes with every line.
                history.append((line_id, now, old, new, reason))
                if old is not None or row.was_promised:
                    moves.append(_move(row, new))
        self.finance.record_promise_moves(moves, now=now, reason=reason)
        insert_rows(self.connection, orm.promise_history, _HISTORY_COLUMNS, history)
        unchanged = (
            (lines.c.status == table.c.status)
            & (lines.c.allocated_quantity == table.c.allocated)
            & (lines.c.backordered_quantity == table.c.backordered)
            & lines.c.promise_date.is_not_distinct_from(table.c.promise_date)
        )
        # Rewriting unchanged rows would cost a new row version each: skip them. The IN is
        # redundant but lets SQLite (no statistics) drive from the outcomes, not scan every
        # line; PostgreSQL would join the outcomes twice for it.
        drive = (
            () if is_postgres(self.connection) else (lines.c.line_id.in_(select(table.c.line_id)),)
        )
        self.connection.execute(
            update(lines)
            .where(lines.c.line_id == table.c.line_id, *drive, ~unchanged)
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
        return changes

    def record_new_outcomes(
        self,
        outcomes: Sequence[tuple[int, str, int, int, date | None]],
        lines: Sequence[OrderLine],
        *,
        today: date,
        now: datetime,
        reason: str,
    ) -> list[OutcomeChange]:
        """`record_outcomes` for lines `add_orders` stored in this transaction.

        Such a line is open, holds nothing, was never promised and has no history, so
        what changes is known without reading it back. `lines[i]` is the line of
        `outcomes[i]`.
        """
        updates: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        changes, moves = [], []
        for (line_id, status, allocated, backordered, promise), line in zip(
            outcomes, lines, strict=True
        ):
            if (status, allocated, backordered, promise) == (LineStatus.OPEN.value, 0, 0, None):
                continue
            since = today if backordered > 0 else None
            updates.append((status, allocated, backordered, promise, promise, since, now, line_id))
            if promise is None and backordered <= 0:
                continue  # neither promised nor backordered: nothing to tell
            if promise is not None:
                history.append((line_id, now, None, promise, reason))
                moves.append(
                    PromiseMove(
                        line_id=line_id,
                        order_id=line.order_id,
                        customer=line.customer,
                        open_quantity=line.quantity - line.shipped_quantity,
                        unit_price=line.unit_price,
                        old_promise=None,
                        new_promise=promise,
                        was_promised=False,
                    )
                )
            changes.append(
                OutcomeChange(
                    line_id=line_id,
                    sku=line.sku,
                    requested_date=line.requested_date,
                    old_promise=None,
                    new_promise=promise,
                    was_backordered=False,
                    backordered=backordered,
                    allocated=allocated,
                )
            )
        # A batch of orders has tens of thousands of lines: bulk writes, no per-row processing.
        update_rows(self.connection, orm.order_lines, _NEW_OUTCOME_COLUMNS, ("line_id",), updates)
        if history:
            insert_rows(self.connection, orm.promise_history, _HISTORY_COLUMNS, history)
            self.finance.record_promise_moves(moves, now=now, reason=reason)
        return changes

    def record_shipments(
        self, shipped: Sequence[ShippedPiece], today: date, now: datetime
    ) -> dict[int, LineStatus]:
        """Store shipments and count them on their lines; returns each line's new status."""
        by_line: dict[int, int] = {}
        for piece in shipped:
            by_line[piece.line_id] = by_line.get(piece.line_id, 0) + piece.quantity
        current = {}
        ids = list(by_line)
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for row in self.connection.execute(_SHIPPING_STATE, {"ids": chunk}):
                current[row.line_id] = row
        updates, statuses = [], {}
        for line_id, quantity in by_line.items():
            row = current[line_id]
            shipped_total = row.shipped_quantity + quantity
            done = shipped_total >= row.quantity
            status = LineStatus.SHIPPED if done else LineStatus(row.status)
            statuses[line_id] = status
            updates.append(
                (
                    shipped_total,
                    status.value,
                    max(row.allocated_quantity - quantity, 0),
                    0 if done else row.backordered_quantity,
                    None if done else row.backordered_since,
                    now,
                    line_id,
                )
            )
        if updates:
            # A day's shipments are thousands of lines: bulk writes, no per-row processing.
            update_rows(self.connection, orm.order_lines, _SHIPPED_COLUMNS, ("line_id",), updates)
            insert_rows(
                self.connection,
                orm.shipments,
                _SHIPMENT_COLUMNS,
                [
                    (
                        p.line_id,
                        p.sku,
                        p.location,
                        p.quantity,
                        today,
                        current[p.line_id].requested_date,
                        current[p.line_id].promise_date,
                    )
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
