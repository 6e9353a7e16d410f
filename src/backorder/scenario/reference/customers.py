"""Customers: tiers, regions, habits, regular items and contract commitments."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from backorder.domain.model import (
    ContractCommitment,
    Customer,
    Period,
    SubstitutionAcceptance,
    Tier,
)
from backorder.scenario.reference.arrays import BoolArray, FloatArray, IntArray
from backorder.scenario.reference.catalog import CatalogTable
from backorder.scenario.reference.spec import REGIONS
from backorder.scenario.reference.vocab import (
    CUSTOMER_FIRST,
    CUSTOMER_NOUN,
    CUSTOMER_SUFFIX,
    LOCATIONS,
)

TIERS = (Tier.STRATEGIC, Tier.CONTRACT, Tier.STANDARD)
TIER_SHARE = (0.05, 0.25, 0.70)
REGION_SHARE = (0.38, 0.30, 0.32)
PERIODS = (Period.WEEK, Period.MONTH, Period.QUARTER)
PERIOD_DAYS = np.array([7.0, 30.4, 91.3])
ACCEPTANCE = (
    SubstitutionAcceptance.NEVER,
    SubstitutionAcceptance.ASK,
    SubstitutionAcceptance.PRE_ACCEPTED,
)
CHANNELS = ("email", "edi", "portal", "none")
# Per tier (strategic, contract, standard): chance of ordering on an average weekday,
# lines per order, quantity multiplier, basket size range, contract items range.
_ORDER_PROB = np.array([0.85, 0.45, 0.18])
_LINES = np.array([7.0, 4.5, 2.5])
_QTY = np.array([1.8, 1.3, 1.0])
_BASKET = ((80, 161), (30, 91), (8, 41))
_CONTRACT_ITEMS = ((10, 31), (3, 13), (0, 1))
_CHANNEL_P = ((0.2, 0.5, 0.3, 0.0), (0.5, 0.25, 0.25, 0.0), (0.85, 0.0, 0.1, 0.05))
_DISCOUNT = ((0.12, 0.20), (0.06, 0.12), (0.0, 0.05))


@dataclass(frozen=True)
class CustomerTable:
    """Customers as columns (index = customer number) plus their contracts."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    emails: tuple[str, ...]
    tier: IntArray
    region: IntArray
    home: IntArray  # DC index into vocab.LOCATIONS
    ship_complete: BoolArray
    substitution: IntArray  # index into ACCEPTANCE
    channel: IntArray  # index into CHANNELS
    order_prob: FloatArray  # chance of ordering on an average weekday (before calibration)
    lines_per_order: FloatArray
    qty_factor: FloatArray
    discount: FloatArray  # off list price
    basket: IntArray  # regular items, favourites first, padded with -1
    basket_len: IntArray
    contract_customer: IntArray  # contract table, sorted by customer then item
    contract_item: IntArray
    contract_qty: IntArray  # units per period
    contract_period: IntArray  # index into PERIODS

    @property
    def size(self) -> int:
        """Number of customers."""
        return len(self.codes)

    def build(self, catalog: CatalogTable) -> tuple[Customer, ...]:
        """The domain objects."""
        contracts: list[list[ContractCommitment]] = [[] for _ in range(self.size)]
        for c, i, q, p in zip(
            self.contract_customer.tolist(),
            self.contract_item.tolist(),
            self.contract_qty.tolist(),
            self.contract_period.tolist(),
            strict=True,
        ):
            contracts[c].append(ContractCommitment(catalog.skus[i], q, PERIODS[p]))
        return tuple(
            Customer(
                code=self.codes[c],
                name=self.names[c],
                tier=TIERS[tier],
                region=REGIONS[region],
                home_location=LOCATIONS[home][0],
                contracts=tuple(contracts[c]),
                ship_complete=bool(ship),
                substitution=ACCEPTANCE[subst],
                notification_channel=CHANNELS[channel],
                email=self.emails[c],
            )
            for c, (tier, region, home, ship, subst, channel) in enumerate(
                zip(
                    self.tier.tolist(),
                    self.region.tolist(),
                    self.home.tolist(),
                    self.ship_complete.tolist(),
                    self.substitution.tolist(),
                    self.channel.tolist(),
                    strict=True,
                )
            )
        )


