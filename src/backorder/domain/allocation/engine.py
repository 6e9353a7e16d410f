"""The priority engine: rules-based allocation of supply to demand, vectorised with numpy.

Passes, in order (each serves lines in priority order, see `ranking.py`; the sourcing
rounds each pass walks are described in `passes.py`):

1. **kept**: `fill` and `gain` lines keep what they held from the previous run;
2. **ring-fence**: contract lines receive the part of their quantity covered by what is
   left of the customer's commitment for the item and period;
3. **priority**: `win`, `gain` and `redistribute` lines receive the rest, with fair-share
   rationing inside a priority class when its shortage exceeds the policy threshold, and
   a top-up from what rationing left unreachable;
4. **substitute**: lines still short draw on substitute items when policy and customer
   allow it (customers who must be asked get an offer instead);
5. **ship-complete**: a ship-complete line that ended partially served releases all it
   got, the highest-ranked such line per item first, and its items are re-run.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from backorder.domain.allocation.kernel import concatenated_ranges, fill_in_order
from backorder.domain.allocation.passes import FILL, LOSE, WIN, Ledger, Run, supply_order
from backorder.domain.allocation.policy import Policy
from backorder.domain.allocation.problem import (
    KIND_ON_HAND,
    NO_DAY,
    AllocationProblem,
    BoolArray,
    IntArray,
    PreviousAllocations,
)
from backorder.domain.allocation.ranking import Ranking, rank_lines
from backorder.domain.allocation.result import AllocationResult, Flag, Phase, empty_day_array

# A chain of ship-complete lines is released one per item per iteration; after this many
# iterations the remaining partial ones are released together.
MAX_SHIP_COMPLETE_ITERATIONS = 50


def allocate(
    problem: AllocationProblem, policy: Policy, ranking: Ranking | None = None
) -> AllocationResult:
    """Allocate supply to demand by the policy's rules; explainable and deterministic."""
    ranking = ranking or rank_lines(problem, policy)
    order = supply_order(problem)
    excluded = np.zeros(len(problem.demand), dtype=np.bool_)
    run = _run_passes(problem, policy, ranking, excluded, order)
    _settle_ship_complete(problem, policy, ranking, run, order)
    return assemble(problem, policy, ranking, run, solver="priority")


def reallocate(
    problem: AllocationProblem, policy: Policy, previous: AllocationResult, items: IntArray
) -> AllocationResult:
    """Re-run only `items` (and items sharing stock with them) after a change.

    What the lines held in `previous` is what `fill` and `gain` lines keep; the result
    covers the lines of the affected items only. `problem` carries the changed state (a
    receipt, a cancellation, new priorities or a new policy).
    """
    sub_problem = problem.for_items(items)
    before = previous.problem.demand
    # Filter the pieces by a boolean gather first and pick the few kept ones afterwards:
    # every full pass over a million pieces costs milliseconds.
    line_in_scope = problem.scope_of(items)[before.item]
    kept = np.flatnonzero(
        line_in_scope[previous.piece_line] & (previous.piece_phase != Phase.SUBSTITUTE)
    )
    kept_lines = previous.piece_line[kept]
    sub_problem = replace(
        sub_problem,
        previous=PreviousAllocations(
            line_id=before.line_id[kept_lines],
            source_id=previous.problem.supply.source_id[previous.piece_source[kept]],
            item=before.item[kept_lines],
            quantity=previous.piece_quantity[kept],
        ),
    )
    return allocate(sub_problem, policy)


def _run_passes(
    problem: AllocationProblem,
    policy: Policy,
    ranking: Ranking,
    excluded: BoolArray,
    consumption_order: IntArray,
) -> Run:
    run = Run(problem, policy, ranking, excluded, consumption_order)
    run.keep_previous()
    run.ring_fence()
    run.priority()
    run.substitute()
    strategy = ranking.strategy_order
    run.flags[strategy == LOSE] |= Flag.RELEASED_BY_STRATEGY
    run.flags[strategy == FILL] |= Flag.HELD_BY_STRATEGY
    return run


def _covered(run: Run) -> IntArray:
    return run.kept + run.fenced + run.prioritised + run.substituted


