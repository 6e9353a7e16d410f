"""Columnar view of an allocation problem: numpy arrays, one row per line or source.

The engines never touch domain objects on their hot path. `Network` and `Catalog` hold the
vocabularies (item, location, tier codes); `Demand` and `Supply` hold one array per
attribute. Dates are whole days since 1970-01-01 (`day_number`), quantities are int64.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from backorder.domain.errors import DomainError

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_EPOCH = date(1970, 1, 1)
NO_DAY = -1  # "no date": unpromised, no supply in horizon
NO_LOCATION = -1
MAX_LOCATIONS = 63  # a line's used locations are tracked in one int64 bit mask

# Substitution acceptance codes, as in `model.SubstitutionAcceptance`.
SUBSTITUTION_NEVER, SUBSTITUTION_ASK, SUBSTITUTION_PRE_ACCEPTED = 0, 1, 2
# Supply kinds, as in `model.SupplyKind`.
KIND_ON_HAND, KIND_PURCHASE_ORDER, KIND_TRANSFER = 0, 1, 2


PERIOD_WEEK, PERIOD_MONTH, PERIOD_QUARTER = 0, 1, 2


def period_index(kind: int, days: IntArray) -> IntArray:
    """Sequential number of the week (Monday-based), month or quarter containing each day."""
    if kind == PERIOD_WEEK:
        return (days + 3) // 7  # 1970-01-01 was a Thursday
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months if kind == PERIOD_MONTH else months // 3


def _subset(table: Any, index: Any) -> Any:
    """A copy of a column table with rows `index`, skipping re-validation (rows came from a
    valid table)."""
    subset = object.__new__(type(table))
    for f in fields(table):
        object.__setattr__(subset, f.name, getattr(table, f.name)[index])
    return subset


def day_number(day: date) -> int:
    """Whole days since 1970-01-01."""
    return (day - _EPOCH).days


def day_to_date(day: int) -> date | None:
    """Inverse of `day_number`; `NO_DAY` becomes None."""
    return None if day == NO_DAY else _EPOCH + timedelta(days=int(day))


@dataclass(frozen=True)
class Network:
    """Distribution centres, their regions and the transfer lanes between them."""

    locations: tuple[str, ...]
    regions: tuple[str, ...]
    location_region: Int32Array  # region code per location
    lane_days: IntArray  # [L, L] lead time, -1 where there is no lane
    lane_cost: FloatArray  # [L, L] cost per unit

    def __post_init__(self) -> None:
        n = len(self.locations)
        if n == 0:
            raise DomainError("network: at least one location is required")
        if n > MAX_LOCATIONS:
            raise DomainError(f"network: at most {MAX_LOCATIONS} locations are supported")
        if self.lane_days.shape != (n, n) or self.lane_cost.shape != (n, n):
            raise DomainError("network: lane matrices must be square over the locations")

    @property
    def size(self) -> int:
        """Number of locations."""
        return len(self.locations)

    def code_of(self, location: str) -> int:
        """Location code, or a clear error naming the unknown location."""
        try:
            return self.locations.index(location)
        except ValueError:
            raise DomainError(f"unknown location {location!r}") from None

    def sourcing_sequence(
        self, *, cross_region: bool, max_transfer_days: int
    ) -> tuple[IntArray, IntArray]:
        """Per home location, the other DCs in the order they are tried, and lane days.

        Other DCs are ordered by lane lead time, then cost, then code (deterministic);
        DCs without a lane, too far away, or in another region when cross-region supply
        is off, are left out (-1).
        """
        n = self.size
        order = np.full((n, max(n - 1, 1)), NO_LOCATION, dtype=np.int64)
        days = np.full_like(order, NO_DAY)
        for home in range(n):
            candidates = [
                (int(self.lane_days[other, home]), float(self.lane_cost[other, home]), other)
                for other in range(n)
                if other != home
                and self.lane_days[other, home] >= 0
                and self.lane_days[other, home] <= max_transfer_days
                and (cross_region or self.location_region[other] == self.location_region[home])
            ]
            for rank, (lead, _cost, other) in enumerate(sorted(candidates)):
                order[home, rank] = other
                days[home, rank] = lead
        return order, days


@dataclass(frozen=True)
class Catalog:
    """Items and the codes used by demand lines."""

    skus: tuple[str, ...]
    item_group: Int32Array  # group code per item
    product_line: Int32Array  # product-line code per item
    item_groups: tuple[str, ...]
    product_lines: tuple[str, ...]
    tiers: tuple[str, ...]
    order_types: tuple[str, ...]
    # Substitutes in CSR form: item i's substitutes are sub_item[sub_start[i]:sub_start[i+1]].
    sub_start: IntArray
    sub_item: IntArray
    sub_factor: FloatArray
    sub_requires_acceptance: BoolArray
    sub_group: IntArray = field(init=False)  # items linked by substitution share a group

    def __post_init__(self) -> None:
        if len(self.sub_start) != len(self.skus) + 1:
            raise DomainError("catalog: sub_start must have one entry per item plus one")
        object.__setattr__(self, "sub_group", self._substitution_groups())

    @property
    def size(self) -> int:
        """Number of items."""
        return len(self.skus)

    def _substitution_groups(self) -> IntArray:
        parent = np.arange(self.size, dtype=np.int64)

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = int(parent[i])
            return i

        owners = np.repeat(np.arange(self.size), np.diff(self.sub_start))
        for a, b in zip(owners.tolist(), self.sub_item.tolist(), strict=True):
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        return np.array([root(i) for i in range(self.size)], dtype=np.int64)

    def code_of(self, sku: str) -> int | None:
        """Code of an item by SKU (None when unknown); the lookup table is built once."""
        table: dict[str, int] | None = self.__dict__.get("_codes")
        if table is None:
            table = {s: i for i, s in enumerate(self.skus)}
            object.__setattr__(self, "_codes", table)
        return table.get(sku)

    def substitutes_of(self, item: int) -> range:
        """Positions in the `sub_*` arrays of the substitutes of `item`."""
        return range(int(self.sub_start[item]), int(self.sub_start[item + 1]))

    @classmethod
    def simple(cls, skus: tuple[str, ...], tiers: tuple[str, ...]) -> Catalog:
        """A catalog without groups, product lines or substitutes (tests, benchmarks)."""
        n = len(skus)
        zeros = np.zeros(n, dtype=np.int32)
        return cls(
            skus=skus,
            item_group=zeros,
            product_line=zeros,
            item_groups=("",),
            product_lines=("",),
            tiers=tiers,
            order_types=("standard",),
            sub_start=np.zeros(n + 1, dtype=np.int64),
            sub_item=np.zeros(0, dtype=np.int64),
            sub_factor=np.zeros(0, dtype=np.float64),
            sub_requires_acceptance=np.zeros(0, dtype=np.bool_),
        )


@dataclass(frozen=True)
class Demand:
    """Open order lines, one row each."""

    line_id: IntArray
    item: IntArray
    home: IntArray  # location the line ships from by preference
    quantity: IntArray  # open quantity
    requested_day: IntArray
    promise_day: IntArray  # current promise, NO_DAY when none
    order_time: IntArray  # seconds since epoch: first come, first served
    customer: IntArray
    tier: IntArray  # index into Catalog.tiers
    region: IntArray  # customer's region code (Network.regions)
    order_type: IntArray  # index into Catalog.order_types
    unit_price: FloatArray
    unit_cost: FloatArray
    ship_complete: BoolArray
    substitution: IntArray  # SUBSTITUTION_* code
    risk: FloatArray  # backorder-risk score of the line's item x location (0 when unknown)

    def __post_init__(self) -> None:
        n = len(self.line_id)
        for f in fields(self):
            column = getattr(self, f.name)
            if len(column) != n:
                raise DomainError(f"demand.{f.name}: {len(column)} rows, expected {n}")
        if n and int(self.quantity.min()) < 0:
            raise DomainError("demand.quantity: quantities must be >= 0")
        if n and len(np.unique(self.line_id)) != n:
            raise DomainError("demand.line_id: line ids must be unique")

    def __len__(self) -> int:
        return len(self.line_id)

    def take(self, index: IntArray | BoolArray) -> Self:
        """The rows at `index` (positions or mask)."""
        subset: Self = _subset(self, index)
        return subset


@dataclass(frozen=True)
class Supply:
    """Supply sources, one row each: on hand (dated today) and future receipts."""

    source_id: IntArray
    item: IntArray
    location: IntArray
    day: IntArray  # available (received) date
    quantity: IntArray
    kind: IntArray  # KIND_* code
    confirmed: BoolArray  # supplier acknowledged (855/856) or already on hand

    def __post_init__(self) -> None:
        n = len(self.source_id)
        for f in fields(self):
            column = getattr(self, f.name)
            if len(column) != n:
                raise DomainError(f"supply.{f.name}: {len(column)} rows, expected {n}")
        if n and int(self.quantity.min()) < 0:
            raise DomainError("supply.quantity: quantities must be >= 0")
        if n and len(np.unique(self.source_id)) != n:
            raise DomainError("supply.source_id: source ids must be unique")

    def __len__(self) -> int:
        return len(self.source_id)

    def take(self, index: IntArray | BoolArray) -> Self:
        """The rows at `index` (positions or mask)."""
        subset: Self = _subset(self, index)
        return subset


@dataclass(frozen=True)
class Commitments:
    """Remaining contract commitment per customer x item x period: ring-fenced supply."""

    customer: IntArray
    item: IntArray
    period_kind: IntArray  # PERIOD_* code
    period: IntArray  # index of the period (`period_index`)
    remaining: IntArray

    @classmethod
    def empty(cls) -> Commitments:
        """No commitments."""
        z = np.zeros(0, dtype=np.int64)
        return cls(customer=z, item=z, period_kind=z, period=z, remaining=z)

    def take(self, index: IntArray | BoolArray) -> Self:
        """The rows at `index` (positions or mask)."""
        subset: Self = _subset(self, index)
        return subset

    def __len__(self) -> int:
        return len(self.customer)


@dataclass(frozen=True)
class PreviousAllocations:
    """What lines held before this run: kept by `fill` and `gain` lines."""

    line_id: IntArray
    source_id: IntArray
    item: IntArray  # item of the line (keeps sub-problem extraction a gather, not a search)
    quantity: IntArray

    @classmethod
    def empty(cls) -> PreviousAllocations:
        """Nothing held."""
        z = np.zeros(0, dtype=np.int64)
        return cls(line_id=z, source_id=z, item=z, quantity=z)

    def __len__(self) -> int:
        return len(self.line_id)

    def take(self, index: IntArray | BoolArray) -> Self:
        """The rows at `index` (positions or mask)."""
        subset: Self = _subset(self, index)
        return subset


@dataclass(frozen=True)
class AllocationProblem:
    """Everything an engine needs: the network, the catalog, demand, supply and history."""

    network: Network
    catalog: Catalog
    demand: Demand
    supply: Supply
    as_of_day: int
    commitments: Commitments = field(default_factory=Commitments.empty)
    previous: PreviousAllocations = field(default_factory=PreviousAllocations.empty)

    def __post_init__(self) -> None:
        self._check_codes("demand.item", self.demand.item, self.catalog.size)
        self._check_codes("demand.home", self.demand.home, self.network.size)
        self._check_codes("demand.tier", self.demand.tier, len(self.catalog.tiers))
        self._check_codes("supply.item", self.supply.item, self.catalog.size)
        self._check_codes("supply.location", self.supply.location, self.network.size)

    @staticmethod
    def _check_codes(name: str, codes: IntArray, size: int) -> None:
        if len(codes) and (int(codes.min()) < 0 or int(codes.max()) >= size):
            raise DomainError(f"{name}: codes must lie in 0..{size - 1}")

    def scope_of(self, items: IntArray) -> BoolArray:
        """Mask over items: the given ones and every item they share stock with."""
        groups = np.unique(self.catalog.sub_group[items])
        return np.isin(self.catalog.sub_group, groups)

    def for_items(self, items: IntArray) -> AllocationProblem:
        """The sub-problem of the given items and everything they share stock with."""
        in_scope = self.scope_of(items)
        return self.subset(
            in_scope,
            np.flatnonzero(in_scope[self.demand.item]),
            np.flatnonzero(in_scope[self.supply.item]),
        )

    def subset(
        self, in_scope: BoolArray, line_rows: IntArray, supply_rows: IntArray
    ) -> AllocationProblem:
        """The sub-problem of items `in_scope`, whose lines and sources are at the given rows."""
        return replace(
            self,
            demand=self.demand.take(line_rows),
            supply=self.supply.take(supply_rows),
            previous=self.previous.take(in_scope[self.previous.item]),
            commitments=self.commitments.take(in_scope[self.commitments.item]),
        )
