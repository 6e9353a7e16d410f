"""Grouping a batch by kind without reordering what must stay in order."""

from __future__ import annotations

from typing import Any

from backorder.service_layer.handlers.inbound import lock_scope, plan
from backorder.service_layer.handlers.inbound_kinds import Refs
from backorder.service_layer.handlers.inbound_messages import MESSAGE, AnyMessage

REFS = Refs(
    lines={("SO-OLD", 1): (7, "B")},
    po_lines={"PO-1/1": ("A", "EAST")},
)


def msg(kind: str, **data: Any) -> AnyMessage:
    """A valid message of a kind with the given payload."""
    return MESSAGE.validate_python(
        {"message_id": f"m-{kind}-{id(data)}", "type": kind, "source": "t", "data": data}
    )


def order(order_id: str, sku: str = "A") -> AnyMessage:
    """An order.created message."""
    line = {"sku": sku, "quantity": 1, "requested_date": "2026-12-01"}
    return msg("order.created.v1", order_id=order_id, customer="C", lines=[line])


def adjust(sku: str, location: str = "EAST") -> AnyMessage:
    """An inventory.adjusted message."""
    return msg("inventory.adjusted.v1", sku=sku, location=location, delta=1, reason="r")


def groups_of(*messages: AnyMessage) -> list[tuple[str, list[int]]]:
    """(kind, message positions) per group, in application order."""
    found = plan(list(enumerate(messages)), REFS)
    return [(g.kind.name, [i for i, _ in g.items]) for g in found]


def test_messages_of_one_kind_form_one_group() -> None:
    found = groups_of(order("SO-1"), adjust("A"), order("SO-2"), adjust("B"), order("SO-3"))
    assert found == [("order.created", [0, 2, 4]), ("inventory.adjusted", [1, 3])]


def test_a_change_after_its_order_stays_after_it() -> None:
    change = msg("order_line.cancelled.v1", order_id="SO-1", line_number=1)
    earlier = msg("order_line.cancelled.v1", order_id="SO-OLD", line_number=1)
    found = groups_of(earlier, order("SO-1"), change, order("SO-2"))
    # The cancellation of SO-OLD may go first; that of SO-1 must follow SO-1's creation.
    assert found == [
        ("order_line.changed", [0]),
        ("order.created", [1, 3]),
        ("order_line.changed", [2]),
    ]


def test_stock_messages_of_one_item_and_dc_keep_their_order() -> None:
    snapshot = msg("inventory.snapshot.v1", levels=[{"sku": "A", "location": "EAST", "on_hand": 5}])
    found = groups_of(adjust("A"), snapshot, adjust("A"), adjust("A", "WEST"), adjust("C"))
    assert found == [
        ("inventory.adjusted", [0, 3, 4]),
        ("inventory.snapshot", [1]),
        ("inventory.adjusted", [2]),
    ]


def test_receipts_and_shipments_share_the_stock_key_of_their_line() -> None:
    receipt = msg("goods.received.v1", po_number="PO-1", lines=[{"line_number": 1, "quantity": 2}])
    found = groups_of(adjust("A"), receipt, adjust("A"))
    assert found == [
        ("inventory.adjusted", [0]),
        ("goods.received", [1]),
        ("inventory.adjusted", [2]),
    ]


def test_the_lock_scope_covers_named_items_and_their_substitutes() -> None:
    shipment = msg(
        "shipment.confirmed.v1",
        shipment_id="S",
        order_id="SO-OLD",
        location="EAST",
        lines=[{"line_number": 1, "quantity": 1}],
    )
    groups = plan(list(enumerate([order("SO-1", "D"), shipment])), REFS)
    assert lock_scope(groups, REFS, [("D", "E"), ("X", "Y")]) == ["B", "D", "E"]