def _settle_ship_complete(
    problem: AllocationProblem,
    policy: Policy,
    ranking: Ranking,
    run: Run,
    consumption_order: IntArray,
) -> None:
    """Release partially served ship-complete lines and re-run their items until none is left.

    Releasing the best-ranked partial line per item first mirrors a sequential walk: that
    line would have found too little when its turn came, and what it gives back may
    complete a ship-complete line further down. Each re-run replaces the outcome of the
    lines it covers; their pieces are taken from the latest run that covered them.
    """
    demand, catalog, supply = problem.demand, problem.catalog, problem.supply
    group = catalog.sub_group[demand.item]
    latest = np.zeros(run.n, dtype=np.int64)  # which ledger holds each line's pieces
    ledgers: list[tuple[Ledger, IntArray | None, IntArray | None]] = [(run.ledger, None, None)]
    # Lines (by item) and supply (in consumption order) of each item are contiguous: the
    # rows of a few items are gathered from these ranges without a scan of the problem.
    every_item = np.arange(catalog.size + 1)
    line_start = np.searchsorted(ranking.item_sorted, every_item)
    supply_start = np.searchsorted(supply.item[consumption_order], every_item)
    checked: IntArray | None = None  # lines that may be partial; None: all of them
    for iteration in range(MAX_SHIP_COMPLETE_ITERATIONS + 1):
        partial = _partial_ship_complete(run, checked)
        if not len(partial):
            break
        release = (
            _best_per_group(partial, group, ranking.priority)
            if iteration < MAX_SHIP_COMPLETE_ITERATIONS
            else partial
        )
        run.excluded[release] = True
        in_scope = problem.scope_of(np.unique(demand.item[release]))
        items = np.flatnonzero(in_scope)
        rows = np.sort(ranking.by_item[_ranges(line_start, items)])
        ordered_supply = consumption_order[_ranges(supply_start, items)]
        supply_rows = np.sort(ordered_supply)
        sub_problem = problem.subset(in_scope, rows, supply_rows)
        part = _run_passes(
            sub_problem,
            policy,
            ranking.take(rows, sub_problem),
            run.excluded[rows],
            np.searchsorted(supply_rows, ordered_supply),
        )
        for name in ("kept", "fenced", "prioritised", "substituted", "offered", "excluded"):
            getattr(run, name)[rows] = getattr(part, name)
        run.flags[rows] = part.flags | (run.flags[rows] & Flag.SHIP_COMPLETE_RELEASED)
        run.flags[release] |= Flag.SHIP_COMPLETE_RELEASED
        latest[rows] = len(ledgers)
        ledgers.append((part.ledger, rows, supply_rows))
        # Every partial line's group had a line released, so it was re-run: only lines
        # of this re-run can still be partial.
        checked = rows
    if len(ledgers) > 1:
        run.ledger = _merge_ledgers(ledgers, latest)


def _partial_ship_complete(run: Run, rows: IntArray | None) -> IntArray:
    """Ship-complete lines (among `rows`; None: all) that are served, but not fully."""
    if rows is None:
        rows = np.arange(run.n)
    covered = run.kept[rows] + run.fenced[rows] + run.prioritised[rows] + run.substituted[rows]
    partial = run.ship_complete_lines()[rows] & ~run.excluded[rows] & (covered > 0)
    partial &= covered < run.problem.demand.quantity[rows]
    return rows[partial]


def _ranges(start: IntArray, items: IntArray) -> IntArray:
    """Positions `start[i]:start[i + 1]` of each of `items`, concatenated."""
    return concatenated_ranges(start[items], start[items + 1] - start[items])


def _merge_ledgers(
    ledgers: list[tuple[Ledger, IntArray | None, IntArray | None]], latest: IntArray
) -> Ledger:
    """One ledger holding, for every line, the pieces of the latest run that covered it.

    Rows and supply rows map a re-run's positions to the problem's (None: the same).
    """
    merged = Ledger()
    for index, (ledger, rows, supply_rows) in enumerate(ledgers):
        line = ledger.column("line")
        source = ledger.column("source")
        if rows is not None and supply_rows is not None:
            line, source = rows[line], supply_rows[source]
        mine = latest[line] == index
        merged.line.append(line[mine])
        merged.source.append(source[mine])
        for name in ("quantity", "phase"):
            getattr(merged, name).append(ledger.column(name)[mine])
    return merged


def _best_per_group(rows: IntArray, group: IntArray, priority: IntArray) -> IntArray:
    """The best-ranked row of each group."""
    order = np.lexsort((priority[rows], group[rows]))
    rows = rows[order]
    keys = group[rows]
    return rows[np.r_[True, keys[1:] != keys[:-1]]]


