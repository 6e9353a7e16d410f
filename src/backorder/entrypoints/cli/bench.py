"""`backorder bench ...`: time the engines on generated problems and print JSON."""

from __future__ import annotations

import json
import resource
import time
from dataclasses import replace
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
import typer

from backorder.domain.allocation.engine import allocate, reallocate
from backorder.domain.allocation.optimal import objective_of, optimise
from backorder.domain.allocation.problem import KIND_PURCHASE_ORDER, Supply
from backorder.policies import default_policy
from backorder.scenario.synthetic import SyntheticSpec, synthetic_problem

bench_app = typer.Typer(help="Benchmarks that print one JSON object.", no_args_is_help=True)


class Solver(StrEnum):
    """Allocation engine."""

    PRIORITY = "priority"
    OPTIMAL = "optimal"


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _emit(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report))
    else:
        for key, value in report.items():
            typer.echo(f"{key:>22}: {value}")


@bench_app.command("allocation")
def bench_allocation(
    lines: Annotated[int, typer.Option(min=1, help="Order lines to generate.")] = 1_000_000,
    items: Annotated[int, typer.Option(min=1, help="Items.")] = 100_000,
    locations: Annotated[int, typer.Option(min=1, max=63, help="Distribution centres.")] = 6,
    solver: Annotated[Solver, typer.Option(help="Engine to time.")] = Solver.PRIORITY,
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = 7,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Generate a problem, then time the engine alone (ranking, passes, decision records)."""
    problem = synthetic_problem(
        SyntheticSpec(lines=lines, items=items, locations=locations, seed=seed)
    )
    policy = default_policy()
    report: dict[str, Any] = {
        "lines": lines,
        "items": items,
        "locations": locations,
        "solver": solver.value,
        "seed": seed,
        "supply_sources": len(problem.supply),
    }
    started = time.perf_counter()
    if solver is Solver.PRIORITY:
        result = allocate(problem, policy)
        seconds = time.perf_counter() - started
    else:
        outcome = optimise(problem, policy, compare_with_priority=False)
        seconds = time.perf_counter() - started
        result = outcome.result
        report["objective"] = round(outcome.objective, 2)
        report["priority_objective"] = round(objective_of(allocate(problem, policy)), 2)
    summary = result.summary()
    report |= {
        "seconds": round(seconds, 3),
        "allocated_units": summary["allocated_units"],
        "backordered_units": summary["backordered_units"],
        "short_units": summary["short_units"],
        "ordered_units": summary["ordered_units"],
        "pieces": len(result.piece_line),
        "lines_per_second": round(lines / seconds),
        "peak_rss_mb": _peak_rss_mb(),
    }
    _emit(report, json_output)


@bench_app.command("reallocation")
def bench_reallocation(
    lines: Annotated[
        int, typer.Option(min=1, help="Open lines of the one affected item.")
    ] = 10_000,
    background_lines: Annotated[
        int, typer.Option(min=0, help="Lines of other items in the problem.")
    ] = 200_000,
    repeat: Annotated[int, typer.Option(min=1, help="Timed repetitions (median).")] = 20,
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = 7,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """A receipt for one item with `lines` open lines: time its incremental reallocation."""
    spec = SyntheticSpec(
        lines=background_lines + lines, items=max(background_lines // 10, 1) + 1, seed=seed
    )
    problem = synthetic_problem(spec)
    hot = problem.catalog.size - 1
    demand = problem.demand
    # Give the last item exactly `lines` lines by re-pointing the tail of the demand.
    item = demand.item.copy()
    item[item == hot] = 0
    item[-lines:] = hot
    problem = replace(problem, demand=replace(demand, item=item))
    policy = default_policy()
    before = allocate(problem, policy)
    receipt = Supply(
        source_id=np.r_[problem.supply.source_id, problem.supply.source_id.max() + 1],
        item=np.r_[problem.supply.item, hot],
        location=np.r_[problem.supply.location, 0],
        day=np.r_[problem.supply.day, problem.as_of_day],
        quantity=np.r_[problem.supply.quantity, 5_000],
        kind=np.r_[problem.supply.kind, KIND_PURCHASE_ORDER],
        confirmed=np.r_[problem.supply.confirmed, True],
    )
    after = replace(problem, supply=receipt)
    affected = np.array([hot], dtype=np.int64)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = reallocate(after, policy, before, affected)
        timings.append(time.perf_counter() - started)
    report = {
        "affected_item_lines": len(result.problem.demand),
        "problem_lines": len(problem.demand),
        "milliseconds_median": round(float(np.median(timings)) * 1000, 2),
        "milliseconds_max": round(max(timings) * 1000, 2),
        "allocated_units_after": int(result.allocated.sum() + result.substituted.sum()),
    }
    _emit(report, json_output)
