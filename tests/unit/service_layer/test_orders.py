"""Order intake, cancellation and quantity changes on the fake unit of work."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from backorder.domain import events
from backorder.domain.model import LineStatus
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers.orders import cancel_line, change_quantity, place_orders
from tests.unit.service_layer.conftest import ACTOR, Harness, in_days

TODAY = in_days(0)


def test_an_order_is_allocated_at_once_and_the_next_one_sees_less(harness: Harness) -> None:
    harness.stock("A", "EAST", 10)

    first = harness.order("SO-1", ("A", 6))
    second = harness.order("SO-2", ("A", 6))

    assert harness.last.committed
    one, two = first.lines[0], second.lines[0]
    # Ready today, promised for the day asked (never earlier than the request).
    assert (one.status, one.allocated, one.backordered, one.promise_date) == (
        LineStatus.ALLOCATED, 6, 0, in_days(3),
    )  # fmt: skip
    assert harness.held(one.line_id) == {"OH/A/EAST": 6}
    # Only 4 are left: the second order takes them; 2 have no supply at all.
    assert (two.status, two.allocated, two.backordered, two.promise_date) == (
        LineStatus.PARTIALLY_ALLOCATED, 4, 2, None,
    )  # fmt: skip
    assert harness.held(two.line_id) == {"OH/A/EAST": 4}
    stored = harness.line(two.line_id)
    assert (stored.allocated_quantity, stored.backordered_quantity) == (4, 2)
    assert stored.backordered_since == TODAY
    assert stored.line.status is LineStatus.PARTIALLY_ALLOCATED


def test_intake_uses_a_later_purchase_order_and_promises_its_date(harness: Harness) -> None:
    harness.stock("A", "EAST", 2)
    harness.purchase_order("PO-1", "A", 20, in_days(12))

    placed = harness.order("SO-1", ("A", 5), requested=in_days(3))

    line = placed.lines[0]
    assert harness.held(line.line_id) == {"OH/A/EAST": 2, "PO-1/1": 3}
    assert line.promise_date == in_days(12)
    assert line.backordered == 3  # the PO units arrive after the requested date


def test_a_line_with_a_ship_from_is_served_there(harness: Harness) -> None:
    harness.stock("A", "EAST", 5)
    harness.stock("A", "WEST", 5)

    placed = harness.order("SO-1", ("A", 3), ship_from="WEST")

    assert harness.held(placed.lines[0].line_id) == {"OH/A/WEST": 3}


@pytest.mark.parametrize(
    ("customer", "lines", "ship_from", "field"),
    [
        ("NOBODY", [("A", 1)], None, "customer"),
        ("C-STD", [("A", 1), ("ZZZ", 1)], None, "lines[1].sku"),
        ("C-STD", [("A", 1)], "MARS", "lines[0].ship_from"),
        ("C-STD", [], None, "lines"),
    ],
)
def test_unknown_references_are_rejected_naming_the_field(
    harness: Harness, customer: str, lines: list[tuple[str, int]], ship_from: str | None, field: str
) -> None:
    harness.stock("A", "EAST", 10)

    with pytest.raises(InvalidInputError) as raised:
        harness.order("SO-1", *lines, customer=customer, ship_from=ship_from)

    assert raised.value.field == field
    assert not harness.last.committed
    assert harness.store.orders == {}
    assert harness.store.lines == {}
    assert harness.store.allocations == {}


def test_a_duplicate_order_id_is_a_conflict_and_changes_nothing(harness: Harness) -> None:
    harness.stock("A", "EAST", 10)
    harness.order("SO-1", ("A", 2))
    before = copy.deepcopy(harness.store)

    with pytest.raises(ConflictError, match="SO-1"):
        harness.order("SO-1", ("A", 3))

    assert harness.store.lines == before.lines
    assert harness.store.allocations == before.allocations


def test_a_failing_order_in_a_batch_rolls_back_the_whole_batch(harness: Harness) -> None:
    harness.stock("A", "EAST", 10)
    good = harness.new_order("SO-1", ("A", 2))
    bad = harness.new_order("SO-2", ("NOPE", 1))

    with pytest.raises(InvalidInputError):
        place_orders(harness.ctx, [good, bad], ACTOR)

    assert harness.store.orders == {}
    assert harness.store.allocations == {}
    assert harness.store.outbox == []
    assert harness.store.audit_log == []


def test_cancel_releases_and_reallocates_to_the_next_line(harness: Harness) -> None:
    harness.stock("A", "EAST", 10)
    first = harness.order("SO-1", ("A", 10)).lines[0]
    waiting = harness.order("SO-2", ("A", 4)).lines[0]
    assert harness.line(waiting.line_id).line.status is LineStatus.BACKORDERED

    cancel_line(harness.ctx, first.line_id, "customer changed their mind", ACTOR)

    assert harness.last.committed
    cancelled = harness.line(first.line_id)
    assert cancelled.line.status is LineStatus.CANCELLED
    assert (cancelled.allocated_quantity, cancelled.line.promise_date) == (0, None)
    assert harness.held(first.line_id) == {}
    after = harness.line(waiting.line_id)
    assert after.line.status is LineStatus.ALLOCATED
    assert (after.allocated_quantity, after.backordered_quantity) == (4, 0)
    assert after.line.promise_date == in_days(3)  # the requested date
    assert after.backordered_since is None
    assert harness.held(waiting.line_id) == {"OH/A/EAST": 4}
    assert harness.events(events.LineCancelled) == [
        events.LineCancelled(first.line_id, "A", 10, "customer changed their mind")
    ]
    [published] = harness.outbox("backorder.order_line.cancelled.v1")
    assert published["subject"] == f"line/{first.line_id}"


def test_cancel_of_an_unknown_or_cancelled_line_is_refused(harness: Harness) -> None:
    harness.stock("A", "EAST", 10)
    line = harness.order("SO-1", ("A", 1)).lines[0]
    with pytest.raises(NotFoundError):
        cancel_line(harness.ctx, 999, "typo", ACTOR)
    cancel_line(harness.ctx, line.line_id, "no longer needed", ACTOR)

    with pytest.raises(ConflictError, match="cancelled"):
        cancel_line(harness.ctx, line.line_id, "again", ACTOR)
    with pytest.raises(ConflictError, match="cancelled"):
        change_quantity(harness.ctx, line.line_id, 3, ACTOR)


def test_more_quantity_is_reallocated_and_the_rest_backordered(harness: Harness) -> None:
    harness.stock("A", "EAST", 10)
    line = harness.order("SO-1", ("A", 4)).lines[0]

    change_quantity(harness.ctx, line.line_id, 12, ACTOR)

    stored = harness.line(line.line_id)
    assert stored.line.quantity == 12
    assert (stored.allocated_quantity, stored.backordered_quantity) == (10, 2)
    assert stored.line.status is LineStatus.PARTIALLY_ALLOCATED
    assert sum(harness.held(line.line_id).values()) == 10


def test_less_quantity_frees_units_for_other_lines(harness: Harness) -> None:
    harness.stock("A", "EAST", 10)
    big = harness.order("SO-1", ("A", 10)).lines[0]
    small = harness.order("SO-2", ("A", 3)).lines[0]

    change_quantity(harness.ctx, big.line_id, 7, ACTOR)

    assert sum(harness.held(big.line_id).values()) == 7
    assert sum(harness.held(small.line_id).values()) == 3
    assert harness.line(small.line_id).line.status is LineStatus.ALLOCATED


@pytest.mark.parametrize("quantity", [0, -5])
def test_a_quantity_must_be_positive(harness: Harness, quantity: int) -> None:
    harness.stock("A", "EAST", 10)
    line = harness.order("SO-1", ("A", 4)).lines[0]

    with pytest.raises(InvalidInputError) as raised:
        change_quantity(harness.ctx, line.line_id, quantity, ACTOR)

    assert raised.value.field == "quantity"
    assert harness.line(line.line_id).line.quantity == 4


def test_a_quantity_cannot_go_below_what_was_shipped(harness: Harness) -> None:
    harness.stock("A", "EAST", 10)
    line_id = harness.order("SO-1", ("A", 6)).lines[0].line_id
    record = harness.store.lines[line_id]
    shipped = dataclasses.replace(record.line, shipped_quantity=5)
    harness.store.lines[line_id] = dataclasses.replace(record, line=shipped)

    with pytest.raises(InvalidInputError, match="5 units already shipped") as raised:
        change_quantity(harness.ctx, line_id, 4, ACTOR)

    assert raised.value.field == "quantity"
    with pytest.raises(NotFoundError):
        change_quantity(harness.ctx, 404, 4, ACTOR)


def test_backordered_lines_raise_events_after_commit(harness: Harness) -> None:
    harness.stock("A", "EAST", 3)

    placed = harness.order("SO-1", ("A", 1), ("A", 5))

    covered, short = placed.lines
    allocated = harness.events(events.LineAllocated)
    backordered = harness.events(events.LineBackordered)
    assert allocated == [events.LineAllocated(covered.line_id, "A", 1, in_days(3))]
    assert backordered == [
        events.LineBackordered(short.line_id, "A", 3, in_days(3), promise_date=None)
    ]
    rows = harness.outbox("backorder.order_line.backordered.v1")
    assert [(r["subject"], r["data"]["backordered_quantity"]) for r in rows] == [
        (f"line/{short.line_id}", 3)
    ]
    assert all(r["published_at"] is None for r in rows)
