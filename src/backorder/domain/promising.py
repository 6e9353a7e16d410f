"""Available-to-promise: when can a new request ship, and from where?

Free supply is what each source (on hand or a future receipt) has left after the current
allocations. For a request (item, quantity, location, requested date) the home DC is
used alone when it covers the quantity by the requested date; otherwise free supply from
the home DC and from other DCs (arriving after the lane lead time) is taken in order of
arrival, at most `max_sources` ship-from DCs, and the promise date is the arrival of the
last unit. When even that does not cover the quantity within the horizon, the answer is
"no supply in horizon", with what could be promised in part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from backorder.domain.allocation.problem import (
    KIND_ON_HAND,
    AllocationProblem,
    IntArray,
    day_number,
    day_to_date,
)
from backorder.domain.errors import DomainError


@dataclass(frozen=True)
class PromiseRequest:
    """A question to ATP: this many units of an item, to ship from a DC, by a date."""

    sku: str
    quantity: int
    location: str
    requested: date

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise DomainError("quantity: must be greater than 0")


@dataclass(frozen=True)
class PromisedSource:
    """Part of a promise: units from one supply source."""

    source_id: int
    location: str
    quantity: int
    available: date  # at the source DC
    arrival: date  # at the requesting DC
    on_hand: bool


@dataclass(frozen=True)
class Promise:
    """The answer: a promise date and its sources, or what is missing."""

    request: PromiseRequest
    promise_date: date | None
    sources: tuple[PromisedSource, ...]
    short: int  # units no supply in the horizon covers

    @property
    def on_time(self) -> bool:
        """True when the whole quantity is promised by the requested date."""
        return self.promise_date is not None and self.promise_date <= self.request.requested

    @property
    def status(self) -> str:
        """'on_time', 'late' or 'no_supply_in_horizon'."""
        if self.promise_date is None:
            return "no_supply_in_horizon"
        return "on_time" if self.on_time else "late"


@dataclass(frozen=True)
class AtpBucket:
    """Free supply of one DC arriving on one date, and the running total."""

    day: date
    quantity: int
    cumulative: int


def free_supply(problem: AllocationProblem, allocated_by_source: IntArray) -> IntArray:
    """What each supply source has left after current allocations (never negative)."""
    free: IntArray = np.maximum(problem.supply.quantity - allocated_by_source, 0)
    return free


def atp_buckets(
    problem: AllocationProblem, free: IntArray, sku: str, location: str, horizon_days: int
) -> list[AtpBucket]:
    """Time-phased ATP of one item at one DC: free quantity per arrival date, cumulated."""
    item = _item_code(problem, sku)
    loc = problem.network.code_of(location)
    supply = problem.supply
    horizon = problem.as_of_day + horizon_days
    days = np.maximum(supply.day, problem.as_of_day)
    rows = np.flatnonzero(
        (supply.item == item) & (supply.location == loc) & (free > 0) & (days <= horizon)
    )
    if not len(rows):
        return []
    unique_days, inverse = np.unique(days[rows], return_inverse=True)
    totals = np.bincount(inverse, weights=free[rows]).astype(np.int64)
    cumulative = np.cumsum(totals)
    return [
        AtpBucket(day=_date(int(d)), quantity=int(q), cumulative=int(c))
        for d, q, c in zip(unique_days, totals, cumulative, strict=True)
    ]


def promise(
    problem: AllocationProblem,
    free: IntArray,
    request: PromiseRequest,
    *,
    horizon_days: int,
    max_sources: int = 2,
    max_transfer_days: int = 14,
    cross_region: bool = True,
) -> Promise:
    """Earliest promise for `request` from free supply, split by source."""
    item = _item_code(problem, request.sku)
    home = problem.network.code_of(request.location)
    network, supply = problem.network, problem.supply
    requested = day_number(request.requested)
    horizon = problem.as_of_day + horizon_days
    available = np.maximum(supply.day, problem.as_of_day)
    rows = np.flatnonzero((supply.item == item) & (free > 0) & (available <= horizon))
    origin = supply.location[rows]
    lane = network.lane_days[origin, home]
    region = network.location_region
    reachable = (origin == home) | (
        (lane >= 0)
        & (lane <= max_transfer_days)
        & (cross_region | (region[origin] == region[home]))
    )
    rows, origin, lane = rows[reachable], origin[reachable], lane[reachable]
    arrival = available[rows] + np.where(origin == home, 0, lane)
    at_home = origin == home

    on_time_at_home = at_home & (arrival <= requested)
    if int(free[rows[on_time_at_home]].sum()) >= request.quantity:
        home_rows = rows[on_time_at_home]
        order = np.lexsort((supply.source_id[home_rows], arrival[on_time_at_home]))
        return _take(problem, free, request, home_rows[order], home, available)

    # Earliest arrival first; home before a transfer arriving the same day, then cheaper.
    cost = network.lane_cost[origin, home]
    order = np.lexsort((supply.source_id[rows], cost, ~at_home, arrival))
    return _take(problem, free, request, rows[order], home, available, max_sources)


def _take(
    problem: AllocationProblem,
    free: IntArray,
    request: PromiseRequest,
    ordered_rows: IntArray,
    home: int,
    available: IntArray,
    max_sources: int = 1,
) -> Promise:
    supply, network = problem.supply, problem.network
    needed = request.quantity
    used_locations: set[int] = set()
    sources: list[PromisedSource] = []
    for row in ordered_rows.tolist():
        if needed == 0:
            break
        origin = int(supply.location[row])
        if origin not in used_locations and len(used_locations) >= max_sources:
            continue
        used_locations.add(origin)
        quantity = min(int(free[row]), needed)
        needed -= quantity
        lane = 0 if origin == home else int(network.lane_days[origin, home])
        sources.append(
            PromisedSource(
                source_id=int(supply.source_id[row]),
                location=network.locations[origin],
                quantity=quantity,
                available=_date(int(available[row])),
                arrival=_date(int(available[row]) + lane),
                on_hand=int(supply.kind[row]) == KIND_ON_HAND,
            )
        )
    promise_date = max((s.arrival for s in sources), default=None) if needed == 0 else None
    return Promise(request=request, promise_date=promise_date, sources=tuple(sources), short=needed)


def _item_code(problem: AllocationProblem, sku: str) -> int:
    code = problem.catalog.code_of(sku)
    if code is None:
        raise DomainError(f"item: unknown SKU {sku!r}")
    return code


def _date(day: int) -> date:
    converted = day_to_date(day)
    assert converted is not None
    return converted
