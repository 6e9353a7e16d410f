"""Stock, purchase orders and supply sources round-trip on both backends."""

from __future__ import annotations

from backorder.adapters.repositories.supply import PurchaseOrderLine
from backorder.bootstrap import Application
from backorder.domain.model import ConfirmationState, SupplyKind, SupplySource
from tests.integration.helpers import NOW, TODAY, in_days, seed_master


def _po_line(number: int, sku: str, location: str, quantity: int, due: int) -> PurchaseOrderLine:
    return PurchaseOrderLine(
        source_id=f"PO-1/{number}",
        po_number="PO-1",
        line_number=number,
        supplier="ACME",
        sku=sku,
        location=location,
        quantity=quantity,
        received_quantity=0,
        expected_date=in_days(due),
        confirmed_date=None,
        confirmation=ConfirmationState.UNCONFIRMED,
        unit_cost=2.5,
    )


def test_stock_levels_round_trip(application: Application) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        assert uow.supply.on_hand("A", "EAST") is None
        assert uow.supply.set_on_hand("A", "EAST", 7, NOW) == 0
        assert uow.supply.set_on_hand("A", "EAST", 9, NOW) == 7
        uow.supply.set_on_hand("B", "WEST", 0, NOW)
        uow.commit()

    with application.context.reader() as uow:
        assert uow.supply.on_hand("A", "EAST") == 9
        assert uow.supply.stock() == [("A", "EAST", 9), ("B", "WEST", 0)]
        assert uow.supply.stock(["B"]) == [("B", "WEST", 0)]


def test_purchase_orders_round_trip_through_confirmation_shipping_and_receipt(
    application: Application,
) -> None:
    seed_master(application)
    lines = [_po_line(1, "A", "EAST", 10, 10), _po_line(2, "B", "WEST", 4, 20)]
    with application.context.unit_of_work() as uow:
        assert not uow.supply.po_exists("PO-1")
        uow.supply.add_purchase_order("PO-1", "ACME", lines, NOW)
        uow.commit()

    with application.context.unit_of_work() as uow:
        assert uow.supply.po_exists("PO-1")
        assert uow.supply.po_lines("PO-1") == lines
        assert uow.supply.po_line("PO-1/2") == lines[1]
        assert uow.supply.po_line("PO-1/3") is None
        uow.supply.confirm("PO-1/1", in_days(8), 12, NOW)
        uow.supply.mark_shipped("PO-1/2", in_days(18), NOW)
        uow.supply.add_received("PO-1/1", 12, NOW)
        uow.commit()

    with application.context.reader() as uow:
        first, second = uow.supply.po_lines("PO-1")
        assert (first.quantity, first.received_quantity, first.open_quantity) == (12, 12, 0)
        assert (first.confirmation, first.confirmed_date) == (
            ConfirmationState.CONFIRMED,
            in_days(8),
        )
        assert (second.confirmation, second.due_date) == (ConfirmationState.SHIPPED, in_days(18))
        assert uow.supply.open_po_lines() == [second]


def test_sources_are_stock_today_and_open_po_lines_when_due(application: Application) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        uow.supply.set_on_hand("A", "EAST", 5, NOW)
        uow.supply.set_on_hand("A", "WEST", -2, NOW)  # a count below zero is no supply
        uow.supply.set_on_hand("B", "EAST", 1, NOW)
        uow.supply.add_purchase_order(
            "PO-1", "ACME", [_po_line(1, "A", "EAST", 10, 10), _po_line(2, "B", "EAST", 3, 4)], NOW
        )
        uow.supply.confirm("PO-1/1", in_days(9), None, NOW)
        uow.commit()

    with application.context.reader() as uow:
        sources = uow.supply.sources(["A"], TODAY)
    assert sources == [
        SupplySource("OH/A/EAST", "A", "EAST", 5, TODAY),
        SupplySource("OH/A/WEST", "A", "WEST", 0, TODAY),
        SupplySource(
            "PO-1/1",
            "A",
            "EAST",
            10,
            in_days(9),
            kind=SupplyKind.PURCHASE_ORDER,
            confirmation=ConfirmationState.CONFIRMED,
            supplier="ACME",
            reference="PO-1 line 1",
        ),
    ]
