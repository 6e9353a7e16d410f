"""`generate()`: the reference distributor's master data, opening state and 90 days of events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from backorder.domain.model import (
    Customer,
    Item,
    Location,
    Order,
    OrderLine,
    Supplier,
    SupplyKind,
    SupplySource,
    TransferLane,
)
from backorder.scenario.reference.assemble import Clock, event_stream, initial_supply
from backorder.scenario.reference.catalog import make_catalog
from backorder.scenario.reference.customers import make_customers
from backorder.scenario.reference.demand import make_demand
from backorder.scenario.reference.events import OrderPlaced, WorldEvent
from backorder.scenario.reference.network import build_lanes, build_locations
from backorder.scenario.reference.spec import ReferenceSpec
from backorder.scenario.reference.suppliers import choose_unreliable, make_suppliers
from backorder.scenario.reference.supply import simulate_supply


@dataclass(frozen=True)
class ReferenceScenario:
    """A generated world: master data, opening stock and open POs, and the event stream."""

    spec: ReferenceSpec
    locations: tuple[Location, ...]
    lanes: tuple[TransferLane, ...]
    suppliers: tuple[Supplier, ...]
    items: tuple[Item, ...]
    customers: tuple[Customer, ...]
    initial_supply: tuple[SupplySource, ...]
    events: tuple[WorldEvent, ...]
    surge_group: str
    unreliable_suppliers: tuple[str, ...]
    # The world's own view (not our system's): units of the surge family owed to
    # customers beyond stock at each day's end, and the share of its item x DCs short.
    surge_backlog: tuple[float, ...]
    surge_short_share: tuple[float, ...]

    def orders(self) -> Iterator[Order]:
        """Orders in the sequence they were placed."""
        for event in self.events:
            if isinstance(event, OrderPlaced):
                yield event.order

    def order_lines(self) -> Iterator[OrderLine]:
        """Order lines as placed (before later changes), in line-id order."""
        for order in self.orders():
            yield from order.lines

    def summary(self) -> dict[str, object]:
        """Counts, the surge family and its demand ratio per region, unreliable suppliers."""
        # Imported here: stats measures scenarios, so it imports this module.
        from backorder.scenario.reference.stats import surge_ratios

        kinds = Counter(type(event).__name__ for event in self.events)
        lines = sum(len(order.lines) for order in self.orders())
        tiers = Counter(customer.tier.value for customer in self.customers)
        first, last = self.spec.surge_first_day, self.spec.surge_last_day
        before = self.surge_backlog[:first]
        window = self.surge_backlog[first : last + 1]
        on_hand = SupplyKind.ON_HAND
        return {
            "seed": self.spec.seed,
            "start": self.spec.start.isoformat(),
            "days": self.spec.days,
            "locations": len(self.locations),
            "lanes": len(self.lanes),
            "suppliers": len(self.suppliers),
            "items": len(self.items),
            "items_with_substitutes": sum(1 for item in self.items if item.substitutes),
            "customers": len(self.customers),
            "customers_by_tier": dict(sorted(tiers.items())),
            "contract_commitments": sum(len(c.contracts) for c in self.customers),
            "on_hand_units": sum(s.quantity for s in self.initial_supply if s.kind is on_hand),
            "open_po_lines": sum(1 for s in self.initial_supply if s.kind is not on_hand),
            "orders": kinds.get("OrderPlaced", 0),
            "order_lines": lines,
            "events": len(self.events),
            "events_by_type": dict(sorted(kinds.items())),
            "surge_group": self.surge_group,
            "surge_days": (first, last),
            "surge_factor": self.spec.surge_factor,
            "surge_demand_ratio": surge_ratios(self),
            "surge_backlog_before": round(float(np.mean(before)), 1) if before else 0.0,
            "surge_backlog_peak": round(max(window), 1) if window else 0.0,
            "surge_short_share_peak": round(
                max(self.surge_short_share[first : last + 1], default=0.0), 3
            ),
            "unreliable_suppliers": list(self.unreliable_suppliers),
        }


def generate(spec: ReferenceSpec | None = None) -> ReferenceScenario:
    """Generate the reference distributor's world for `spec` (same spec, same world)."""
    spec = spec or ReferenceSpec()
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(spec.seed).spawn(6)]
    suppliers = make_suppliers(spec.suppliers, streams[0])
    catalog = make_catalog(
        spec.n_items,
        suppliers,
        spec.surge_group,
        spec.surge_share,
        spec.substitute_share,
        streams[1],
    )
    # Keep the surge a demand story: its makers are not the unreliable ones.
    makers = set(np.unique(catalog.supplier[catalog.group == catalog.surge_group]).tolist())
    unreliable = choose_unreliable(suppliers, spec.unreliable_suppliers, makers, streams[2])
    suppliers = suppliers.with_unreliable(unreliable)
    customers = make_customers(spec.n_customers, catalog, streams[3])
    demand = make_demand(spec, catalog, customers, streams[4])
    supply = simulate_supply(spec, catalog, suppliers, demand, streams[5])
    clock = Clock(spec.start)
    locations = build_locations()
    return ReferenceScenario(
        spec=spec,
        locations=locations,
        lanes=build_lanes(locations),
        suppliers=suppliers.build(),
        items=catalog.build(supply.safety_stock, suppliers),
        customers=customers.build(catalog),
        initial_supply=initial_supply(spec, catalog, suppliers, supply, clock),
        events=event_stream(spec, catalog, suppliers, customers, demand, supply, clock),
        surge_group=spec.surge_group,
        unreliable_suppliers=tuple(suppliers.codes[k] for k in unreliable.tolist()),
        surge_backlog=tuple(supply.surge_backlog.tolist()),
        surge_short_share=tuple(supply.surge_short_share.tolist()),
    )
