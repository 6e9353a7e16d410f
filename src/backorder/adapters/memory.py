"""In-memory repositories and a fake unit of work, for unit tests of the service layer.

Each fake subclasses its SQL repository (the unit of work is typed with those) and
overrides only the methods the handlers and queries call; any other method fails loudly
(it has no connection). Values stored as JSON in the database (audit, outbox, run
summaries) are round-tripped through JSON here too, so a handler that passes something
the database could not store fails in unit tests as well.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Self

from backorder.adapters.repositories.allocations import (
    AllocationRepository,
    StoredAllocation,
    StoredDecision,
)
from backorder.adapters.repositories.master import MasterDataRepository
from backorder.adapters.repositories.orders import (
    BackorderFilter,
    LineRecord,
    OrderRepository,
    OutcomeChange,
)
from backorder.adapters.repositories.platform import ApiKeyRecord, PlatformRepository
from backorder.adapters.repositories.supply import (
    PurchaseOrderLine,
    SupplyRepository,
    on_hand_source_id,
)
from backorder.domain.allocation.builder import BuiltProblem, ProblemInput, build_problem
from backorder.domain.model import (
    Allocation,
    ConfirmationState,
    Customer,
    Item,
    LineStatus,
    Location,
    Order,
    OrderLine,
    PromiseChange,
    Supplier,
    SupplyKind,
    SupplySource,
    TransferLane,
)
from backorder.service_layer.clock import Clock
from backorder.service_layer.unit_of_work import UnitOfWork

Journal = list[tuple[str, tuple[str, ...]]]


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value))


@dataclass
class MemoryStore:
    """Everything the fakes hold: one "database" shared by the units of work of a test."""

    locations: dict[str, Location] = field(default_factory=dict)
    lanes: dict[tuple[str, str], TransferLane] = field(default_factory=dict)
    suppliers: dict[str, Supplier] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    orders: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # customer, time
    lines: dict[int, LineRecord] = field(default_factory=dict)
    promise_history: dict[int, list[PromiseChange]] = field(default_factory=dict)
    inventory: dict[tuple[str, str], int] = field(default_factory=dict)
    purchase_orders: dict[str, str] = field(default_factory=dict)  # PO number -> supplier
    po_lines: dict[str, PurchaseOrderLine] = field(default_factory=dict)
    allocations: dict[int, StoredAllocation] = field(default_factory=dict)
    decisions: dict[int, StoredDecision] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    api_keys: dict[str, ApiKeyRecord] = field(default_factory=dict)
    audit_log: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    last_ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, sequence: str) -> int:
        """The next value of a sequence (line ids, allocation ids, ...)."""
        self.last_ids[sequence] = self.last_ids.get(sequence, 0) + 1
        return self.last_ids[sequence]

    def restore(self, snapshot: MemoryStore) -> None:
        """Make this store hold what `snapshot` holds (rollback)."""
        for f in dataclasses.fields(self):
            setattr(self, f.name, copy.deepcopy(getattr(snapshot, f.name)))


class InMemoryMasterDataRepository(MasterDataRepository):
    """Master data in a `MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def save_location(self, location: Location) -> bool:
        """Create or update a DC; True when created."""
        created = location.code not in self.store.locations
        self.store.locations[location.code] = location
        return created

    def locations(self) -> list[Location]:
        """All DCs, by code."""
        return [self.store.locations[code] for code in sorted(self.store.locations)]

    def save_lane(self, lane: TransferLane) -> bool:
        """Create or update a lane; True when created."""
        key = (lane.origin, lane.destination)
        created = key not in self.store.lanes
        self.store.lanes[key] = lane
        return created

    def lanes(self) -> list[TransferLane]:
        """All lanes."""
        return list(self.store.lanes.values())

    def save_supplier(self, supplier: Supplier) -> bool:
        """Create or update a supplier; True when created."""
        created = supplier.code not in self.store.suppliers
        self.store.suppliers[supplier.code] = supplier
        return created

    def suppliers(self) -> list[Supplier]:
        """All suppliers, by code."""
        return [self.store.suppliers[code] for code in sorted(self.store.suppliers)]

    def save_items(self, items: Sequence[Item]) -> list[bool]:
        """Create or update many items with their substitutes; True where created."""
        created = [item.sku not in self.store.items for item in items]
        self.store.items.update((item.sku, item) for item in items)
        return created

    def all_skus(self) -> list[str]:
        """Every SKU, sorted."""
        return sorted(self.store.items)

    def substitute_links(self) -> list[tuple[str, str]]:
        """(item, substitute) pairs of the whole catalog."""
        return [(i.sku, s.sku) for i in self.store.items.values() for s in i.substitutes]

    def substitution_group(self, skus: Iterable[str]) -> list[str]:
        """The items and every item linked to them by substitution, either way, sorted."""
        group, frontier = set(skus), set(skus)
        links = self.substitute_links()
        while frontier:
            found = {x for a, b in links if a in frontier or b in frontier for x in (a, b)}
            frontier = found - group
            group |= found
        return sorted(group)

    def known_skus(self, skus: Iterable[str]) -> set[str]:
        """Which of `skus` exist."""
        return {sku for sku in skus if sku in self.store.items}

    def items(self, skus: Sequence[str] | None = None) -> list[Item]:
        """Items (all, or the given SKUs), by SKU."""
        wanted = self.store.items.keys() if skus is None else set(skus) & self.store.items.keys()
        return [self.store.items[sku] for sku in sorted(wanted)]

    def save_customers(self, customers: Sequence[Customer]) -> list[bool]:
        """Create or update many customers with their contracts; True where created."""
        created = [c.code not in self.store.customers for c in customers]
        self.store.customers.update((c.code, c) for c in customers)
        return created

    def customers(self, codes: Sequence[str] | None = None) -> list[Customer]:
        """Customers (all, or the given codes), by code."""
        known = self.store.customers
        wanted = known.keys() if codes is None else set(codes) & known.keys()
        return [known[code] for code in sorted(wanted)]

    def customer(self, code: str) -> Customer | None:
        """One customer, or None."""
        return self.store.customers.get(code)


class InMemoryOrderRepository(OrderRepository):
    """Orders and lines in a `MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def existing_orders(self, order_ids: Sequence[str]) -> set[str]:
        """Which of the order ids are already stored."""
        return {order_id for order_id in order_ids if order_id in self.store.orders}

    def add_order(self, order: Order, now: datetime) -> list[int]:
        """Store an order and its lines (line ids from a sequence)."""
        self.store.orders[order.order_id] = (order.customer, order.ordered_at)
        ids = []
        for number, line in enumerate(order.lines, start=1):
            line_id = self.store.next_id("order_lines")
            stored = dataclasses.replace(
                line,
                line_id=line_id,
                order_id=order.order_id,
                customer=order.customer,
                ordered_at=order.ordered_at,
                status=LineStatus.OPEN,
                promise_date=None,
                promise_history=(),
            )
            self.store.lines[line_id] = LineRecord(stored, number, 0, 0, None)
            ids.append(line_id)
        return ids

    def lines_by_id(self, line_ids: Sequence[int]) -> dict[int, LineRecord]:
        """Lines by id (unknown ids are left out)."""
        found = {i: self.get_line(i) for i in line_ids}
        return {i: record for i, record in found.items() if record is not None}

    def add_orders(self, orders: Sequence[Order], now: datetime) -> list[list[int]]:
        """Store many orders (one by one: there is no round trip to save)."""
        return [self.add_order(order, now) for order in orders]

    def get_line(self, line_id: int, *, with_history: bool = False) -> LineRecord | None:
        """One line, or None."""
        record = self.store.lines.get(line_id)
        if record is None or not with_history:
            return record
        history = tuple(self.history(line_id))
        return dataclasses.replace(
            record, line=dataclasses.replace(record.line, promise_history=history)
        )

    def history(self, line_id: int) -> list[PromiseChange]:
        """Promise-date history of a line, oldest first."""
        return list(self.store.promise_history.get(line_id, []))

    def _update(self, line_id: int, **changes: Any) -> LineRecord:
        """Change columns of a stored line; returns the record as it was before."""
        record = self.store.lines[line_id]
        line_fields = {k: changes.pop(k) for k in list(changes) if hasattr(record.line, k)}
        line = dataclasses.replace(record.line, **line_fields)
        self.store.lines[line_id] = dataclasses.replace(record, line=line, **changes)
        return record

    def _store_outcome(
        self,
        line_id: int,
        status: LineStatus,
        allocated: int,
        backordered: int,
        promise_date: date | None,
        today: date,
        now: datetime,
        reason: str,
    ) -> LineRecord:
        record = self.store.lines[line_id]
        since = (record.backordered_since or today) if backordered else None
        if record.line.promise_date != promise_date:
            entry = PromiseChange(at=now, promise_date=promise_date, reason=reason)
            self.store.promise_history.setdefault(line_id, []).append(entry)
        return self._update(
            line_id,
            status=status,
            promise_date=promise_date,
            allocated_quantity=allocated,
            backordered_quantity=backordered,
            backordered_since=since,
        )

    def record_outcomes(
        self,
        outcomes: Sequence[tuple[int, str, int, int, date | None]],
        *,
        today: date,
        now: datetime,
        reason: str,
    ) -> list[OutcomeChange]:
        """Store many lines' outcomes; returns the lines whose promise or backorder changed."""
        changes = []
        for line_id, status, allocated, backordered, promise_date in outcomes:
            state = LineStatus(status)
            before = self._store_outcome(
                line_id, state, allocated, backordered, promise_date, today, now, reason
            )
            was_backordered = before.backordered_quantity > 0
            if before.line.promise_date != promise_date or was_backordered != (backordered > 0):
                changes.append(
                    OutcomeChange(
                        line_id=line_id,
                        sku=before.line.sku,
                        requested_date=before.line.requested_date,
                        old_promise=before.line.promise_date,
                        new_promise=promise_date,
                        was_backordered=was_backordered,
                        backordered=backordered,
                        allocated=allocated,
                    )
                )
        return changes

    def record_new_outcomes(
        self,
        outcomes: Sequence[tuple[int, str, int, int, date | None]],
        lines: Sequence[OrderLine],
        *,
        today: date,
        now: datetime,
        reason: str,
    ) -> list[OutcomeChange]:
        """Outcomes of lines just added (here no cheaper than `record_outcomes`)."""
        return self.record_outcomes(outcomes, today=today, now=now, reason=reason)

    def set_quantity(self, line_id: int, quantity: int, now: datetime) -> None:
        """Change the ordered quantity."""
        self._update(line_id, quantity=quantity)

    def cancel(self, line_id: int, now: datetime) -> None:
        """Mark a line cancelled; it holds nothing any more."""
        self._update(
            line_id,
            status=LineStatus.CANCELLED,
            promise_date=None,
            allocated_quantity=0,
            backordered_quantity=0,
            backordered_since=None,
        )

    def backorders(
        self, where: BackorderFilter, *, after: int | None, limit: int
    ) -> list[LineRecord]:
        """Backordered lines, by line id, after the cursor."""
        today = where.today or date.today()
        regions = {c.code: c.region for c in self.store.customers.values()}

        def matches(r: LineRecord) -> bool:
            since = r.backordered_since
            line = r.line
            checks = (
                r.backordered_quantity > 0,
                after is None or line.line_id > after,
                not where.sku or line.sku == where.sku,
                not where.customer or line.customer == where.customer,
                not where.status or line.status.value == where.status,
                not where.region or regions.get(line.customer) == where.region,
                where.min_age_days is None
                or (since is not None and (today - since).days >= where.min_age_days),
                where.max_age_days is None
                or (since is not None and (today - since).days <= where.max_age_days),
            )
            return all(checks)

        found = [r for _, r in sorted(self.store.lines.items()) if matches(r)]
        return found[:limit]


