"""Purchasing: purchase orders, supplier acknowledgements (855), ship notices (856), receipts.

Each handler takes a batch (an EDI file or an ERP feed carries many lines) and does it in
one transaction; the single-line forms used by the API are batches of one. Every change
of supply reallocates the items it touches, unless the caller batches that too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from backorder.adapters.repositories.supply import PurchaseOrderLine, on_hand_source_id
from backorder.domain.model import ConfirmationState
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers.allocation import lock_substitution_groups, reallocate_items
from backorder.service_layer.handlers.supplier_follow_up import note_slip
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PurchaseOrderLineInput:
    """A line of a new purchase order."""

    sku: str
    location: str
    quantity: int
    expected_date: date
    unit_cost: float = 0.0
    confirmation: ConfirmationState = ConfirmationState.UNCONFIRMED


@dataclass(frozen=True)
class PurchaseOrderInput:
    """A new purchase order."""

    po_number: str
    supplier: str
    lines: tuple[PurchaseOrderLineInput, ...]


@dataclass(frozen=True)
class LineConfirmation:
    """A supplier's acknowledgement of one PO line: its date and (optionally) quantity."""

    po_number: str
    line_number: int
    confirmed_date: date
    quantity: int | None = None


@dataclass(frozen=True)
class ShipNotice:
    """A supplier shipped units of one PO line, due on `expected_date`."""

    po_number: str
    line_number: int
    quantity: int
    expected_date: date


@dataclass(frozen=True)
class GoodsReceipt:
    """Units of one PO line received at its DC."""

    po_number: str
    line_number: int
    quantity: int


def _finish(
    uow: UnitOfWork, ctx: ServiceContext, skus: set[str], reallocate: bool, why: str
) -> None:
    if reallocate and skus:
        reallocate_items(uow, ctx.policy, sorted(skus), reason=why)
    uow.commit()


def create_purchase_orders(
    ctx: ServiceContext,
    orders: Sequence[PurchaseOrderInput],
    actor: str,
    *,
    reallocate: bool = True,
) -> list[list[str]]:
    """Record open purchase orders; their lines become future supply. Returns source ids."""
    with ctx.unit_of_work() as uow:
        suppliers = {s.code for s in uow.master.suppliers()}
        locations = {loc.code for loc in uow.master.locations()}
        known = uow.master.known_skus(line.sku for po in orders for line in po.lines)
        existing = uow.supply.existing_purchase_orders([po.po_number for po in orders])
        skus: set[str] = set()
        created = []
        new_orders: list[tuple[str, str, list[PurchaseOrderLine]]] = []
        for index, po in enumerate(orders):
            where = f"purchase_orders[{index}]." if len(orders) > 1 else ""
            if not po.lines:
                raise InvalidInputError(f"{where}lines", "a purchase order needs at least one line")
            if po.po_number in existing:
                raise ConflictError(f"po_number: purchase order {po.po_number!r} already exists")
            if po.supplier not in suppliers:
                raise InvalidInputError(f"{where}supplier", f"unknown supplier {po.supplier!r}")
            stored = []
            for number, line in enumerate(po.lines, start=1):
                field = f"{where}lines[{number - 1}]"
                if line.sku not in known:
                    raise InvalidInputError(f"{field}.sku", f"unknown item {line.sku!r}")
                if line.location not in locations:
                    raise InvalidInputError(
                        f"{field}.location", f"unknown location {line.location!r}"
                    )
                if line.quantity <= 0:
                    raise InvalidInputError(f"{field}.quantity", "must be greater than 0")
                confirmed = line.confirmation is not ConfirmationState.UNCONFIRMED
                stored.append(
                    PurchaseOrderLine(
                        source_id=f"{po.po_number}/{number}",
                        po_number=po.po_number,
                        line_number=number,
                        supplier=po.supplier,
                        sku=line.sku,
                        location=line.location,
                        quantity=line.quantity,
                        received_quantity=0,
                        expected_date=line.expected_date,
                        confirmed_date=line.expected_date if confirmed else None,
                        confirmation=line.confirmation,
                        unit_cost=line.unit_cost,
                    )
                )
                skus.add(line.sku)
            # A PO number given twice in one batch exists by the time its second copy is met.
            existing.add(po.po_number)
            new_orders.append((po.po_number, po.supplier, stored))
            uow.platform.audit(
                actor=actor,
                action="purchase_order.created",
                subject=f"purchase-order/{po.po_number}",
                before=None,
                after={"supplier": po.supplier, "lines": [s.source_id for s in stored]},
                now=uow.clock.now(),
            )
            created.append([s.source_id for s in stored])
        # All orders in two statements: a day's purchase orders cost what one does.
        uow.supply.add_purchase_orders(new_orders, uow.clock.now())
        lock_substitution_groups(uow, skus)
        _finish(uow, ctx, skus, reallocate, "new purchase orders")
    return created


