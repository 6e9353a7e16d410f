"""Every state change leaves an audit record: who, what, which subject, before and after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from backorder.domain.model import Customer, Item, Location, Supplier, TransferLane
from backorder.service_layer.handlers import allocation, master, orders, supply
from tests.unit.service_layer.conftest import ACTOR, Harness, in_days


@dataclass(frozen=True)
class Change:
    """A handler call and the audit record it must leave."""

    act: Callable[[Harness], object]
    action: str
    subject: str
    before: dict[str, Any] | None
    after: dict[str, Any]


def _arranged(harness: Harness) -> int:
    """10 of A on hand, PO-1 for 10 more, and order SO-1 holding 4; returns its line id."""
    harness.stock("A", "EAST", 10)
    harness.purchase_order("PO-1", "A", 10, in_days(10))
    return harness.order("SO-1", ("A", 4)).lines[0].line_id


CHANGES = {
    "location": Change(
        lambda h: master.save_locations(h.ctx, [Location("EAST", "east", "Renamed")], ACTOR),
        "location.saved",
        "location/EAST",
        {"code": "EAST", "name": "East DC"},
        {"code": "EAST", "name": "Renamed"},
    ),
    "lane": Change(
        lambda h: master.save_lanes(h.ctx, [TransferLane("EAST", "WEST", 5)], ACTOR),
        "lane.saved",
        "lane/EAST-WEST",
        {"lead_time_days": 3},
        {"lead_time_days": 5},
    ),
    "supplier": Change(
        lambda h: master.save_suppliers(h.ctx, [Supplier("ACME", "Acme", 21)], ACTOR),
        "supplier.saved",
        "supplier/ACME",
        {"lead_time_days": 14},
        {"lead_time_days": 21},
    ),
    "item": Change(
        lambda h: master.save_items(h.ctx, [Item("B", "hex nut", list_price=4.0)], ACTOR),
        "item.saved",
        "item/B",
        {"description": "nut", "list_price": 3.0},
        {"description": "hex nut", "list_price": 4.0},
    ),
    "customer": Change(
        lambda h: master.save_customers(h.ctx, [Customer("C-NEW", region="east")], ACTOR),
        "customer.saved",
        "customer/C-NEW",
        None,
        {"code": "C-NEW", "tier": "standard"},
    ),
    "order": Change(
        lambda h: h.order("SO-2", ("A", 3)),
        "order.placed",
        "order/SO-2",
        None,
        {"customer": "C-STD", "lines": [{"line_id": 2, "sku": "A", "quantity": 3}]},
    ),
    "cancel": Change(
        lambda h: orders.cancel_line(h.ctx, 1, "duplicate", ACTOR),
        "order_line.cancelled",
        "order-line/1",
        {"status": "allocated", "quantity": 4},
        {"status": "cancelled", "reason": "duplicate", "released_allocations": 1},
    ),
    "quantity": Change(
        lambda h: orders.change_quantity(h.ctx, 1, 6, ACTOR),
        "order_line.quantity_changed",
        "order-line/1",
        {"quantity": 4},
        {"quantity": 6},
    ),
    "snapshot": Change(
        lambda h: supply.set_stock(h.ctx, [supply.StockLevel("A", "EAST", 12)], ACTOR),
        "inventory.set",
        "inventory/A/EAST",
        {"on_hand": 10},
        {"on_hand": 12},
    ),
    "adjustment": Change(
        lambda h: supply.adjust_stock(h.ctx, "A", "EAST", -3, "damaged", ACTOR),
        "inventory.adjusted",
        "inventory/A/EAST",
        {"on_hand": 10},
        {"on_hand": 7, "reason": "damaged"},
    ),
    "purchase order": Change(
        lambda h: supply.create_purchase_order(
            h.ctx,
            "PO-2",
            "ACME",
            [supply.PurchaseOrderLineInput("B", "WEST", 5, in_days(4))],
            ACTOR,
        ),
        "purchase_order.created",
        "purchase-order/PO-2",
        None,
        {"supplier": "ACME", "lines": ["PO-2/1"]},
    ),
    "confirmation": Change(
        lambda h: supply.confirm_po_line(h.ctx, "PO-1", 1, in_days(12), 8, ACTOR),
        "purchase_order.confirmed",
        "purchase-order/PO-1/1",
        {"quantity": 10},
        {"confirmed_date": in_days(12).isoformat(), "quantity": 8},
    ),
    "receipt": Change(
        lambda h: supply.receive(h.ctx, "PO-1", 1, 4, ACTOR),
        "purchase_order.received",
        "purchase-order/PO-1/1",
        {"received_quantity": 0, "on_hand": 10},
        {"received_quantity": 4, "on_hand": 14},
    ),
    "allocation run": Change(
        lambda h: allocation.run_allocation(h.ctx, skus=["A"], solver="priority", actor=ACTOR),
        "allocation.run",
        "allocation-run/",
        None,
        {"solver": "priority", "skus": ["A"]},
    ),
}


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            _contains(actual.get(k), v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_contains(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected)


@pytest.mark.parametrize("name", CHANGES)
def test_every_state_change_writes_an_audit_record(harness: Harness, name: str) -> None:
    change = CHANGES[name]
    _arranged(harness)
    seen = len(harness.store.audit_log)

    change.act(harness)

    records = harness.store.audit_log[seen:]
    assert len(records) == 1, records
    record = records[0]
    assert (record["actor"], record["action"]) == (ACTOR, change.action)
    assert record["subject"].startswith(change.subject)
    assert record["at"] == harness.clock.now()
    assert _contains(record["before"], change.before), record["before"]
    assert _contains(record["after"], change.after), record["after"]


def test_a_refused_change_leaves_no_audit_record(harness: Harness) -> None:
    _arranged(harness)
    seen = len(harness.store.audit_log)

    with pytest.raises(ValueError, match="would leave"):
        supply.adjust_stock(harness.ctx, "A", "EAST", -50, "typo", ACTOR)

    assert len(harness.store.audit_log) == seen
