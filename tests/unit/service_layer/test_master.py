"""Master data handlers: references are checked and named, saves are create-or-update."""

from __future__ import annotations

import pytest

from backorder.domain.model import (
    ContractCommitment,
    Customer,
    Item,
    Location,
    Substitute,
    Supplier,
    TransferLane,
)
from backorder.service_layer.errors import InvalidInputError
from backorder.service_layer.handlers.master import (
    save_customers,
    save_items,
    save_lanes,
    save_locations,
    save_suppliers,
)
from tests.unit.service_layer.conftest import ACTOR, Harness


def test_save_items_rejects_an_unknown_substitute_naming_its_position(harness: Harness) -> None:
    items = [
        Item("N1"),
        Item("N2", substitutes=(Substitute("A"), Substitute("GHOST"))),
    ]

    with pytest.raises(InvalidInputError) as raised:
        save_items(harness.ctx, items, ACTOR)

    assert raised.value.field == "items[1].substitutes[1].sku"
    assert "GHOST" in str(raised.value)
    assert "N1" not in harness.store.items
    assert not harness.last.committed


def test_an_item_cannot_substitute_itself(harness: Harness) -> None:
    with pytest.raises(InvalidInputError, match="cannot substitute itself") as raised:
        save_items(harness.ctx, [Item("N1", substitutes=(Substitute("N1"),))], ACTOR)
    assert raised.value.field == "items[0].substitutes[0].sku"


def test_substitutes_may_refer_to_items_of_the_same_batch(harness: Harness) -> None:
    saved = save_items(
        harness.ctx,
        [Item("N1", substitutes=(Substitute("N2", 2.0),)), Item("N2"), Item("A", "bolt v2")],
        ACTOR,
    )

    assert [(s.key, s.created) for s in saved] == [("N1", True), ("N2", True), ("A", False)]
    assert harness.store.items["N1"].substitutes == (Substitute("N2", 2.0),)
    assert harness.store.items["A"].description == "bolt v2"


@pytest.mark.parametrize(
    ("customer", "field"),
    [
        (Customer("N", home_location="MARS"), "customers[0].home_location"),
        (
            Customer("N", contracts=(ContractCommitment("A", 5), ContractCommitment("GHOST", 5))),
            "customers[0].contracts[1].sku",
        ),
    ],
)
def test_save_customers_names_the_unknown_reference(
    harness: Harness, customer: Customer, field: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        save_customers(harness.ctx, [customer], ACTOR)
    assert raised.value.field == field
    assert "N" not in harness.store.customers


def test_lanes_must_join_known_locations(harness: Harness) -> None:
    with pytest.raises(InvalidInputError) as raised:
        save_lanes(
            harness.ctx, [TransferLane("EAST", "WEST", 2), TransferLane("MARS", "EAST", 9)], ACTOR
        )
    assert raised.value.field == "lanes[1].origin"
    assert harness.store.lanes[("EAST", "WEST")].lead_time_days == 3


def test_saves_report_whether_they_created_or_updated(harness: Harness) -> None:
    locations = save_locations(
        harness.ctx, [Location("EAST", "east"), Location("NORTH", "n")], ACTOR
    )
    suppliers = save_suppliers(harness.ctx, [Supplier("ACME", "Acme"), Supplier("NEW")], ACTOR)
    lanes = save_lanes(harness.ctx, [TransferLane("EAST", "NORTH", 2)], ACTOR)

    assert [(s.key, s.created) for s in locations] == [("EAST", False), ("NORTH", True)]
    assert [(s.key, s.created) for s in suppliers] == [("ACME", False), ("NEW", True)]
    assert [(s.key, s.created) for s in lanes] == [("EAST->NORTH", True)]