class InMemorySupplyRepository(SupplyRepository):
    """Stock and purchase orders in a `MemoryStore`; reads of supply go to the journal."""

    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store = store
        self.journal = journal

    def on_hand(self, sku: str, location: str) -> int | None:
        """Units on hand, or None when the item was never stocked there."""
        self.journal.append(("read", (sku,)))
        return self.store.inventory.get((sku, location))

    def set_on_hand(self, sku: str, location: str, quantity: int, now: datetime) -> int:
        """Set the stock level (snapshot); returns the previous level."""
        before = self.store.inventory.get((sku, location))
        self.store.inventory[(sku, location)] = quantity
        return before or 0

    def set_levels(
        self, levels: dict[tuple[str, str], int], now: datetime
    ) -> dict[tuple[str, str], int]:
        """Set many stock levels; returns the levels before (absent: not stocked)."""
        self.journal.append(("read", tuple(sorted({sku for sku, _ in levels}))))
        before = {key: self.store.inventory[key] for key in levels if key in self.store.inventory}
        self.store.inventory.update(levels)
        return before

    def add_on_hand(self, sku: str, location: str, delta: int, now: datetime) -> int:
        """Add (or, negative, take) units on hand, never below zero; returns the new level."""
        self.journal.append(("read", (sku,)))
        level = max(self.store.inventory.get((sku, location), 0) + delta, 0)
        self.store.inventory[(sku, location)] = level
        return level

    def add_on_hand_many(self, deltas: Sequence[tuple[str, str, int]], now: datetime) -> list[int]:
        """`add_on_hand` for each (sku, location, delta) in turn; the level after each."""
        return [self.add_on_hand(sku, location, delta, now) for sku, location, delta in deltas]

    def po_exists(self, po_number: str) -> bool:
        """True when the purchase order exists."""
        return po_number in self.store.purchase_orders

    def existing_purchase_orders(self, po_numbers: Sequence[str]) -> set[str]:
        """Which of the PO numbers are already stored."""
        return {po for po in po_numbers if po in self.store.purchase_orders}

    def add_purchase_orders(
        self,
        orders: Sequence[tuple[str, str, Sequence[PurchaseOrderLine]]],
        now: datetime,
    ) -> None:
        """Store many purchase orders (number, supplier, lines)."""
        for po_number, supplier, lines in orders:
            self.add_purchase_order(po_number, supplier, lines, now)

    def add_purchase_order(
        self, po_number: str, supplier: str, lines: Sequence[PurchaseOrderLine], now: datetime
    ) -> None:
        """Store a purchase order with its lines."""
        self.store.purchase_orders[po_number] = supplier
        for line in lines:
            self.store.po_lines[line.source_id] = line

    def po_lines_by_id(self, source_ids: Sequence[str]) -> dict[str, PurchaseOrderLine]:
        """Purchase-order lines by source id (missing ids are left out)."""
        return {i: self.store.po_lines[i] for i in source_ids if i in self.store.po_lines}

    def confirm(
        self, source_id: str, confirmed_date: date, quantity: int | None, now: datetime
    ) -> None:
        """Record a supplier's acknowledgement: date and (optionally) quantity."""
        line = self.store.po_lines[source_id]
        self.store.po_lines[source_id] = dataclasses.replace(
            line,
            confirmed_date=confirmed_date,
            confirmation=ConfirmationState.CONFIRMED,
            quantity=line.quantity if quantity is None else quantity,
        )

    def confirm_many(
        self, confirmations: Sequence[tuple[str, date, int | None]], now: datetime
    ) -> None:
        """Record many acknowledgements, in order."""
        for source_id, confirmed_date, quantity in confirmations:
            self.confirm(source_id, confirmed_date, quantity, now)

    def mark_shipped(self, source_id: str, expected_date: date, now: datetime) -> None:
        """Record a ship notice: the units are on their way, due on `expected_date`."""
        self.store.po_lines[source_id] = dataclasses.replace(
            self.store.po_lines[source_id],
            confirmation=ConfirmationState.SHIPPED,
            confirmed_date=expected_date,
        )

    def mark_shipped_many(self, shipped: Sequence[tuple[str, date]], now: datetime) -> None:
        """Record many ship notices."""
        for source_id, expected_date in shipped:
            self.mark_shipped(source_id, expected_date, now)

    def add_received(self, source_id: str, quantity: int, now: datetime) -> None:
        """Count received units against the line."""
        line = self.store.po_lines[source_id]
        self.store.po_lines[source_id] = dataclasses.replace(
            line, received_quantity=line.received_quantity + quantity
        )

    def add_received_many(self, received: Sequence[tuple[str, int]], now: datetime) -> None:
        """Count received units against many lines."""
        for source_id, quantity in received:
            self.add_received(source_id, quantity, now)

    def sources(self, skus: Sequence[str] | None, today: date) -> list[SupplySource]:
        """Stock on hand (dated today) and open PO lines (dated when due) as supply."""
        wanted = set(self.store.items if skus is None else skus)
        self.journal.append(("read", tuple(sorted(wanted))))
        found = [
            SupplySource(on_hand_source_id(sku, loc), sku, loc, max(units, 0), today)
            for (sku, loc), units in sorted(self.store.inventory.items())
            if sku in wanted
        ]
        open_lines = [
            line
            for line in self.store.po_lines.values()
            if line.sku in wanted and line.open_quantity > 0
        ]
        for line in sorted(open_lines, key=lambda x: (x.po_number, x.line_number)):
            found.append(
                SupplySource(
                    source_id=line.source_id,
                    sku=line.sku,
                    location=line.location,
                    quantity=line.open_quantity,
                    available_date=line.due_date,
                    kind=SupplyKind.PURCHASE_ORDER,
                    confirmation=line.confirmation,
                    supplier=line.supplier,
                    reference=f"{line.po_number} line {line.line_number}",
                )
            )
        return found


