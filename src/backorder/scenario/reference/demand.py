"""Customer demand over the horizon: regular orders, contract call-offs and the surge.

Everything is drawn as columns: (customer, day, item, quantity, type, lead) per line,
then lines of one customer on one day become one order. Day numbers count from the
scenario start; minutes count from the start's midnight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backorder.scenario.reference.arrays import FloatArray, IntArray
from backorder.scenario.reference.catalog import CatalogTable
from backorder.scenario.reference.customers import PERIOD_DAYS, CustomerTable
from backorder.scenario.reference.spec import WEEKDAY_FACTOR, ReferenceSpec

STANDARD, CONTRACT, RUSH = 0, 1, 2
ORDER_TYPES = ("standard", "contract", "rush")
_PRIORITY = np.array([2, 0, 1])  # when one order repeats an item: contract > rush > standard
MINUTES = 1440
N_DC = 6  # item x DC cells are numbered item * N_DC + DC


@dataclass(frozen=True)
class _Raw:
    """Lines before they are grouped into orders."""

    customer: IntArray
    day: IntArray
    item: IntArray
    qty: IntArray
    kind: IntArray
    lead: IntArray

    @staticmethod
    def concat(parts: list[_Raw]) -> _Raw:
        """All lines of `parts`, one after the other."""
        return _Raw(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in _Raw.__dataclass_fields__)
        )


@dataclass(frozen=True)
class DemandTable:
    """Order lines as columns, in order-id then line-number order (line id = index + 1)."""

    order: IntArray  # order number (0-based, in time order)
    line_number: IntArray
    customer: IntArray
    item: IntArray
    dc: IntArray
    qty: IntArray
    day: IntArray
    minute: IntArray  # ordered_at, minutes since start
    requested_day: IntArray
    unit_price: FloatArray
    kind: IntArray  # index into ORDER_TYPES
    order_customer: IntArray  # per order
    order_minute: IntArray  # per order
    order_start: IntArray  # first line of each order (len = orders + 1)
    cancel_line: IntArray  # cancellations (line index), minute, reason index
    cancel_minute: IntArray
    cancel_reason: IntArray
    change_line: IntArray  # quantity changes (line index), minute, new quantity
    change_minute: IntArray
    change_qty: IntArray
    baseline_daily: FloatArray  # units per day x (item x DC), without the surge

    @property
    def size(self) -> int:
        """Number of order lines."""
        return len(self.item)


def _weekday(spec: ReferenceSpec, day: IntArray) -> IntArray:
    return np.asarray((spec.start.weekday() + day) % 7, dtype=np.int64)


def _standard_lead(n: int, rng: np.random.Generator) -> IntArray:
    """Days between order and requested date: mostly a week or so, some same-day, some later."""
    band = rng.choice(3, size=n, p=[0.3, 0.5, 0.2])
    lo = np.array([0, 3, 11])[band]
    hi = np.array([3, 11, 22])[band]
    return rng.integers(lo, hi).astype(np.int64)


def _line_qty(
    catalog: CatalogTable,
    customers: CustomerTable,
    c: IntArray,
    i: IntArray,
    rng: np.random.Generator,
) -> IntArray:
    units = catalog.typical_qty[i] * customers.qty_factor[c] * rng.lognormal(0.0, 0.5, len(i))
    return np.maximum(np.round(units), 1).astype(np.int64)


def _call_offs(spec: ReferenceSpec, customers: CustomerTable, rng: np.random.Generator) -> _Raw:
    """Contract customers draw their contract items on a steady rhythm."""
    period = customers.contract_period
    n = len(period)
    interval = np.select(
        [period == 0, period == 1],
        [np.full(n, 7), rng.choice([7, 10, 14], size=n, p=[0.5, 0.3, 0.2])],
        rng.choice([14, 30], size=n),
    ).astype(np.int64)
    phase = rng.integers(0, interval)
    calls = spec.days // 7 + 2
    day = phase[:, None] + interval[:, None] * np.arange(calls)[None, :]
    day = day + rng.integers(-1, 2, size=day.shape)
    contract = np.broadcast_to(np.arange(n)[:, None], day.shape)
    keep = (day >= 0) & (day < spec.days)
    day, contract = day[keep], contract[keep]
    # Buyers do not place call-offs at weekends: Saturday moves back, Sunday forward.
    wd = _weekday(spec, day)
    day = np.where(wd == 5, day - 1, np.where(wd == 6, day + 1, day))
    day = np.clip(day, 0, spec.days - 1)
    share = interval[contract] / PERIOD_DAYS[period[contract]]
    units = customers.contract_qty[contract] * share * rng.lognormal(0.0, 0.12, len(day))
    return _Raw(
        customer=customers.contract_customer[contract],
        day=day.astype(np.int64),
        item=customers.contract_item[contract],
        qty=np.maximum(np.round(units), 1).astype(np.int64),
        kind=np.full(len(day), CONTRACT, dtype=np.int64),
        lead=rng.integers(5, 15, len(day)).astype(np.int64),
    )


def _order_probability(spec: ReferenceSpec, customers: CustomerTable, target: float) -> FloatArray:
    """Chance per customer x day of ordering, scaled so lines per day meet `target`."""
    wf = WEEKDAY_FACTOR[_weekday(spec, np.arange(spec.days))]
    base = customers.order_prob[:, None] * wf[None, :]

    def lines_per_day(k: float) -> float:
        """Expected lines per day when every chance is scaled by `k`."""
        p = np.clip(k * base, 0.0, 0.97)
        return float((p * customers.lines_per_order[:, None]).sum() / spec.days)

    lo, hi = 0.0, 1.0
    while lines_per_day(hi) < target and hi < 1e6:
        hi *= 2
    for _ in range(40):  # bisection: lines per day grows with k
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if lines_per_day(mid) < target else (lo, mid)
    return np.asarray(np.clip(hi * base, 0.0, 0.97))


def _regular(
    spec: ReferenceSpec,
    catalog: CatalogTable,
    customers: CustomerTable,
    target: float,
    rng: np.random.Generator,
) -> _Raw:
    """Everyday orders: a few lines, mostly from the customer's regular items."""
    prob = _order_probability(spec, customers, target)
    cust, day = np.nonzero(rng.random(prob.shape) < prob)
    lines = 1 + rng.poisson(customers.lines_per_order[cust] - 1.0)
    c = np.repeat(cust, lines)
    d = np.repeat(day, lines)
    n = len(c)
    # Three lines in four come from the regular items, the favourites most often.
    pos = np.floor(customers.basket_len[c] * rng.random(n) ** 1.3).astype(np.int64)
    from_basket = customers.basket[c, pos]
    anywhere = rng.choice(catalog.size, size=n, p=catalog.popularity)
    item = np.where(rng.random(n) < 0.75, from_basket, anywhere)
    rush = rng.random(n) < 0.04
    lead = np.where(rush, rng.integers(0, 2, n), _standard_lead(n, rng))
    return _Raw(
        customer=c.astype(np.int64),
        day=d.astype(np.int64),
        item=item.astype(np.int64),
        qty=_line_qty(catalog, customers, c, item, rng),
        kind=np.where(rush, RUSH, STANDARD).astype(np.int64),
        lead=lead.astype(np.int64),
    )


