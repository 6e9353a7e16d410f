"""Supply: stock snapshots and adjustments, purchase orders, supplier confirmations, receipts.

Every change of supply reallocates the items it touches, so promises follow the stock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from backorder.adapters.repositories.supply import PurchaseOrderLine, on_hand_source_id
from backorder.domain.model import ConfirmationState
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers.allocation import reallocate_items
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StockLevel:
    """Stock of one item at one DC."""

    sku: str
    location: str
    on_hand: int


def _check_place(uow: UnitOfWork, sku: str, location: str, where: str) -> None:
    if not uow.master.known_skus([sku]):
        raise InvalidInputError(f"{where}.sku", f"unknown item {sku!r}")
    if location not in {loc.code for loc in uow.master.locations()}:
        raise InvalidInputError(f"{where}.location", f"unknown location {location!r}")


def set_stock(
    ctx: ServiceContext, levels: Sequence[StockLevel], actor: str, *, reallocate: bool = True
) -> int:
    """Inventory snapshot: set on-hand levels; returns how many changed."""
    with ctx.unit_of_work() as uow:
        for index, level in enumerate(levels):
            _check_place(uow, level.sku, level.location, f"levels[{index}]")
            if level.on_hand < 0:
                raise InvalidInputError(f"levels[{index}].on_hand", "cannot be negative")
        skus = sorted({level.sku for level in levels})
        uow.lock_items(skus)
        changed = 0
        for level in levels:
            before = uow.supply.set_on_hand(
                level.sku, level.location, level.on_hand, uow.clock.now()
            )
            if before != level.on_hand:
                changed += 1
                uow.platform.audit(
                    actor=actor,
                    action="inventory.set",
                    subject=f"inventory/{level.sku}/{level.location}",
                    before={"on_hand": before},
                    after={"on_hand": level.on_hand},
                    now=uow.clock.now(),
                )
        if reallocate and changed:
            reallocate_items(uow, ctx.policy, skus, reason="inventory snapshot")
        uow.commit()
    return changed


def adjust_stock(
    ctx: ServiceContext, sku: str, location: str, delta: int, reason: str, actor: str
) -> int:
    """Add (or remove, when negative) units on hand; returns the new level."""
    with ctx.unit_of_work() as uow:
        _check_place(uow, sku, location, "adjustment")
        uow.lock_items([sku])
        before = uow.supply.on_hand(sku, location) or 0
        after = before + delta
        if after < 0:
            raise InvalidInputError(
                "delta", f"would leave {after} on hand of {sku} at {location} (have {before})"
            )
        uow.supply.set_on_hand(sku, location, after, uow.clock.now())
        uow.platform.audit(
            actor=actor,
            action="inventory.adjusted",
            subject=f"inventory/{sku}/{location}",
            before={"on_hand": before},
            after={"on_hand": after, "reason": reason},
            now=uow.clock.now(),
        )
        reallocate_items(uow, ctx.policy, [sku], reason=f"stock adjustment ({reason})")
        uow.commit()
    return after


@dataclass(frozen=True)
class PurchaseOrderLineInput:
    """A line of a new purchase order."""

    sku: str
    location: str
    quantity: int
    expected_date: date
    unit_cost: float = 0.0


def create_purchase_order(
    ctx: ServiceContext,
    po_number: str,
    supplier: str,
    lines: Sequence[PurchaseOrderLineInput],
    actor: str,
    *,
    reallocate: bool = True,
) -> list[str]:
    """Record an open purchase order; its lines become future supply. Returns source ids."""
    if not lines:
        raise InvalidInputError("lines", "a purchase order needs at least one line")
    with ctx.unit_of_work() as uow:
        if uow.supply.po_exists(po_number):
            raise ConflictError(f"po_number: purchase order {po_number!r} already exists")
        if supplier not in {s.code for s in uow.master.suppliers()}:
            raise InvalidInputError("supplier", f"unknown supplier {supplier!r}")
        stored = []
        for index, line in enumerate(lines, start=1):
            _check_place(uow, line.sku, line.location, f"lines[{index - 1}]")
            if line.quantity <= 0:
                raise InvalidInputError(f"lines[{index - 1}].quantity", "must be greater than 0")
            stored.append(
                PurchaseOrderLine(
                    source_id=f"{po_number}/{index}",
                    po_number=po_number,
                    line_number=index,
                    supplier=supplier,
                    sku=line.sku,
                    location=line.location,
                    quantity=line.quantity,
                    received_quantity=0,
                    expected_date=line.expected_date,
                    confirmed_date=None,
                    confirmation=ConfirmationState.UNCONFIRMED,
                    unit_cost=line.unit_cost,
                )
            )
        skus = sorted({line.sku for line in lines})
        uow.lock_items(skus)
        uow.supply.add_purchase_order(po_number, supplier, stored, uow.clock.now())
        uow.platform.audit(
            actor=actor,
            action="purchase_order.created",
            subject=f"purchase-order/{po_number}",
            before=None,
            after={"supplier": supplier, "lines": [s.source_id for s in stored]},
            now=uow.clock.now(),
        )
        if reallocate:
            reallocate_items(uow, ctx.policy, skus, reason=f"purchase order {po_number}")
        uow.commit()
    return [s.source_id for s in stored]


def _po_line(uow: UnitOfWork, po_number: str, line_number: int) -> PurchaseOrderLine:
    line = uow.supply.po_line(f"{po_number}/{line_number}")
    if line is None:
        raise NotFoundError(f"purchase order {po_number} has no line {line_number}")
    return line


def confirm_po_line(
    ctx: ServiceContext,
    po_number: str,
    line_number: int,
    confirmed_date: date,
    quantity: int | None,
    actor: str,
    *,
    reallocate: bool = True,
) -> None:
    """Supplier acknowledgement (855): the date (and quantity) the supplier commits to."""
    with ctx.unit_of_work() as uow:
        line = _po_line(uow, po_number, line_number)
        if quantity is not None and quantity < line.received_quantity:
            raise InvalidInputError(
                "quantity", f"cannot be below the {line.received_quantity} units already received"
            )
        uow.lock_items([line.sku])
        uow.supply.confirm(line.source_id, confirmed_date, quantity, uow.clock.now())
        uow.platform.audit(
            actor=actor,
            action="purchase_order.confirmed",
            subject=f"purchase-order/{po_number}/{line_number}",
            before={"expected_date": line.expected_date.isoformat(), "quantity": line.quantity},
            after={"confirmed_date": confirmed_date.isoformat(), "quantity": quantity},
            now=uow.clock.now(),
        )
        if reallocate:
            reallocate_items(uow, ctx.policy, [line.sku], reason=f"supplier confirmed {po_number}")
        uow.commit()


def record_ship_notice(
    ctx: ServiceContext,
    po_number: str,
    line_number: int,
    quantity: int,
    expected_date: date,
    actor: str,
    *,
    reallocate: bool = True,
) -> None:
    """Supplier ship notice (856): the units are on their way, due on `expected_date`."""
    if quantity <= 0:
        raise InvalidInputError("quantity", "must be greater than 0")
    with ctx.unit_of_work() as uow:
        line = _po_line(uow, po_number, line_number)
        uow.lock_items([line.sku])
        uow.supply.mark_shipped(line.source_id, expected_date, uow.clock.now())
        uow.platform.audit(
            actor=actor,
            action="purchase_order.shipped",
            subject=f"purchase-order/{po_number}/{line_number}",
            before={"due_date": line.due_date.isoformat(), "confirmation": line.confirmation.value},
            after={"expected_date": expected_date.isoformat(), "quantity": quantity},
            now=uow.clock.now(),
        )
        if reallocate:
            reallocate_items(uow, ctx.policy, [line.sku], reason=f"ship notice for {po_number}")
        uow.commit()


def receive(
    ctx: ServiceContext,
    po_number: str,
    line_number: int,
    quantity: int,
    actor: str,
    *,
    reallocate: bool = True,
) -> int:
    """Goods receipt against a PO line: stock rises, allocations follow, the item is reallocated.

    Returns the units still open on the line.
    """
    if quantity <= 0:
        raise InvalidInputError("quantity", "must be greater than 0")
    with ctx.unit_of_work() as uow:
        line = _po_line(uow, po_number, line_number)
        uow.lock_items([line.sku])
        stock_id = on_hand_source_id(line.sku, line.location)
        on_hand = uow.supply.on_hand(line.sku, line.location) or 0
        uow.supply.set_on_hand(line.sku, line.location, on_hand + quantity, uow.clock.now())
        uow.supply.add_received(line.source_id, quantity, uow.clock.now())
        uow.allocations.move_to_stock(line.source_id, stock_id, quantity)
        uow.platform.audit(
            actor=actor,
            action="purchase_order.received",
            subject=f"purchase-order/{po_number}/{line_number}",
            before={"received_quantity": line.received_quantity, "on_hand": on_hand},
            after={
                "received_quantity": line.received_quantity + quantity,
                "on_hand": on_hand + quantity,
            },
            now=uow.clock.now(),
        )
        if reallocate:
            reallocate_items(uow, ctx.policy, [line.sku], reason=f"receipt on {po_number}")
        uow.commit()
    return max(line.open_quantity - quantity, 0)
