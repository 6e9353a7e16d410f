"""Replay the reference distributor's 90 days through the service layer.

Each day, in the order things happened: purchase orders are placed, suppliers acknowledge
and ship, goods arrive, customers order (each line promised and allocated at intake) or
change and cancel; at the end of the day the items whose supply changed are reallocated
by policy and what is due ships from stock. Everything goes through the same handlers the
API uses; only the clock is the replay's.

With an `Orchestration`, the backorder cases run as workflows in step with the clock,
and simulated people and partners (`scenario.operations`) answer what the cases ask for:
picks, approvals, tasks, the service's own purchase orders.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol, TypeVar

from backorder.domain.model import Order, SupplyKind
from backorder.scenario.operations import SimulatedOperations
from backorder.scenario.reference import (
    GoodsReceived,
    OrderLineCancelled,
    OrderLineQuantityChanged,
    OrderPlaced,
    PurchaseOrderPlaced,
    ReferenceScenario,
    ShipmentNotified,
    SupplierAcknowledged,
    WorldEvent,
)
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers import fulfilment, master, orders, purchasing, supply
from backorder.service_layer.handlers.allocation import run_allocation

ACTOR = "demo replay"
ORDER_BATCH = 500  # orders per intake transaction
BLOCK_HOURS = 12  # the world's events reach the service in batches of this many hours


@dataclass
class DayStats:
    """What happened on one replayed day."""

    day: date
    orders: int = 0
    lines: int = 0
    lines_in_full_at_intake: int = 0
    receipts: int = 0
    shipped_lines: int = 0
    shipped_units: int = 0
    changes: int = 0
    changes_refused: int = 0


@dataclass
class ReplayLog:
    """Per-day statistics and the map from the world's line ids to ours."""

    days: list[DayStats] = field(default_factory=list)
    line_ids: dict[int, int] = field(default_factory=dict)  # world line id -> stored line id


def load_opening_state(ctx: ServiceContext, scenario: ReferenceScenario) -> None:
    """Master data, stock on hand and the open purchase orders at the start."""
    master.save_locations(ctx, scenario.locations, ACTOR)
    master.save_lanes(ctx, scenario.lanes, ACTOR)
    master.save_suppliers(ctx, scenario.suppliers, ACTOR)
    master.save_items(ctx, scenario.items, ACTOR)
    master.save_customers(ctx, scenario.customers, ACTOR)
    stock = [
        supply.StockLevel(s.sku, s.location, s.quantity)
        for s in scenario.initial_supply
        if s.kind is SupplyKind.ON_HAND
    ]
    for levels in _batches(stock, 5_000):
        supply.set_stock(ctx, levels, ACTOR, reallocate=False)
    by_po: dict[str, list[purchasing.PurchaseOrderLineInput]] = defaultdict(list)
    suppliers: dict[str, str] = {}
    for source in scenario.initial_supply:
        if source.kind is SupplyKind.ON_HAND:
            continue
        po_number = source.source_id.rsplit("/", 1)[0]
        suppliers[po_number] = source.supplier or ""
        by_po[po_number].append(
            purchasing.PurchaseOrderLineInput(
                source.sku,
                source.location,
                source.quantity,
                source.available_date,
                confirmation=source.confirmation,
            )
        )
    purchase_orders = [
        purchasing.PurchaseOrderInput(po, suppliers[po], tuple(lines))
        for po, lines in by_po.items()
    ]
    for orders_batch in _batches(purchase_orders, 500):
        purchasing.create_purchase_orders(ctx, orders_batch, ACTOR, reallocate=False)


T = TypeVar("T")


