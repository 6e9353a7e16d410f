"""What an allocation run stores, built column by column from the engine's arrays.

A batch run stores a decision record per open line and an allocation row per piece:
millions of values. Built as one list per column with numpy indexing (no Python object
per row) they go to the database by COPY as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np

from backorder.adapters.repositories.allocations import (
    ALLOCATION_COLUMNS,
    DECISION_COLUMNS,
    DecisionColumns,
)
from backorder.domain.allocation.builder import BuiltProblem
from backorder.domain.allocation.problem import day_to_date
from backorder.domain.allocation.result import AllocationResult, Phase

_PHASES = {p.value: p.name.lower() for p in Phase}


def decode(codes: np.ndarray[Any, Any], meaning: Callable[[int], Any]) -> list[Any]:
    """`meaning(code)` for each code, computed once per distinct code."""
    distinct, inverse = np.unique(codes, return_inverse=True)
    values = np.empty(len(distinct), dtype=object)
    values[:] = [meaning(c) for c in distinct.tolist()]
    decoded: list[Any] = values[inverse.reshape(-1)].tolist()
    return decoded


def lookup(
    names: Sequence[Any], codes: np.ndarray[Any, Any], *, none_below: bool = False
) -> list[Any]:
    """`names[code]` for each code; with `none_below`, a negative code gives None."""
    table = np.empty(len(names) + 1, dtype=object)
    table[: len(names)] = list(names)
    if none_below:
        found: list[Any] = table[np.where(codes >= 0, codes, len(names))].tolist()
        return found  # the extra last slot holds None
    return list(table[: len(names)][codes].tolist())


def dates(days: np.ndarray[Any, Any]) -> list[date | None]:
    """Day numbers as dates (`NO_DAY` as None)."""
    return decode(days, day_to_date)


def allocation_columns(
    built: BuiltProblem, result: AllocationResult, run_id: str, pinned: list[dict[str, Any]]
) -> dict[str, list[Any]]:
    """The allocation rows of a run, pinned ones first, as one list per column."""
    problem = built.problem
    supply, sources = problem.supply, result.piece_source
    n = len(sources)
    columns: dict[str, list[Any]] = {
        "line_id": problem.demand.line_id[result.piece_line].tolist(),
        "source_id": lookup(built.source_ids, sources),
        "sku": lookup(problem.catalog.skus, supply.item[sources]),
        "location": lookup(problem.network.locations, supply.location[sources]),
        "quantity": result.piece_quantity.tolist(),
        "available_date": dates(result.piece_day),
        "phase": decode(result.piece_phase, _PHASES.__getitem__),
        "run_id": [run_id] * n,
    }
    return {c: [row[c] for row in pinned] + columns[c] for c in ALLOCATION_COLUMNS}


def decision_columns(
    built: BuiltProblem, result: AllocationResult, run_id: str, now: datetime
) -> DecisionColumns:
    """The decision record of every line of a run, as one list per field."""
    problem, policy = built.problem, result.policy
    demand, catalog = problem.demand, problem.catalog
    segments = result.ranking.segment
    rules = [
        ", then ".join(k.describe() for k in policy.sort_keys_of(s)) + ", then line id"
        for s in policy.segments
    ]
    n = len(demand)
    columns: dict[str, list[Any]] = {
        "line_id": demand.line_id.tolist(),
        "run_id": [run_id] * n,
        "sku": lookup(catalog.skus, demand.item),
        "home_location": lookup(problem.network.locations, demand.home),
        "rank": result.item_rank.tolist(),
        "competing_lines": result.item_lines.tolist(),
        "segment": lookup([s.name for s in policy.segments], segments),
        "strategy": lookup([s.strategy.value for s in policy.segments], segments),
        "rule": lookup(rules, segments),
        "allocated": result.allocated.tolist(),
        "substituted": result.substituted.tolist(),
        "ring_fenced": result.ring_fenced.tolist(),
        "short": result.short.tolist(),
        "late": result.late.tolist(),
        "promise_date": dates(result.promise_day),
        "cover_date": dates(result.cover_day),
        "offered_sku": lookup(catalog.skus, result.offered_item, none_below=True),
        "flags": result.flags.tolist(),
        "decided_at": [now] * n,
    }
    return DecisionColumns({c: columns[c] for c in DECISION_COLUMNS})