def _lines(uow: UnitOfWork, keys: Sequence[tuple[str, int]]) -> list[PurchaseOrderLine]:
    found = uow.supply.po_lines_by_id([f"{po}/{number}" for po, number in keys])
    for po, number in keys:
        if f"{po}/{number}" not in found:
            raise NotFoundError(f"purchase order {po} has no line {number}")
    lock_substitution_groups(uow, {line.sku for line in found.values()})
    if not uow.writes_alone:
        # Read again under the lock: quantities may have moved since the first look.
        found = uow.supply.po_lines_by_id(list(found))
    return [found[f"{po}/{number}"] for po, number in keys]


def confirm_po_lines(
    ctx: ServiceContext,
    confirmations: Sequence[LineConfirmation],
    actor: str,
    *,
    reallocate: bool = True,
) -> None:
    """Supplier acknowledgements (855): the dates (and quantities) suppliers commit to."""
    with ctx.unit_of_work() as uow:
        lines = _lines(uow, [(c.po_number, c.line_number) for c in confirmations])
        # One instant for the audit entries and the lines' first-acknowledgement time.
        now = uow.clock.now()
        confirmed: list[tuple[str, date, int | None]] = []
        for index, (confirmation, line) in enumerate(zip(confirmations, lines, strict=True)):
            quantity = confirmation.quantity
            if quantity is not None and quantity < line.received_quantity:
                field = f"confirmations[{index}].quantity" if len(lines) > 1 else "quantity"
                raise InvalidInputError(
                    field, f"cannot be below the {line.received_quantity} units already received"
                )
            confirmed.append((line.source_id, confirmation.confirmed_date, quantity))
            note_slip(uow, ctx, line, confirmation.confirmed_date, "acknowledgement")
            uow.platform.audit(
                actor=actor,
                action="purchase_order.confirmed",
                subject=f"purchase-order/{line.po_number}/{line.line_number}",
                before={"due_date": line.due_date.isoformat(), "quantity": line.quantity},
                after={
                    "confirmed_date": confirmation.confirmed_date.isoformat(),
                    "quantity": quantity,
                },
                now=now,
            )
        # One round trip for the whole acknowledgement, applied in the order given.
        uow.supply.confirm_many(confirmed, now)
        _finish(uow, ctx, {line.sku for line in lines}, reallocate, "supplier acknowledgement")


@dataclass(frozen=True)
class LineRejection:
    """A supplier refused one PO line (855 line status rejected or deleted)."""

    po_number: str
    line_number: int
    reason: str = ""


def reject_po_lines(
    ctx: ServiceContext,
    rejections: Sequence[LineRejection],
    actor: str,
    *,
    reallocate: bool = True,
) -> None:
    """Supplier rejections: the lines' open units are no longer supply; items reallocated.

    A rejected line keeps what was received already; lines that counted on the rest are
    given other supply (or backordered) by the reallocation of its item.
    """
    with ctx.unit_of_work() as uow:
        lines = _lines(uow, [(r.po_number, r.line_number) for r in rejections])
        for rejection, line in zip(rejections, lines, strict=True):
            uow.supply.reject(line.source_id, uow.clock.now())
            uow.platform.audit(
                actor=actor,
                action="purchase_order.rejected",
                subject=f"purchase-order/{line.po_number}/{line.line_number}",
                before={"quantity": line.quantity, "confirmation": line.confirmation.value},
                after={
                    "quantity": line.received_quantity,
                    "confirmation": ConfirmationState.REJECTED.value,
                    "reason": rejection.reason,
                },
                now=uow.clock.now(),
            )
        _finish(uow, ctx, {line.sku for line in lines}, reallocate, "supplier rejection")


