"""Handlers lock the items they change, in SKU order, before they read supply.

Two requests for the same item must never both see the same free units (PostgreSQL row
locks), and two writers must take their locks in one global order or they can deadlock.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backorder.adapters.memory import FakeUnitOfWork
from backorder.service_layer.handlers import allocation, orders, supply
from tests.unit.service_layer.conftest import ACTOR, Harness, in_days


def _arranged(harness: Harness) -> None:
    harness.stock("A", "EAST", 10)
    harness.stock("B", "EAST", 10)
    harness.purchase_order("PO-1", "A", 10, in_days(10))
    harness.order("SO-1", ("A", 4))  # line 1


def test_an_order_locks_its_items_sorted_before_reading_supply(harness: Harness) -> None:
    _arranged(harness)

    harness.order("SO-2", ("B", 1), ("A", 2), ("B", 3))

    unit = harness.last
    assert unit.locked == [("A", "B")]
    assert unit.journal[0] == ("lock", ("A", "B"))
    assert unit.unlocked_reads() == []


HANDLERS: dict[str, Callable[[Harness], object]] = {
    "cancel": lambda h: orders.cancel_line(h.ctx, 1, "dup", ACTOR),
    "quantity": lambda h: orders.change_quantity(h.ctx, 1, 9, ACTOR),
    "snapshot": lambda h: supply.set_stock(
        h.ctx, [supply.StockLevel("B", "EAST", 3), supply.StockLevel("A", "WEST", 1)], ACTOR
    ),
    "adjustment": lambda h: supply.adjust_stock(h.ctx, "A", "EAST", -1, "broken", ACTOR),
    "purchase order": lambda h: supply.create_purchase_order(
        h.ctx,
        "PO-2",
        "ACME",
        [
            supply.PurchaseOrderLineInput("B", "EAST", 5, in_days(4)),
            supply.PurchaseOrderLineInput("A", "EAST", 5, in_days(4)),
        ],
        ACTOR,
    ),
    "confirmation": lambda h: supply.confirm_po_line(h.ctx, "PO-1", 1, in_days(6), None, ACTOR),
    "receipt": lambda h: supply.receive(h.ctx, "PO-1", 1, 5, ACTOR),
}


@pytest.mark.parametrize("name", list(HANDLERS))
def test_supply_changing_handlers_lock_first_and_in_order(harness: Harness, name: str) -> None:
    _arranged(harness)

    HANDLERS[name](harness)

    unit = harness.last
    assert unit.committed
    assert unit.locked, "no lock taken"
    assert all(list(skus) == sorted(set(skus)) for skus in unit.locked), unit.locked
    assert unit.journal[0][0] == "lock", unit.journal
    assert unit.unlocked_reads() == []
    assert unit.lock_order_violations() == []


def test_an_allocation_run_locks_before_reading_supply(harness: Harness) -> None:
    _arranged(harness)
    seen = len(harness.units)

    allocation.run_allocation(harness.ctx, skus=["A"], solver="priority", actor=ACTOR)

    units = harness.units[seen:]
    assert any("A" in skus for unit in units for skus in unit.locked)
    assert [unit.unlocked_reads() for unit in units] == [[] for _ in units]
    assert all(unit.lock_order_violations() == [] for unit in units)


def test_reallocation_over_a_substitution_group_locks_the_group_first(harness: Harness) -> None:
    harness.stock("S1", "EAST", 2)
    harness.stock("S0", "EAST", 5)
    with FakeUnitOfWork(harness.store, harness.clock) as unit:  # a line stored by an import
        unit.orders.add_order(harness.new_order("SO-1", ("S1", 4)), harness.clock.now())
        unit.commit()

    supply.adjust_stock(harness.ctx, "S1", "EAST", 1, "found", ACTOR)

    unit = harness.last
    assert unit.unlocked_reads() == []
    assert unit.lock_order_violations() == []


def test_a_batch_of_orders_locks_in_one_sku_order(harness: Harness) -> None:
    _arranged(harness)
    batch = [harness.new_order("SO-2", ("B", 1)), harness.new_order("SO-3", ("A", 1))]

    orders.place_orders(harness.ctx, batch, ACTOR)

    assert harness.last.lock_order_violations() == []
