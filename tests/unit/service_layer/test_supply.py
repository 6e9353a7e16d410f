"""Stock, purchase orders, supplier confirmations and receipts on the fake unit of work."""

from __future__ import annotations

import pytest

from backorder.domain import events
from backorder.domain.model import ConfirmationState, LineStatus
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers.supply import (
    PurchaseOrderLineInput,
    StockLevel,
    adjust_stock,
    confirm_po_line,
    create_purchase_order,
    receive,
    set_stock,
)
from tests.unit.service_layer.conftest import ACTOR, Harness, in_days

TODAY = in_days(0)


def test_a_receipt_moves_stock_and_reallocates_the_waiting_line(harness: Harness) -> None:
    harness.purchase_order("PO-1", "A", 20, in_days(10))
    line = harness.order("SO-1", ("A", 5), requested=in_days(2)).lines[0]
    assert harness.held(line.line_id) == {"PO-1/1": 5}
    assert (line.promise_date, line.backordered) == (in_days(10), 5)

    still_open = receive(harness.ctx, "PO-1", 1, 8, ACTOR)

    assert still_open == 12
    assert harness.store.inventory[("A", "EAST")] == 8
    assert harness.store.po_lines["PO-1/1"].received_quantity == 8
    assert harness.held(line.line_id) == {"OH/A/EAST": 5}
    stored = harness.line(line.line_id)
    assert stored.line.promise_date == in_days(2)  # on hand now: the day asked for
    assert (stored.backordered_quantity, stored.backordered_since) == (0, None)
    assert stored.line.status is LineStatus.ALLOCATED
    repromised = harness.events(events.LineRepromised)
    assert [(e.old_promise_date, e.new_promise_date) for e in repromised] == [
        (in_days(10), in_days(2))
    ]


def test_a_partial_receipt_moves_the_oldest_allocations_first(harness: Harness) -> None:
    harness.purchase_order("PO-1", "A", 10, in_days(10))
    first = harness.order("SO-1", ("A", 4)).lines[0]
    second = harness.order("SO-2", ("A", 4)).lines[0]

    receive(harness.ctx, "PO-1", 1, 6, ACTOR)

    held = harness.held(first.line_id), harness.held(second.line_id)
    assert sum(h.get("OH/A/EAST", 0) for h in held) == 6
    assert sum(h.get("PO-1/1", 0) for h in held) == 2
    assert sum(a.allocation.quantity for a in harness.store.allocations.values()) == 8


def test_receipt_against_an_unknown_line_or_of_nothing_is_refused(harness: Harness) -> None:
    harness.purchase_order("PO-1", "A", 10, in_days(10))
    with pytest.raises(NotFoundError, match="no line 2"):
        receive(harness.ctx, "PO-1", 2, 1, ACTOR)
    with pytest.raises(InvalidInputError) as raised:
        receive(harness.ctx, "PO-1", 1, 0, ACTOR)
    assert raised.value.field == "quantity"
    assert harness.store.po_lines["PO-1/1"].received_quantity == 0


def test_a_supplier_confirmation_moves_the_promise(harness: Harness) -> None:
    harness.purchase_order("PO-1", "A", 10, in_days(20))
    line = harness.order("SO-1", ("A", 4), requested=in_days(5)).lines[0]
    assert line.promise_date == in_days(20)

    confirm_po_line(harness.ctx, "PO-1", 1, in_days(8), None, ACTOR)

    po_line = harness.store.po_lines["PO-1/1"]
    assert (po_line.confirmation, po_line.confirmed_date) == (
        ConfirmationState.CONFIRMED,
        in_days(8),
    )
    assert harness.line(line.line_id).line.promise_date == in_days(8)
    history = harness.ctx.unit_of_work().orders.history(line.line_id)
    assert [h.promise_date for h in history] == [in_days(20), in_days(8)]


def test_a_confirmation_cannot_cut_below_what_was_received(harness: Harness) -> None:
    harness.purchase_order("PO-1", "A", 10, in_days(20))
    receive(harness.ctx, "PO-1", 1, 6, ACTOR)

    with pytest.raises(InvalidInputError, match="6 units already received") as raised:
        confirm_po_line(harness.ctx, "PO-1", 1, in_days(8), 5, ACTOR)

    assert raised.value.field == "quantity"
    assert harness.store.po_lines["PO-1/1"].confirmation is ConfirmationState.UNCONFIRMED
    with pytest.raises(NotFoundError):
        confirm_po_line(harness.ctx, "PO-9", 1, in_days(8), None, ACTOR)