def record_ship_notices(
    ctx: ServiceContext, notices: Sequence[ShipNotice], actor: str, *, reallocate: bool = True
) -> None:
    """Supplier ship notices (856): units on their way, due on the expected date."""
    with ctx.unit_of_work() as uow:
        lines = _lines(uow, [(n.po_number, n.line_number) for n in notices])
        shipped: list[tuple[str, date]] = []
        for index, (notice, line) in enumerate(zip(notices, lines, strict=True)):
            if notice.quantity <= 0:
                field = f"notices[{index}].quantity" if len(lines) > 1 else "quantity"
                raise InvalidInputError(field, "must be greater than 0")
            shipped.append((line.source_id, notice.expected_date))
            note_slip(uow, ctx, line, notice.expected_date, "ship_notice")
            uow.platform.audit(
                actor=actor,
                action="purchase_order.shipped",
                subject=f"purchase-order/{line.po_number}/{line.line_number}",
                before={
                    "due_date": line.due_date.isoformat(),
                    "confirmation": line.confirmation.value,
                },
                after={
                    "expected_date": notice.expected_date.isoformat(),
                    "quantity": notice.quantity,
                },
                now=uow.clock.now(),
            )
        # One round trip for the whole notice (an 856 may carry a thousand lines).
        uow.supply.mark_shipped_many(shipped, uow.clock.now())
        _finish(uow, ctx, {line.sku for line in lines}, reallocate, "supplier ship notice")


def receive_goods(
    ctx: ServiceContext, receipts: Sequence[GoodsReceipt], actor: str, *, reallocate: bool = True
) -> list[int]:
    """Goods receipts: stock rises, allocations on the PO line follow its units into stock.

    Returns, per receipt, the units still open on its line.
    """
    with ctx.unit_of_work() as uow:
        lines = _lines(uow, [(r.po_number, r.line_number) for r in receipts])
        for index, receipt in enumerate(receipts):
            if receipt.quantity <= 0:
                field = f"receipts[{index}].quantity" if len(lines) > 1 else "quantity"
                raise InvalidInputError(field, "must be greater than 0")
        now = uow.clock.now()
        # Stock and received quantities in one batch each, receipt after receipt.
        levels = uow.supply.add_on_hand_many(
            [
                (line.sku, line.location, r.quantity)
                for r, line in zip(receipts, lines, strict=True)
            ],
            now,
        )
        uow.supply.add_received_many(
            [(line.source_id, r.quantity) for r, line in zip(receipts, lines, strict=True)], now
        )
        still_open = []
        received: dict[str, int] = {}
        moves: list[tuple[str, str, int]] = []
        for receipt, line, after in zip(receipts, lines, levels, strict=True):
            earlier = received.get(line.source_id, 0)
            stock_id = on_hand_source_id(line.sku, line.location)
            on_hand = after - receipt.quantity
            moves.append((line.source_id, stock_id, receipt.quantity))
            uow.platform.audit(
                actor=actor,
                action="purchase_order.received",
                subject=f"purchase-order/{line.po_number}/{line.line_number}",
                before={"received_quantity": line.received_quantity + earlier, "on_hand": on_hand},
                after={
                    "received_quantity": line.received_quantity + earlier + receipt.quantity,
                    "on_hand": on_hand + receipt.quantity,
                },
                now=now,
            )
            received[line.source_id] = earlier + receipt.quantity
            still_open.append(max(line.open_quantity - earlier - receipt.quantity, 0))
        uow.allocations.move_to_stock(moves)
        _finish(uow, ctx, {line.sku for line in lines}, reallocate, "goods receipt")
    return still_open


# -- single-line forms (the API and imports act on one purchase order or line) ---------


def create_purchase_order(
    ctx: ServiceContext,
    po_number: str,
    supplier: str,
    lines: Sequence[PurchaseOrderLineInput],
    actor: str,
    *,
    reallocate: bool = True,
) -> list[str]:
    """Record one purchase order; returns the source ids of its lines."""
    order = PurchaseOrderInput(po_number, supplier, tuple(lines))
    return create_purchase_orders(ctx, [order], actor, reallocate=reallocate)[0]


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
    """A supplier's acknowledgement of one PO line."""
    confirmation = LineConfirmation(po_number, line_number, confirmed_date, quantity)
    confirm_po_lines(ctx, [confirmation], actor, reallocate=reallocate)


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
    """A supplier's ship notice for one PO line."""
    notice = ShipNotice(po_number, line_number, quantity, expected_date)
    record_ship_notices(ctx, [notice], actor, reallocate=reallocate)


def receive(
    ctx: ServiceContext,
    po_number: str,
    line_number: int,
    quantity: int,
    actor: str,
    *,
    reallocate: bool = True,
) -> int:
    """A goods receipt on one PO line; returns the units still open on it."""
    receipt = GoodsReceipt(po_number, line_number, quantity)
    return receive_goods(ctx, [receipt], actor, reallocate=reallocate)[0]
