"""Build the columnar allocation problem from domain objects (and map results back).

Used by the service for ordinary runs and by tests for worked examples; the benchmark
builds arrays directly (`backorder.scenario.synthetic`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime

import numpy as np

from backorder.domain.allocation.pinned import Pins
from backorder.domain.allocation.problem import (
    NO_DAY,
    AllocationProblem,
    Catalog,
    Commitments,
    Demand,
    Network,
    PreviousAllocations,
    Supply,
    day_number,
    period_index,
)
from backorder.domain.allocation.result import AllocationResult
from backorder.domain.errors import UnknownReferenceError
from backorder.domain.model import (
    Allocation,
    ConfirmationState,
    Customer,
    Item,
    Location,
    OrderLine,
    SubstitutionAcceptance,
    SupplyKind,
    SupplySource,
    TransferLane,
)

_KINDS = {SupplyKind.ON_HAND: 0, SupplyKind.PURCHASE_ORDER: 1, SupplyKind.TRANSFER: 2}
_ACCEPTANCE = {
    SubstitutionAcceptance.NEVER: 0,
    SubstitutionAcceptance.ASK: 1,
    SubstitutionAcceptance.PRE_ACCEPTED: 2,
}
_DEFAULT_TIERS = ("strategic", "contract", "standard")
_DEMAND_COLUMNS = [f.name for f in fields(Demand)]


@dataclass(frozen=True)
class ProblemInput:
    """Domain objects making up one allocation problem."""

    locations: Sequence[Location]
    items: Sequence[Item]
    customers: Sequence[Customer]
    lines: Sequence[OrderLine]
    supply: Sequence[SupplySource]
    as_of: date
    lanes: Sequence[TransferLane] = ()
    previous: Sequence[Allocation] = ()
    # Units of a commitment already used in its period (shipped), by (customer, sku).
    commitment_used: Mapping[tuple[str, str], int] = field(default_factory=dict)
    risk: Mapping[tuple[str, str], float] = field(default_factory=dict)  # (sku, location)
    tiers: tuple[str, ...] = _DEFAULT_TIERS


@dataclass(frozen=True)
class BuiltProblem:
    """The columnar problem and the maps back to domain identifiers."""

    problem: AllocationProblem
    source_ids: tuple[str, ...]  # domain source id per supply row
    pins: Pins = field(default_factory=Pins.empty)  # forced allocations, kept by every run

    def source_id_of(self, row: int) -> str:
        """Domain id of the supply source at `row`."""
        return self.source_ids[row]

    def allocations(self, result: AllocationResult) -> list[Allocation]:
        """The result's pieces as domain allocations, with domain source ids."""
        return [
            replace(allocation, source_id=self.source_ids[int(allocation.source_id)])
            for allocation in result.allocations()
        ]


def _codes(values: Sequence[str]) -> tuple[tuple[str, ...], dict[str, int]]:
    vocabulary = tuple(dict.fromkeys(values))
    return vocabulary, {v: i for i, v in enumerate(vocabulary)}


def build_network(locations: Sequence[Location], lanes: Sequence[TransferLane]) -> Network:
    """Network arrays from locations and lanes (no lane: -1)."""
    codes = {loc.code: i for i, loc in enumerate(locations)}
    regions, region_code = _codes([loc.region for loc in locations])
    n = len(locations)
    lane_days = np.full((n, n), -1, dtype=np.int64)
    lane_cost = np.zeros((n, n), dtype=np.float64)
    np.fill_diagonal(lane_days, 0)
    for lane in lanes:
        for end in (lane.origin, lane.destination):
            if end not in codes:
                raise UnknownReferenceError(
                    f"lane {lane.origin}->{lane.destination}: unknown {end}"
                )
        lane_days[codes[lane.origin], codes[lane.destination]] = lane.lead_time_days
        lane_cost[codes[lane.origin], codes[lane.destination]] = lane.cost_per_unit
    return Network(
        locations=tuple(codes),
        regions=regions,
        location_region=np.array([region_code[loc.region] for loc in locations], dtype=np.int32),
        lane_days=lane_days,
        lane_cost=lane_cost,
    )