def _names(n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Unique company names and their purchasing mailboxes."""
    combos = len(CUSTOMER_FIRST) * len(CUSTOMER_NOUN) * len(CUSTOMER_SUFFIX)
    picks = rng.choice(combos, size=min(n, combos), replace=False).tolist()
    names: list[str] = []
    for k in range(n):
        code = picks[k % len(picks)]
        first, rest = divmod(code, len(CUSTOMER_NOUN) * len(CUSTOMER_SUFFIX))
        noun, suffix = divmod(rest, len(CUSTOMER_SUFFIX))
        number = f" {k // len(picks) + 1}" if k >= len(picks) else ""
        names.append(
            f"{CUSTOMER_FIRST[first]} {CUSTOMER_NOUN[noun]}{number} {CUSTOMER_SUFFIX[suffix]}"
        )
    emails = [f"purchasing@{re.sub(r'[^a-z0-9]+', '', name.lower())}.example.com" for name in names]
    return names, emails


def _baskets(
    tier: IntArray, popularity: FloatArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Regular items per customer, drawn by popularity without replacement."""
    n_items = len(popularity)
    lo = np.array([b[0] for b in _BASKET])[tier]
    hi = np.array([b[1] for b in _BASKET])[tier]
    length = np.minimum(rng.integers(lo, hi), max(n_items // 2, 1))
    width = int(length.max())
    # Gumbel top-k: the k largest of log(p) + Gumbel noise are a weighted sample
    # without replacement.
    keys = np.log(popularity)[None, :] + rng.gumbel(size=(len(tier), n_items))
    top = np.argpartition(-keys, width - 1, axis=1)[:, :width]
    top_keys = np.take_along_axis(keys, top, axis=1)
    top = np.take_along_axis(top, np.argsort(-top_keys, axis=1, kind="stable"), axis=1)
    # The key order is the customer's own preference: popular items tend to come first,
    # but every customer has different favourites.
    basket = np.where(np.arange(width)[None, :] < length[:, None], top, -1)
    return basket.astype(np.int64), length.astype(np.int64)


def _contracts(
    tier: IntArray,
    basket: IntArray,
    basket_len: IntArray,
    qty_factor: FloatArray,
    catalog: CatalogTable,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Commitments on regular items for strategic and contract customers, mostly monthly."""
    customers: list[IntArray] = []
    items: list[IntArray] = []
    for c in np.flatnonzero(tier < 2).tolist():
        lo, hi = _CONTRACT_ITEMS[int(tier[c])]
        count = min(int(rng.integers(lo, hi)), int(basket_len[c]))
        pool = basket[c, : min(2 * count, int(basket_len[c]))]
        chosen = np.sort(rng.choice(pool, size=count, replace=False))
        customers.append(np.full(count, c, dtype=np.int64))
        items.append(chosen)
    cust = np.concatenate(customers) if customers else np.zeros(0, np.int64)
    item = np.concatenate(items) if items else np.zeros(0, np.int64)
    period = rng.choice(3, size=len(cust), p=[0.1, 0.8, 0.1]).astype(np.int64)
    # Commit about what the customer usually draws in a period: ~1 call-off a week.
    calls = PERIOD_DAYS[period] / 7.0
    units = catalog.typical_qty[item] * qty_factor[cust] * calls * rng.lognormal(0, 0.2, len(cust))
    qty = np.maximum(np.round(units), 1).astype(np.int64)
    return cust, item, qty, period


def make_customers(n: int, catalog: CatalogTable, rng: np.random.Generator) -> CustomerTable:
    """`n` customers: ~5% strategic, 25% contract, 70% standard, spread over the regions."""
    counts = np.floor(np.array(TIER_SHARE) * n).astype(np.int64)
    counts[2] = n - counts[0] - counts[1]
    tier = rng.permutation(np.repeat(np.arange(3), counts))
    region = rng.choice(3, size=n, p=REGION_SHARE).astype(np.int64)
    home = 2 * region + (rng.random(n) < 0.45)  # two DCs per region, listed in region order
    substitution = rng.choice(3, size=n, p=[0.2, 0.55, 0.25]).astype(np.int64)
    channel = np.array([rng.choice(4, p=_CHANNEL_P[t]) for t in tier.tolist()], dtype=np.int64)
    order_prob = _ORDER_PROB[tier] * rng.lognormal(0.0, 0.35, n)
    lines = np.maximum(_LINES[tier] * rng.lognormal(0.0, 0.25, n), 1.0)
    qty_factor = _QTY[tier] * rng.lognormal(0.0, 0.25, n)
    d_lo = np.array([d[0] for d in _DISCOUNT])[tier]
    d_hi = np.array([d[1] for d in _DISCOUNT])[tier]
    discount = rng.uniform(d_lo, d_hi)
    basket, basket_len = _baskets(tier, catalog.popularity, rng)
    c_cust, c_item, c_qty, c_period = _contracts(tier, basket, basket_len, qty_factor, catalog, rng)
    names, emails = _names(n, rng)
    return CustomerTable(
        codes=tuple(f"CUST-{c + 1:05d}" for c in range(n)),
        names=tuple(names),
        emails=tuple(emails),
        tier=tier.astype(np.int64),
        region=region,
        home=home.astype(np.int64),
        ship_complete=rng.random(n) < 0.10,
        substitution=substitution,
        channel=channel,
        order_prob=order_prob,
        lines_per_order=lines,
        qty_factor=qty_factor,
        discount=discount,
        basket=basket,
        basket_len=basket_len,
        contract_customer=c_cust,
        contract_item=c_item,
        contract_qty=c_qty,
        contract_period=c_period,
    )
