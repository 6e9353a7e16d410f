"""Fulfilment: lines allocated from stock on hand ship when they are due.

A line ships the stock it holds on its requested date; a customer who takes partial
shipments gets what is on hand now and the rest later, a ship-complete customer only
the whole line. Shipping takes the units out of stock and out of the allocations.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from backorder.adapters.repositories.allocations import DueAllocation, StoredAllocation
from backorder.adapters.repositories.orders import LineRecord, ShippedPiece
from backorder.adapters.repositories.supply import on_hand_source_id
from backorder.adapters.repositories.warehouse import PickRepository
from backorder.domain import events
from backorder.domain.model import LineStatus
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers.allocation import reallocate_items
from backorder.service_layer.handlers.stock_counts import (
    report_unrecorded_stock,
    unrecorded_stock,
)
from backorder.service_layer.unit_of_work import UnitOfWork


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
        # A line the warehouse was asked to pick ships when the pick is confirmed, not here.
        picking = PickRepository(uow.allocations.connection).lines_being_picked()
        due = [a for a in due if a.line_id not in picking]
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


# -- shipments the warehouse reports ---------------------------------------------------------


@dataclass(frozen=True)
class ShipmentsConfirmed:
    """What confirming shipments did, and which items still need reallocating."""

    summary: ShippingSummary
    unsettled_items: tuple[str, ...]  # shipped beyond what lines held there (if not reallocated)


@dataclass(frozen=True)
class ShipmentLine:
    """Units of one order line the warehouse shipped from a DC."""

    line_id: int
    location: str
    quantity: int
    shipped_on: date | None = None  # default: today
    shipment_id: str = ""


def _check_shipments(
    uow: UnitOfWork, shipments: Sequence[ShipmentLine], lines: dict[int, LineRecord]
) -> None:
    locations = {loc.code for loc in uow.master.locations()}
    shipping: dict[int, int] = defaultdict(int)
    for index, shipment in enumerate(shipments):
        where = f"shipments[{index}]" if len(shipments) > 1 else "shipment"
        record = lines.get(shipment.line_id)
        if record is None:
            raise NotFoundError(f"order line {shipment.line_id} does not exist")
        line = record.line
        if line.status in (LineStatus.CANCELLED, LineStatus.SHIPPED):
            raise ConflictError(f"order line {line.line_id} is {line.status.value}")
        if shipment.location not in locations:
            raise InvalidInputError(f"{where}.location", f"unknown location {shipment.location!r}")
        if shipment.quantity <= 0:
            raise InvalidInputError(f"{where}.quantity", "must be greater than 0")
        shipping[line.line_id] += shipment.quantity
        if shipping[line.line_id] > line.open_quantity:
            raise InvalidInputError(
                f"{where}.quantity",
                f"{shipping[line.line_id]} units shipped but line {line.line_id} has only "
                f"{line.open_quantity} open",
            )


def _consume(
    held: list[StoredAllocation], sku: str, location: str, quantity: int
) -> tuple[dict[str, int], bool]:
    """Take `quantity` shipped units out of a line's allocations (in place).

    The stock the line held at the shipping DC goes first, then whatever else it held.
    Returns the units that left stock per item (a substitute ships as itself) and whether
    the shipment stayed within the stock the line held at that DC; when it did not, other
    lines may be counting on units that are gone, so the item needs reallocating.
    """

    def at_dc(stored: StoredAllocation) -> bool:
        return stored.allocation.ship_from == location and stored.allocation.source_id.startswith(
            "OH/"
        )

    own = on_hand_source_id(sku, location)
    held.sort(key=lambda s: (not at_dc(s), s.allocation.source_id != own))
    taken: dict[str, int] = defaultdict(int)
    left, matched = quantity, True
    for index, stored in enumerate(held):
        if left == 0:
            break
        if stored.allocation.quantity == 0:
            continue
        matched = matched and at_dc(stored)
        units = min(stored.allocation.quantity, left)
        left -= units
        taken[stored.allocation.sku] += units
        smaller = dataclasses.replace(
            stored.allocation, quantity=stored.allocation.quantity - units
        )
        held[index] = dataclasses.replace(stored, allocation=smaller)
    if left:
        taken[sku] += left
        matched = False
    return dict(taken), matched


def confirm_shipments(
    ctx: ServiceContext,
    shipments: Sequence[ShipmentLine],
    actor: str,
    *,
    reallocate: bool = True,
) -> ShipmentsConfirmed:
    """Shipments the warehouse confirms: record them, take stock out, release allocations.

    Units shipped come out of what the line held at that DC first; when the warehouse
    shipped more than that (or from elsewhere), the item is reallocated so no other line
    keeps a claim on stock that has left (or, with `reallocate=False`, named in the result
    for the caller to reallocate in the same transaction). Units beyond the DC's stock
    record are reported as an inventory discrepancy (`stock_counts`).
    """
    with ctx.unit_of_work() as uow:
        ids = sorted({s.line_id for s in shipments})
        first = uow.orders.lines_by_id(ids)
        uow.lock_items(sorted({r.line.sku for r in first.values()}))
        lines = uow.orders.lines_by_id(ids)  # again, under the item locks
        _check_shipments(uow, shipments, lines)
        now, today = uow.clock.now(), uow.today
        held: dict[int, list[StoredAllocation]] = defaultdict(list)
        for stored in uow.allocations.of_lines(ids):
            held[stored.allocation.line_id].append(stored)
        stock_out: dict[tuple[str, str], int] = defaultdict(int)
        shipped_by: dict[tuple[str, str], list[str]] = defaultdict(list)
        pieces: dict[date, list[ShippedPiece]] = defaultdict(list)
        unsettled: set[str] = set()
        for shipment in shipments:
            sku = lines[shipment.line_id].line.sku
            taken, matched = _consume(
                held[shipment.line_id], sku, shipment.location, shipment.quantity
            )
            for item, count in taken.items():
                stock_out[(item, shipment.location)] -= count
                shipped_by[(item, shipment.location)].append(shipment.shipment_id)
            if not matched:
                unsettled.add(sku)
            day = shipment.shipped_on or today
            pieces[day].append(
                ShippedPiece(shipment.line_id, sku, shipment.location, shipment.quantity)
            )
        uow.allocations.release_lines(ids)
        uow.allocations.add_rows(
            [
                {
                    "line_id": s.allocation.line_id,
                    "source_id": s.allocation.source_id,
                    "sku": s.allocation.sku,
                    "location": s.allocation.ship_from,
                    "quantity": s.allocation.quantity,
                    "available_date": s.allocation.available_date,
                    "phase": s.phase,
                    "run_id": s.run_id,
                }
                for kept in held.values()
                for s in kept
                if s.allocation.quantity > 0
            ]
        )
        beyond_record = unrecorded_stock(
            uow, {key: -units for key, units in stock_out.items()}, shipped_by
        )
        uow.supply.change_on_hand(stock_out, now)
        report_unrecorded_stock(uow, ctx, beyond_record, actor)
        statuses: dict[int, LineStatus] = {}
        for day in sorted(pieces):
            statuses |= uow.orders.record_shipments(pieces[day], day, now)
        units: dict[int, int] = defaultdict(int)
        last_day: dict[int, date] = {}
        shipment_ids: dict[int, set[str]] = defaultdict(set)
        for shipment in shipments:
            units[shipment.line_id] += shipment.quantity
            day = shipment.shipped_on or today
            last_day[shipment.line_id] = max(day, last_day.get(shipment.line_id, day))
            shipment_ids[shipment.line_id].add(shipment.shipment_id)
        for line_id, quantity in units.items():
            record = lines[line_id]
            uow.record(
                events.LineShipped(
                    line_id=line_id,
                    sku=record.line.sku,
                    quantity=quantity,
                    complete=statuses[line_id] is LineStatus.SHIPPED,
                    shipped_on=last_day[line_id],
                    requested_date=record.line.requested_date,
                )
            )
            uow.platform.audit(
                actor=actor,
                action="order_line.shipped",
                subject=f"order-line/{line_id}",
                before={"shipped_quantity": record.line.shipped_quantity},
                after={
                    "shipped_quantity": record.line.shipped_quantity + quantity,
                    "shipments": sorted(shipment_ids[line_id]),
                },
                now=now,
            )
        if reallocate and unsettled:
            reallocate_items(uow, ctx.policy, sorted(unsettled), reason="warehouse shipment")
        uow.commit()
    summary = ShippingSummary(
        lines=len(units),
        units=sum(units.values()),
        completed_lines=sum(1 for s in statuses.values() if s is LineStatus.SHIPPED),
    )
    return ShipmentsConfirmed(summary, () if reallocate else tuple(sorted(unsettled)))
