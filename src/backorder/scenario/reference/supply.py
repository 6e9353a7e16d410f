"""The world's replenishment: a baseline reorder policy and how suppliers really deliver.

A buyer reviews each supplier once a week and orders every item x DC whose inventory
position (net stock + open orders) has fallen below its reorder point up to a target,
rounded to the order multiple. Net stock is opening stock plus receipts minus demand
when it is ordered, so the policy knows nothing about our allocations. It runs through a
warm-up before the start so the opening stock and open purchase orders are what such a
policy leaves behind. The surge therefore creates real shortages: the buyer reacts at
the next review, and the goods come a lead time later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backorder.scenario.reference.arrays import FloatArray, IntArray
from backorder.scenario.reference.catalog import CatalogTable
from backorder.scenario.reference.demand import MINUTES, N_DC, DemandTable
from backorder.scenario.reference.spec import ReferenceSpec
from backorder.scenario.reference.suppliers import SupplierTable

SERVICE_Z = 1.65  # safety factor of the world's buyers (~95% cycle service)
NONE = -(2**62)  # minute of an acknowledgement or ship notice that never comes
_RELIABLE_DELAY = np.array([-1, 0, 1, 2, 3, 4, 5])
_RELIABLE_DELAY_P = np.array([0.05, 0.75, 0.10, 0.05, 0.03, 0.01, 0.01])


@dataclass(frozen=True)
class SupplyTable:
    """Opening stock and every purchase order the world placed (warm-up included)."""

    on_hand: IntArray  # per item x DC at the start
    safety_stock: IntArray  # per item
    po_day: IntArray  # per PO: day placed (negative = before the start)
    po_minute: IntArray
    po_supplier: IntArray
    po_dc: IntArray
    po_planned_day: IntArray  # expected receipt at the quoted lead time
    po_confirm_day: IntArray  # date the 855 confirms
    po_ack_minute: IntArray  # NONE if never acknowledged before receipt
    po_asn_minute: IntArray  # NONE if no ship notice
    po_asn_day: IntArray  # expected date on the ship notice
    po_receipt_minute: IntArray  # actual receipt (may be after the horizon)
    line_po: IntArray  # per PO line, sorted by PO then item
    line_item: IntArray
    line_qty: IntArray
    line_confirm_qty: IntArray
    line_received: IntArray
    surge_backlog: FloatArray  # per day: units the surge family owes (net stock below 0)
    surge_short_share: FloatArray  # per day: share of the family's item x DCs below 0

    @property
    def lines(self) -> int:
        """Number of PO lines."""
        return len(self.line_po)


class _Book:
    """Purchase orders as they are placed (column lists)."""

    def __init__(self) -> None:
        self.po: dict[str, list[IntArray]] = {}
        self.line: dict[str, list[IntArray]] = {}
        self.count = 0

    def add(self, table: dict[str, list[IntArray]], **cols: IntArray) -> None:
        """Append a batch of rows given as columns."""
        for name, values in cols.items():
            table.setdefault(name, []).append(values)

    def column(self, table: dict[str, list[IntArray]], name: str) -> IntArray:
        """One column over all batches."""
        parts = table.get(name, [])
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def _behave(
    t: int,
    k: int,
    n_po: int,
    qty: IntArray,
    suppliers: SupplierTable,
    rng: np.random.Generator,
) -> dict[str, IntArray]:
    """How supplier `k` will handle `n_po` POs placed on day `t` (drawn now, revealed later)."""
    bad = bool(suppliers.unreliable[k])
    lead = int(suppliers.lead_time[k])
    placed = t * MINUTES + 6 * 60 + k  # buyers send POs early, supplier by supplier
    planned = np.full(n_po, t + lead, dtype=np.int64)
    if bad:
        # Heavy-tailed lateness: on time one PO in five, otherwise a median of five days
        # late and a few percent more than four weeks late.
        late = np.minimum(np.ceil(rng.lognormal(np.log(5.0), 1.0, n_po)), 60).astype(np.int64)
        delay = np.where(rng.random(n_po) < 0.2, 0, late)
        acks = rng.random(n_po) < 0.65
        ack_after = np.maximum(rng.lognormal(np.log(3 * MINUTES), 0.6, n_po), MINUTES)
        told = np.floor(delay * rng.uniform(0.0, 0.4, n_po)).astype(np.int64)
        asn = rng.random(n_po) < 0.5
        short_p, short_lo, short_hi = 0.15, 0.3, 0.9
    else:
        delay = rng.choice(_RELIABLE_DELAY, size=n_po, p=_RELIABLE_DELAY_P)
        acks = rng.random(n_po) < 0.98
        ack_after = 60 + np.minimum(rng.lognormal(np.log(360.0), 0.8, n_po), 2 * MINUTES)
        told = np.where((delay > 0) & (rng.random(n_po) < 0.6), delay, 0)
        asn = rng.random(n_po) < 0.92
        short_p, short_lo, short_hi = 0.01, 0.7, 0.95
    arrival = np.maximum(planned + delay, t + 1)
    receipt = arrival * MINUTES + rng.integers(7 * 60, 16 * 60, n_po)
    ack = placed + ack_after.astype(np.int64)
    ack = np.where(acks & (ack < receipt), ack, NONE)
    confirm = np.maximum(planned + told, ack // MINUTES + 1)
    transit = rng.integers(18, 29, n_po) if suppliers.is_import[k] else rng.integers(1, 4, n_po)
    ship_day = np.minimum(np.maximum(arrival - transit, t), arrival - 1)
    asn_minute = np.where(asn, ship_day * MINUTES + rng.integers(15 * 60, 20 * 60, n_po), NONE)
    # Unreliable suppliers' ship notices are optimistic about the arrival date too.
    asn_day = arrival - (rng.integers(0, 4, n_po) if bad else 0)
    asn_day = np.maximum(asn_day, ship_day + 1)
    short = rng.random(len(qty)) < short_p
    frac = rng.uniform(short_lo, short_hi, len(qty))
    received = np.where(short, np.maximum(np.floor(qty * frac), 1), qty).astype(np.int64)
    # Reliable suppliers confirm a short quantity up front; unreliable ones half the time.
    warned = short & (rng.random(len(qty)) < (0.5 if bad else 1.0))
    return {
        "day": np.full(n_po, t, dtype=np.int64),
        "minute": np.full(n_po, placed, dtype=np.int64),
        "supplier": np.full(n_po, k, dtype=np.int64),
        "planned": planned,
        "confirm": confirm,
        "ack": ack,
        "asn": asn_minute,
        "asn_day": asn_day,
        "receipt": receipt,
        "arrival": arrival,
        "confirm_qty": np.where(warned, received, qty),
        "received": received,
    }


def simulate_supply(
    spec: ReferenceSpec,
    catalog: CatalogTable,
    suppliers: SupplierTable,
    demand: DemandTable,
    rng: np.random.Generator,
) -> SupplyTable:
    """Run the baseline reorder policy from the warm-up to the end of the horizon."""
    n = catalog.size * N_DC
    item_of = np.arange(n) // N_DC
    sup = catalog.supplier[item_of]
    lead = suppliers.lead_time[sup]
    # The buyer's forecast is the baseline (no surge); safety stock covers its day-to-day
    # variation over lead time plus review period at about a 95% service level.
    forecast = demand.baseline_daily.mean(axis=0)
    sigma = demand.baseline_daily.std(axis=0)
    exposure = np.sqrt(lead + spec.review_days)
    safety_dc = np.ceil(SERVICE_Z * sigma * exposure)
    safety = np.round(safety_dc.reshape(catalog.size, N_DC).mean(axis=1)).astype(np.int64)
    reorder = np.ceil(forecast * lead) + safety_dc
    target = reorder + np.ceil(forecast * spec.review_days)
    multiple = catalog.order_multiple[item_of]
    # Realised demand by day, with cancellations and quantity changes on their days.
    cells = demand.day * n + demand.item * N_DC + demand.dc
    adj_c = demand.cancel_line
    adj_g = demand.change_line
    cells = np.concatenate(
        [
            cells,
            (demand.cancel_minute // MINUTES) * n + demand.item[adj_c] * N_DC + demand.dc[adj_c],
            (demand.change_minute // MINUTES) * n + demand.item[adj_g] * N_DC + demand.dc[adj_g],
        ]
    )
    units = np.concatenate([demand.qty, -demand.qty[adj_c], demand.change_qty - demand.qty[adj_g]])
    daily = np.bincount(cells, weights=units, minlength=spec.days * n).reshape(spec.days, n)
    by_supplier = [np.flatnonzero(sup == k) for k in range(len(suppliers.codes))]
    warmup = int(suppliers.lead_time.max()) + spec.review_days + 14
    weekday = (spec.start.weekday() + np.arange(spec.days)) % 7
    same_weekday = [
        np.flatnonzero(weekday == wd) if (weekday == wd).any() else np.arange(spec.days)
        for wd in range(7)
    ]
    surge = np.flatnonzero(catalog.group[item_of] == catalog.surge_group)
    net = target.copy()
    on_order = np.zeros(n)
    on_hand = np.zeros(n, dtype=np.int64)
    arrivals: dict[int, list[tuple[IntArray, IntArray, IntArray]]] = {}
    book = _Book()
    backlog = np.zeros(spec.days)
    short_share = np.zeros(spec.days)
    for t in range(-warmup, spec.days):
        if t == 0:
            net = np.maximum(net, 0.0)  # the warm-up's own backlog is not real orders
            on_hand = net.astype(np.int64)
        wd = (spec.start.weekday() + t) % 7
        for k in np.flatnonzero(suppliers.review_weekday == wd).tolist():
            cand = by_supplier[k]
            position = net[cand] + on_order[cand]
            need = position < reorder[cand]
            if not need.any():
                continue
            idx = cand[need]
            qty = (np.ceil((target[idx] - position[need]) / multiple[idx]) * multiple[idx]).astype(
                np.int64
            )
            qty = np.maximum(qty, multiple[idx])
            dc = idx % N_DC
            order = np.lexsort((idx // N_DC, dc))
            idx, qty, dc = idx[order], qty[order], dc[order]
            dcs, line_po = np.unique(dc, return_inverse=True)
            cols = _behave(t, k, len(dcs), qty, suppliers, rng)
            received = cols.pop("received")
            confirm_qty = cols.pop("confirm_qty")
            arrival = cols.pop("arrival")
            book.add(book.po, dc=dcs, **cols)
            book.add(
                book.line,
                po=line_po + book.count,
                item=idx // N_DC,
                qty=qty,
                confirm_qty=confirm_qty,
                received=received,
            )
            book.count += len(dcs)
            on_order[idx] += qty
            for p, day in enumerate(arrival.tolist()):
                sel = line_po == p
                arrivals.setdefault(day, []).append((idx[sel], received[sel], qty[sel]))
        for idx, received, qty in arrivals.pop(t, []):
            net[idx] += received
            on_order[idx] -= qty
        if t < 0:
            # Warm-up demand replays a baseline day with the same weekday, lumps and all.
            net -= demand.baseline_daily[int(rng.choice(same_weekday[wd]))]
        else:
            net -= daily[t]
            backlog[t] = float(np.maximum(-net[surge], 0).sum())
            short_share[t] = float((net[surge] < 0).mean()) if len(surge) else 0.0
    return SupplyTable(
        on_hand=on_hand,
        safety_stock=safety,
        po_day=book.column(book.po, "day"),
        po_minute=book.column(book.po, "minute"),
        po_supplier=book.column(book.po, "supplier"),
        po_dc=book.column(book.po, "dc"),
        po_planned_day=book.column(book.po, "planned"),
        po_confirm_day=book.column(book.po, "confirm"),
        po_ack_minute=book.column(book.po, "ack"),
        po_asn_minute=book.column(book.po, "asn"),
        po_asn_day=book.column(book.po, "asn_day"),
        po_receipt_minute=book.column(book.po, "receipt"),
        line_po=book.column(book.line, "po"),
        line_item=book.column(book.line, "item"),
        line_qty=book.column(book.line, "qty"),
        line_confirm_qty=book.column(book.line, "confirm_qty"),
        line_received=book.column(book.line, "received"),
        surge_backlog=backlog,
        surge_short_share=short_share,
    )
