"""How each kind of inbound message becomes a handler call, for many messages at once.

A kind names the ordering keys of a message and the items it may lock, and applies a list
of its messages with *one* handler call. Per-message refusals come back as errors; a
handler that refuses the whole call raises, and the caller splits the list to find the
message at fault.

Ordering keys are what makes two messages not commute: the same order (`o:`), the same
purchase order (`p:`), the stock level of one item at one DC (`st:`). Order intake has no
stock key — it changes no stock level, and every item whose stock or demand changed in a
batch is reallocated by policy at the batch's end (handlers leave reallocation to the
batch), so where a new order lands among stock messages of its item does not matter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from backorder.domain.errors import DomainError
from backorder.domain.model import Order, OrderLine
from backorder.service_layer.errors import NotFoundError
from backorder.service_layer.handlers import fulfilment, orders, purchasing, supply
from backorder.service_layer.handlers.inbound_messages import (
    AnyMessage,
    GoodsReceivedMessage,
    InventoryAdjustedMessage,
    InventorySnapshotMessage,
    OrderCreatedMessage,
    OrderLineCancelledMessage,
    OrderLineQuantityChangedMessage,
    ShipmentConfirmedMessage,
)
from backorder.service_layer.shared_transaction import SharedTransaction

# (order id, line number) -> (line id, SKU); line id 0 for lines the batch creates
LineRefs = dict[tuple[str, int], tuple[int, str]]
Outcome = DomainError | None  # None: applied
Keys = Callable[[AnyMessage, "Refs"], set[str]]


@dataclass(frozen=True)
class Refs:
    """What planning knows before applying: order lines and PO lines by reference."""

    lines: LineRefs
    po_lines: dict[str, tuple[str, str]]  # PO line source id -> (SKU, DC)


@dataclass(frozen=True)
class Applied:
    """Each message's outcome, and the items left for the batch to reallocate."""

    outcomes: list[Outcome]
    reallocate: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Kind:
    """How to order, lock and apply one kind of message."""

    name: str
    keys: Keys  # ordering keys: o:<order>, p:<purchase order>, st:<sku>@<dc>
    items: Keys  # SKUs the message may lock
    apply: Callable[[SharedTransaction, Sequence[AnyMessage], str], Applied]


def _aware(value: datetime | None, default: datetime) -> datetime:
    value = value or default
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _stock(sku: str, location: str) -> str:
    return f"st:{sku}@{location}"


# -- orders ------------------------------------------------------------------------------


def _order(message: OrderCreatedMessage, now: datetime) -> Order:
    data = message.data
    at = _aware(data.ordered_at or message.occurred_at, now)
    return Order(
        order_id=data.order_id,
        customer=data.customer,
        ordered_at=at,
        lines=tuple(
            OrderLine(
                line_id=0,
                order_id=data.order_id,
                customer=data.customer,
                sku=line.sku,
                quantity=line.quantity,
                requested_date=line.requested_date,
                unit_price=line.unit_price,
                unit_cost=line.unit_cost,
                ship_from=line.ship_from,
                order_type=line.order_type,
                ordered_at=at,
            )
            for line in data.lines
        ),
    )


def _created(message: AnyMessage) -> OrderCreatedMessage:
    assert isinstance(message, OrderCreatedMessage)
    return message


def _place(tx: SharedTransaction, messages: Sequence[AnyMessage], actor: str) -> Applied:
    now = tx.context.clock.now()
    orders.place_orders(tx.context, [_order(_created(m), now) for m in messages], actor)
    # Intake allocates free supply only: nothing others hold changes, nothing to reallocate.
    return Applied([None] * len(messages))


def _line_ref(message: AnyMessage) -> tuple[str, int]:
    assert isinstance(message, OrderLineQuantityChangedMessage | OrderLineCancelledMessage)
    return message.data.order_id, message.data.line_number


def _change_items(message: AnyMessage, refs: Refs) -> set[str]:
    found = refs.lines.get(_line_ref(message))
    return {found[1]} if found else set()