def _surge(
    spec: ReferenceSpec,
    catalog: CatalogTable,
    customers: CustomerTable,
    base: _Raw,
    rng: np.random.Generator,
) -> _Raw:
    """Extra lines for the surge family so its demand is `surge_factor` x baseline per region.

    The extra count per region and day is Poisson around (factor - 1) x the baseline's
    average for that weekday; each extra line copies customer, item and quantity from a
    random baseline line of the family in the same region.
    """
    first = max(spec.surge_first_day, 0)
    last = min(spec.surge_last_day, spec.days - 1)
    fam = np.flatnonzero(catalog.group[base.item] == catalog.surge_group)
    if spec.surge_factor <= 1.0 or last < first or len(fam) == 0:
        return _take(base, np.zeros(0, np.int64))
    region = customers.region[base.customer[fam]]
    wd_all = _weekday(spec, np.arange(spec.days))
    days_per_wd = np.bincount(wd_all, minlength=7)
    counts = np.zeros((3, 7))
    np.add.at(counts, (region, _weekday(spec, base.day[fam])), 1.0)
    expected = counts / np.maximum(days_per_wd, 1)[None, :]
    window = np.arange(first, last + 1)
    picks: list[IntArray] = []
    days: list[IntArray] = []
    for r in range(3):
        pool = fam[region == r]
        if len(pool) == 0:
            continue
        extra = rng.poisson((spec.surge_factor - 1.0) * expected[r, wd_all[window]])
        picks.append(rng.choice(pool, size=int(extra.sum())))
        days.append(np.repeat(window, extra))
    chosen = np.concatenate(picks) if picks else np.zeros(0, np.int64)
    out = _take(base, chosen)
    n = len(chosen)
    return _Raw(
        customer=out.customer,
        day=np.concatenate(days).astype(np.int64) if days else np.zeros(0, np.int64),
        item=out.item,
        qty=out.qty,
        kind=np.where(out.kind == RUSH, RUSH, STANDARD).astype(np.int64),
        lead=_standard_lead(n, rng),
    )


def _take(raw: _Raw, index: IntArray) -> _Raw:
    return _Raw(*(getattr(raw, f)[index] for f in _Raw.__dataclass_fields__))


def _merge(raw: _Raw) -> _Raw:
    """One line per customer, day and item: repeated items add up, the strongest type wins."""
    order = np.lexsort((_PRIORITY[raw.kind], raw.item, raw.customer, raw.day))
    s = _take(raw, order)
    new = np.ones(len(order), dtype=bool)
    new[1:] = (np.diff(s.day) != 0) | (np.diff(s.customer) != 0) | (np.diff(s.item) != 0)
    starts = np.flatnonzero(new)
    first = _take(s, starts)
    qty = np.add.reduceat(s.qty, starts) if len(starts) else s.qty
    return _Raw(first.customer, first.day, first.item, qty, first.kind, first.lead)


