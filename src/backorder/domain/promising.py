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
    book = SupplyBook(
        problem,
        free,
        horizon_days=horizon_days,
        max_sources=max_sources,
        max_transfer_days=max_transfer_days,
        cross_region=cross_region,
    )
    return book.promise(request)


class SupplyBook:
    """Free supply of a problem, promised request after request (ATP for a batch of lines).

    `promise` answers as described at the top of this module; `take` removes what an
    answer promised from the free supply. Each answer looks at the sources of its own item
    only, in plain Python: an item has a handful of sources, too few for arrays to pay.
    """

    def __init__(
        self,
        problem: AllocationProblem,
        free: IntArray,
        *,
        horizon_days: int,
        max_sources: int = 2,
        max_transfer_days: int = 14,
        cross_region: bool = True,
    ) -> None:
        supply, network = problem.supply, problem.network
        self._problem = problem
        self._horizon = problem.as_of_day + horizon_days
        self._max_sources = max_sources
        self._max_transfer_days = max_transfer_days
        self._cross_region = cross_region
        self._free: list[int] = free.tolist()
        self._available: list[int] = np.maximum(supply.day, problem.as_of_day).tolist()
        self._origin: list[int] = supply.location.tolist()
        self._source_id: list[int] = supply.source_id.tolist()
        self._row_of = {source: row for row, source in enumerate(self._source_id)}
        self._on_hand: list[bool] = (supply.kind == KIND_ON_HAND).tolist()
        self._lane_days: list[list[int]] = network.lane_days.tolist()
        self._lane_cost: list[list[float]] = network.lane_cost.tolist()
        self._region: list[int] = network.location_region.tolist()
        # Each item's rows, ascending: a stable sort by item keeps them in row order.
        self._order: list[int] = np.argsort(supply.item, kind="stable").tolist()
        self._starts: list[int] = np.searchsorted(
            supply.item[self._order], np.arange(len(problem.catalog.skus) + 1)
        ).tolist()

    def promise(self, request: PromiseRequest) -> Promise:
        """The earliest promise for `request` from what is still free."""
        item = _item_code(self._problem, request.sku)
        home = self._problem.network.code_of(request.location)
        requested = day_number(request.requested)
        free, lane_days = self._free, self._lane_days
        home_region = self._region[home]
        # (arrival, not at home, lane cost, source id, row, available) of each usable source
        usable: list[tuple[int, bool, float, int, int, int]] = []
        on_time_at_home = 0
        for row in self._order[self._starts[item] : self._starts[item + 1]]:
            available = self._available[row]
            if free[row] <= 0 or available > self._horizon:
                continue
            origin = self._origin[row]
            arrival = available
            if origin != home:
                lane = lane_days[origin][home]
                if (
                    lane < 0
                    or lane > self._max_transfer_days
                    or not (self._cross_region or self._region[origin] == home_region)
                ):
                    continue
                arrival += lane
            elif arrival <= requested:
                on_time_at_home += free[row]
            cost = self._lane_cost[origin][home]
            usable.append((arrival, origin != home, cost, self._source_id[row], row, available))
        if on_time_at_home >= request.quantity:
            # The home DC alone covers it on time: its sources by arrival, then source id.
            home_rows = sorted(
                (arrival, source, row, available)
                for arrival, away, _, source, row, available in usable
                if not away and arrival <= requested
            )
            return self._take(request, [(r, a) for _, _, r, a in home_rows], home, 1)
        # Earliest arrival first; home before a transfer arriving the same day, then cheaper.
        usable.sort()
        return self._take(request, [(u[4], u[5]) for u in usable], home, self._max_sources)

    def take(self, answer: Promise) -> None:
        """What `answer` promised is no longer free."""
        for source in answer.sources:
            self._free[self._row_of[source.source_id]] -= source.quantity

    def _take(
        self, request: PromiseRequest, rows: list[tuple[int, int]], home: int, max_sources: int
    ) -> Promise:
        """Take free supply from `rows` (row, day available) in order, from few enough DCs."""
        network = self._problem.network
        needed = request.quantity
        used_locations: set[int] = set()
        sources: list[PromisedSource] = []
        for row, available in rows:
            if needed == 0:
                break
            origin = self._origin[row]
            if origin not in used_locations and len(used_locations) >= max_sources:
                continue
            used_locations.add(origin)
            quantity = min(self._free[row], needed)
            needed -= quantity
            lane = 0 if origin == home else self._lane_days[origin][home]
            sources.append(
                PromisedSource(
                    source_id=self._source_id[row],
                    location=network.locations[origin],
                    quantity=quantity,
                    available=_date(available),
                    arrival=_date(available + lane),
                    on_hand=self._on_hand[row],
                )
            )
        promise_date = max((s.arrival for s in sources), default=None) if needed == 0 else None
        return Promise(
            request=request, promise_date=promise_date, sources=tuple(sources), short=needed
        )


def _item_code(problem: AllocationProblem, sku: str) -> int:
    code = problem.catalog.code_of(sku)
    if code is None:
        raise DomainError(f"item: unknown SKU {sku!r}")
    return code


def _date(day: int) -> date:
    converted = day_to_date(day)
    assert converted is not None
    return converted
