"""Supply: stock on hand per item x DC, purchase orders and their lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Integer, bindparam, case, func, insert, select, update

from backorder.adapters import orm
from backorder.domain.model import ConfirmationState, SupplyKind, SupplySource

# Statements used once per line or receipt are built once: SQLAlchemy then reuses their
# compiled form, which cuts the per-call overhead several-fold.
_inv = orm.inventory
_ON_HAND = select(_inv.c.on_hand).where(
    _inv.c.sku == bindparam("sku"), _inv.c.location == bindparam("location")
)
_SET_ON_HAND = (
    update(_inv)
    .where(_inv.c.sku == bindparam("k_sku"), _inv.c.location == bindparam("k_location"))
    .values(on_hand=bindparam("v_on_hand"), updated_at=bindparam("v_updated_at"))
)
_ADD_STOCK = insert(_inv)
_new_level = _inv.c.on_hand + bindparam("delta", type_=Integer)
_CHANGE_ON_HAND = (
    update(_inv)
    .where(_inv.c.sku == bindparam("k_sku"), _inv.c.location == bindparam("k_location"))
    .values(
        on_hand=case((_new_level < 0, 0), else_=_new_level), updated_at=bindparam("v_updated_at")
    )
)
_ADD_ON_HAND = _CHANGE_ON_HAND.returning(_inv.c.on_hand)
_pol = orm.purchase_order_lines
_CONFIRM = (
    update(_pol)
    .where(_pol.c.source_id == bindparam("k_source_id"))
    .values(
        confirmed_date=bindparam("v_confirmed_date"),
        confirmation=ConfirmationState.CONFIRMED.value,
        quantity=func.coalesce(bindparam("new_quantity", type_=Integer), _pol.c.quantity),
        # The first acknowledgement's time stays: it is what acknowledgement latency counts.
        acknowledged_at=func.coalesce(_pol.c.acknowledged_at, bindparam("v_updated_at")),
        updated_at=bindparam("v_updated_at"),
    )
)
_SHIPPED = (
    update(_pol)
    .where(_pol.c.source_id == bindparam("k_source_id"))
    .values(
        confirmation=ConfirmationState.SHIPPED.value,
        confirmed_date=bindparam("v_expected_date"),
        updated_at=bindparam("v_updated_at"),
    )
)
_REJECTED = (
    update(_pol)
    .where(_pol.c.source_id == bindparam("k_source_id"))
    .values(
        confirmation=ConfirmationState.REJECTED.value,
        # What was received stays; nothing more is coming.
        quantity=_pol.c.received_quantity,
        updated_at=bindparam("v_updated_at"),
    )
)
_RECEIVED = (
    update(_pol)
    .where(_pol.c.source_id == bindparam("k_source_id"))
    .values(
        received_quantity=_pol.c.received_quantity + bindparam("received", type_=Integer),
        updated_at=bindparam("v_updated_at"),
    )
)


_PO_LINE = (
    select(_pol, orm.purchase_orders.c.supplier)
    .join(orm.purchase_orders, orm.purchase_orders.c.po_number == _pol.c.po_number)
    .where(_pol.c.source_id == bindparam("source_id"))
)
_PO_LINES_BY_ID = (
    select(_pol, orm.purchase_orders.c.supplier)
    .join(orm.purchase_orders, orm.purchase_orders.c.po_number == _pol.c.po_number)
    .where(_pol.c.source_id.in_(bindparam("values", expanding=True)))
    .order_by(_pol.c.po_number, _pol.c.line_number)
)
_EXISTING_POS = select(orm.purchase_orders.c.po_number).where(
    orm.purchase_orders.c.po_number.in_(bindparam("values", expanding=True))
)
_LEVELS = select(_inv.c.sku, _inv.c.location, _inv.c.on_hand).where(
    _inv.c.sku.in_(bindparam("values", expanding=True))
)
_ADD_PO = insert(orm.purchase_orders)
_ADD_PO_LINES = insert(orm.purchase_order_lines)


def value_chunks(values: Sequence[str] | None, size: int = 900) -> list[list[str] | None]:
    """Distinct values in chunks small enough for an `IN (...)`; [None] means "no filter"."""
    if values is None:
        return [None]
    unique = sorted(set(values))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def on_hand_source_id(sku: str, location: str) -> str:
    """Supply-source id of the stock of `sku` at `location`."""
    return f"OH/{sku}/{location}"


@dataclass(frozen=True)
class PurchaseOrderLine:
    """A purchase-order line as stored."""

    source_id: str
    po_number: str
    line_number: int
    supplier: str
    sku: str
    location: str
    quantity: int
    received_quantity: int
    expected_date: date
    confirmed_date: date | None
    confirmation: ConfirmationState
    unit_cost: float

    @property
    def open_quantity(self) -> int:
        """Units not yet received."""
        return max(self.quantity - self.received_quantity, 0)

    @property
    def due_date(self) -> date:
        """The supplier's confirmed date when there is one, else the expected date."""
        return self.confirmed_date or self.expected_date


