"""Fulfilment: lines allocated from stock on hand ship when they are due.

A line ships the stock it holds on its requested date; a customer who takes partial
shipments gets what is on hand now and the rest later, a ship-complete customer only
the whole line. Shipping takes the units out of stock and out of the allocations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from backorder.adapters.repositories.allocations import DueAllocation
from backorder.adapters.repositories.orders import ShippedPiece
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
        uow.lock_items(sorted({a.sku for a in due}))
        by_line: dict[int, list[DueAllocation]] = defaultdict(list)
        for allocation in due:
            by_line[allocation.line_id].append(allocation)
        pieces: list[ShippedPiece] = []
        stock_out: dict[tuple[str, str], int] = defaultdict(int)
        shipped_ids: list[int] = []
        for line_id, held in by_line.items():
            open_quantity = held[0].ordered - held[0].shipped_quantity
            if held[0].ship_complete and sum(a.quantity for a in held) < open_quantity:
                continue  # a ship-complete customer waits for the whole line
            for allocation in held:
                pieces.append(
                    ShippedPiece(line_id, allocation.sku, allocation.location, allocation.quantity)
                )
                stock_out[(allocation.sku, allocation.location)] -= allocation.quantity
                shipped_ids.append(allocation.id)
        uow.supply.change_on_hand(stock_out, now)
        statuses = uow.orders.record_shipments(pieces, today, now)
        uow.allocations.delete_ids(shipped_ids)
        units: dict[int, int] = defaultdict(int)
        for piece in pieces:
            units[piece.line_id] += piece.quantity
        for line_id, quantity in units.items():
            uow.record(
                events.LineShipped(
                    line_id=line_id,
                    sku=by_line[line_id][0].sku,
                    quantity=quantity,
                    complete=statuses[line_id] is LineStatus.SHIPPED,
                    shipped_on=today,
                    requested_date=by_line[line_id][0].requested_date,
                )
            )
        if pieces:
            uow.platform.audit(
                actor=actor,
                action="shipments.released",
                subject=f"shipping/{today.isoformat()}",
                before=None,
                after={"lines": len(units), "units": sum(units.values())},
                now=now,
            )
        uow.commit()
    return ShippingSummary(
        lines=len(units),
        units=sum(units.values()),
        completed_lines=sum(1 for s in statuses.values() if s is LineStatus.SHIPPED),
    )