class InMemoryAllocationRepository(AllocationRepository):
    """Allocations, decisions and runs in a `MemoryStore`; supply reads go to the journal."""

    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store = store
        self.journal = journal

    def of_lines(self, line_ids: Sequence[int]) -> list[StoredAllocation]:
        """Allocations held by the given lines."""
        wanted = set(line_ids)
        found = [a for a in self.store.allocations.values() if a.allocation.line_id in wanted]
        self.journal.append(("read", tuple(sorted({a.allocation.sku for a in found}))))
        return found

    def backlog(
        self, scope: Sequence[str] | None, today: date, tiers: Sequence[str]
    ) -> BuiltProblem:
        """The allocation problem of the open lines of `scope` (None: all)."""
        return self._problem(scope, today, tiers, with_lines=True)

    def supply_problem(
        self, skus: Sequence[str], today: date, tiers: Sequence[str]
    ) -> BuiltProblem:
        """The supply side only (network, items, sources) of some items."""
        return self._problem(skus, today, tiers, with_lines=False)

    def _problem(
        self, scope: Sequence[str] | None, today: date, tiers: Sequence[str], with_lines: bool
    ) -> BuiltProblem:
        store = self.store
        wanted = set(store.items if scope is None else scope)
        self.journal.append(("read", tuple(sorted(wanted))))
        closed = (LineStatus.CANCELLED, LineStatus.SHIPPED)
        lines = [
            r.line
            for _, r in sorted(store.lines.items())
            if with_lines
            and r.line.sku in wanted
            and r.line.status not in closed
            and r.line.open_quantity > 0
        ]
        ids = {line.line_id for line in lines}
        masters = InMemoryMasterDataRepository(store)
        items = [  # like the SQL loader: substitutes outside the scope are left out
            dataclasses.replace(
                item, substitutes=tuple(s for s in item.substitutes if s.sku in wanted)
            )
            for item in masters.items(sorted(wanted))
        ]
        return build_problem(
            ProblemInput(
                locations=masters.locations(),
                lanes=masters.lanes(),
                items=items,
                customers=masters.customers(sorted({line.customer for line in lines})),
                lines=lines,
                supply=InMemorySupplyRepository(store, []).sources(sorted(wanted), today),
                as_of=today,
                previous=[
                    a.allocation for a in store.allocations.values() if a.allocation.line_id in ids
                ],
                tiers=tuple(tiers),
            )
        )

    def allocated_by_sources(self, skus: Sequence[str]) -> dict[str, int]:
        """Units allocated from each supply source of the given items."""
        self.journal.append(("read", tuple(sorted(set(skus)))))
        used: dict[str, int] = {}
        for held in self.store.allocations.values():
            a = held.allocation
            if a.sku in skus:
                used[a.source_id] = used.get(a.source_id, 0) + a.quantity
        return used

    def add_columns(self, columns: Mapping[str, list[Any]]) -> None:
        """Store allocation rows given as one list per column."""
        self.add_rows(
            [dict(zip(columns, r, strict=True)) for r in zip(*columns.values(), strict=True)]
        )

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        """Store allocation rows as given."""
        for row in rows:
            allocation = Allocation(
                line_id=int(row["line_id"]),
                source_id=str(row["source_id"]),
                quantity=int(row["quantity"]),
                ship_from=str(row["location"]),
                available_date=row["available_date"],
                sku=str(row["sku"]),
            )
            stored = StoredAllocation(allocation, str(row["phase"]), row["run_id"])
            self.store.allocations[self.store.next_id("allocations")] = stored

    def release_lines(self, line_ids: Sequence[int]) -> int:
        """Delete the allocations of the given lines; returns how many rows went."""
        wanted = set(line_ids)
        gone = [k for k, a in self.store.allocations.items() if a.allocation.line_id in wanted]
        for key in gone:
            del self.store.allocations[key]
        return len(gone)

    def move_to_stock(self, moves: Sequence[tuple[str, str, int]]) -> None:
        """Allocations on PO lines follow their units into stock, oldest first (split if needed).

        Each move is (PO line source id, stock source id, units received).
        """
        for source_id, stock_source_id, quantity in moves:
            left = quantity
            for key, held in list(self.store.allocations.items()):
                a = held.allocation
                if left <= 0:
                    break
                if a.source_id != source_id:
                    continue
                moved = min(a.quantity, left)
                left -= moved
                on_stock = dataclasses.replace(a, source_id=stock_source_id, quantity=moved)
                if moved == a.quantity:
                    self.store.allocations[key] = dataclasses.replace(held, allocation=on_stock)
                    continue
                rest = dataclasses.replace(a, quantity=a.quantity - moved)
                self.store.allocations[key] = dataclasses.replace(held, allocation=rest)
                split = dataclasses.replace(held, allocation=on_stock)
                self.store.allocations[self.store.next_id("allocations")] = split

    def save_decisions(self, decisions: Sequence[StoredDecision]) -> None:
        """Replace the decision records of these lines."""
        for decision in decisions:
            self.store.decisions[decision.line_id] = decision

    def decision(self, line_id: int) -> StoredDecision | None:
        """The latest decision record of a line."""
        return self.store.decisions.get(line_id)

    def decision_at_rank(self, run_id: str, sku: str, rank: int) -> StoredDecision | None:
        """The decision of the line at `rank` for `sku` in a run."""
        return next(
            (
                d
                for d in self.store.decisions.values()
                if (d.run_id, d.sku, d.rank) == (run_id, sku, rank)
            ),
            None,
        )

    def better_ranked_holders(
        self, run_id: str, sku: str, rank: int, locations: Sequence[str], limit: int
    ) -> tuple[list[tuple[int, int, str, int]], int]:
        """Lines ranked above `rank` holding supply of `sku` at the given DCs, and their count."""
        rows = []
        for d in sorted(self.store.decisions.values(), key=lambda x: (x.rank, x.line_id)):
            if d.run_id != run_id or d.sku != sku or d.rank >= rank:
                continue
            pieces = [
                a.allocation.quantity
                for a in self.store.allocations.values()
                if a.allocation.line_id == d.line_id
                and a.allocation.sku == sku
                and a.allocation.ship_from in locations
            ]
            if pieces:
                rows.append((d.line_id, d.rank, d.segment, sum(pieces)))
        return rows[:limit], len(rows)

    def start_run(
        self, run_id: str, solver: str, policy: str, scope: str, actor: str, now: datetime
    ) -> None:
        """Record that a run started."""
        self.store.runs[run_id] = {
            "run_id": run_id,
            "started_at": now,
            "finished_at": None,
            "solver": solver,
            "policy": policy,
            "scope": scope,
            "status": "running",
            "summary": None,
            "requested_by": actor,
        }

    def finish_run(self, run_id: str, summary: dict[str, Any], now: datetime) -> None:
        """Record a run's outcome."""
        run = self.store.runs[run_id]
        run.update(status="completed", finished_at=now, summary=_json(summary))


