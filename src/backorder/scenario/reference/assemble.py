"""Turn the generated columns into domain objects and one time-ordered event stream."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np

from backorder.domain.model import (
    ConfirmationState,
    Order,
    OrderLine,
    SupplyKind,
    SupplySource,
)
from backorder.scenario.reference.arrays import IntArray
from backorder.scenario.reference.catalog import CatalogTable
from backorder.scenario.reference.customers import CustomerTable
from backorder.scenario.reference.demand import MINUTES, N_DC, ORDER_TYPES, DemandTable
from backorder.scenario.reference.events import (
    EVENT_ORDER,
    GoodsReceived,
    OrderLineCancelled,
    OrderLineQuantityChanged,
    OrderPlaced,
    PurchaseOrderPlaced,
    ShipmentNotified,
    SupplierAcknowledged,
    WorldEvent,
)
from backorder.scenario.reference.spec import ReferenceSpec
from backorder.scenario.reference.suppliers import SupplierTable
from backorder.scenario.reference.supply import NONE, SupplyTable
from backorder.scenario.reference.vocab import CANCEL_REASONS, LOCATIONS

DC_CODES = tuple(code for code, _, _ in LOCATIONS)


class Clock:
    """Day and minute numbers (from the start's midnight) as dates and datetimes."""

    def __init__(self, start: date) -> None:
        self.start = start
        self.midnight = datetime.combine(start, time())
        self._dates: dict[int, date] = {}

    def day(self, d: int) -> date:
        """The date of day `d`."""
        found = self._dates.get(d)
        if found is None:
            found = self._dates[d] = self.start + timedelta(days=d)
        return found

    def at(self, minute: int) -> datetime:
        """The moment `minute` minutes after the start's midnight."""
        return self.midnight + timedelta(minutes=minute)


def po_numbers(supply: SupplyTable, clock: Clock) -> list[str]:
    """PO numbers like PO-26-000123: two-digit year of placement and a running number."""
    return [
        f"PO-{clock.day(d).year % 100:02d}-{p + 1:06d}"
        for p, d in enumerate(supply.po_day.tolist())
    ]


def po_line_numbers(supply: SupplyTable) -> IntArray:
    """Line number of every PO line within its PO (lines are stored PO by PO)."""
    counts = np.bincount(supply.line_po, minlength=len(supply.po_day))
    start = np.r_[0, np.cumsum(counts)]
    return np.asarray(np.arange(len(supply.line_po)) - start[supply.line_po] + 1, dtype=np.int64)


def initial_supply(
    spec: ReferenceSpec,
    catalog: CatalogTable,
    suppliers: SupplierTable,
    supply: SupplyTable,
    clock: Clock,
) -> tuple[SupplySource, ...]:
    """On-hand stock per item x DC and the PO lines still open at the start."""
    sources: list[SupplySource] = []
    today = clock.day(0)
    on_hand = supply.on_hand.tolist()
    for i, sku in enumerate(catalog.skus):
        for dc, code in enumerate(DC_CODES):
            sources.append(
                SupplySource(f"OH/{sku}/{code}", sku, code, on_hand[i * N_DC + dc], today)
            )
    numbers = po_numbers(supply, clock)
    line_no = po_line_numbers(supply).tolist()
    po = supply.line_po
    open_line = (supply.po_day[po] < 0) & (supply.po_receipt_minute[po] >= 0)
    shipped = (supply.po_asn_minute[po] != NONE) & (supply.po_asn_minute[po] < 0)
    confirmed = (supply.po_ack_minute[po] != NONE) & (supply.po_ack_minute[po] < 0)
    for j in np.flatnonzero(open_line).tolist():
        p = int(po[j])
        if shipped[j]:
            state, day, qty = (
                ConfirmationState.SHIPPED,
                supply.po_asn_day[p],
                supply.line_received[j],
            )
        elif confirmed[j]:
            state, day, qty = (
                ConfirmationState.CONFIRMED,
                supply.po_confirm_day[p],
                supply.line_confirm_qty[j],
            )
        else:
            state, day, qty = (
                ConfirmationState.UNCONFIRMED,
                supply.po_planned_day[p],
                supply.line_qty[j],
            )
        source_id = f"{numbers[p]}/{line_no[j]}"
        sources.append(
            SupplySource(
                source_id=source_id,
                sku=catalog.skus[supply.line_item[j]],
                location=DC_CODES[supply.po_dc[p]],
                quantity=int(qty),
                available_date=clock.day(int(day)),
                kind=SupplyKind.PURCHASE_ORDER,
                confirmation=state,
                supplier=suppliers.codes[supply.po_supplier[p]],
                reference=source_id,
            )
        )
    return tuple(sources)


def _order_events(
    catalog: CatalogTable, customers: CustomerTable, demand: DemandTable, clock: Clock
) -> list[OrderPlaced]:
    skus = catalog.skus
    cost = catalog.unit_cost.tolist()
    codes = customers.codes
    order_ids = [f"SO-{o + 1:07d}" for o in range(len(demand.order_minute))]
    moments = [clock.at(m) for m in demand.order_minute.tolist()]
    lines = [
        OrderLine(
            line_id=j + 1,
            order_id=order_ids[o],
            customer=codes[c],
            sku=skus[i],
            quantity=q,
            requested_date=clock.day(r),
            unit_price=price,
            unit_cost=cost[i],
            ship_from=DC_CODES[dc],
            order_type=ORDER_TYPES[kind],
            ordered_at=moments[o],
        )
        for j, (o, c, i, q, r, price, dc, kind) in enumerate(
            zip(
                demand.order.tolist(),
                demand.customer.tolist(),
                demand.item.tolist(),
                demand.qty.tolist(),
                demand.requested_day.tolist(),
                demand.unit_price.tolist(),
                demand.dc.tolist(),
                demand.kind.tolist(),
                strict=True,
            )
        )
    ]
    bounds = demand.order_start.tolist()
    return [
        OrderPlaced(
            moments[o],
            Order(order_ids[o], codes[c], moments[o], tuple(lines[bounds[o] : bounds[o + 1]])),
        )
        for o, c in enumerate(demand.order_customer.tolist())
    ]


def _supply_events(
    spec: ReferenceSpec,
    catalog: CatalogTable,
    suppliers: SupplierTable,
    supply: SupplyTable,
    clock: Clock,
) -> tuple[list[WorldEvent], list[int], list[int]]:
    """PO, 855, 856 and receipt events inside the horizon, with minute and kind rank."""
    end = spec.days * MINUTES
    numbers = po_numbers(supply, clock)
    line_no = po_line_numbers(supply).tolist()
    po = supply.line_po.tolist()
    item = supply.line_item.tolist()
    qty = supply.line_qty.tolist()
    events: list[WorldEvent] = []
    minutes: list[int] = []
    ranks: list[int] = []

    def emit(event: WorldEvent, minute: int) -> None:
        """Record `event` at `minute` with its tie-break rank."""
        events.append(event)
        minutes.append(minute)
        ranks.append(EVENT_ORDER.index(type(event)))

    counts = np.bincount(supply.line_po, minlength=len(numbers))
    first = np.r_[0, np.cumsum(counts)].tolist()
    for p in np.flatnonzero((supply.po_day >= 0) & (supply.po_minute < end)).tolist():
        dc = DC_CODES[supply.po_dc[p]]
        code = suppliers.codes[supply.po_supplier[p]]
        planned = clock.day(int(supply.po_planned_day[p]))
        lines = tuple(
            SupplySource(
                source_id=f"{numbers[p]}/{line_no[j]}",
                sku=catalog.skus[item[j]],
                location=dc,
                quantity=qty[j],
                available_date=planned,
                kind=SupplyKind.PURCHASE_ORDER,
                confirmation=ConfirmationState.UNCONFIRMED,
                supplier=code,
                reference=f"{numbers[p]}/{line_no[j]}",
            )
            for j in range(first[p], first[p + 1])
        )
        minute = int(supply.po_minute[p])
        emit(PurchaseOrderPlaced(clock.at(minute), numbers[p], code, lines), minute)
    ack = supply.po_ack_minute[supply.line_po]
    asn = supply.po_asn_minute[supply.line_po]
    receipt = supply.po_receipt_minute[supply.line_po]
    confirm_qty = supply.line_confirm_qty.tolist()
    received = supply.line_received.tolist()
    for j in np.flatnonzero((ack >= 0) & (ack < end)).tolist():
        p = po[j]
        confirmed = clock.day(int(supply.po_confirm_day[p]))
        event = SupplierAcknowledged(
            clock.at(int(ack[j])), numbers[p], line_no[j], confirmed, confirm_qty[j]
        )
        emit(event, int(ack[j]))
    for j in np.flatnonzero((asn >= 0) & (asn < end)).tolist():
        p = po[j]
        expected = clock.day(int(supply.po_asn_day[p]))
        event_n = ShipmentNotified(
            clock.at(int(asn[j])), numbers[p], line_no[j], received[j], expected
        )
        emit(event_n, int(asn[j]))
    for j in np.flatnonzero((receipt >= 0) & (receipt < end)).tolist():
        p = po[j]
        event_r = GoodsReceived(
            at=clock.at(int(receipt[j])),
            source_id=f"{numbers[p]}/{line_no[j]}",
            po_number=numbers[p],
            quantity=received[j],
            location=DC_CODES[supply.po_dc[p]],
            sku=catalog.skus[item[j]],
        )
        emit(event_r, int(receipt[j]))
    return events, minutes, ranks


def event_stream(
    spec: ReferenceSpec,
    catalog: CatalogTable,
    suppliers: SupplierTable,
    customers: CustomerTable,
    demand: DemandTable,
    supply: SupplyTable,
    clock: Clock,
) -> tuple[WorldEvent, ...]:
    """Every event of the horizon, sorted by time; ties in causal kind order, then as made."""
    events, minutes, ranks = _supply_events(spec, catalog, suppliers, supply, clock)
    for order_event, minute in zip(
        _order_events(catalog, customers, demand, clock),
        demand.order_minute.tolist(),
        strict=True,
    ):
        events.append(order_event)
        minutes.append(minute)
        ranks.append(EVENT_ORDER.index(OrderPlaced))
    qty = demand.qty.tolist()
    for j, m, q in zip(
        demand.change_line.tolist(),
        demand.change_minute.tolist(),
        demand.change_qty.tolist(),
        strict=True,
    ):
        events.append(OrderLineQuantityChanged(clock.at(m), j + 1, q, qty[j]))
        minutes.append(m)
        ranks.append(EVENT_ORDER.index(OrderLineQuantityChanged))
    for j, m, r in zip(
        demand.cancel_line.tolist(),
        demand.cancel_minute.tolist(),
        demand.cancel_reason.tolist(),
        strict=True,
    ):
        events.append(OrderLineCancelled(clock.at(m), j + 1, CANCEL_REASONS[r]))
        minutes.append(m)
        ranks.append(EVENT_ORDER.index(OrderLineCancelled))
    order = np.lexsort((np.arange(len(events)), np.array(ranks), np.array(minutes)))
    return tuple(events[k] for k in order.tolist())
