"""Allocation: available-to-promise at order intake, allocation runs, and reallocation.

Every path locks the items it touches (`UnitOfWork.lock_items`) before reading supply
and allocations, so two requests for the same item never both see the same free units.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from backorder.adapters.repositories.orders import OutcomeChange
from backorder.domain import events
from backorder.domain.allocation.builder import BuiltProblem
from backorder.domain.allocation.policy import Policy
from backorder.domain.model import LineStatus
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError, NotFoundError
from backorder.service_layer.handlers.allocation_records import (
    allocation_columns,
    dates,
    decision_columns,
)
from backorder.service_layer.handlers.inline import has_database
from backorder.service_layer.handlers.pinning import pinned_rows, solve
from backorder.service_layer.unit_of_work import UnitOfWork

SOLVERS = ("priority", "optimal")


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


def lock_substitution_groups(uow: UnitOfWork, skus: Iterable[str]) -> list[str]:
    """Lock the items with every item linked to them by substitution; returns the scope.

    A write that may reallocate must lock the whole group up front: the reallocation
    locks it again, and taking a substitute's lock only then would break the SKU order
    that keeps concurrent writers free of deadlocks.
    """
    scope = uow.master.substitution_group(skus)
    uow.lock_items(scope)
    return scope


def partitions(skus: Sequence[str], links: Sequence[tuple[str, str]], size: int) -> list[list[str]]:
    """Items in groups of about `size`, never splitting items linked by substitution.

    Items are independent unless linked, so each group can be allocated in a transaction
    of its own: locks are held briefly and memory stays bounded.
    """
    parent = {sku: sku for sku in skus}

    def root(sku: str) -> str:
        while parent[sku] != sku:
            parent[sku] = parent[parent[sku]]
            sku = parent[sku]
        return sku

    for a, b in links:
        if a in parent and b in parent:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for sku in sorted(parent):
        groups.setdefault(root(sku), []).append(sku)
    chunks: list[list[str]] = [[]]
    for group in groups.values():
        if chunks[-1] and len(chunks[-1]) + len(group) > size:
            chunks.append([])
        chunks[-1].extend(group)
    return [chunk for chunk in chunks if chunk]


def load_problem(uow: UnitOfWork, policy: Policy, scope: Sequence[str]) -> BuiltProblem:
    """Lock the items of `scope`, then read their allocation problem (in that order)."""
    uow.lock_items(scope)
    return uow.allocations.backlog(scope, uow.today, policy.tiers)


PARTITION_ITEMS = 20_000
# Partitions stored at once where the database takes concurrent writers: their items are
# disjoint (substitution groups are kept whole), so they never wait on each other's locks.
PARALLEL_PARTITIONS = 2
_SUMMED = (
    "lines",
    "ordered_units",
    "allocated_units",
    "substituted_units",
    "short_units",
    "late_units",
    "backordered_units",
    "fully_allocated_lines",
    "backordered_lines",
    "rationed_lines",
    "ship_complete_released_lines",
    "win_not_confirmed_lines",
)


def _merge(summaries: Sequence[dict[str, Any]], solver: str, policy: str) -> dict[str, Any]:
    merged: dict[str, Any] = {"solver": solver, "policy": policy}
    for key in _SUMMED:
        merged[key] = sum(int(s.get(key, 0)) for s in summaries)
    for key in ("objective", "priority_objective"):
        values = [s[key] for s in summaries if s.get(key) is not None]
        merged[key] = sum(values) if values else None
    ordered, lines = merged["ordered_units"], merged["lines"]
    on_time = merged["allocated_units"] - merged["late_units"]
    merged["unit_fill_rate"] = on_time / ordered if ordered else 1.0
    merged["line_fill_rate"] = (lines - merged["backordered_lines"]) / lines if lines else 1.0
    merged["partitions"] = len(summaries)
    return merged


def run_allocation(
    ctx: ServiceContext,
    *,
    skus: Sequence[str] | None,
    solver: str,
    actor: str,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Allocate all open lines of some items (or all items) and store the decisions.

    The scope is split into partitions of items (substitution groups kept whole), each
    allocated and stored in its own transaction with its items locked.
    """
    if solver not in SOLVERS:
        raise InvalidInputError("solver", f"must be one of {', '.join(SOLVERS)}")
    policy = ctx.policy
    policy_name = f"{policy.name} v{policy.version}"
    run_id = uuid.uuid4().hex
    with ctx.unit_of_work() as uow:
        if skus is not None:
            missing = sorted(set(skus) - uow.master.known_skus(skus))
            if missing:
                raise NotFoundError(f"items: unknown SKUs {missing[:10]}")
        links = uow.master.substitute_links()
        scope = uow.master.all_skus() if skus is None else substitution_closure(links, skus)
        uow.allocations.start_run(
            run_id, solver, policy_name, ",".join(skus or []), actor, uow.clock.now()
        )
        # Beside other writers (PostgreSQL), partitions overlap: one is solved in Python
        # while the database stores another. SQLite has a single writer: one at a time.
        workers = PARALLEL_PARTITIONS if has_database(uow) and not uow.writes_alone else 1
        uow.commit()
    parts = partitions(scope, links, PARTITION_ITEMS)

    # Set by the first partition that fails: the partitions not started by then are
    # skipped, as they would be one at a time. Those committed stay (each is whole).
    failed = threading.Event()

    def allocate_part(part: Sequence[str]) -> dict[str, Any] | None:
        if failed.is_set():
            return None
        try:
            with ctx.unit_of_work() as uow:
                built = load_problem(uow, policy, part)
                summary = (
                    apply_result(uow, built, policy, solver, run_id)
                    if len(built.problem.demand)
                    else None
                )
                uow.commit()
        except BaseException:
            failed.set()
            raise
        return summary

    found: list[dict[str, Any] | None] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="allocation-run") as pool:
        # map yields in partition order and re-raises the first failure when it gets there.
        for done, summary in enumerate(pool.map(allocate_part, parts), start=1):
            found.append(summary)
            if progress is not None:
                progress(done, len(parts))
    summaries = [summary for summary in found if summary is not None]
    summary = _merge(summaries, solver, policy_name)
    with ctx.unit_of_work() as uow:
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
    policy: Policy,
    solver: str,
    run_id: str,
) -> dict[str, Any]:
    """Allocate `built` and replace the stored allocations and decisions of its lines."""
    solved = solve(built, policy, solver)
    result, summary = solved.result, solved.summary
    line_ids = built.problem.demand.line_id.tolist()
    uow.allocations.release_lines(line_ids)
    uow.allocations.add_columns(
        allocation_columns(built, result, run_id, pinned_rows(built, solved.pins))
    )
    uow.allocations.save_decisions(decision_columns(built, result, run_id, uow.clock.now()))
    quantity = built.problem.demand.quantity
    covered = result.allocated + result.substituted
    status = np.where(
        covered >= quantity,
        LineStatus.ALLOCATED.value,
        np.where(covered > 0, LineStatus.PARTIALLY_ALLOCATED.value, LineStatus.BACKORDERED.value),
    )
    outcomes = list(
        zip(
            line_ids,
            status.tolist(),
            covered.tolist(),
            result.backordered.tolist(),
            dates(result.promise_day),
            strict=True,
        )
    )
    reason = f"allocation run {run_id[:8]} ({solver})"
    changes = uow.orders.record_outcomes(
        outcomes, today=uow.today, now=uow.clock.now(), reason=reason
    )
    for change in changes:
        record_change_events(uow, change, reason)
    return summary


