"""Transfers between DCs: free stock leaves the origin and becomes inbound supply elsewhere.

How a transfer is kept: the units come off the origin's stock at once (they are on the
truck) and the destination gets a purchase-order-like source for them, so allocation,
promising, cases and receipts treat it like any other inbound receipt:

- purchase order number `TR-...`, supplier `transfer:<origin DC>` (not a supplier code:
  nothing is sent to anyone, and supplier statistics can leave these out by the prefix);
- one line at the destination, already in state `shipped` (the case sees the line's units
  as in transit) and due after the lane's lead time;
- it is received with the ordinary goods receipt (`POST /v1/purchase-orders/TR-.../lines/
  1/receipts`), which puts the units on the destination's shelf and moves the allocations
  with them.
"""

from __future__ import annotations

from datetime import date

from backorder.adapters.repositories.replenishment import ReplenishmentRepository
from backorder.adapters.repositories.supply import PurchaseOrderLine
from backorder.domain.model import ConfirmationState
from backorder.service_layer.errors import ConflictError, InvalidInputError
from backorder.service_layer.handlers.inline import connection_of
from backorder.service_layer.unit_of_work import UnitOfWork

TRANSFER_SUPPLIER_PREFIX = "transfer:"


def create_transfer(
    uow: UnitOfWork,
    *,
    number: str,
    sku: str,
    origin: str,
    destination: str,
    quantity: int,
    arrival: date,
    actor: str,
) -> str:
    """Move `quantity` free units of `sku` from `origin` to `destination`; returns the
    source id of the inbound line. The caller holds the item lock and reallocates."""
    if origin == destination:
        raise InvalidInputError("origin", "a transfer needs two different DCs")
    if quantity <= 0:
        raise InvalidInputError("quantity", "must be greater than 0")
    free = ReplenishmentRepository(connection_of(uow)).free_stock(sku).get(origin, 0)
    if free < quantity:
        raise ConflictError(
            f"only {free} units of {sku} are free at {origin}; {quantity} cannot move"
        )
    now = uow.clock.now()
    after = uow.supply.add_on_hand(sku, origin, -quantity, now)
    uow.platform.audit(
        actor=actor,
        action="inventory.transferred_out",
        subject=f"inventory/{sku}/{origin}",
        before={"on_hand": after + quantity},
        after={"on_hand": after, "transfer": number, "destination": destination},
        now=now,
    )
    items = uow.master.items([sku])
    unit_cost = items[0].unit_cost if items else 0.0
    source_id = f"{number}/1"
    uow.supply.add_purchase_order(
        number,
        f"{TRANSFER_SUPPLIER_PREFIX}{origin}",
        [
            PurchaseOrderLine(
                source_id=source_id,
                po_number=number,
                line_number=1,
                supplier=f"{TRANSFER_SUPPLIER_PREFIX}{origin}",
                sku=sku,
                location=destination,
                quantity=quantity,
                received_quantity=0,
                expected_date=arrival,
                confirmed_date=arrival,
                confirmation=ConfirmationState.SHIPPED,
                unit_cost=unit_cost,
            )
        ],
        now,
    )
    uow.platform.audit(
        actor=actor,
        action="transfer.created",
        subject=f"purchase-order/{number}",
        before=None,
        after={
            "sku": sku,
            "origin": origin,
            "destination": destination,
            "quantity": quantity,
            "arrival": arrival.isoformat(),
        },
        now=now,
    )
    return source_id