def _change(tx: SharedTransaction, messages: Sequence[AnyMessage], actor: str) -> Applied:
    # Resolved now, not at planning: an order created earlier in this batch is visible.
    refs = tx.integration.line_refs(sorted({_line_ref(m)[0] for m in messages}))
    results: list[Outcome] = []
    changes: list[tuple[int, orders.LineChange, str]] = []
    for index, message in enumerate(messages):
        order_id, number = _line_ref(message)
        found = refs.get((order_id, number))
        if found is None:
            results.append(NotFoundError(f"order {order_id!r} has no line {number}"))
            continue
        results.append(None)
        if isinstance(message, OrderLineQuantityChangedMessage):
            change = orders.LineChange(found[0], message.data.quantity, message.data.reason)
        else:
            assert isinstance(message, OrderLineCancelledMessage)
            change = orders.LineChange(found[0], None, message.data.reason)
        changes.append((index, change, found[1]))
    changed: set[str] = set()
    if changes:
        done = orders.change_lines(tx.context, [c for _, c, _ in changes], actor, reallocate=False)
        for (index, _, sku), outcome in zip(changes, done, strict=True):
            results[index] = outcome.refusal
            if outcome.applied:
                changed.add(sku)
    return Applied(results, frozenset(changed))


# -- stock -------------------------------------------------------------------------------


def _levels(message: AnyMessage) -> InventorySnapshotMessage:
    assert isinstance(message, InventorySnapshotMessage)
    return message


def _snapshot(tx: SharedTransaction, messages: Sequence[AnyMessage], actor: str) -> Applied:
    levels = [
        supply.StockLevel(level.sku, level.location, level.on_hand)
        for m in messages
        for level in _levels(m).data.levels
    ]
    supply.set_stock(tx.context, levels, actor, reallocate=False)
    return Applied([None] * len(messages), frozenset(level.sku for level in levels))


def _adjusted(message: AnyMessage) -> InventoryAdjustedMessage:
    assert isinstance(message, InventoryAdjustedMessage)
    return message


def _adjust(tx: SharedTransaction, messages: Sequence[AnyMessage], actor: str) -> Applied:
    adjustments = [
        supply.StockAdjustment(a.sku, a.location, a.delta, a.reason)
        for a in (_adjusted(m).data for m in messages)
    ]
    supply.adjust_stocks(tx.context, adjustments, actor, reallocate=False)
    return Applied([None] * len(messages), frozenset(a.sku for a in adjustments))


# -- shipments and receipts --------------------------------------------------------------


def _shipment(message: AnyMessage) -> ShipmentConfirmedMessage:
    assert isinstance(message, ShipmentConfirmedMessage)
    return message


def _shipped_items(message: AnyMessage, refs: Refs) -> set[str]:
    data = _shipment(message).data
    found = [refs.lines.get((data.order_id, x.line_number)) for x in data.lines]
    return {ref[1] for ref in found if ref is not None}


def _shipment_keys(message: AnyMessage, refs: Refs) -> set[str]:
    data = _shipment(message).data
    stock = {_stock(sku, data.location) for sku in _shipped_items(message, refs)}
    return {f"o:{data.order_id}"} | stock


def _ship(tx: SharedTransaction, messages: Sequence[AnyMessage], actor: str) -> Applied:
    shipments = [_shipment(m) for m in messages]
    refs = tx.integration.line_refs(sorted({m.data.order_id for m in shipments}))
    results: list[Outcome] = []
    lines: list[fulfilment.ShipmentLine] = []
    for message in shipments:
        data = message.data
        missing = [x.line_number for x in data.lines if (data.order_id, x.line_number) not in refs]
        if missing:
            results.append(NotFoundError(f"order {data.order_id!r} has no line {missing[0]}"))
            continue
        results.append(None)
        lines.extend(
            fulfilment.ShipmentLine(
                refs[(data.order_id, x.line_number)][0],
                data.location,
                x.quantity,
                data.shipped_on,
                data.shipment_id,
            )
            for x in data.lines
        )
    if not lines:
        return Applied(results)
    done = fulfilment.confirm_shipments(tx.context, lines, actor, reallocate=False)
    return Applied(results, frozenset(done.unsettled_items))