def _batches(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class CaseDriver(Protocol):
    """Runs the backorder cases in step with the replay (see `workflows.replay_driver`)."""

    def settle(self) -> None:
        """Open and wake cases for what happened so far; return once they have looked."""


@dataclass
class Orchestration:
    """What runs beside the world when workflows are on: the cases, and the people."""

    cases: CaseDriver
    operations: SimulatedOperations


class Replay:
    """Drives the service through the scenario's days (with or without workflows)."""

    def __init__(
        self,
        ctx: ServiceContext,
        clock: FixedClock,
        scenario: ReferenceScenario,
        orchestration: Orchestration | None = None,
    ) -> None:
        self.ctx, self.clock, self.scenario = ctx, clock, scenario
        self.orchestration = orchestration
        self.log = ReplayLog()
        self._po_skus = {s.source_id: s.sku for s in scenario.initial_supply}
        for event in scenario.events:
            if isinstance(event, PurchaseOrderPlaced):
                self._po_skus.update({s.source_id: s.sku for s in event.lines})

    def run(self, progress: Callable[[int, int], None] | None = None) -> ReplayLog:
        """Replay every day; `progress(done, total)` after each."""
        start = self.scenario.spec.start
        by_day: dict[date, list[WorldEvent]] = defaultdict(list)
        for event in self.scenario.events:
            by_day[event.at.date()].append(event)
        total = self.scenario.spec.days
        for offset in range(total):
            day = start + timedelta(days=offset)
            self._replay_day(day, by_day.get(day, []))
            if progress is not None:
                progress(offset + 1, total)
        return self.log

    def _replay_day(self, day: date, events: list[WorldEvent]) -> None:
        stats = DayStats(day=day)
        touched: set[str] = set()
        if self.orchestration is not None:
            self.orchestration.operations.start_day()
        blocks = {
            block: list(in_block)
            for block, in_block in itertools.groupby(events, key=lambda e: e.at.hour // BLOCK_HOURS)
        }
        # Every few hours the world's news goes in as batches, as an ERP feed would: supply
        # first, then order changes, then new orders (promised against that supply). With
        # workflows on, the people work their queues mid-morning and mid-afternoon.
        for hour in range(0, 24, BLOCK_HOURS):
            block = hour // BLOCK_HOURS
            if block in blocks:
                self.clock.set(datetime.combine(day, time(hour, 0)))
                self._world_block(blocks[block], touched, stats)
                self._settle()
            self._people(day, time(hour + 10, 0), first=block == 0)
        self.clock.set(datetime.combine(day, time(20, 0)))
        if touched:
            run_allocation(self.ctx, skus=sorted(touched), solver="priority", actor=ACTOR)
            self._settle()
        self.clock.set(datetime.combine(day, time(22, 0)))
        shipped = fulfilment.ship_due(self.ctx, ACTOR)
        stats.shipped_lines, stats.shipped_units = shipped.lines, shipped.units
        self._settle()
        self.log.days.append(stats)

    def _world_block(self, batch: list[WorldEvent], touched: set[str], stats: DayStats) -> None:
        self._purchase_orders([e for e in batch if isinstance(e, PurchaseOrderPlaced)], touched)
        self._acknowledgements([e for e in batch if isinstance(e, SupplierAcknowledged)], touched)
        self._ship_notices([e for e in batch if isinstance(e, ShipmentNotified)], touched)
        self._receipts([e for e in batch if isinstance(e, GoodsReceived)], touched, stats)
        self._changes(batch, stats)
        self._orders([e.order for e in batch if isinstance(e, OrderPlaced)], stats)

    def _settle(self) -> None:
        if self.orchestration is not None:
            self.orchestration.cases.settle()

    def _people(self, day: date, at: time, *, first: bool) -> None:
        """Suppliers (mornings), the warehouse and the teams (twice a day)."""
        if self.orchestration is None:
            return
        operations = self.orchestration.operations
        self.clock.set(datetime.combine(day, at))
        if first:
            operations.suppliers_and_transfers(day)
        operations.warehouse_picks()
        operations.work_queues(share=0.5)
        self._settle()

    def _acknowledgements(self, acks: list[SupplierAcknowledged], touched: set[str]) -> None:
        if acks:
            purchasing.confirm_po_lines(
                self.ctx,
                [
                    purchasing.LineConfirmation(a.po_number, a.line, a.confirmed_date, a.quantity)
                    for a in acks
                ],
                ACTOR,
                reallocate=False,
            )
            touched.update(self._skus_of(acks))

    def _ship_notices(self, notices: list[ShipmentNotified], touched: set[str]) -> None:
        if notices:
            purchasing.record_ship_notices(
                self.ctx,
                [
                    purchasing.ShipNotice(n.po_number, n.line, n.quantity, n.expected_date)
                    for n in notices
                ],
                ACTOR,
                reallocate=False,
            )
            touched.update(self._skus_of(notices))

    def _receipts(self, receipts: list[GoodsReceived], touched: set[str], stats: DayStats) -> None:
        if receipts:
            purchasing.receive_goods(
                self.ctx,
                [
                    purchasing.GoodsReceipt(
                        r.po_number, int(r.source_id.rsplit("/", 1)[1]), r.quantity
                    )
                    for r in receipts
                ],
                ACTOR,
                reallocate=False,
            )
            stats.receipts += len(receipts)
            touched.update(r.sku for r in receipts)

    def _skus_of(self, events: Sequence[SupplierAcknowledged | ShipmentNotified]) -> set[str]:
        return {self._po_skus[f"{e.po_number}/{e.line}"] for e in events}

    def _orders(self, placed: list[Order], stats: DayStats) -> None:
        for batch in _batches(placed, ORDER_BATCH):
            results = orders.place_orders(self.ctx, batch, ACTOR)
            for order, result in zip(batch, results, strict=True):
                stats.orders += 1
                for line, outcome in zip(order.lines, result.lines, strict=True):
                    self.log.line_ids[line.line_id] = outcome.line_id
                    stats.lines += 1
                    if outcome.allocated >= line.quantity and not outcome.backordered:
                        stats.lines_in_full_at_intake += 1

    def _purchase_orders(self, placed: list[PurchaseOrderPlaced], touched: set[str]) -> None:
        if not placed:
            return
        inputs = [
            purchasing.PurchaseOrderInput(
                event.po_number,
                event.supplier,
                tuple(
                    purchasing.PurchaseOrderLineInput(
                        s.sku, s.location, s.quantity, s.available_date, confirmation=s.confirmation
                    )
                    for s in event.lines
                ),
            )
            for event in placed
        ]
        purchasing.create_purchase_orders(self.ctx, inputs, ACTOR, reallocate=False)
        touched.update(s.sku for event in placed for s in event.lines)

    def _changes(self, batch: list[WorldEvent], stats: DayStats) -> None:
        changes = []
        for event in batch:
            if isinstance(event, OrderLineCancelled | OrderLineQuantityChanged):
                line_id = self.log.line_ids.get(event.line_id)
                if line_id is None:
                    continue
                if isinstance(event, OrderLineCancelled):
                    changes.append(orders.LineChange(line_id, None, event.reason))
                else:
                    changes.append(orders.LineChange(line_id, event.quantity, "customer change"))
        if changes:
            for outcome in orders.change_lines(self.ctx, changes, ACTOR):
                # The world changes its mind after we shipped: the service refuses, as it must.
                if outcome.applied:
                    stats.changes += 1
                else:
                    stats.changes_refused += 1