def build_catalog(
    items: Sequence[Item], tiers: tuple[str, ...], order_types: Sequence[str]
) -> Catalog:
    """Catalog arrays from items; substitutes must be items of the catalog."""
    codes = {item.sku: i for i, item in enumerate(items)}
    groups, group_code = _codes([item.item_group for item in items])
    product_lines, line_code = _codes([item.product_line for item in items])
    sub_start, sub_item, sub_factor, sub_ask = [0], [], [], []
    for item in items:
        for substitute in item.substitutes:
            if substitute.sku not in codes:
                raise UnknownReferenceError(
                    f"item {item.sku}: substitute {substitute.sku} is not a known item"
                )
            sub_item.append(codes[substitute.sku])
            sub_factor.append(substitute.factor)
            sub_ask.append(substitute.requires_acceptance)
        sub_start.append(len(sub_item))
    return Catalog(
        skus=tuple(codes),
        item_group=np.array([group_code[i.item_group] for i in items], dtype=np.int32),
        product_line=np.array([line_code[i.product_line] for i in items], dtype=np.int32),
        item_groups=groups,
        product_lines=product_lines,
        tiers=tiers,
        order_types=tuple(dict.fromkeys(order_types)) or ("standard",),
        sub_start=np.array(sub_start, dtype=np.int64),
        sub_item=np.array(sub_item, dtype=np.int64),
        sub_factor=np.array(sub_factor, dtype=np.float64),
        sub_requires_acceptance=np.array(sub_ask, dtype=np.bool_),
    )


def _home_of(line: OrderLine, customer: Customer, network: Network) -> int:
    if line.ship_from:
        return network.code_of(line.ship_from)
    if customer.home_location:
        return network.code_of(customer.home_location)
    for code, location in enumerate(network.locations):
        if network.regions[int(network.location_region[code])] == customer.region:
            return network.locations.index(location)
    return 0


def build_problem(data: ProblemInput) -> BuiltProblem:
    """The columnar problem for `data`; unknown references raise a named error."""
    network = build_network(data.locations, data.lanes)
    catalog = build_catalog(data.items, data.tiers, [line.order_type for line in data.lines])
    item_code = {sku: i for i, sku in enumerate(catalog.skus)}
    tier_code = {tier: i for i, tier in enumerate(catalog.tiers)}
    order_type_code = {t: i for i, t in enumerate(catalog.order_types)}
    customers = {c.code: c for c in data.customers}
    customer_code = {c.code: i for i, c in enumerate(data.customers)}
    region_code = {r: i for i, r in enumerate(network.regions)}

    lines = [line for line in data.lines if line.open_quantity > 0]
    columns: dict[str, list[float | int | bool]] = {name: [] for name in _DEMAND_COLUMNS}
    for line in lines:
        customer = customers.get(line.customer)
        if customer is None:
            raise UnknownReferenceError(f"line {line.line_id}: unknown customer {line.customer}")
        if line.sku not in item_code:
            raise UnknownReferenceError(f"line {line.line_id}: unknown item {line.sku}")
        if customer.tier.value not in tier_code:
            raise UnknownReferenceError(f"customer {customer.code}: tier {customer.tier} unknown")
        home = _home_of(line, customer, network)
        ordered = line.ordered_at or datetime.combine(data.as_of, datetime.min.time())
        values = {
            "line_id": line.line_id,
            "item": item_code[line.sku],
            "home": home,
            "quantity": line.open_quantity,
            "requested_day": day_number(line.requested_date),
            "promise_day": day_number(line.promise_date) if line.promise_date else NO_DAY,
            "order_time": int(ordered.timestamp()),
            "customer": customer_code[customer.code],
            "tier": tier_code[customer.tier.value],
            "region": region_code.get(customer.region, int(network.location_region[home])),
            "order_type": order_type_code[line.order_type],
            "unit_price": line.unit_price,
            "unit_cost": line.unit_cost,
            "ship_complete": customer.ship_complete,
            "substitution": _ACCEPTANCE[customer.substitution],
            "risk": data.risk.get((line.sku, network.locations[home]), 0.0),
        }
        for name, value in values.items():
            columns[name].append(value)
    floats = {"unit_price", "unit_cost", "risk"}
    demand = Demand(
        **{
            name: np.array(
                values,
                dtype=np.float64
                if name in floats
                else bool
                if name == "ship_complete"
                else np.int64,
            )
            for name, values in columns.items()
        }
    )
    supply, source_ids = _supply(data.supply, item_code, network)
    problem = AllocationProblem(
        network=network,
        catalog=catalog,
        demand=demand,
        supply=supply,
        as_of_day=day_number(data.as_of),
        commitments=_commitments(data, customer_code, item_code),
        previous=_previous(data.previous, source_ids, lines, item_code),
    )
    return BuiltProblem(problem=problem, source_ids=source_ids)


