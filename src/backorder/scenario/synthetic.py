"""Synthetic allocation problems of any size, built directly as arrays (benchmarks, tests).

The shape follows a national distributor: locations in regions with transfer lanes, item
popularity skewed (a few items carry much of the demand), three customer tiers, some
contract commitments, ship-complete customers, substitutes for a share of items, and
supply that covers roughly `supply_ratio` of demand with on-hand stock plus receipts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backorder.domain.allocation.problem import (
    KIND_ON_HAND,
    KIND_PURCHASE_ORDER,
    NO_DAY,
    PERIOD_MONTH,
    AllocationProblem,
    Catalog,
    Commitments,
    Demand,
    Network,
    Supply,
    day_number,
    period_index,
)

TIERS = ("strategic", "contract", "standard")
REGIONS = ("east", "central", "west")


@dataclass(frozen=True)
class SyntheticSpec:
    """Size and shape of a generated problem."""

    lines: int = 10_000
    items: int = 1_000
    locations: int = 6
    seed: int = 7
    supply_ratio: float = 0.8  # supply in the horizon / demand
    substitute_share: float = 0.1  # share of items that have a substitute
    ship_complete_share: float = 0.1  # share of lines that must ship complete
    contract_share: float = 0.05  # share of lines covered by a contract commitment
    as_of: str = "2026-11-27"


def synthetic_network(locations: int) -> Network:
    """`locations` DCs spread over three regions, lanes between all of them."""
    regions = np.arange(locations, dtype=np.int32) % len(REGIONS)
    same = regions[:, None] == regions[None, :]
    lane_days = np.where(same, 2, 5).astype(np.int64)
    np.fill_diagonal(lane_days, 0)
    lane_cost = np.where(same, 0.4, 1.1).astype(np.float64)
    np.fill_diagonal(lane_cost, 0.0)
    return Network(
        locations=tuple(f"DC{i + 1:02d}" for i in range(locations)),
        regions=REGIONS,
        location_region=regions,
        lane_days=lane_days,
        lane_cost=lane_cost,
    )


def _catalog(spec: SyntheticSpec, rng: np.random.Generator) -> Catalog:
    n = spec.items
    has_sub = rng.random(n) < spec.substitute_share
    owners = np.flatnonzero(has_sub)
    # The substitute is a neighbouring item of the same group; keeps groups small.
    sub_item = np.where(owners + 1 < n, owners + 1, owners - 1).astype(np.int64)
    counts = has_sub.astype(np.int64)
    sub_start = np.r_[0, np.cumsum(counts)].astype(np.int64)
    catalog = Catalog.simple(tuple(f"SKU{i:07d}" for i in range(n)), TIERS)
    groups = (np.arange(n) // 50).astype(np.int32)
    return Catalog(
        skus=catalog.skus,
        item_group=groups % 20,
        product_line=groups % 8,
        item_groups=tuple(f"G{i:02d}" for i in range(20)),
        product_lines=tuple(f"PL{i}" for i in range(8)),
        tiers=TIERS,
        order_types=("standard", "rush", "sample"),
        sub_start=sub_start,
        sub_item=sub_item,
        sub_factor=np.ones(len(owners), dtype=np.float64),
        sub_requires_acceptance=rng.random(len(owners)) < 0.5,
    )


def synthetic_problem(spec: SyntheticSpec) -> AllocationProblem:
    """A reproducible problem of the given size."""
    rng = np.random.default_rng(spec.seed)
    network = synthetic_network(spec.locations)
    catalog = _catalog(spec, rng)
    as_of = day_number(np.datetime64(spec.as_of, "D").astype(object))
    n, items, locations = spec.lines, spec.items, spec.locations

    # Zipf-like popularity: a few items are hot.
    weights = 1.0 / np.arange(1, items + 1) ** 0.6
    weights /= weights.sum()
    item = rng.choice(items, size=n, p=weights).astype(np.int64)
    customers = max(n // 20, 10)
    customer = rng.integers(0, customers, size=n, dtype=np.int64)
    customer_tier = rng.choice(3, size=customers, p=[0.1, 0.3, 0.6]).astype(np.int64)
    customer_home = rng.integers(0, locations, size=customers, dtype=np.int64)
    quantity = np.maximum(rng.geometric(0.08, size=n), 1).astype(np.int64)
    requested = as_of + rng.integers(0, 45, size=n, dtype=np.int64)
    price = np.round(rng.uniform(2.0, 200.0, size=items), 2)
    cost = np.round(price * rng.uniform(0.5, 0.85, size=items), 2)
    demand = Demand(
        line_id=np.arange(1, n + 1, dtype=np.int64),
        item=item,
        home=customer_home[customer],
        quantity=quantity,
        requested_day=requested,
        promise_day=np.full(n, NO_DAY, dtype=np.int64),
        order_time=(as_of - 30) * 86_400 + rng.integers(0, 30 * 86_400, size=n, dtype=np.int64),
        customer=customer,
        tier=customer_tier[customer],
        region=network.location_region[customer_home[customer]].astype(np.int64),
        order_type=rng.choice(3, size=n, p=[0.9, 0.08, 0.02]).astype(np.int64),
        unit_price=price[item],
        unit_cost=cost[item],
        ship_complete=rng.random(n) < spec.ship_complete_share,
        substitution=rng.choice(3, size=n, p=[0.3, 0.4, 0.3]).astype(np.int64),
        risk=np.zeros(n, dtype=np.float64),
    )

    # Supply per item x location: on hand now plus one or two receipts, about
    # `supply_ratio` of the item's demand at that location, spread unevenly.
    demand_by_cell = np.bincount(
        item * locations + demand.home, weights=quantity, minlength=items * locations
    )
    cells = np.arange(items * locations, dtype=np.int64)
    target = demand_by_cell * spec.supply_ratio * rng.uniform(0.3, 1.7, size=len(cells))
    on_hand = np.floor(target * 0.6).astype(np.int64)
    receipt = np.floor(target * 0.4).astype(np.int64)
    has_receipt = receipt > 0
    source_item = np.r_[cells // locations, cells[has_receipt] // locations]
    source_location = np.r_[cells % locations, cells[has_receipt] % locations]
    source_qty = np.r_[on_hand, receipt[has_receipt]]
    receipt_days = as_of + rng.integers(5, 60, size=int(has_receipt.sum()), dtype=np.int64)
    source_day = np.r_[np.full(len(cells), as_of, dtype=np.int64), receipt_days]
    kinds = np.r_[
        np.full(len(cells), KIND_ON_HAND, dtype=np.int64),
        np.full(int(has_receipt.sum()), KIND_PURCHASE_ORDER, dtype=np.int64),
    ]
    keep = source_qty > 0
    supply = Supply(
        source_id=np.arange(1, int(keep.sum()) + 1, dtype=np.int64),
        item=source_item[keep].astype(np.int64),
        location=source_location[keep].astype(np.int64),
        day=source_day[keep],
        quantity=source_qty[keep],
        kind=kinds[keep],
        confirmed=rng.random(int(keep.sum())) < 0.7,
    )

    # Contract commitments for a share of (customer, item) pairs seen in demand.
    contract_rows = np.flatnonzero(rng.random(n) < spec.contract_share)
    pairs = np.unique(customer[contract_rows] * items + item[contract_rows])
    periods = period_index(PERIOD_MONTH, np.full(len(pairs), as_of, dtype=np.int64))
    commitments = Commitments(
        customer=pairs // items,
        item=pairs % items,
        period_kind=np.full(len(pairs), PERIOD_MONTH, dtype=np.int64),
        period=periods,
        remaining=rng.integers(5, 60, size=len(pairs), dtype=np.int64),
    )
    return AllocationProblem(
        network=network,
        catalog=catalog,
        demand=demand,
        supply=supply,
        as_of_day=as_of,
        commitments=commitments,
    )