def _changes(
    spec: ReferenceSpec,
    qty: IntArray,
    minute: IntArray,
    lead: IntArray,
    rng: np.random.Generator,
) -> tuple[IntArray, ...]:
    """A few lines are cancelled or change quantity after they were placed."""
    n = len(qty)
    end = spec.days * MINUTES
    u = rng.random(n)
    cancel = np.flatnonzero(u < spec.cancel_share)
    change = np.flatnonzero((u >= spec.cancel_share) & (u < spec.cancel_share + spec.change_share))
    # Cancellations come within the lead time (plus a little), at most ten days later.
    span = np.maximum(np.minimum(lead[cancel] + 2, 10) * MINUTES, 120)
    c_minute = minute[cancel] + rng.integers(60, span + 1)
    reason = rng.integers(0, 5, len(cancel))
    g_minute = minute[change] + rng.integers(30, 3 * MINUTES, len(change))
    factor = rng.choice(np.array([0.5, 1.5, 2.0]), size=len(change))
    new_qty = np.maximum(np.round(qty[change] * factor), 1).astype(np.int64)
    new_qty = np.where(new_qty == qty[change], qty[change] + 1, new_qty)
    keep_c = c_minute < end
    keep_g = g_minute < end
    return (
        cancel[keep_c],
        c_minute[keep_c],
        reason[keep_c],
        change[keep_g],
        g_minute[keep_g],
        new_qty[keep_g],
    )


def make_demand(
    spec: ReferenceSpec,
    catalog: CatalogTable,
    customers: CustomerTable,
    rng: np.random.Generator,
) -> DemandTable:
    """All order lines of the horizon, grouped into orders, with later changes."""
    calls = _call_offs(spec, customers, rng)
    # Call-offs are part of the daily volume; regular orders make up the rest.
    per_day = spec.target_lines_per_day
    target = max(per_day - len(calls.day) / spec.days, 0.2 * per_day)
    base = _Raw.concat([calls, _regular(spec, catalog, customers, target, rng)])
    cells = catalog.size * N_DC
    baseline_daily = np.asarray(
        np.bincount(
            base.day * cells + base.item * N_DC + customers.home[base.customer],
            weights=base.qty,
            minlength=spec.days * cells,
        ).reshape(spec.days, cells),
        dtype=np.float64,
    )
    lines = _merge(_Raw.concat([base, _surge(spec, catalog, customers, base, rng)]))
    # Lines of one customer on one day form an order placed at one moment in office hours.
    new = np.ones(len(lines.day), dtype=bool)
    new[1:] = (np.diff(lines.day) != 0) | (np.diff(lines.customer) != 0)
    start = np.flatnonzero(new)
    o_minute = lines.day[start] * MINUTES + rng.integers(7 * 60, 18 * 60, len(start))
    o_customer = lines.customer[start]
    rank = np.lexsort((o_customer, o_minute))  # orders numbered in time order
    order_of_group = np.empty(len(start), dtype=np.int64)
    order_of_group[rank] = np.arange(len(start))
    group = np.cumsum(new) - 1
    line_order = order_of_group[group]
    perm = np.lexsort((lines.item, line_order))
    lines = _take(lines, perm)
    line_order = line_order[perm]
    counts = np.bincount(line_order, minlength=len(start))
    order_start = np.r_[0, np.cumsum(counts)].astype(np.int64)
    line_number = np.arange(len(perm)) - order_start[line_order] + 1
    minute = o_minute[rank][line_order]
    # Requested dates fall on working days: forward to Monday, or back to Friday when
    # Monday would be more than three weeks out.
    req = lines.day + lines.lead
    wd = _weekday(spec, req)
    forward = req + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))
    backward = req - np.where(wd == 5, 1, np.where(wd == 6, 2, 0))
    req = np.where(forward - lines.day <= 21, forward, backward)
    price = np.maximum(
        np.round(catalog.list_price[lines.item] * (1.0 - customers.discount[lines.customer]), 2),
        0.01,
    )
    c_line, c_minute, c_reason, g_line, g_minute, g_qty = _changes(
        spec, lines.qty, minute, lines.lead, rng
    )
    return DemandTable(
        order=line_order,
        line_number=line_number.astype(np.int64),
        customer=lines.customer,
        item=lines.item,
        dc=customers.home[lines.customer],
        qty=lines.qty,
        day=lines.day,
        minute=minute.astype(np.int64),
        requested_day=req.astype(np.int64),
        unit_price=price,
        kind=lines.kind,
        order_customer=o_customer[rank],
        order_minute=o_minute[rank].astype(np.int64),
        order_start=order_start,
        cancel_line=c_line,
        cancel_minute=c_minute.astype(np.int64),
        cancel_reason=c_reason.astype(np.int64),
        change_line=g_line,
        change_minute=g_minute.astype(np.int64),
        change_qty=g_qty,
        baseline_daily=baseline_daily,
    )