def _supply(
    sources: Sequence[SupplySource], item_code: Mapping[str, int], network: Network
) -> tuple[Supply, tuple[str, ...]]:
    for source in sources:
        if source.sku not in item_code:
            raise UnknownReferenceError(f"supply {source.source_id}: unknown item {source.sku}")
    confirmed_states = {ConfirmationState.CONFIRMED, ConfirmationState.SHIPPED}
    supply = Supply(
        source_id=np.arange(len(sources), dtype=np.int64),
        item=np.array([item_code[s.sku] for s in sources], dtype=np.int64),
        location=np.array([network.code_of(s.location) for s in sources], dtype=np.int64),
        day=np.array([day_number(s.available_date) for s in sources], dtype=np.int64),
        quantity=np.array([s.quantity for s in sources], dtype=np.int64),
        kind=np.array([_KINDS[s.kind] for s in sources], dtype=np.int64),
        confirmed=np.array(
            [s.kind is SupplyKind.ON_HAND or s.confirmation in confirmed_states for s in sources],
            dtype=np.bool_,
        ),
    )
    return supply, tuple(s.source_id for s in sources)


def _commitments(
    data: ProblemInput, customer_code: Mapping[str, int], item_code: Mapping[str, int]
) -> Commitments:
    rows: list[tuple[int, int, int, int, int]] = []
    periods_needed: dict[tuple[str, str], set[int]] = {}
    for customer in data.customers:
        for commitment in customer.contracts:
            if commitment.sku not in item_code:
                raise UnknownReferenceError(
                    f"customer {customer.code}: contract for unknown item {commitment.sku}"
                )
            periods_needed[(customer.code, commitment.sku)] = set()
    for line in data.lines:
        key = (line.customer, line.sku)
        if key in periods_needed:
            owner = next(c for c in data.customers if c.code == line.customer)
            found = owner.commitment_for(line.sku)
            assert found is not None
            kind = found.period.code
            day = np.array([day_number(line.requested_date)], dtype=np.int64)
            periods_needed[key].add(int(period_index(kind, day)[0]))
    current = {
        kind: int(period_index(kind, np.array([day_number(data.as_of)], dtype=np.int64))[0])
        for kind in range(3)
    }
    for customer in data.customers:
        for commitment in customer.contracts:
            kind = commitment.period.code
            for period in sorted(periods_needed[(customer.code, commitment.sku)]):
                used = (
                    data.commitment_used.get((customer.code, commitment.sku), 0)
                    if period == current[kind]
                    else 0
                )
                remaining = max(commitment.quantity_per_period - used, 0)
                rows.append(
                    (
                        customer_code[customer.code],
                        item_code[commitment.sku],
                        kind,
                        period,
                        remaining,
                    )
                )
    if not rows:
        return Commitments.empty()
    array = np.array(rows, dtype=np.int64)
    return Commitments(
        customer=array[:, 0],
        item=array[:, 1],
        period_kind=array[:, 2],
        period=array[:, 3],
        remaining=array[:, 4],
    )


def _previous(
    allocations: Sequence[Allocation],
    source_ids: tuple[str, ...],
    lines: Sequence[OrderLine],
    item_code: Mapping[str, int],
) -> PreviousAllocations:
    if not allocations:
        return PreviousAllocations.empty()
    row_of_source = {source_id: row for row, source_id in enumerate(source_ids)}
    item_of_line = {line.line_id: item_code[line.sku] for line in lines}
    kept = [a for a in allocations if a.source_id in row_of_source and a.line_id in item_of_line]
    return PreviousAllocations(
        line_id=np.array([a.line_id for a in kept], dtype=np.int64),
        source_id=np.array([row_of_source[a.source_id] for a in kept], dtype=np.int64),
        item=np.array([item_of_line[a.line_id] for a in kept], dtype=np.int64),
        quantity=np.array([a.quantity for a in kept], dtype=np.int64),
    )