def assemble(
    problem: AllocationProblem, policy: Policy, ranking: Ranking, run: Run, solver: str
) -> AllocationResult:
    """Turn a finished run into the column-wise decision records."""
    demand = problem.demand
    n = len(demand)
    line = run.ledger.column("line")
    source = run.ledger.column("source")
    quantity = run.ledger.column("quantity")
    day = run.arrival_days(line, source)
    phase = run.ledger.column("phase")
    covered = _covered(run)
    short = np.maximum(demand.quantity - covered, 0)
    first_day = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last_day = empty_day_array(n)
    np.minimum.at(first_day, line, day)
    np.maximum.at(last_day, line, day)
    first_day[first_day == np.iinfo(np.int64).max] = NO_DAY
    # The customer is promised the requested day, or the day the last unit is ready when
    # that is later: stock ready early does not make a new promise every day it waits.
    promise_day = np.where(
        (short == 0) & (covered > 0), np.maximum(last_day, demand.requested_day), NO_DAY
    )
    late_units = np.bincount(
        line, weights=np.where(day > demand.requested_day[line], quantity, 0), minlength=n
    ).astype(np.int64)
    # Substitute pieces count in substitute units; lateness is reported in ordered units.
    late = np.minimum(late_units, covered)

    flags = run.flags
    flags[late > 0] |= Flag.LATE
    cross = line[problem.supply.location[source] != demand.home[line]]
    flags[cross] |= Flag.CROSS_DC
    flags[(ranking.strategy_order == WIN) & (short > 0)] |= Flag.WIN_NOT_CONFIRMED
    offered = np.where(short > 0, run.offered, -1)
    flags[offered >= 0] |= Flag.SUBSTITUTE_OFFERED

    item_sorted = ranking.item_sorted
    starts_item = np.r_[True, item_sorted[1:] != item_sorted[:-1]] if n else np.zeros(0, bool)
    first = np.flatnonzero(starts_item)
    sizes = np.diff(np.r_[first, n])
    item_rank = np.empty(n, dtype=np.int64)
    item_rank[ranking.by_item] = np.arange(n) - np.repeat(first, sizes) + 1
    item_lines = np.empty(n, dtype=np.int64)
    item_lines[ranking.by_item] = np.repeat(sizes, sizes)

    return AllocationResult(
        problem=problem,
        policy=policy,
        solver=solver,
        ranking=ranking,
        allocated=run.kept + run.fenced + run.prioritised,
        substituted=run.substituted,
        kept=run.kept,
        ring_fenced=run.fenced,
        short=short,
        late=late,
        promise_day=promise_day,
        first_day=first_day,
        cover_day=_cover_days(problem, policy, ranking, short),
        offered_item=offered,
        item_rank=item_rank,
        item_lines=item_lines,
        flags=flags,
        piece_line=line,
        piece_source=source,
        piece_quantity=quantity,
        piece_day=day,
        piece_phase=phase,
    )


def _cover_days(
    problem: AllocationProblem, policy: Policy, ranking: Ranking, short: IntArray
) -> IntArray:
    """For short lines, the day known receipts beyond the horizon would cover them.

    Short lines of an item queue in priority order for the item's receipts dated after
    the planning horizon (any DC): a what-if, nothing is allocated.
    """
    cover = empty_day_array(len(short))
    supply = problem.supply
    beyond = np.flatnonzero(
        (supply.day > problem.as_of_day + policy.horizon_days) & (supply.kind != KIND_ON_HAND)
    )
    if not len(beyond) or not short.any():
        return cover
    lines = ranking.by_item[short[ranking.by_item] > 0]
    beyond = beyond[np.lexsort((supply.source_id[beyond], supply.day[beyond], supply.item[beyond]))]
    pieces = fill_in_order(
        lines,
        problem.demand.item[lines],
        short[lines],
        beyond,
        supply.item[beyond],
        supply.quantity.copy(),
    )
    if not len(pieces):
        return cover
    got = np.bincount(pieces.line, weights=pieces.quantity, minlength=len(short))
    whole = got[pieces.line] >= short[pieces.line]
    np.maximum.at(cover, pieces.line[whole], supply.day[pieces.source[whole]])
    return cover
