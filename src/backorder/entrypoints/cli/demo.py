"""`backorder demo`: allocate a generated distributor's backlog and show the outcome."""

from __future__ import annotations

import time
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from backorder.domain.allocation.engine import allocate
from backorder.domain.allocation.explain import explain
from backorder.domain.allocation.optimal import objective_of, optimise
from backorder.domain.allocation.result import AllocationResult
from backorder.policies import default_policy
from backorder.scenario.synthetic import SyntheticSpec, synthetic_problem


def _summary_table(result: AllocationResult, seconds: float) -> Table:
    summary = result.summary()
    table = Table(title=f"Allocation run ({result.solver}, policy {summary['policy']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("order lines", f"{summary['lines']:,}"),
        ("units ordered", f"{summary['ordered_units']:,}"),
        ("units allocated", f"{summary['allocated_units']:,}"),
        ("  of which substitutes", f"{summary['substituted_units']:,}"),
        ("units short (no supply in horizon)", f"{summary['short_units']:,}"),
        ("units late (after requested date)", f"{summary['late_units']:,}"),
        ("unit fill rate (on time)", f"{summary['unit_fill_rate']:.1%}"),
        ("line fill rate (on time)", f"{summary['line_fill_rate']:.1%}"),
        ("lines rationed by fair share", f"{summary['rationed_lines']:,}"),
        ("ship-complete lines released", f"{summary['ship_complete_released_lines']:,}"),
        ("win lines not confirmed", f"{summary['win_not_confirmed_lines']:,}"),
        ("engine time", f"{seconds * 1000:.0f} ms"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _short_items_table(result: AllocationResult, top: int = 10) -> Table:
    problem = result.problem
    short = np.bincount(problem.demand.item, weights=result.short, minlength=problem.catalog.size)
    table = Table(title=f"The {top} most short items")
    for column in ("item", "units short", "lines short", "open lines"):
        table.add_column(column, justify="right" if column != "item" else "left")
    lines_short = np.bincount(
        problem.demand.item, weights=result.short > 0, minlength=problem.catalog.size
    )
    open_lines = np.bincount(problem.demand.item, minlength=problem.catalog.size)
    for item in np.argsort(-short, kind="stable")[:top]:
        if short[item] <= 0:
            break
        table.add_row(
            problem.catalog.skus[int(item)],
            f"{int(short[item]):,}",
            f"{int(lines_short[item]):,}",
            f"{int(open_lines[item]):,}",
        )
    return table


def demo(
    lines: Annotated[int, typer.Option(min=1, help="Order lines to generate.")] = 20_000,
    items: Annotated[int, typer.Option(min=1, help="Items.")] = 2_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Generate a distributor's backlog, allocate it by the default policy, show the result."""
    console = Console()
    problem = synthetic_problem(SyntheticSpec(lines=lines, items=items, seed=seed))
    policy = default_policy()
    started = time.perf_counter()
    result = allocate(problem, policy)
    seconds = time.perf_counter() - started
    console.print(_summary_table(result, seconds))
    console.print(_short_items_table(result))
    optimal = optimise(problem, policy, compare_with_priority=False)
    console.print(
        f"Optimal solver objective {optimal.objective:,.0f} against the priority rules' "
        f"{objective_of(result):,.0f}: the rules cost "
        f"{optimal.objective - objective_of(result):,.0f} of value on this backlog."
    )
    short_rows = np.flatnonzero(result.short > 0)
    if len(short_rows):
        line_id = int(problem.demand.line_id[short_rows[0]])
        console.print(f"\n[bold]Why is line {line_id} short?[/bold]")
        console.print(explain(result, line_id))