class SupplyRepository:
    """Reads and writes stock and purchase orders on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- stock ---------------------------------------------------------------------------

    def on_hand(self, sku: str, location: str) -> int | None:
        """Units on hand, or None when the item was never stocked there."""
        value: int | None = self.connection.execute(
            _ON_HAND, {"sku": sku, "location": location}
        ).scalar_one_or_none()
        return value

    def set_on_hand(self, sku: str, location: str, quantity: int, now: datetime) -> int:
        """Set the stock level (snapshot); returns the previous level."""
        before = self.on_hand(sku, location)
        if before is None:
            self.connection.execute(
                _ADD_STOCK,
                {"sku": sku, "location": location, "on_hand": quantity, "updated_at": now},
            )
            return 0
        self.connection.execute(
            _SET_ON_HAND,
            {"k_sku": sku, "k_location": location, "v_on_hand": quantity, "v_updated_at": now},
        )
        return before

    def set_levels(
        self, levels: dict[tuple[str, str], int], now: datetime
    ) -> dict[tuple[str, str], int]:
        """Set many stock levels in bulk; returns the levels before (absent: not stocked)."""
        before: dict[tuple[str, str], int] = {}
        for chunk in value_chunks([sku for sku, _ in levels]):
            assert chunk is not None
            rows = self.connection.execute(
                select(_inv.c.sku, _inv.c.location, _inv.c.on_hand).where(_inv.c.sku.in_(chunk))
            )
            before.update({(r.sku, r.location): r.on_hand for r in rows})
        updates = [
            {"k_sku": sku, "k_location": loc, "v_on_hand": q, "v_updated_at": now}
            for (sku, loc), q in levels.items()
            if (sku, loc) in before
        ]
        inserts = [
            {"sku": sku, "location": loc, "on_hand": q, "updated_at": now}
            for (sku, loc), q in levels.items()
            if (sku, loc) not in before
        ]
        if updates:
            self.connection.execute(_SET_ON_HAND, updates)
        if inserts:
            self.connection.execute(_ADD_STOCK, inserts)
        return before

    def add_on_hand_many(self, deltas: Sequence[tuple[str, str, int]], now: datetime) -> list[int]:
        """`add_on_hand` for many (sku, location, delta) in turn; the level after each.

        One read and one write per batch: the levels are worked out here exactly as the
        one-row statement would (never below zero, a missing row created at the delta),
        which holds because the caller has locked the items.
        """
        levels: dict[tuple[str, str], int] = {}
        for chunk in value_chunks([sku for sku, _, _ in deltas]):
            assert chunk is not None
            rows = self.connection.execute(_LEVELS, {"values": chunk})
            levels.update({(r.sku, r.location): r.on_hand for r in rows})
        stocked = set(levels)
        after: list[int] = []
        for sku, location, delta in deltas:
            key = (sku, location)
            level = max(levels[key] + delta, 0) if key in levels else max(delta, 0)
            levels[key] = level
            after.append(level)
        touched = dict.fromkeys((sku, location) for sku, location, _ in deltas)
        updates = [
            {"k_sku": sku, "k_location": loc, "v_on_hand": levels[(sku, loc)], "v_updated_at": now}
            for sku, loc in touched
            if (sku, loc) in stocked
        ]
        inserts = [
            {"sku": sku, "location": loc, "on_hand": levels[(sku, loc)], "updated_at": now}
            for sku, loc in touched
            if (sku, loc) not in stocked
        ]
        if updates:
            self.connection.execute(_SET_ON_HAND, updates)
        if inserts:
            self.connection.execute(_ADD_STOCK, inserts)
        return after

    def add_on_hand(self, sku: str, location: str, delta: int, now: datetime) -> int:
        """Add (or, negative, take) units on hand, never below zero; returns the new level."""
        level = self.connection.execute(
            _ADD_ON_HAND,
            {"k_sku": sku, "k_location": location, "delta": delta, "v_updated_at": now},
        ).scalar_one_or_none()
        if level is not None:
            return int(level)
        created = max(delta, 0)
        self.connection.execute(
            _ADD_STOCK, {"sku": sku, "location": location, "on_hand": created, "updated_at": now}
        )
        return created

    def change_on_hand(self, deltas: dict[tuple[str, str], int], now: datetime) -> None:
        """Add (or take) units on hand for many stocked item x DCs at once (never below zero)."""
        if deltas:
            self.connection.execute(
                _CHANGE_ON_HAND,
                [
                    {"k_sku": sku, "k_location": location, "delta": delta, "v_updated_at": now}
                    for (sku, location), delta in deltas.items()
                ],
            )

    def stock(self, skus: Sequence[str] | None = None) -> list[tuple[str, str, int]]:
        """(sku, location, on hand) rows, for some items or all."""
        query = select(orm.inventory.c.sku, orm.inventory.c.location, orm.inventory.c.on_hand)
        rows: list[tuple[str, str, int]] = []
        for chunk in value_chunks(skus):
            selected = query if chunk is None else query.where(orm.inventory.c.sku.in_(chunk))
            rows.extend(
                (r.sku, r.location, r.on_hand)
                for r in self.connection.execute(
                    selected.order_by(orm.inventory.c.sku, orm.inventory.c.location)
                )
            )
        return rows

    # -- purchase orders -----------------------------------------------------------------

    def po_exists(self, po_number: str) -> bool:
        """True when the purchase order exists."""
        found = self.connection.execute(
            select(orm.purchase_orders.c.po_number).where(
                orm.purchase_orders.c.po_number == po_number
            )
        ).first()
        return found is not None

    def existing_purchase_orders(self, po_numbers: Sequence[str]) -> set[str]:
        """Which of the PO numbers are already stored."""
        found: set[str] = set()
        for chunk in value_chunks(po_numbers):
            assert chunk is not None
            found.update(r[0] for r in self.connection.execute(_EXISTING_POS, {"values": chunk}))
        return found

    def add_purchase_order(
        self, po_number: str, supplier: str, lines: Sequence[PurchaseOrderLine], now: datetime
    ) -> None:
        """Store a purchase order with its lines."""
        self.add_purchase_orders([(po_number, supplier, lines)], now)

    def add_purchase_orders(
        self,
        orders: Sequence[tuple[str, str, Sequence[PurchaseOrderLine]]],
        now: datetime,
    ) -> None:
        """Store many purchase orders (number, supplier, lines) in two statements."""
        if not orders:
            return
        self.connection.execute(
            _ADD_PO,
            [
                {"po_number": po, "supplier": supplier, "created_at": now, "status": "open"}
                for po, supplier, _ in orders
            ],
        )
        rows = [
            {
                "source_id": line.source_id,
                "po_number": po,
                "line_number": line.line_number,
                "sku": line.sku,
                "location": line.location,
                "quantity": line.quantity,
                "received_quantity": line.received_quantity,
                "expected_date": line.expected_date,
                "confirmed_date": line.confirmed_date,
                "confirmation": line.confirmation.value,
                "unit_cost": line.unit_cost,
                "updated_at": now,
            }
            for po, _, lines in orders
            for line in lines
        ]
        if rows:
            self.connection.execute(_ADD_PO_LINES, rows)

    def po_lines_by_id(self, source_ids: Sequence[str]) -> dict[str, PurchaseOrderLine]:
        """Purchase-order lines by source id (missing ids are left out)."""
        found: dict[str, PurchaseOrderLine] = {}
        for chunk in value_chunks(source_ids):
            assert chunk is not None
            for row in self.connection.execute(_PO_LINES_BY_ID, {"values": chunk}):
                line = _po_line_of(row)
                found[line.source_id] = line
        return found

    def po_line(self, source_id: str) -> PurchaseOrderLine | None:
        """One purchase-order line, or None."""
        row = self.connection.execute(_PO_LINE, {"source_id": source_id}).first()
        return _po_line_of(row) if row is not None else None

    def po_lines(self, po_number: str) -> list[PurchaseOrderLine]:
        """Lines of a purchase order."""
        return self._po_lines(orm.purchase_order_lines.c.po_number == po_number)

    def open_po_lines(self, skus: Sequence[str] | None = None) -> list[PurchaseOrderLine]:
        """Lines with units still to receive (for some items, or all)."""
        line = orm.purchase_order_lines
        open_ = line.c.received_quantity < line.c.quantity
        found: list[PurchaseOrderLine] = []
        for chunk in value_chunks(skus):
            found.extend(self._po_lines(open_ if chunk is None else open_ & line.c.sku.in_(chunk)))
        return found

    def _po_lines(self, clause: Any) -> list[PurchaseOrderLine]:
        lines, pos = orm.purchase_order_lines, orm.purchase_orders
        rows = self.connection.execute(
            select(lines, pos.c.supplier)
            .join(pos, pos.c.po_number == lines.c.po_number)
            .where(clause)
            .order_by(lines.c.po_number, lines.c.line_number)
        )
        return [_po_line_of(r) for r in rows]

    def confirm(
        self, source_id: str, confirmed_date: date, quantity: int | None, now: datetime
    ) -> None:
        """Record a supplier's acknowledgement: date and (optionally) quantity."""
        self.confirm_many([(source_id, confirmed_date, quantity)], now)

    def confirm_many(
        self, confirmations: Sequence[tuple[str, date, int | None]], now: datetime
    ) -> None:
        """Record many acknowledgements, in order: (source id, date, quantity or None)."""
        if confirmations:
            self.connection.execute(
                _CONFIRM,
                [
                    {
                        "k_source_id": source_id,
                        "v_confirmed_date": confirmed_date,
                        "new_quantity": quantity,
                        "v_updated_at": now,
                    }
                    for source_id, confirmed_date, quantity in confirmations
                ],
            )

    def mark_shipped(self, source_id: str, expected_date: date, now: datetime) -> None:
        """Record a ship notice: the units are on their way, due on `expected_date`."""
        self.connection.execute(
            _SHIPPED,
            {"k_source_id": source_id, "v_expected_date": expected_date, "v_updated_at": now},
        )

    def mark_shipped_many(self, shipped: Sequence[tuple[str, date]], now: datetime) -> None:
        """Record many ship notices at once: (source id, expected date) pairs."""
        if shipped:
            self.connection.execute(
                _SHIPPED,
                [
                    {"k_source_id": source_id, "v_expected_date": expected, "v_updated_at": now}
                    for source_id, expected in shipped
                ],
            )

    def reject(self, source_id: str, now: datetime) -> None:
        """Record a supplier's rejection: the units not yet received will not come."""
        self.connection.execute(_REJECTED, {"k_source_id": source_id, "v_updated_at": now})

    def add_received(self, source_id: str, quantity: int, now: datetime) -> None:
        """Count received units against the line."""
        self.add_received_many([(source_id, quantity)], now)

    def add_received_many(self, received: Sequence[tuple[str, int]], now: datetime) -> None:
        """Count received units against many lines: (source id, units) pairs, in one batch."""
        if received:
            self.connection.execute(
                _RECEIVED,
                [
                    {"k_source_id": source_id, "received": quantity, "v_updated_at": now}
                    for source_id, quantity in received
                ],
            )

    # -- supply sources for allocation ---------------------------------------------------

    def sources(self, skus: Sequence[str] | None, today: date) -> list[SupplySource]:
        """Stock on hand (dated today) and open PO lines (dated when due) as supply."""
        sources = [
            SupplySource(
                source_id=on_hand_source_id(sku, location),
                sku=sku,
                location=location,
                quantity=max(on_hand, 0),
                available_date=today,
            )
            for sku, location, on_hand in self.stock(skus)
        ]
        for line in self.open_po_lines(skus):
            sources.append(
                SupplySource(
                    source_id=line.source_id,
                    sku=line.sku,
                    location=line.location,
                    quantity=line.open_quantity,
                    available_date=line.due_date,
                    kind=SupplyKind.PURCHASE_ORDER,
                    confirmation=line.confirmation,
                    supplier=line.supplier,
                    reference=f"{line.po_number} line {line.line_number}",
                )
            )
        return sources


def _po_line_of(r: Any) -> PurchaseOrderLine:
    return PurchaseOrderLine(
        source_id=r.source_id,
        po_number=r.po_number,
        line_number=r.line_number,
        supplier=r.supplier,
        sku=r.sku,
        location=r.location,
        quantity=r.quantity,
        received_quantity=r.received_quantity,
        expected_date=r.expected_date,
        confirmed_date=r.confirmed_date,
        confirmation=ConfirmationState(r.confirmation),
        unit_cost=r.unit_cost,
    )