class InMemoryPlatformRepository(PlatformRepository):
    """API keys, audit log and outbox in a `MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def add_api_key(
        self, key_id: str, name: str, role: str, secret_hash: str, now: datetime
    ) -> None:
        """Store a new API key."""
        if key_id in self.store.api_keys:
            raise ValueError(f"duplicate API key id {key_id!r}")
        self.store.api_keys[key_id] = ApiKeyRecord(key_id, name, role, secret_hash, False)

    def api_key(self, key_id: str) -> ApiKeyRecord | None:
        """A key by its public id."""
        return self.store.api_keys.get(key_id)

    def revoke_api_key(self, key_id: str, now: datetime) -> None:
        """Mark a key revoked: it authenticates no more."""
        self.store.api_keys[key_id] = dataclasses.replace(self.store.api_keys[key_id], revoked=True)

    def audit(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        before: Any,
        after: Any,
        now: datetime,
    ) -> None:
        """Append an audit record: who did what to which subject, before and after."""
        self.store.audit_log.append(
            {
                "id": self.store.next_id("audit_log"),
                "at": now,
                "actor": actor,
                "action": action,
                "subject": subject,
                "before": _json(before),
                "after": _json(after),
            }
        )

    def flush(self) -> None:
        """Nothing to write: audit records are stored as they come."""

    def append_events(self, events: list[dict[str, Any]]) -> None:
        """Write events to the outbox in the current unit of work."""
        for event in events:
            row = {**event, "data": _json(event["data"]), "published_at": None}
            self.store.outbox.append({"position": self.store.next_id("outbox"), **row})


class FakeUnitOfWork(UnitOfWork):
    """A unit of work over a `MemoryStore`: rollback restores the store, commit keeps it.

    `committed` tells whether it committed, `locked` lists the SKUs of every `lock_items`
    call as passed, and `journal` records locks and supply reads in the order they came.
    """

    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        super().__init__()
        self.store = store
        self.clock = clock
        self.committed = False
        self.locked: list[tuple[str, ...]] = []
        self.journal: Journal = []
        self._snapshot = copy.deepcopy(store)
        self.master = InMemoryMasterDataRepository(store)
        self.orders = InMemoryOrderRepository(store)
        self.supply = InMemorySupplyRepository(store, self.journal)
        self.allocations = InMemoryAllocationRepository(store, self.journal)
        self.platform = InMemoryPlatformRepository(store)

    def __enter__(self) -> Self:
        super().__enter__()
        self._snapshot = copy.deepcopy(self.store)
        return self

    def _commit(self) -> None:
        self.committed = True
        self._snapshot = copy.deepcopy(self.store)

    def rollback(self) -> None:
        """Discard what changed since the last commit (or since `with` began)."""
        self.store.restore(self._snapshot)

    def lock_items(self, skus: Sequence[str]) -> None:
        """Record the lock (a fake has nothing to serialise)."""
        self.locked.append(tuple(skus))
        if skus:
            self.journal.append(("lock", tuple(skus)))

    def unlocked_reads(self) -> list[str]:
        """SKUs whose supply or allocations were read before this unit locked them."""
        held: set[str] = set()
        early: list[str] = []
        for kind, skus in self.journal:
            if kind == "lock":
                held.update(skus)
            else:
                early.extend(sku for sku in skus if sku not in held and sku not in early)
        return early

    def lock_order_violations(self) -> list[str]:
        """SKUs locked after a greater SKU was already held (two such writers may deadlock)."""
        held: list[str] = []
        late: list[str] = []
        for sku in itertools.chain.from_iterable(self.locked):
            if sku in held:
                continue
            if held and sku < max(held):
                late.append(sku)
            held.append(sku)
        return late
