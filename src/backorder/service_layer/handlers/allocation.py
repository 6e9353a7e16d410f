"""Allocation: available-to-promise at order intake, allocation runs, and reallocation.

Every path locks the items it touches (`UnitOfWork.lock_items`) before reading supply
and allocations, so two requests for the same item never both see the same free units.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from backorder.domain import events
from backorder.domain.allocation.builder import BuiltProblem, ProblemInput, build_problem
from backorder.domain.allocation.engine import allocate
from backorder.domain.allocation.optimal import objective_of, optimise
from backorder.domain.allocation.policy import Policy
from backorder.domain.allocation.problem import day_to_date
from backorder.domain.allocation.result import AllocationResult, Flag, Phase
from backorder.domain.model import Customer, LineStatus, OrderLine
from backorder.domain.promising import Promise, PromiseRequest, free_supply, promise
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError, NotFoundError
from backorder.service_layer.unit_of_work import UnitOfWork

SOLVERS = ("priority", "optimal")


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


def promise_line(
    uow: UnitOfWork, policy: Policy, line: OrderLine, home: str
) -> tuple[Promise, BuiltProblem]:
    """ATP for one line against free supply (callers hold the item lock)."""
    built = build_problem(
        ProblemInput(
            locations=uow.master.locations(),
            lanes=uow.master.lanes(),
            items=uow.master.items([line.sku]),
            customers=[],
            lines=[],
            supply=uow.supply.sources([line.sku], uow.today),
            as_of=uow.today,
        )
    )
    used = uow.allocations.allocated_by_source(line.sku)
    allocated = np.array([used.get(s, 0) for s in built.source_ids], dtype=np.int64)
    geography = policy.geography
    answer = promise(
        built.problem,
        free_supply(built.problem, allocated),
        PromiseRequest(line.sku, line.open_quantity, home, line.requested_date),
        horizon_days=policy.horizon_days,
        max_sources=geography.max_sources_per_line,
        max_transfer_days=geography.max_transfer_days,
        cross_region=geography.cross_region,
    )
    return answer, built


def allocate_at_intake(uow: UnitOfWork, policy: Policy, line: OrderLine, home: str) -> LineOutcome:
    """Allocate a new line from free supply at once and record the outcome and events."""
    answer, built = promise_line(uow, policy, line, home)
    uow.allocations.add_rows(
        [
            {
                "line_id": line.line_id,
                # Promised sources carry their row in the item's problem; map to the id.
                "source_id": built.source_ids[source.source_id],
                "sku": line.sku,
                "location": source.location,
                "quantity": source.quantity,
                "available_date": source.arrival,
                "phase": "intake",
                "run_id": None,
            }
            for source in answer.sources
        ]
    )
    allocated = sum(s.quantity for s in answer.sources)
    on_time = sum(s.quantity for s in answer.sources if s.arrival <= line.requested_date)
    outcome = _outcome(line, allocated, line.open_quantity - on_time, answer.promise_date)
    _record_outcome(uow, line, outcome, reason="allocated at order intake")
    return outcome


def _outcome(
    line: OrderLine, allocated: int, backordered: int, promise_date: date | None
) -> LineOutcome:
    quantity = line.open_quantity
    if allocated >= quantity:
        status = LineStatus.ALLOCATED
    elif allocated > 0:
        status = LineStatus.PARTIALLY_ALLOCATED
    else:
        status = LineStatus.BACKORDERED
    return LineOutcome(line.line_id, status, allocated, max(backordered, 0), promise_date)


def _record_outcome(uow: UnitOfWork, line: OrderLine, outcome: LineOutcome, reason: str) -> None:
    before = uow.orders.record_outcome(
        line.line_id,
        status=outcome.status,
        allocated=outcome.allocated,
        backordered=outcome.backordered,
        promise_date=outcome.promise_date,
        today=uow.today,
        now=uow.clock.now(),
        reason=reason,
    )
    if outcome.backordered:
        uow.record(
            events.LineBackordered(
                line_id=line.line_id,
                sku=line.sku,
                backordered_quantity=outcome.backordered,
                requested_date=line.requested_date,
                promise_date=outcome.promise_date,
            )
        )
    elif outcome.promise_date is not None and before is None:
        uow.record(
            events.LineAllocated(line.line_id, line.sku, outcome.allocated, outcome.promise_date)
        )
    if before is not None and before != outcome.promise_date:
        uow.record(events.LineRepromised(line.line_id, before, outcome.promise_date, reason))


# -- allocation runs -------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    """What an allocation run did."""

    run_id: str
    solver: str
    policy: str
    summary: dict[str, Any]


def substitution_closure(links: Sequence[tuple[str, str]], skus: Sequence[str]) -> list[str]:
    """The items and every item linked to them by substitution, in either direction."""
    neighbours: dict[str, set[str]] = {}
    for a, b in links:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    seen, stack = set(skus), list(skus)
    while stack:
        for other in neighbours.get(stack.pop(), ()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return sorted(seen)


def load_problem(
    uow: UnitOfWork, skus: Sequence[str] | None
) -> tuple[BuiltProblem, list[OrderLine]]:
    """The allocation problem of some items (and their substitutes), or of everything."""
    scope = None if skus is None else substitution_closure(uow.master.substitute_links(), skus)
    items = uow.master.items(scope)
    lines = uow.orders.open_lines_of(scope)
    held = uow.allocations.of_lines([line.line_id for line in lines])
    customers = uow.master.customers(sorted({line.customer for line in lines}))
    built = build_problem(
        ProblemInput(
            locations=uow.master.locations(),
            lanes=uow.master.lanes(),
            items=items,
            customers=customers,
            lines=lines,
            supply=uow.supply.sources(scope, uow.today),
            as_of=uow.today,
            previous=[h.allocation for h in held],
        )
    )
    return built, lines


def run_allocation(
    ctx: ServiceContext, *, skus: Sequence[str] | None, solver: str, actor: str
) -> RunSummary:
    """Allocate all open lines of some items (or all items) and store the decisions."""
    if solver not in SOLVERS:
        raise InvalidInputError("solver", f"must be one of {', '.join(SOLVERS)}")
    policy = ctx.policy
    run_id = uuid.uuid4().hex
    with ctx.unit_of_work() as uow:
        if skus is not None:
            missing = sorted(set(skus) - uow.master.known_skus(skus))
            if missing:
                raise NotFoundError(f"items: unknown SKUs {missing[:10]}")
        policy_name = f"{policy.name} v{policy.version}"
        uow.allocations.start_run(
            run_id, solver, policy_name, ",".join(skus or []), actor, uow.clock.now()
        )
        built, lines = load_problem(uow, skus)
        uow.lock_items(built.problem.catalog.skus)
        summary = apply_result(uow, built, lines, policy, solver, run_id)
        uow.allocations.finish_run(run_id, summary, uow.clock.now())
        uow.record(
            events.AllocationCompleted(
                run_id,
                solver,
                summary["lines"],
                summary["allocated_units"],
                summary["backordered_units"],
            )
        )
        uow.platform.audit(
            actor=actor,
            action="allocation.run",
            subject=f"allocation-run/{run_id}",
            before=None,
            after={"solver": solver, "skus": list(skus) if skus else "all", "summary": summary},
            now=uow.clock.now(),
        )
        uow.commit()
    return RunSummary(run_id, solver, policy_name, summary)


def apply_result(
    uow: UnitOfWork,
    built: BuiltProblem,
    lines: Sequence[OrderLine],
    policy: Policy,
    solver: str,
    run_id: str,
) -> dict[str, Any]:
    """Allocate `built` and replace the stored allocations and decisions of its lines."""
    summary: dict[str, Any]
    if solver == "optimal":
        solved = optimise(built.problem, policy)
        result = solved.result
        summary = result.summary() | {
            "objective": solved.objective,
            "priority_objective": solved.priority_objective,
        }
    else:
        result = allocate(built.problem, policy)
        summary = result.summary() | {"objective": objective_of(result)}
    by_id = {line.line_id: line for line in lines}
    line_ids = [int(i) for i in built.problem.demand.line_id]
    uow.allocations.release_lines(line_ids)
    uow.allocations.add_rows(_allocation_rows(built, result, run_id))
    uow.allocations.save_decisions(_decisions(built, result, run_id, uow))
    for row, line_id in enumerate(line_ids):
        line = by_id[line_id]
        covered = int(result.allocated[row] + result.substituted[row])
        promise_date = day_to_date(int(result.promise_day[row]))
        outcome = _outcome(line, covered, int(result.backordered[row]), promise_date)
        _record_outcome(uow, line, outcome, reason=f"allocation run {run_id[:8]} ({solver})")
    return summary


_PHASES = {p.value: p.name.lower() for p in Phase}


def _allocation_rows(
    built: BuiltProblem, result: AllocationResult, run_id: str
) -> list[dict[str, Any]]:
    problem = built.problem
    demand, supply, network, catalog = (
        problem.demand,
        problem.supply,
        problem.network,
        problem.catalog,
    )
    rows = []
    for i in range(len(result.piece_line)):
        source = int(result.piece_source[i])
        day = day_to_date(int(result.piece_day[i]))
        rows.append(
            {
                "line_id": int(demand.line_id[result.piece_line[i]]),
                "source_id": built.source_ids[source],
                "sku": catalog.skus[int(supply.item[source])],
                "location": network.locations[int(supply.location[source])],
                "quantity": int(result.piece_quantity[i]),
                "available_date": day,
                "phase": _PHASES[int(result.piece_phase[i])],
                "run_id": run_id,
            }
        )
    return rows


def _decisions(
    built: BuiltProblem, result: AllocationResult, run_id: str, uow: UnitOfWork
) -> list[Any]:
    from backorder.adapters.repositories.allocations import StoredDecision

    problem, policy = built.problem, result.policy
    demand, catalog, network = problem.demand, problem.catalog, problem.network
    now = uow.clock.now()
    rules = [
        ", then ".join(k.describe() for k in policy.sort_keys_of(s)) + ", then line id"
        for s in policy.segments
    ]
    decisions = []
    for row in range(len(demand)):
        segment_index = int(result.ranking.segment[row])
        segment = policy.segments[segment_index]
        offered = int(result.offered_item[row])
        decisions.append(
            StoredDecision(
                line_id=int(demand.line_id[row]),
                run_id=run_id,
                sku=catalog.skus[int(demand.item[row])],
                home_location=network.locations[int(demand.home[row])],
                rank=int(result.item_rank[row]),
                competing_lines=int(result.item_lines[row]),
                segment=segment.name,
                strategy=segment.strategy.value,
                rule=rules[segment_index],
                allocated=int(result.allocated[row]),
                substituted=int(result.substituted[row]),
                ring_fenced=int(result.ring_fenced[row]),
                short=int(result.short[row]),
                late=int(result.late[row]),
                promise_date=day_to_date(int(result.promise_day[row])),
                cover_date=day_to_date(int(result.cover_day[row])),
                offered_sku=catalog.skus[offered] if offered >= 0 else None,
                flags=int(result.flags[row]),
                decided_at=now,
            )
        )
    return decisions


def reallocate_items(
    uow: UnitOfWork, policy: Policy, skus: Sequence[str], reason: str
) -> dict[str, Any]:
    """Incremental reallocation of some items inside the caller's unit of work."""
    built, lines = load_problem(uow, skus)
    if not len(built.problem.demand):
        return {"lines": 0}
    uow.lock_items(built.problem.catalog.skus)
    run_id = uuid.uuid4().hex
    policy_name = f"{policy.name} v{policy.version}"
    uow.allocations.start_run(
        run_id, "priority", policy_name, ",".join(skus), reason, uow.clock.now()
    )
    summary = apply_result(uow, built, lines, policy, "priority", run_id)
    uow.allocations.finish_run(run_id, summary, uow.clock.now())
    return summary


def flagged(flags: int, flag: Flag) -> bool:
    """True when `flag` is set in the stored flag bits."""
    return bool(flags & flag)
