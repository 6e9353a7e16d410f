"""Supply: stock on hand per item x DC, purchase orders and their lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, insert, select, update

from backorder.adapters import orm
from backorder.domain.model import ConfirmationState, SupplyKind, SupplySource


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
            select(orm.inventory.c.on_hand).where(
                orm.inventory.c.sku == sku, orm.inventory.c.location == location
            )
        ).scalar_one_or_none()
        return value

    def set_on_hand(self, sku: str, location: str, quantity: int, now: datetime) -> int:
        """Set the stock level (snapshot); returns the previous level."""
        before = self.on_hand(sku, location)
        if before is None:
            self.connection.execute(
                insert(orm.inventory).values(
                    sku=sku, location=location, on_hand=quantity, updated_at=now
                )
            )
            return 0
        self.connection.execute(
            update(orm.inventory)
            .where(orm.inventory.c.sku == sku, orm.inventory.c.location == location)
            .values(on_hand=quantity, updated_at=now)
        )
        return before

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

    def add_purchase_order(
        self, po_number: str, supplier: str, lines: Sequence[PurchaseOrderLine], now: datetime
    ) -> None:
        """Store a purchase order with its lines."""
        self.connection.execute(
            insert(orm.purchase_orders).values(
                po_number=po_number, supplier=supplier, created_at=now, status="open"
            )
        )
        self.connection.execute(
            insert(orm.purchase_order_lines),
            [
                {
                    "source_id": line.source_id,
                    "po_number": po_number,
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
                for line in lines
            ],
        )

    def po_line(self, source_id: str) -> PurchaseOrderLine | None:
        """One purchase-order line, or None."""
        rows = self._po_lines(orm.purchase_order_lines.c.source_id == source_id)
        return rows[0] if rows else None

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

    def _po_lines(self, clause: object) -> list[PurchaseOrderLine]:
        lines, pos = orm.purchase_order_lines, orm.purchase_orders
        rows = self.connection.execute(
            select(lines, pos.c.supplier)
            .join(pos, pos.c.po_number == lines.c.po_number)
            .where(clause)  # type: ignore[arg-type]
            .order_by(lines.c.po_number, lines.c.line_number)
        )
        return [
            PurchaseOrderLine(
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
            for r in rows
        ]

    def confirm(
        self, source_id: str, confirmed_date: date, quantity: int | None, now: datetime
    ) -> None:
        """Record a supplier's acknowledgement: date and (optionally) quantity."""
        values: dict[str, object] = {
            "confirmed_date": confirmed_date,
            "confirmation": ConfirmationState.CONFIRMED.value,
            "updated_at": now,
        }
        if quantity is not None:
            values["quantity"] = quantity
        self.connection.execute(
            update(orm.purchase_order_lines)
            .where(orm.purchase_order_lines.c.source_id == source_id)
            .values(**values)
        )

    def mark_shipped(self, source_id: str, expected_date: date, now: datetime) -> None:
        """Record a ship notice: the units are on their way, due on `expected_date`."""
        self.connection.execute(
            update(orm.purchase_order_lines)
            .where(orm.purchase_order_lines.c.source_id == source_id)
            .values(
                confirmation=ConfirmationState.SHIPPED.value,
                confirmed_date=expected_date,
                updated_at=now,
            )
        )

    def add_received(self, source_id: str, quantity: int, now: datetime) -> None:
        """Count received units against the line."""
        line = orm.purchase_order_lines
        self.connection.execute(
            update(line)
            .where(line.c.source_id == source_id)
            .values(received_quantity=line.c.received_quantity + quantity, updated_at=now)
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
