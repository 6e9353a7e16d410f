"""Master data: locations, lanes, suppliers, items with substitutes, customers with contracts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from backorder.adapters import orm
from backorder.adapters.repositories.supply import value_chunks
from backorder.domain.model import (
    ContractCommitment,
    Customer,
    Item,
    Location,
    Period,
    Substitute,
    SubstitutionAcceptance,
    Supplier,
    Tier,
    TransferLane,
)

# Prepared once, reused with different values (expanding IN lists keep one compiled form).
_LOCATIONS = select(orm.locations).order_by(orm.locations.c.code)
_LANES = select(orm.lanes)
_GROUP_CHUNK = 450  # items per substitution-link query (two IN lists of them)
_KNOWN_SKUS = select(orm.items.c.sku).where(
    orm.items.c.sku.in_(bindparam("values", expanding=True))
)
_ITEMS_BY_SKU = select(orm.items).where(orm.items.c.sku.in_(bindparam("values", expanding=True)))
_SUBSTITUTES_BY_SKU = (
    select(orm.item_substitutes)
    .where(orm.item_substitutes.c.sku.in_(bindparam("values", expanding=True)))
    .order_by(orm.item_substitutes.c.sku, orm.item_substitutes.c.position)
)
_CUSTOMERS_BY_CODE = select(orm.customers).where(
    orm.customers.c.code.in_(bindparam("values", expanding=True))
)
_CONTRACTS_BY_CUSTOMER = select(orm.contract_commitments).where(
    orm.contract_commitments.c.customer.in_(bindparam("values", expanding=True))
)


def _upsert(
    connection: Connection, table: Any, key: dict[str, Any], values: dict[str, Any]
) -> bool:
    """Update the row with `key`, or insert it; True when it was created."""
    clause = [table.c[name] == value for name, value in key.items()]
    done = connection.execute(update(table).where(*clause).values(**values))
    if done.rowcount:
        return False
    connection.execute(insert(table).values(**key, **values))
    return True


def _save_many(
    connection: Connection, table: Any, key: str, rows: Sequence[dict[str, Any]]
) -> list[bool]:
    """Update existing rows and insert new ones (by `key`), in two bulk statements."""
    keys = [row[key] for row in rows]
    existing: set[Any] = set()
    for chunk in value_chunks(keys):
        assert chunk is not None
        existing.update(
            r[0] for r in connection.execute(select(table.c[key]).where(table.c[key].in_(chunk)))
        )
    updates = [
        {f"k_{key}": row[key], **{f"v_{n}": v for n, v in row.items() if n != key}}
        for row in rows
        if row[key] in existing
    ]
    if updates:
        columns = [n for n in rows[0] if n != key]
        statement = (
            update(table)
            .where(table.c[key] == bindparam(f"k_{key}"))
            .values({n: bindparam(f"v_{n}") for n in columns})
        )
        connection.execute(statement, updates)
    inserts = [row for row in rows if row[key] not in existing]
    if inserts:
        connection.execute(insert(table), inserts)
    return [row[key] not in existing for row in rows]


class MasterDataRepository:
    """Reads and writes master data on one connection (inside the unit of work)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- locations and lanes -------------------------------------------------------------

    def save_location(self, location: Location) -> bool:
        """Create or update a DC; True when created."""
        return _upsert(
            self.connection,
            orm.locations,
            {"code": location.code},
            {"name": location.name, "region": location.region},
        )

    def locations(self) -> list[Location]:
        """All DCs, by code."""
        rows = self.connection.execute(_LOCATIONS)
        return [Location(code=r.code, region=r.region, name=r.name) for r in rows]

    def save_lane(self, lane: TransferLane) -> bool:
        """Create or update a lane; True when created."""
        return _upsert(
            self.connection,
            orm.lanes,
            {"origin": lane.origin, "destination": lane.destination},
            {"lead_time_days": lane.lead_time_days, "cost_per_unit": lane.cost_per_unit},
        )

    def lanes(self) -> list[TransferLane]:
        """All lanes."""
        rows = self.connection.execute(_LANES)
        return [
            TransferLane(r.origin, r.destination, r.lead_time_days, r.cost_per_unit) for r in rows
        ]

    # -- suppliers -----------------------------------------------------------------------

    def save_supplier(self, supplier: Supplier) -> bool:
        """Create or update a supplier; True when created."""
        return _upsert(
            self.connection,
            orm.suppliers,
            {"code": supplier.code},
            {
                "name": supplier.name,
                "lead_time_days": supplier.lead_time_days,
                "edi_id": supplier.edi_id,
                "email": supplier.email,
            },
        )

    def suppliers(self) -> list[Supplier]:
        """All suppliers, by code."""
        rows = self.connection.execute(select(orm.suppliers).order_by(orm.suppliers.c.code))
        return [Supplier(r.code, r.name, r.lead_time_days, r.edi_id, r.email) for r in rows]

    # -- items ---------------------------------------------------------------------------

    def save_item(self, item: Item) -> bool:
        """Create or update an item and replace its substitutes; True when created."""
        created = _upsert(
            self.connection,
            orm.items,
            {"sku": item.sku},
            {
                "description": item.description,
                "uom": item.uom,
                "unit_cost": item.unit_cost,
                "list_price": item.list_price,
                "product_line": item.product_line,
                "item_group": item.item_group,
                "supplier": item.supplier,
                "order_multiple": item.order_multiple,
                "safety_stock": item.safety_stock,
            },
        )
        self.connection.execute(
            delete(orm.item_substitutes).where(orm.item_substitutes.c.sku == item.sku)
        )
        if item.substitutes:
            self.connection.execute(
                insert(orm.item_substitutes),
                [
                    {
                        "sku": item.sku,
                        "position": position,
                        "substitute_sku": s.sku,
                        "factor": s.factor,
                        "requires_acceptance": s.requires_acceptance,
                    }
                    for position, s in enumerate(item.substitutes)
                ],
            )
        return created

    def all_skus(self) -> list[str]:
        """Every SKU, sorted."""
        return [
            r[0] for r in self.connection.execute(select(orm.items.c.sku).order_by(orm.items.c.sku))
        ]

    def save_items(self, items: Sequence[Item]) -> list[bool]:
        """Create or update many items and replace their substitutes; True where created."""
        created = _save_many(
            self.connection,
            orm.items,
            "sku",
            [
                {
                    "sku": item.sku,
                    "description": item.description,
                    "uom": item.uom,
                    "unit_cost": item.unit_cost,
                    "list_price": item.list_price,
                    "product_line": item.product_line,
                    "item_group": item.item_group,
                    "supplier": item.supplier,
                    "order_multiple": item.order_multiple,
                    "safety_stock": item.safety_stock,
                }
                for item in items
            ],
        )
        subs = orm.item_substitutes
        for chunk in value_chunks([item.sku for item in items]):
            assert chunk is not None
            self.connection.execute(delete(subs).where(subs.c.sku.in_(chunk)))
        rows = [
            {
                "sku": item.sku,
                "position": position,
                "substitute_sku": s.sku,
                "factor": s.factor,
                "requires_acceptance": s.requires_acceptance,
            }
            for item in items
            for position, s in enumerate(item.substitutes)
        ]
        if rows:
            self.connection.execute(insert(subs), rows)
        return created

    def save_customers(self, customers: Sequence[Customer]) -> list[bool]:
        """Create or update many customers and replace their contracts; True where created."""
        created = _save_many(
            self.connection,
            orm.customers,
            "code",
            [
                {
                    "code": c.code,
                    "name": c.name,
                    "tier": c.tier.value,
                    "region": c.region,
                    "home_location": c.home_location,
                    "ship_complete": c.ship_complete,
                    "substitution": c.substitution.value,
                    "notification_channel": c.notification_channel,
                    "email": c.email,
                }
                for c in customers
            ],
        )
        commitments = orm.contract_commitments
        for chunk in value_chunks([c.code for c in customers]):
            assert chunk is not None
            self.connection.execute(delete(commitments).where(commitments.c.customer.in_(chunk)))
        rows = [
            {
                "customer": c.code,
                "sku": k.sku,
                "quantity_per_period": k.quantity_per_period,
                "period": k.period.value,
            }
            for c in customers
            for k in c.contracts
        ]
        if rows:
            self.connection.execute(insert(commitments), rows)
        return created

    def substitute_links(self) -> list[tuple[str, str]]:
        """(item, substitute) pairs of the whole catalog."""
        rows = self.connection.execute(
            select(orm.item_substitutes.c.sku, orm.item_substitutes.c.substitute_sku)
        )
        return [(r[0], r[1]) for r in rows]

    def substitution_group(self, skus: Iterable[str]) -> list[str]:
        """The items and every item linked to them by substitution, either way, sorted.

        Follows links from the given items only (a query or two), not the whole catalog;
        for more items than one query takes, the (small) link table is read once instead.
        """
        links = orm.item_substitutes
        group = set(skus)
        if len(group) > _GROUP_CHUNK:
            neighbours: dict[str, set[str]] = {}
            for sku, substitute in self.substitute_links():
                neighbours.setdefault(sku, set()).add(substitute)
                neighbours.setdefault(substitute, set()).add(sku)
            stack = list(group)
            while stack:
                for other in neighbours.get(stack.pop(), ()):
                    if other not in group:
                        group.add(other)
                        stack.append(other)
            return sorted(group)
        frontier = sorted(group)
        while frontier:
            found: set[str] = set()
            for start in range(0, len(frontier), _GROUP_CHUNK):
                chunk = frontier[start : start + _GROUP_CHUNK]
                rows = self.connection.execute(
                    select(links.c.sku, links.c.substitute_sku).where(
                        links.c.sku.in_(chunk) | links.c.substitute_sku.in_(chunk)
                    )
                )
                for sku, substitute in rows:
                    found.update((sku, substitute))
            frontier = sorted(found - group)
            group |= found
        return sorted(group)

    def known_skus(self, skus: Iterable[str]) -> set[str]:
        """Which of `skus` exist."""
        wanted = list(set(skus))
        found: set[str] = set()
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            found.update(r.sku for r in self.connection.execute(_KNOWN_SKUS, {"values": chunk}))
        return found

    def items_page(self, after: str | None, limit: int) -> list[Item]:
        """Up to `limit` items with SKUs after `after`, by SKU."""
        query = select(orm.items.c.sku).order_by(orm.items.c.sku).limit(limit)
        if after is not None:
            query = query.where(orm.items.c.sku > after)
        return self.items([r.sku for r in self.connection.execute(query)])

    def customers_page(self, after: str | None, limit: int) -> list[Customer]:
        """Up to `limit` customers with codes after `after`, by code."""
        query = select(orm.customers.c.code).order_by(orm.customers.c.code).limit(limit)
        if after is not None:
            query = query.where(orm.customers.c.code > after)
        return self.customers([r.code for r in self.connection.execute(query)])

    def items(self, skus: Sequence[str] | None = None) -> list[Item]:
        """Items (all, or the given SKUs), with substitutes, by SKU."""
        substitutes: dict[str, list[Substitute]] = {}
        rows: list[Any] = []
        subs = orm.item_substitutes
        for chunk in value_chunks(skus):
            if chunk is None:
                found = self.connection.execute(select(orm.items))
                links = self.connection.execute(select(subs).order_by(subs.c.sku, subs.c.position))
            else:
                found = self.connection.execute(_ITEMS_BY_SKU, {"values": chunk})
                links = self.connection.execute(_SUBSTITUTES_BY_SKU, {"values": chunk})
            rows.extend(found)
            for r in links:
                substitutes.setdefault(r.sku, []).append(
                    Substitute(r.substitute_sku, r.factor, r.requires_acceptance)
                )
        rows.sort(key=lambda r: r.sku)
        return [
            Item(
                sku=r.sku,
                description=r.description,
                uom=r.uom,
                unit_cost=r.unit_cost,
                list_price=r.list_price,
                product_line=r.product_line,
                item_group=r.item_group,
                substitutes=tuple(substitutes.get(r.sku, ())),
                supplier=r.supplier,
                order_multiple=r.order_multiple,
                safety_stock=r.safety_stock,
            )
            for r in rows
        ]

    # -- customers -----------------------------------------------------------------------

    def save_customer(self, customer: Customer) -> bool:
        """Create or update a customer and replace its contracts; True when created."""
        created = _upsert(
            self.connection,
            orm.customers,
            {"code": customer.code},
            {
                "name": customer.name,
                "tier": customer.tier.value,
                "region": customer.region,
                "home_location": customer.home_location,
                "ship_complete": customer.ship_complete,
                "substitution": customer.substitution.value,
                "notification_channel": customer.notification_channel,
                "email": customer.email,
            },
        )
        self.connection.execute(
            delete(orm.contract_commitments).where(
                orm.contract_commitments.c.customer == customer.code
            )
        )
        if customer.contracts:
            self.connection.execute(
                insert(orm.contract_commitments),
                [
                    {
                        "customer": customer.code,
                        "sku": c.sku,
                        "quantity_per_period": c.quantity_per_period,
                        "period": c.period.value,
                    }
                    for c in customer.contracts
                ],
            )
        return created

    def customers(self, codes: Sequence[str] | None = None) -> list[Customer]:
        """Customers (all, or the given codes), with contracts, by code."""
        contracts: dict[str, list[ContractCommitment]] = {}
        rows: list[Any] = []
        commitments = orm.contract_commitments
        for chunk in value_chunks(codes):
            if chunk is None:
                found = self.connection.execute(select(orm.customers))
                deals = self.connection.execute(select(commitments))
            else:
                found = self.connection.execute(_CUSTOMERS_BY_CODE, {"values": chunk})
                deals = self.connection.execute(_CONTRACTS_BY_CUSTOMER, {"values": chunk})
            rows.extend(found)
            for r in deals:
                contracts.setdefault(r.customer, []).append(
                    ContractCommitment(r.sku, r.quantity_per_period, Period(r.period))
                )
        rows.sort(key=lambda r: r.code)
        return [
            Customer(
                code=r.code,
                name=r.name,
                tier=Tier(r.tier),
                region=r.region,
                home_location=r.home_location,
                contracts=tuple(contracts.get(r.code, ())),
                ship_complete=r.ship_complete,
                substitution=SubstitutionAcceptance(r.substitution),
                notification_channel=r.notification_channel,
                email=r.email,
            )
            for r in rows
        ]

    def customer(self, code: str) -> Customer | None:
        """One customer, or None."""
        found = self.customers([code])
        return found[0] if found else None