def _receipt(message: AnyMessage) -> GoodsReceivedMessage:
    assert isinstance(message, GoodsReceivedMessage)
    return message


def _po_lines(message: AnyMessage, refs: Refs) -> list[tuple[str, str]]:
    data = _receipt(message).data
    found = [refs.po_lines.get(_source_id(data.po_number, x.line_number)) for x in data.lines]
    return [line for line in found if line is not None]


def _receipt_keys(message: AnyMessage, refs: Refs) -> set[str]:
    stock = {_stock(sku, location) for sku, location in _po_lines(message, refs)}
    return {f"p:{_receipt(message).data.po_number}"} | stock


def _source_id(po_number: str, line_number: int) -> str:
    return f"{po_number}/{line_number}"


def _receive(tx: SharedTransaction, messages: Sequence[AnyMessage], actor: str) -> Applied:
    receipts = [
        purchasing.GoodsReceipt(m.data.po_number, x.line_number, x.quantity)
        for m in (_receipt(m) for m in messages)
        for x in m.data.lines
    ]
    purchasing.receive_goods(tx.context, receipts, actor, reallocate=False)
    ids = sorted({_source_id(r.po_number, r.line_number) for r in receipts})
    lines = tx.outer.supply.po_lines_by_id(ids)
    return Applied([None] * len(messages), frozenset(line.sku for line in lines.values()))


_CHANGES = Kind("order_line.changed", lambda m, _: {f"o:{_line_ref(m)[0]}"}, _change_items, _change)
KINDS: dict[str, Kind] = {
    "order.created.v1": Kind(
        "order.created",
        lambda m, _: {f"o:{_created(m).data.order_id}"},
        lambda m, _: {line.sku for line in _created(m).data.lines},
        _place,
    ),
    # Quantity changes and cancellations go through one handler call together.
    "order_line.quantity_changed.v1": _CHANGES,
    "order_line.cancelled.v1": _CHANGES,
    "inventory.snapshot.v1": Kind(
        "inventory.snapshot",
        lambda m, _: {_stock(x.sku, x.location) for x in _levels(m).data.levels},
        lambda m, _: {x.sku for x in _levels(m).data.levels},
        _snapshot,
    ),
    "inventory.adjusted.v1": Kind(
        "inventory.adjusted",
        lambda m, _: {_stock(_adjusted(m).data.sku, _adjusted(m).data.location)},
        lambda m, _: {_adjusted(m).data.sku},
        _adjust,
    ),
    "shipment.confirmed.v1": Kind("shipment.confirmed", _shipment_keys, _shipped_items, _ship),
    "goods.received.v1": Kind(
        "goods.received",
        _receipt_keys,
        lambda m, refs: {sku for sku, _ in _po_lines(m, refs)},
        _receive,
    ),
}


def referenced_orders(messages: Sequence[AnyMessage]) -> list[str]:
    """Orders whose existing lines the messages refer to (changes and shipments)."""
    referring = (
        OrderLineQuantityChangedMessage | OrderLineCancelledMessage | ShipmentConfirmedMessage
    )
    return sorted({m.data.order_id for m in messages if isinstance(m, referring)})


def referenced_po_lines(messages: Sequence[AnyMessage]) -> list[str]:
    """PO lines (source ids) the messages receive against."""
    return sorted(
        {
            _source_id(m.data.po_number, x.line_number)
            for m in messages
            if isinstance(m, GoodsReceivedMessage)
            for x in m.data.lines
        }
    )


def new_order_lines(messages: Sequence[AnyMessage]) -> dict[tuple[str, int], str]:
    """(order id, line number) -> SKU of the orders the messages create."""
    return {
        (m.data.order_id, number): line.sku
        for m in messages
        if isinstance(m, OrderCreatedMessage)
        for number, line in enumerate(m.data.lines, start=1)
    }
