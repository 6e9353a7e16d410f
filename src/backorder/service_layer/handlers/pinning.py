"""Allocation runs around forced allocations: solve the rest, write the pins back.

A forced allocation (phase "forced") is a planner's override: the engines never see its
units (`domain.allocation.pinned`), and every run writes it back unchanged beside its own
rows, clipped only when the line or the source no longer has the units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backorder.domain.allocation.builder import BuiltProblem
from backorder.domain.allocation.engine import allocate
from backorder.domain.allocation.optimal import objective_of, optimise
from backorder.domain.allocation.pinned import FORCED_PHASE, Pins, apply_pins, merge_pins
from backorder.domain.allocation.policy import Policy
from backorder.domain.allocation.problem import day_to_date
from backorder.domain.allocation.result import AllocationResult


@dataclass(frozen=True)
class Solved:
    """A run's result over the whole problem, its summary, and the pins that still hold."""

    result: AllocationResult
    summary: dict[str, Any]
    pins: Pins


def solve(built: BuiltProblem, policy: Policy, solver: str) -> Solved:
    """Allocate `built` with `solver` around its forced allocations."""
    problem, pins = apply_pins(built.problem, built.pins)
    if solver == "optimal":
        optimised = optimise(problem, policy)
        result = merge_pins(optimised.result, built.problem, pins)
        extra = {
            "objective": optimised.objective,
            "priority_objective": optimised.priority_objective,
        }
    else:
        engine_result = allocate(problem, policy)
        result = merge_pins(engine_result, built.problem, pins)
        extra = {"objective": objective_of(engine_result)}
    summary: dict[str, Any] = result.summary() | extra
    if len(pins):
        summary["forced_units"] = int(pins.quantity.sum())
    return Solved(result, summary, pins)


def pinned_rows(built: BuiltProblem, pins: Pins) -> list[dict[str, Any]]:
    """The forced allocations as they still hold, as allocation rows."""
    problem = built.problem
    days = pins.arrival_days(problem)
    return [
        {
            "line_id": int(problem.demand.line_id[line]),
            "source_id": built.source_ids[source],
            "sku": problem.catalog.skus[int(problem.supply.item[source])],
            "location": problem.network.locations[int(problem.supply.location[source])],
            "quantity": quantity,
            "available_date": day_to_date(day),
            "phase": FORCED_PHASE,
            "run_id": None,
        }
        for line, source, quantity, day in zip(
            pins.line.tolist(),
            pins.source.tolist(),
            pins.quantity.tolist(),
            days.tolist(),
            strict=True,
        )
    ]
