"""Small, readable worlds for worked examples: a few DCs, items, customers and lines."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from backorder.domain.allocation.builder import BuiltProblem, ProblemInput, build_problem
from backorder.domain.allocation.engine import allocate
from backorder.domain.allocation.policy import Policy, parse_policy
from backorder.domain.allocation.result import AllocationResult
from backorder.domain.model import (
    Allocation,
    ConfirmationState,
    ContractCommitment,
    Customer,
    Item,
    Location,
    OrderLine,
    Substitute,
    SubstitutionAcceptance,
    SupplyKind,
    SupplySource,
    Tier,
    TransferLane,
)

TODAY = date(2026, 11, 27)


def policy(**overrides: Any) -> Policy:
    """A plain policy: one redistribute segment ranked by tier then requested date."""
    data: dict[str, Any] = {
        "name": "test",
        "version": 1,
        "effective_from": "2026-01-01",
        "segments": [{"name": "everyone", "strategy": "redistribute"}],
        "sort_keys": ["tier", "requested_date", "order_time"],
        "fair_share": {"enabled": False},
        "geography": {"max_sources_per_line": 3, "home_wait_days": 7},
    }
    data.update(overrides)
    return parse_policy(data)


@dataclass
class World:
    """A distributor in miniature; add lines and supply, then allocate."""

    locations: list[Location] = field(
        default_factory=lambda: [Location("EAST", "east"), Location("WEST", "west")]
    )
    lanes: list[TransferLane] = field(
        default_factory=lambda: [
            TransferLane("EAST", "WEST", 4, 1.5),
            TransferLane("WEST", "EAST", 4, 1.5),
        ]
    )
    items: dict[str, Item] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    lines: list[OrderLine] = field(default_factory=list)
    supply: list[SupplySource] = field(default_factory=list)
    previous: list[Allocation] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def item(self, sku: str, *substitutes: Substitute, price: float = 10.0) -> str:
        """Add an item (idempotent)."""
        self.items.setdefault(
            sku, Item(sku=sku, list_price=price, unit_cost=price * 0.6, substitutes=substitutes)
        )
        return sku

    def customer(
        self,
        code: str,
        tier: Tier = Tier.STANDARD,
        home: str = "EAST",
        *,
        ship_complete: bool = False,
        substitution: SubstitutionAcceptance = SubstitutionAcceptance.ASK,
        contracts: Sequence[ContractCommitment] = (),
    ) -> str:
        """Add a customer."""
        region = next(loc.region for loc in self.locations if loc.code == home)
        self.customers[code] = Customer(
            code=code,
            tier=tier,
            region=region,
            home_location=home,
            ship_complete=ship_complete,
            substitution=substitution,
            contracts=tuple(contracts),
        )
        return code

    def order(
        self,
        customer: str,
        sku: str,
        quantity: int,
        *,
        in_days: int = 3,
        price: float = 10.0,
        cost: float = 6.0,
        order_type: str = "standard",
        line_id: int | None = None,
    ) -> int:
        """Add an order line; returns its id. Customers and items are created on demand."""
        if customer not in self.customers:
            self.customer(customer)
        self.item(sku)
        line_id = line_id if line_id is not None else next(self._ids)
        self.lines.append(
            OrderLine(
                line_id=line_id,
                order_id=f"SO-{line_id}",
                customer=customer,
                sku=sku,
                quantity=quantity,
                requested_date=TODAY + timedelta(days=in_days),
                unit_price=price,
                unit_cost=cost,
                order_type=order_type,
                ordered_at=datetime(2026, 11, 1) + timedelta(minutes=line_id),
            )
        )
        return line_id

    def stock(self, sku: str, quantity: int, location: str = "EAST") -> str:
        """Add on-hand stock."""
        self.item(sku)
        source_id = f"OH-{sku}-{location}-{len(self.supply)}"
        self.supply.append(SupplySource(source_id, sku, location, quantity, TODAY))
        return source_id

    def receipt(self, sku: str, quantity: int, in_days: int, location: str = "EAST") -> str:
        """Add an open purchase-order line arriving in `in_days`."""
        self.item(sku)
        source_id = f"PO-{sku}-{location}-{len(self.supply)}"
        self.supply.append(
            SupplySource(
                source_id,
                sku,
                location,
                quantity,
                TODAY + timedelta(days=in_days),
                kind=SupplyKind.PURCHASE_ORDER,
                confirmation=ConfirmationState.CONFIRMED,
                supplier="ACME",
            )
        )
        return source_id

    def build(self) -> BuiltProblem:
        """The columnar problem of this world."""
        return build_problem(
            ProblemInput(
                locations=self.locations,
                lanes=self.lanes,
                items=list(self.items.values()),
                customers=list(self.customers.values()),
                lines=self.lines,
                supply=self.supply,
                as_of=TODAY,
                previous=self.previous,
            )
        )

    def allocate(self, with_policy: Policy | None = None) -> Outcome:
        """Allocate with `with_policy` (default: `policy()`)."""
        built = self.build()
        return Outcome(built, allocate(built.problem, with_policy or policy()))


@dataclass
class Outcome:
    """A result with line-id based accessors for readable assertions."""

    built: BuiltProblem
    result: AllocationResult

    def _row(self, line_id: int) -> int:
        return self.result.line_index(line_id)

    def got(self, line_id: int) -> int:
        """Units of the ordered item allocated to the line."""
        return int(self.result.allocated[self._row(line_id)])

    def substituted(self, line_id: int) -> int:
        """Ordered units covered by a substitute."""
        return int(self.result.substituted[self._row(line_id)])

    def short(self, line_id: int) -> int:
        """Units with no supply in the horizon."""
        return int(self.result.short[self._row(line_id)])

    def promise(self, line_id: int) -> date | None:
        """Promise date of the whole line."""
        from backorder.domain.allocation.problem import day_to_date

        return day_to_date(int(self.result.promise_day[self._row(line_id)]))

    def flags(self, line_id: int) -> int:
        """Flag bits of the line."""
        return int(self.result.flags[self._row(line_id)])

    def sources(self, line_id: int) -> dict[str, int]:
        """Domain source id -> units for the line."""
        out: dict[str, int] = {}
        for allocation in self.built.allocations(self.result):
            if allocation.line_id == line_id:
                out[allocation.source_id] = out.get(allocation.source_id, 0) + allocation.quantity
        return out

    def explain(self, line_id: int) -> str:
        """Decision record in words."""
        from backorder.domain.allocation.explain import explain

        return explain(self.result, line_id)