def test_a_confirmed_smaller_quantity_backorders_the_line_it_no_longer_covers(
    harness: Harness,
) -> None:
    harness.purchase_order("PO-1", "A", 10, in_days(20))
    first = harness.order("SO-1", ("A", 6)).lines[0]
    second = harness.order("SO-2", ("A", 4)).lines[0]

    confirm_po_line(harness.ctx, "PO-1", 1, in_days(20), 7, ACTOR)

    held = sum(harness.held(first.line_id).values()) + sum(harness.held(second.line_id).values())
    assert held == 7
    short = [harness.line(i) for i in (first.line_id, second.line_id)]
    assert sum(r.line.quantity - r.allocated_quantity for r in short) == 3


def test_stock_adjustments_cannot_go_negative(harness: Harness) -> None:
    harness.stock("A", "EAST", 5)

    with pytest.raises(InvalidInputError, match="would leave -1 on hand") as raised:
        adjust_stock(harness.ctx, "A", "EAST", -6, "cycle count", ACTOR)

    assert raised.value.field == "delta"
    assert harness.store.inventory[("A", "EAST")] == 5
    assert adjust_stock(harness.ctx, "A", "EAST", -5, "damaged", ACTOR) == 0
    assert harness.store.inventory[("A", "EAST")] == 0


def test_a_negative_adjustment_takes_units_back_from_lines(harness: Harness) -> None:
    harness.stock("A", "EAST", 5)
    line = harness.order("SO-1", ("A", 5)).lines[0]

    adjust_stock(harness.ctx, "A", "EAST", -2, "damaged", ACTOR)

    assert sum(harness.held(line.line_id).values()) == 3
    assert harness.line(line.line_id).backordered_quantity == 2


@pytest.mark.parametrize(
    ("sku", "location", "field"),
    [("ZZZ", "EAST", "adjustment.sku"), ("A", "MARS", "adjustment.location")],
)
def test_an_adjustment_of_an_unknown_place_names_the_field(
    harness: Harness, sku: str, location: str, field: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        adjust_stock(harness.ctx, sku, location, 1, "found", ACTOR)
    assert raised.value.field == field


def test_a_stock_snapshot_counts_changes_and_refuses_negative_levels(harness: Harness) -> None:
    harness.stock("A", "EAST", 5)
    levels = [StockLevel("A", "EAST", 5), StockLevel("B", "WEST", 7)]

    assert set_stock(harness.ctx, levels, ACTOR) == 1
    assert harness.store.inventory[("B", "WEST")] == 7
    with pytest.raises(InvalidInputError) as raised:
        set_stock(harness.ctx, [StockLevel("A", "EAST", 1), StockLevel("B", "EAST", -1)], ACTOR)
    assert raised.value.field == "levels[1].on_hand"
    assert harness.store.inventory[("A", "EAST")] == 5


def test_a_purchase_order_turns_backorders_into_late_allocations(harness: Harness) -> None:
    line = harness.order("SO-1", ("A", 4), requested=in_days(2)).lines[0]
    assert harness.line(line.line_id).line.status is LineStatus.BACKORDERED

    ids = create_purchase_order(
        harness.ctx, "PO-7", "ACME", [PurchaseOrderLineInput("A", "EAST", 10, in_days(9))], ACTOR
    )

    assert ids == ["PO-7/1"]
    stored = harness.line(line.line_id)
    assert stored.line.status is LineStatus.ALLOCATED
    assert (stored.line.promise_date, stored.backordered_quantity) == (in_days(9), 4)
    assert harness.held(line.line_id) == {"PO-7/1": 4}


@pytest.mark.parametrize(
    ("supplier", "line", "field"),
    [
        ("NOBODY", PurchaseOrderLineInput("A", "EAST", 1, in_days(5)), "supplier"),
        ("ACME", PurchaseOrderLineInput("ZZZ", "EAST", 1, in_days(5)), "lines[0].sku"),
        ("ACME", PurchaseOrderLineInput("A", "MARS", 1, in_days(5)), "lines[0].location"),
        ("ACME", PurchaseOrderLineInput("A", "EAST", 0, in_days(5)), "lines[0].quantity"),
    ],
)
def test_a_bad_purchase_order_names_the_field(
    harness: Harness, supplier: str, line: PurchaseOrderLineInput, field: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        create_purchase_order(harness.ctx, "PO-1", supplier, [line], ACTOR)
    assert raised.value.field == field
    assert harness.store.purchase_orders == {}


def test_a_purchase_order_number_is_used_once(harness: Harness) -> None:
    line = PurchaseOrderLineInput("A", "EAST", 5, in_days(5))
    create_purchase_order(harness.ctx, "PO-1", "ACME", [line], ACTOR)
    with pytest.raises(ConflictError, match="PO-1"):
        create_purchase_order(harness.ctx, "PO-1", "ACME", [line], ACTOR)
    with pytest.raises(InvalidInputError):
        create_purchase_order(harness.ctx, "PO-2", "ACME", [], ACTOR)
