"""Master data: DCs, lanes, suppliers, items and customers (create or update, audited)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from backorder.domain.event_codec import to_json
from backorder.domain.model import Customer, Item, Location, Supplier, TransferLane
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclasses.dataclass(frozen=True)
class Saved:
    """Outcome of a create-or-update."""

    key: str
    created: bool


def _audit(uow: UnitOfWork, actor: str, action: str, subject: str, before: Any, after: Any) -> None:
    uow.platform.audit(
        actor=actor,
        action=action,
        subject=subject,
        before=to_json(before) if before is not None else None,
        after=to_json(after),
        now=uow.clock.now(),
    )


def save_locations(ctx: ServiceContext, locations: Sequence[Location], actor: str) -> list[Saved]:
    """Create or update DCs."""
    with ctx.unit_of_work() as uow:
        known = {loc.code: loc for loc in uow.master.locations()}
        saved = []
        for location in locations:
            created = uow.master.save_location(location)
            _audit(
                uow,
                actor,
                "location.saved",
                f"location/{location.code}",
                known.get(location.code),
                location,
            )
            saved.append(Saved(location.code, created))
        uow.commit()
    return saved


def save_lanes(ctx: ServiceContext, lanes: Sequence[TransferLane], actor: str) -> list[Saved]:
    """Create or update transfer lanes between known DCs."""
    with ctx.unit_of_work() as uow:
        codes = {loc.code for loc in uow.master.locations()}
        known = {(lane.origin, lane.destination): lane for lane in uow.master.lanes()}
        saved = []
        for index, lane in enumerate(lanes):
            for field in ("origin", "destination"):
                if getattr(lane, field) not in codes:
                    raise InvalidInputError(
                        f"lanes[{index}].{field}", f"unknown location {getattr(lane, field)!r}"
                    )
            created = uow.master.save_lane(lane)
            _audit(
                uow,
                actor,
                "lane.saved",
                f"lane/{lane.origin}-{lane.destination}",
                known.get((lane.origin, lane.destination)),
                lane,
            )
            saved.append(Saved(f"{lane.origin}->{lane.destination}", created))
        uow.commit()
    return saved


def save_suppliers(ctx: ServiceContext, suppliers: Sequence[Supplier], actor: str) -> list[Saved]:
    """Create or update suppliers."""
    with ctx.unit_of_work() as uow:
        known = {s.code: s for s in uow.master.suppliers()}
        saved = []
        for supplier in suppliers:
            created = uow.master.save_supplier(supplier)
            _audit(
                uow,
                actor,
                "supplier.saved",
                f"supplier/{supplier.code}",
                known.get(supplier.code),
                supplier,
            )
            saved.append(Saved(supplier.code, created))
        uow.commit()
    return saved


def save_items(ctx: ServiceContext, items: Sequence[Item], actor: str) -> list[Saved]:
    """Create or update items; substitutes must be known items (or in the same batch)."""
    with ctx.unit_of_work() as uow:
        batch = {item.sku for item in items}
        referenced = {s.sku for item in items for s in item.substitutes} - batch
        known = uow.master.known_skus(referenced) | batch
        suppliers = {s.code for s in uow.master.suppliers()}
        for index, item in enumerate(items):
            if item.supplier and item.supplier not in suppliers:
                raise InvalidInputError(
                    f"items[{index}].supplier", f"unknown supplier {item.supplier!r}"
                )
            for position, substitute in enumerate(item.substitutes):
                if substitute.sku not in known:
                    raise InvalidInputError(
                        f"items[{index}].substitutes[{position}].sku",
                        f"unknown item {substitute.sku!r}",
                    )
                if substitute.sku == item.sku:
                    raise InvalidInputError(
                        f"items[{index}].substitutes[{position}].sku",
                        "an item cannot substitute itself",
                    )
        before = {item.sku: item for item in uow.master.items([i.sku for i in items])}
        created = uow.master.save_items(items)
        for item in items:
            _audit(uow, actor, "item.saved", f"item/{item.sku}", before.get(item.sku), item)
        uow.commit()
    return [Saved(item.sku, was_created) for item, was_created in zip(items, created, strict=True)]


def save_customers(ctx: ServiceContext, customers: Sequence[Customer], actor: str) -> list[Saved]:
    """Create or update customers; home DC and contract items must exist."""
    with ctx.unit_of_work() as uow:
        codes = {loc.code for loc in uow.master.locations()}
        skus = uow.master.known_skus(c.sku for customer in customers for c in customer.contracts)
        for index, customer in enumerate(customers):
            if customer.home_location and customer.home_location not in codes:
                raise InvalidInputError(
                    f"customers[{index}].home_location",
                    f"unknown location {customer.home_location!r}",
                )
            for position, contract in enumerate(customer.contracts):
                if contract.sku not in skus:
                    raise InvalidInputError(
                        f"customers[{index}].contracts[{position}].sku",
                        f"unknown item {contract.sku!r}",
                    )
        before = {c.code: c for c in uow.master.customers([c.code for c in customers])}
        created = uow.master.save_customers(customers)
        saved = []
        for customer, was_created in zip(customers, created, strict=True):
            _audit(
                uow,
                actor,
                "customer.saved",
                f"customer/{customer.code}",
                before.get(customer.code),
                customer,
            )
            saved.append(Saved(customer.code, was_created))
        uow.commit()
    return saved