def record_change_events(uow: UnitOfWork, change: OutcomeChange, reason: str) -> None:
    """Events for a line whose promise or backorder state changed."""
    if change.backordered and not change.was_backordered:
        uow.record(
            events.LineBackordered(
                line_id=change.line_id,
                sku=change.sku,
                backordered_quantity=change.backordered,
                requested_date=change.requested_date,
                promise_date=change.new_promise,
            )
        )
    elif (
        not change.backordered
        and change.new_promise
        and (change.was_backordered or change.old_promise is None)
    ):
        uow.record(
            events.LineAllocated(change.line_id, change.sku, change.allocated, change.new_promise)
        )
    if change.old_promise != change.new_promise and change.old_promise is not None:
        uow.record(
            events.LineRepromised(change.line_id, change.old_promise, change.new_promise, reason)
        )


def reallocate_items(
    uow: UnitOfWork, policy: Policy, skus: Sequence[str], reason: str
) -> dict[str, Any]:
    """Incremental reallocation of some items inside the caller's unit of work."""
    scope = uow.master.substitution_group(skus)
    built = load_problem(uow, policy, scope)
    if not len(built.problem.demand):
        return {"lines": 0}
    run_id = uuid.uuid4().hex
    policy_name = f"{policy.name} v{policy.version}"
    uow.allocations.start_run(
        run_id, "priority", policy_name, ",".join(skus), reason, uow.clock.now()
    )
    summary = apply_result(uow, built, policy, "priority", run_id)
    uow.allocations.finish_run(run_id, summary, uow.clock.now())
    return summary
