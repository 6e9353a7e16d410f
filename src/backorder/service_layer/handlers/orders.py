"""Orders: place (with immediate ATP allocation), cancel a line, change a line's quantity."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from backorder.adapters.repositories.orders import LineRecord
from backorder.domain import events
from backorder.domain.errors import DomainError
from backorder.domain.model import Customer, LineStatus, Location, Order, OrderLine
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers.allocation import (
    lock_substitution_groups,
    reallocate_items,
    record_change_events,
)
from backorder.service_layer.handlers.intake import LineOutcome, allocate_lines, home_location
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PlacedOrder:
    """An accepted order and what each line got."""

    order_id: str
    lines: tuple[LineOutcome, ...]


def _check_orders(
    uow: UnitOfWork,
    orders: Sequence[Order],
    customers: dict[str, Customer],
    locations: Sequence[Location],
) -> None:
    """Validate a batch of orders with a handful of queries, naming the first bad field."""
    many = len(orders) > 1
    known = uow.master.known_skus(line.sku for order in orders for line in order.lines)
    codes = {loc.code for loc in locations}
    existing = uow.orders.existing_orders([o.order_id for o in orders])
    seen: set[str] = set()
    for number, order in enumerate(orders):
        where = f"orders[{number}]." if many else ""
        if not order.lines:
            raise InvalidInputError(f"{where}lines", "an order needs at least one line")
        if order.order_id in existing:
            raise ConflictError(f"{where}order_id: order {order.order_id!r} already exists")
        if order.order_id in seen:
            raise ConflictError(f"{where}order_id: {order.order_id!r} appears twice in the batch")
        seen.add(order.order_id)
        if order.customer not in customers:
            raise InvalidInputError(f"{where}customer", f"unknown customer {order.customer!r}")
        for index, line in enumerate(order.lines):
            if line.sku not in known:
                raise InvalidInputError(f"{where}lines[{index}].sku", f"unknown item {line.sku!r}")
            if line.ship_from and line.ship_from not in codes:
                raise InvalidInputError(
                    f"{where}lines[{index}].ship_from", f"unknown location {line.ship_from!r}"
                )


@dataclass(frozen=True)
class OrderIntake:
    """An order to accept and who is placing it."""

    order: Order
    actor: str


def place_orders(ctx: ServiceContext, orders: Sequence[Order], actor: str) -> list[PlacedOrder]:
    """Accept orders in one transaction; each line is allocated against ATP at once.

    Lines are served in the order given (first come, first served against free supply);
    allocation runs later rank them by policy.
    """
    return accept_orders(ctx, [OrderIntake(order, actor) for order in orders])


def accept_orders(ctx: ServiceContext, intakes: Sequence[OrderIntake]) -> list[PlacedOrder]:
    """Accept orders placed by possibly different actors in one transaction (see `place_orders`)."""
    orders = [intake.order for intake in intakes]
    with ctx.unit_of_work() as uow:
        customers = {c.code: c for c in uow.master.customers(sorted({o.customer for o in orders}))}
        locations = uow.master.locations()
        _check_orders(uow, orders, customers, locations)
        # Lock before reading supply: no other request can take the same free units.
        uow.lock_items(sorted({line.sku for order in orders for line in order.lines}))
        regions = {loc.code: loc.region for loc in locations}
        codes = [loc.code for loc in locations]
        stored: list[tuple[OrderLine, str]] = []
        # One round trip for all orders, one for all lines: a batch costs what one order does.
        stored_ids = uow.orders.add_orders(orders, uow.clock.now())
        for order, line_ids in zip(orders, stored_ids, strict=True):
            for line, line_id in zip(order.lines, line_ids, strict=True):
                placed = dataclasses.replace(
                    line, line_id=line_id, order_id=order.order_id, customer=order.customer
                )
                stored.append(
                    (placed, home_location(placed, customers[order.customer], codes, regions))
                )
        outcomes = allocate_lines(uow, ctx.policy, stored)
        reason = "allocated at order intake"
        # The lines were stored a moment ago: what they were before is known, not read.
        changes = uow.orders.record_new_outcomes(
            [
                (o.line_id, o.status.value, o.allocated, o.backordered, o.promise_date)
                for o in outcomes
            ],
            [line for line, _ in stored],
            today=uow.today,
            now=uow.clock.now(),
            reason=reason,
        )
        for change in changes:
            record_change_events(uow, change, reason)
        by_line = {o.line_id: o for o in outcomes}
        placed_orders = []
        position = 0
        for intake in intakes:
            order = intake.order
            mine = outcomes[position : position + len(order.lines)]
            position += len(order.lines)
            uow.platform.audit(
                actor=intake.actor,
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


@dataclass(frozen=True)
class LineChange:
    """A change to one line: a new quantity, or None to cancel it."""

    line_id: int
    quantity: int | None
    reason: str = ""


@dataclass(frozen=True)
class ChangeOutcome:
    """Whether a change was applied, and why not when it was refused."""

    line_id: int
    applied: bool
    refusal: DomainError | None = None


def _refusal(record: LineRecord | None, change: LineChange) -> DomainError | None:
    if record is None:
        return NotFoundError(f"order line {change.line_id} does not exist")
    line = record.line
    if line.status in (LineStatus.CANCELLED, LineStatus.SHIPPED):
        return ConflictError(f"order line {change.line_id} is {line.status.value}")
    if change.quantity is not None:
        if change.quantity <= 0:
            return InvalidInputError("quantity", "must be greater than 0 (cancel the line instead)")
        if change.quantity < line.shipped_quantity:
            return InvalidInputError(
                "quantity", f"cannot be below the {line.shipped_quantity} units already shipped"
            )
    return None


def change_lines(
    ctx: ServiceContext,
    changes: Sequence[LineChange],
    actor: str,
    *,
    reallocate: bool = True,
) -> list[ChangeOutcome]:
    """Cancel lines or change their quantities in one transaction, then reallocate.

    A change that cannot be made (unknown line, already shipped or cancelled, quantity
    below what shipped) is refused with its reason; the others are applied. With
    `reallocate=False` the caller reallocates the changed lines' items in the same
    transaction (a batch of many kinds of changes reallocates once, at its end).
    """
    with ctx.unit_of_work() as uow:
        ids = sorted({c.line_id for c in changes})
        first_look = uow.orders.lines_by_id(ids)
        # Lock the items, then read again: what we validate is what we change.
        lock_substitution_groups(uow, {r.line.sku for r in first_look.values()})
        current = first_look if uow.writes_alone else uow.orders.lines_by_id(ids)
        outcomes = []
        touched: set[str] = set()
        now = uow.clock.now()
        for change in changes:
            record = current.get(change.line_id)
            refusal = _refusal(record, change)
            if refusal is not None or record is None:
                outcomes.append(ChangeOutcome(change.line_id, False, refusal))
                continue
            line = record.line
            # Later changes of the same line in this batch see this one.
            changed = dataclasses.replace(
                line,
                status=LineStatus.CANCELLED if change.quantity is None else line.status,
                quantity=line.quantity if change.quantity is None else change.quantity,
            )
            current[line.line_id] = dataclasses.replace(record, line=changed)
            if change.quantity is None:
                released = uow.allocations.release_lines([line.line_id])
                uow.orders.cancel(line.line_id, now)
                before = {"status": line.status.value, "quantity": line.quantity}
                after = {
                    "status": "cancelled",
                    "reason": change.reason,
                    "released_allocations": released,
                }
                action = "order_line.cancelled"
                # The line's case (if any) hears of it and closes.
                uow.record(
                    events.LineCancelled(
                        line.line_id,
                        line.sku,
                        max(line.quantity - line.shipped_quantity, 0),
                        change.reason,
                    )
                )
            else:
                uow.orders.set_quantity(line.line_id, change.quantity, now)
                before, after = {"quantity": line.quantity}, {"quantity": change.quantity}
                action = "order_line.quantity_changed"
            uow.platform.audit(
                actor=actor,
                action=action,
                subject=f"order-line/{line.line_id}",
                before=before,
                after=after,
                now=now,
            )
            touched.add(line.sku)
            outcomes.append(ChangeOutcome(change.line_id, True))
        if touched and reallocate:
            reallocate_items(uow, ctx.policy, sorted(touched), reason="order line changes")
        uow.commit()
    return outcomes


def _single(ctx: ServiceContext, change: LineChange, actor: str) -> None:
    outcome = change_lines(ctx, [change], actor)[0]
    if outcome.refusal is not None:
        raise outcome.refusal


def cancel_line(ctx: ServiceContext, line_id: int, reason: str, actor: str) -> None:
    """Cancel a line, release what it holds and give it to the next lines of the item."""
    _single(ctx, LineChange(line_id, None, reason), actor)


def change_quantity(ctx: ServiceContext, line_id: int, quantity: int, actor: str) -> None:
    """Change a line's quantity and reallocate its item."""
    if quantity <= 0:
        raise InvalidInputError("quantity", "must be greater than 0 (cancel the line instead)")
    _single(ctx, LineChange(line_id, quantity), actor)
