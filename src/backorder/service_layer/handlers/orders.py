"""Orders: place (with immediate ATP allocation), cancel a line, change a line's quantity."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from backorder.domain.model import LineStatus, Order, OrderLine
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers.allocation import reallocate_items, record_change_events
from backorder.service_layer.handlers.intake import LineOutcome, allocate_lines, home_location
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PlacedOrder:
    """An accepted order and what each line got."""

    order_id: str
    lines: tuple[LineOutcome, ...]


def _check_order(uow: UnitOfWork, order: Order) -> None:
    if not order.lines:
        raise InvalidInputError("lines", "an order needs at least one line")
    if uow.orders.order_exists(order.order_id):
        raise ConflictError(f"order_id: order {order.order_id!r} already exists")
    if uow.master.customer(order.customer) is None:
        raise InvalidInputError("customer", f"unknown customer {order.customer!r}")
    known = uow.master.known_skus(line.sku for line in order.lines)
    locations = {loc.code for loc in uow.master.locations()}
    for index, line in enumerate(order.lines):
        if line.sku not in known:
            raise InvalidInputError(f"lines[{index}].sku", f"unknown item {line.sku!r}")
        if line.ship_from and line.ship_from not in locations:
            raise InvalidInputError(
                f"lines[{index}].ship_from", f"unknown location {line.ship_from!r}"
            )


def place_orders(ctx: ServiceContext, orders: Sequence[Order], actor: str) -> list[PlacedOrder]:
    """Accept orders in one transaction; each line is allocated against ATP at once.

    Lines are served in the order given (first come, first served against free supply);
    allocation runs later rank them by policy.
    """
    with ctx.unit_of_work() as uow:
        for order in orders:
            _check_order(uow, order)
        if len({order.order_id for order in orders}) != len(orders):
            raise ConflictError("order_id: the same order id appears twice in the batch")
        # Lock before reading supply: no other request can take the same free units.
        uow.lock_items(sorted({line.sku for order in orders for line in order.lines}))
        locations = uow.master.locations()
        regions = {loc.code: loc.region for loc in locations}
        codes = [loc.code for loc in locations]
        customers = {c.code: c for c in uow.master.customers(sorted({o.customer for o in orders}))}
        stored: list[tuple[OrderLine, str]] = []
        for order in orders:
            line_ids = uow.orders.add_order(order, uow.clock.now())
            for line, line_id in zip(order.lines, line_ids, strict=True):
                placed = dataclasses.replace(
                    line, line_id=line_id, order_id=order.order_id, customer=order.customer
                )
                stored.append(
                    (placed, home_location(placed, customers[order.customer], codes, regions))
                )
        outcomes = allocate_lines(uow, ctx.policy, stored)
        reason = "allocated at order intake"
        changes = uow.orders.record_outcomes(
            [
                (o.line_id, o.status.value, o.allocated, o.backordered, o.promise_date)
                for o in outcomes
            ],
            today=uow.today,
            now=uow.clock.now(),
            reason=reason,
        )
        for change in changes:
            record_change_events(uow, change, reason)
        by_line = {o.line_id: o for o in outcomes}
        placed_orders = []
        position = 0
        for order in orders:
            mine = outcomes[position : position + len(order.lines)]
            position += len(order.lines)
            uow.platform.audit(
                actor=actor,
                action="order.placed",
                subject=f"order/{order.order_id}",
                before=None,
                after={
                    "customer": order.customer,
                    "lines": [
                        {
                            "line_id": o.line_id,
                            "sku": line.sku,
                            "quantity": line.quantity,
                            "status": by_line[o.line_id].status.value,
                        }
                        for line, o in zip(order.lines, mine, strict=True)
                    ],
                },
                now=uow.clock.now(),
            )
            placed_orders.append(PlacedOrder(order.order_id, tuple(mine)))
        uow.commit()
    return placed_orders


def place_order(ctx: ServiceContext, order: Order, actor: str) -> PlacedOrder:
    """Accept an order; each line is allocated against available-to-promise at once."""
    return place_orders(ctx, [order], actor)[0]


def _open_line(uow: UnitOfWork, line_id: int) -> OrderLine:
    record = uow.orders.get_line(line_id)
    if record is None:
        raise NotFoundError(f"order line {line_id} does not exist")
    if record.line.status in (LineStatus.CANCELLED, LineStatus.SHIPPED):
        raise ConflictError(f"order line {line_id} is {record.line.status.value}")
    return record.line


def cancel_line(ctx: ServiceContext, line_id: int, reason: str, actor: str) -> None:
    """Cancel a line, release what it holds and give it to the next lines of the item."""
    with ctx.unit_of_work() as uow:
        line = _open_line(uow, line_id)
        uow.lock_items([line.sku])
        released = uow.allocations.release_lines([line_id])
        uow.orders.cancel(line_id, uow.clock.now())
        uow.platform.audit(
            actor=actor,
            action="order_line.cancelled",
            subject=f"order-line/{line_id}",
            before={"status": line.status.value, "quantity": line.quantity},
            after={"status": "cancelled", "reason": reason, "released_allocations": released},
            now=uow.clock.now(),
        )
        reallocate_items(uow, ctx.policy, [line.sku], reason=f"cancellation of line {line_id}")
        uow.commit()


def change_quantity(ctx: ServiceContext, line_id: int, quantity: int, actor: str) -> None:
    """Change a line's quantity and reallocate its item."""
    if quantity <= 0:
        raise InvalidInputError("quantity", "must be greater than 0 (cancel the line instead)")
    with ctx.unit_of_work() as uow:
        line = _open_line(uow, line_id)
        if quantity < line.shipped_quantity:
            raise InvalidInputError(
                "quantity", f"cannot be below the {line.shipped_quantity} units already shipped"
            )
        uow.lock_items([line.sku])
        uow.orders.set_quantity(line_id, quantity, uow.clock.now())
        uow.platform.audit(
            actor=actor,
            action="order_line.quantity_changed",
            subject=f"order-line/{line_id}",
            before={"quantity": line.quantity},
            after={"quantity": quantity},
            now=uow.clock.now(),
        )
        reallocate_items(uow, ctx.policy, [line.sku], reason=f"quantity change of line {line_id}")
        uow.commit()
