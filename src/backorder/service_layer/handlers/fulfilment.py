"""Fulfilment: lines allocated from stock on hand ship when they are due.

A line ships the stock it holds on its requested date; a customer who takes partial
shipments gets what is on hand now and the rest later, a ship-complete customer only
the whole line. Shipping takes the units out of stock and out of the allocations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from backorder.adapters.repositories.allocations import DueAllocation
from backorder.domain import events
from backorder.domain.model import LineStatus
from backorder.service_layer.context import ServiceContext


@dataclass(frozen=True)
class ShippingSummary:
    """What one shipping pass did."""

    lines: int
    units: int
    completed_lines: int


def ship_due(ctx: ServiceContext, actor: str) -> ShippingSummary:
    """Ship every due line from the stock it holds; returns what shipped."""
    with ctx.unit_of_work() as uow:
        today, now = uow.today, uow.clock.now()
        due = uow.allocations.due_from_stock(today)
        by_line: dict[int, list[DueAllocation]] = defaultdict(list)
        for allocation in due:
            by_line[allocation.line_id].append(allocation)
        uow.lock_items(sorted({a.sku for a in due}))
        units = completed = shipped_lines = 0
        shipped_ids: list[int] = []
        for line_id, held in by_line.items():
            open_quantity = held[0].ordered - held[0].shipped_quantity
            ready = sum(a.quantity for a in held)
            if held[0].ship_complete and ready < open_quantity:
                continue
            for allocation in held:
                on_hand = uow.supply.on_hand(allocation.sku, allocation.location) or 0
                uow.supply.set_on_hand(
                    allocation.sku, allocation.location, max(on_hand - allocation.quantity, 0), now
                )
                status = uow.orders.record_shipment(
                    line_id, allocation.quantity, allocation.location, today, now
                )
                shipped_ids.append(allocation.id)
            units += ready
            shipped_lines += 1
            if status is LineStatus.SHIPPED:
                completed += 1
            uow.record(
                events.LineShipped(
                    line_id=line_id,
                    sku=held[0].sku,
                    quantity=ready,
                    complete=status is LineStatus.SHIPPED,
                    shipped_on=today,
                    requested_date=held[0].requested_date,
                )
            )
        uow.allocations.delete_ids(shipped_ids)
        if shipped_ids:
            uow.platform.audit(
                actor=actor,
                action="shipments.released",
                subject=f"shipping/{today.isoformat()}",
                before=None,
                after={"lines": len(by_line), "units": units},
                now=now,
            )
        uow.commit()
    return ShippingSummary(lines=shipped_lines, units=units, completed_lines=completed)
