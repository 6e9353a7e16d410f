"""Order intake: every new line is promised against free supply and allocated at once.

Inside one intake transaction the items are locked, so free supply is read once per item
and then kept up to date in memory as lines take from it: a batch of orders costs a few
queries per item, not per line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from backorder.domain.allocation.policy import Policy
from backorder.domain.model import Customer, LineStatus, OrderLine
from backorder.domain.promising import Promise, PromiseRequest, SupplyBook, free_supply
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class LineOutcome:
    """What a line holds after allocation."""

    line_id: int
    status: LineStatus
    allocated: int
    backordered: int
    promise_date: date | None


def home_location(
    line: OrderLine, customer: Customer, locations: Sequence[str], regions: dict[str, str]
) -> str:
    """The DC a line ships from: its own choice, the customer's home, or one in its region."""
    if line.ship_from:
        return line.ship_from
    if customer.home_location:
        return customer.home_location
    in_region = [code for code in locations if regions.get(code) == customer.region]
    return (in_region or list(locations))[0]


def line_outcome(
    line: OrderLine, allocated: int, backordered: int, promise_date: date | None
) -> LineOutcome:
    """Status of a line from what it holds."""
    quantity = line.open_quantity
    if allocated >= quantity:
        status = LineStatus.ALLOCATED
    elif allocated > 0:
        status = LineStatus.PARTIALLY_ALLOCATED
    else:
        status = LineStatus.BACKORDERED
    return LineOutcome(line.line_id, status, allocated, max(backordered, 0), promise_date)


class FreeSupplyBook:
    """Free supply of the items of one transaction, kept current as lines take from it.

    Callers hold the item locks for the whole transaction, so what this book reads at
    the start stays true except for what the transaction itself allocates.
    """

    def __init__(self, uow: UnitOfWork, policy: Policy, skus: Sequence[str]) -> None:
        self.policy = policy
        wanted = sorted(set(skus))
        self.built = uow.allocations.supply_problem(wanted, uow.today, policy.tiers)
        used = uow.allocations.allocated_by_sources(wanted)
        allocated = np.array([used.get(s, 0) for s in self.built.source_ids], dtype=np.int64)
        geography = policy.geography
        self.book = SupplyBook(
            self.built.problem,
            free_supply(self.built.problem, allocated),
            horizon_days=policy.horizon_days,
            max_sources=geography.max_sources_per_line,
            max_transfer_days=geography.max_transfer_days,
            cross_region=geography.cross_region,
        )

    def promise(self, line: OrderLine, home: str) -> tuple[Promise, tuple[str, ...]]:
        """The earliest promise for `line` from what is still free, and the source ids."""
        request = PromiseRequest(line.sku, line.open_quantity, home, line.requested_date)
        return self.book.promise(request), self.built.source_ids

    def take(self, answer: Promise) -> None:
        """What a promise allocates is no longer free."""
        self.book.take(answer)


def promise_line(
    uow: UnitOfWork, policy: Policy, line: OrderLine, home: str
) -> tuple[Promise, tuple[str, ...]]:
    """ATP for one hypothetical line against free supply (nothing is reserved)."""
    return FreeSupplyBook(uow, policy, [line.sku]).promise(line, home)


def allocate_lines(
    uow: UnitOfWork, policy: Policy, lines: Sequence[tuple[OrderLine, str]]
) -> list[LineOutcome]:
    """Allocate new lines (each with its home DC) from free supply, in the order given.

    Returns each line's outcome; the allocation rows are stored, the outcomes are left to
    the caller to record (in bulk).
    """
    book = FreeSupplyBook(uow, policy, [line.sku for line, _ in lines])
    rows: list[dict[str, object]] = []
    outcomes = []
    for line, home in lines:
        answer, source_ids = book.promise(line, home)
        book.take(answer)
        rows.extend(
            {
                "line_id": line.line_id,
                # Promised sources carry their row in the item's problem; map to the id.
                "source_id": source_ids[source.source_id],
                "sku": line.sku,
                "location": source.location,
                "quantity": source.quantity,
                "available_date": source.arrival,
                "phase": "intake",
                "run_id": None,
            }
            for source in answer.sources
        )
        allocated = sum(s.quantity for s in answer.sources)
        on_time = sum(s.quantity for s in answer.sources if s.arrival <= line.requested_date)
        # As in allocation runs: the requested date, or the later day the last unit is ready.
        promise = answer.promise_date and max(answer.promise_date, line.requested_date)
        outcomes.append(line_outcome(line, allocated, line.open_quantity - on_time, promise))
    uow.allocations.add_rows(rows)
    return outcomes
