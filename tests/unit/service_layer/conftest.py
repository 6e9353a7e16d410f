"""A service context over in-memory fakes, seeded with a small distributor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

import pytest

from backorder.adapters.memory import FakeUnitOfWork, MemoryStore
from backorder.adapters.repositories.orders import LineRecord
from backorder.adapters.repositories.supply import PurchaseOrderLine
from backorder.domain import events
from backorder.domain.model import (
    ConfirmationState,
    Customer,
    Item,
    Location,
    Order,
    OrderLine,
    Substitute,
    Supplier,
    Tier,
    TransferLane,
)
from backorder.policies import default_policy
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.orders import PlacedOrder, place_order

ACTOR = "ana (csr, key k1)"
E = TypeVar("E", bound=events.Event)


def in_days(days: int) -> date:
    """The business date `days` after the pinned today (2026-11-27)."""
    return date(2026, 11, 27) + timedelta(days=days)


@dataclass
class Harness:
    """The fakes, the context handlers take, and shortcuts to arrange and inspect state."""

    store: MemoryStore
    clock: FixedClock
    units: list[FakeUnitOfWork] = field(default_factory=list)
    published: list[events.Event] = field(default_factory=list)

    @property
    def ctx(self) -> ServiceContext:
        """A context whose units of work are fakes over the store (each one remembered)."""
        return ServiceContext(
            unit_of_work=self._unit, reader=self._unit, policy=default_policy(), clock=self.clock
        )

    def _unit(self) -> FakeUnitOfWork:
        unit = FakeUnitOfWork(self.store, self.clock)
        self.units.append(unit)
        return unit

    @property
    def last(self) -> FakeUnitOfWork:
        """The unit of work the last handler call used."""
        return self.units[-1]

    def stock(self, sku: str, location: str, units: int) -> None:
        """Put units on hand (as a snapshot stored earlier would have)."""
        self.store.inventory[(sku, location)] = units

    def purchase_order(self, po: str, sku: str, quantity: int, due: date, dc: str = "EAST") -> str:
        """An open PO line (stored directly); returns its source id."""
        source_id = f"{po}/1"
        self.store.purchase_orders[po] = "ACME"
        self.store.po_lines[source_id] = PurchaseOrderLine(
            source_id=source_id,
            po_number=po,
            line_number=1,
            supplier="ACME",
            sku=sku,
            location=dc,
            quantity=quantity,
            received_quantity=0,
            expected_date=due,
            confirmed_date=None,
            confirmation=ConfirmationState.UNCONFIRMED,
            unit_cost=1.0,
        )
        return source_id

    def order(
        self,
        order_id: str,
        *lines: tuple[str, int],
        customer: str = "C-STD",
        requested: date | None = None,
        ship_from: str | None = None,
    ) -> PlacedOrder:
        """Place an order through the handler: (sku, quantity) per line."""
        return place_order(
            self.ctx,
            self.new_order(
                order_id, *lines, customer=customer, requested=requested, ship_from=ship_from
            ),
            ACTOR,
        )

    def new_order(
        self,
        order_id: str,
        *lines: tuple[str, int],
        customer: str = "C-STD",
        requested: date | None = None,
        ship_from: str | None = None,
    ) -> Order:
        """An order as a caller sends it (line ids are assigned when stored)."""
        at = self.clock.now()
        return Order(
            order_id,
            customer,
            at,
            tuple(
                OrderLine(
                    0,
                    order_id,
                    customer,
                    sku,
                    qty,
                    requested or in_days(3),
                    unit_price=10.0,
                    ship_from=ship_from,
                    ordered_at=at,
                )
                for sku, qty in lines
            ),
        )

    def line(self, line_id: int) -> LineRecord:
        """A stored line."""
        return self.store.lines[line_id]

    def held(self, line_id: int) -> dict[str, int]:
        """Units a line holds per supply source."""
        out: dict[str, int] = {}
        for stored in self.store.allocations.values():
            a = stored.allocation
            if a.line_id == line_id:
                out[a.source_id] = out.get(a.source_id, 0) + a.quantity
        return out

    def events(self, kind: type[E]) -> list[E]:
        """Committed events of a kind, as the units of work hand them to the message bus."""
        self.published.extend(e for u in self.units for e in u.collect_new_events())
        return [e for e in self.published if isinstance(e, kind)]

    def outbox(self, event_type: str) -> list[dict[str, object]]:
        """Outbox rows of an event type."""
        return [row for row in self.store.outbox if row["type"] == event_type]


def seeded_store() -> MemoryStore:
    """Two DCs with a lane, a supplier, items (one pair linked by substitution), customers."""
    store = MemoryStore()
    for location in (Location("EAST", "east", "East DC"), Location("WEST", "west", "West DC")):
        store.locations[location.code] = location
    for lane in (TransferLane("EAST", "WEST", 3, 0.5), TransferLane("WEST", "EAST", 3, 0.5)):
        store.lanes[(lane.origin, lane.destination)] = lane
    store.suppliers["ACME"] = Supplier("ACME", "Acme Corp", 14)
    for item in (
        Item("A", "bolt", unit_cost=4.0, list_price=10.0, supplier="ACME"),
        Item("B", "nut", unit_cost=1.0, list_price=3.0, supplier="ACME"),
        Item("S1", "washer", substitutes=(Substitute("S0", 1.0, requires_acceptance=False),)),
        Item("S0", "washer, zinc"),
    ):
        store.items[item.sku] = item
    for customer in (
        Customer("C-STD", "Standard Ltd", Tier.STANDARD, "east", "EAST"),
        Customer("C-STR", "Strategic plc", Tier.STRATEGIC, "east", "EAST"),
        Customer("C-WEST", "Western Inc", Tier.STANDARD, "west", "WEST"),
    ):
        store.customers[customer.code] = customer
    return store


@pytest.fixture
def harness(clock: FixedClock) -> Harness:
    """Fakes seeded with master data, on the pinned clock."""
    return Harness(seeded_store(), clock)
