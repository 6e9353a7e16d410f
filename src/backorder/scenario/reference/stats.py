"""Measurements over a generated scenario: surge demand ratios, supplier delays, a fingerprint."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from backorder.domain.model import SupplyKind
from backorder.scenario.reference.events import (
    GoodsReceived,
    OrderLineCancelled,
    OrderLineQuantityChanged,
    OrderPlaced,
    PurchaseOrderPlaced,
)
from backorder.scenario.reference.scenario import ReferenceScenario


def daily_units(scenario: ReferenceScenario, group: str) -> dict[str, np.ndarray]:
    """Units of `group` ordered per day and region, as placed (before changes)."""
    spec = scenario.spec
    item_group = {item.sku: item.item_group for item in scenario.items}
    region = {customer.code: customer.region for customer in scenario.customers}
    units: dict[str, np.ndarray] = {loc.region: np.zeros(spec.days) for loc in scenario.locations}
    for order in scenario.orders():
        day = (order.ordered_at.date() - spec.start).days
        for line in order.lines:
            if item_group[line.sku] == group:
                units[region[line.customer]][day] += line.quantity
    return units


def surge_ratios(scenario: ReferenceScenario) -> dict[str, float]:
    """Per region: mean daily surge-family units in the surge window / outside it."""
    spec = scenario.spec
    first, last = spec.surge_first_day, min(spec.surge_last_day, spec.days - 1)
    inside = np.zeros(spec.days, dtype=bool)
    inside[first : last + 1] = True
    ratios: dict[str, float] = {}
    if not inside.any() or inside.all():
        return ratios
    for region, units in daily_units(scenario, scenario.surge_group).items():
        baseline = units[~inside].mean()
        ratios[region] = round(float(units[inside].mean() / baseline), 2) if baseline else 0.0
    return ratios


def net_stock(scenario: ReferenceScenario, skus: set[str]) -> np.ndarray:
    """Replay the world: net stock per day (end of day) x item x DC for `skus`.

    Opening stock plus receipts minus demand when ordered (cancellations and quantity
    changes on their day); negative means units owed to customers. Built from the
    scenario's own data, so it checks the generator's internal simulation.
    """
    spec = scenario.spec
    index = {sku: k for k, sku in enumerate(sorted(skus))}
    dcs = {loc.code: k for k, loc in enumerate(scenario.locations)}
    net = np.zeros((len(index), len(dcs)))
    for source in scenario.initial_supply:
        if source.kind is SupplyKind.ON_HAND and source.sku in index:
            net[index[source.sku], dcs[source.location]] += source.quantity
    where: dict[int, tuple[int, int, int]] = {}  # line id -> item, DC, current quantity
    out = np.zeros((spec.days, len(index), len(dcs)))
    day = 0
    for event in scenario.events:
        while (event.at.date() - spec.start).days > day:
            out[day] = net
            day += 1
        if isinstance(event, GoodsReceived) and event.sku in index:
            net[index[event.sku], dcs[event.location]] += event.quantity
        elif isinstance(event, OrderPlaced):
            for line in event.order.lines:
                if line.sku in index:
                    i, d = index[line.sku], dcs[line.ship_from or ""]
                    net[i, d] -= line.quantity
                    where[line.line_id] = (i, d, line.quantity)
        elif isinstance(event, OrderLineCancelled) and event.line_id in where:
            i, d, quantity = where.pop(event.line_id)
            net[i, d] += quantity
        elif isinstance(event, OrderLineQuantityChanged) and event.line_id in where:
            i, d, quantity = where[event.line_id]
            net[i, d] -= event.quantity - quantity
            where[event.line_id] = (i, d, event.quantity)
    out[day:] = net
    return out


def receipt_delays(scenario: ReferenceScenario) -> dict[str, list[int]]:
    """Per supplier: days each receipt came after the PO line's expected date."""
    expected: dict[str, tuple[str, int]] = {}
    for event in scenario.events:
        if isinstance(event, PurchaseOrderPlaced):
            for line in event.lines:
                expected[line.source_id] = (event.supplier, line.available_date.toordinal())
    delays: dict[str, list[int]] = defaultdict(list)
    for event in scenario.events:
        if isinstance(event, GoodsReceived) and event.source_id in expected:
            supplier, day = expected[event.source_id]
            delays[supplier].append(event.at.date().toordinal() - day)
    return dict(delays)


def canonical_dump(scenario: ReferenceScenario) -> Iterator[str]:
    """Every object of the scenario as one `repr` line, in a fixed order."""
    yield repr(scenario.spec)
    for collection in (
        scenario.locations,
        scenario.lanes,
        scenario.suppliers,
        scenario.items,
        scenario.customers,
        scenario.initial_supply,
        scenario.events,
    ):
        for obj in collection:
            yield repr(obj)


def fingerprint(scenario: ReferenceScenario) -> str:
    """SHA-256 of the canonical dump: equal fingerprints mean identical scenarios."""
    digest = hashlib.sha256()
    for line in canonical_dump(scenario):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()
