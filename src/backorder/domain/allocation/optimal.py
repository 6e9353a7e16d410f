"""The optimal engine: the allocation as a linear program solved with HiGHS.

Each (line, source) pair a line may draw from is a variable; the program maximises

    sum over units of  fill_value + margin x tier weight (+ win bonus)
                       - lateness penalty x days late - lane cost per unit
    + ring-fence bonus x ring-fenced units

subject to: a line gets at most its open quantity, a source gives at most what it has,
ring-fenced units at most the line's ring-fence. It is a transportation problem, so the
optimal vertex HiGHS returns is integral.

Honoured: `fill`/`gain` lines keep what they held (reserved before solving), `lose` and
`fill` lines get nothing new, ring-fences (by a bonus large enough to dominate), `win`
(by a bonus), geography (only reachable DCs within `max_transfer_days`, cross-region per
policy), ship-complete (partial ship-complete lines are dropped and their items solved
again, as in the priority engine). Not honoured: `max_sources_per_line` (a split limit is
not linear), fair-share rationing (the objective decides instead) and substitution
(substitutes are left to the priority engine and to planners).

Items are independent, so the program is solved in chunks of items.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from highspy import _core

from backorder.domain.allocation.engine import allocate, assemble
from backorder.domain.allocation.kernel import Pieces
from backorder.domain.allocation.passes import REDISTRIBUTE, WIN, Run, supply_order
from backorder.domain.allocation.policy import Policy
from backorder.domain.allocation.problem import AllocationProblem, FloatArray, IntArray
from backorder.domain.allocation.ranking import Ranking, rank_lines
from backorder.domain.allocation.result import AllocationResult, Flag, Phase
from backorder.domain.errors import DomainError

# Variables per solved program. Items are independent, and many small programs solve
# faster in total than one large one (measured: 2,000 columns ~4x faster than 400,000).
CHUNK_COLUMNS = 2_000
MAX_SHIP_COMPLETE_ROUNDS = 5


@dataclass(frozen=True)
class Candidates:
    """Every (line, source) pair a line may draw from, with its value per unit."""

    line: IntArray
    source: IntArray
    value: FloatArray
    arrival: IntArray


@dataclass(frozen=True)
class OptimalResult:
    """The optimal allocation and how it compares with the priority engine's."""

    result: AllocationResult
    objective: float
    priority_objective: float | None


def unit_values(problem: AllocationProblem, policy: Policy, ranking: Ranking) -> FloatArray:
    """Value of one allocated unit per line, before lateness and transfer cost."""
    demand, catalog = problem.demand, problem.catalog
    weights = np.array([policy.weight_of(tier) for tier in catalog.tiers], dtype=np.float64)
    margin = demand.unit_price - demand.unit_cost
    value = policy.optimal.fill_value_per_unit + margin * weights[demand.tier]
    return value + np.where(ranking.strategy_order == WIN, policy.optimal.win_bonus, 0.0)


def candidate_pairs(run: Run, lines: IntArray, values: FloatArray) -> Candidates:
    """Pairs of `lines` with the horizon supply of their item at reachable DCs."""
    problem, policy = run.problem, run.policy
    demand, supply, network = problem.demand, problem.supply, problem.network
    horizon = run.windows[1]
    horizon = horizon[run.supply_left[horizon] > 0]
    # `horizon` is in consumption order, so each item's sources are contiguous.
    source_item = supply.item[horizon]
    start = np.searchsorted(source_item, np.arange(problem.catalog.size + 1))
    count = np.diff(start)[demand.item[lines]]
    line = np.repeat(lines, count)
    offset = np.arange(len(line)) - np.repeat(np.cumsum(count) - count, count)
    source = horizon[np.repeat(start[demand.item[lines]], count) + offset]
    origin, home = supply.location[source], demand.home[line]
    reachable = np.zeros((network.size, network.size), dtype=np.bool_)
    reachable[np.arange(network.size), np.arange(network.size)] = True
    for dc in range(network.size):
        others = run.sequence[dc]
        reachable[others[others >= 0], dc] = True
    keep = reachable[origin, home]
    line, source, origin, home = line[keep], source[keep], origin[keep], home[keep]
    arrival = run.arrival_days(line, source)
    late_days = np.maximum(arrival - demand.requested_day[line], 0)
    value = (
        values[line]
        - policy.optimal.lateness_penalty_per_unit_day * late_days
        - network.lane_cost[origin, home]
    )
    return Candidates(line=line, source=source, value=value, arrival=arrival)


def _solve_chunk(
    pairs: Candidates, need: IntArray, supply_left: IntArray, fence: IntArray, bonus: float
) -> FloatArray:
    """Solve one program; returns the allocated quantity per pair."""
    lines, line_row = np.unique(pairs.line, return_inverse=True)
    sources, source_row = np.unique(pairs.source, return_inverse=True)
    fenced = np.flatnonzero(fence[lines] > 0)
    n_pairs, n_lines, n_sources, n_fenced = len(pairs.line), len(lines), len(sources), len(fenced)
    fence_row = np.full(n_lines, -1, dtype=np.int64)
    fence_row[fenced] = n_lines + n_sources + np.arange(n_fenced)

    # Column-wise matrix: a pair sits in its line row, its source row and (for contract
    # lines) with -1 in the line's ring-fence row "fenced units <= units received".
    has_fence = fence_row[line_row] >= 0
    per_column = 2 + has_fence.astype(np.int64)
    starts = np.r_[0, np.cumsum(per_column)]
    index = np.empty(int(starts[-1]), dtype=np.int32)
    value = np.empty(int(starts[-1]), dtype=np.float64)
    index[starts[:-1]] = line_row
    value[starts[:-1]] = 1.0
    index[starts[:-1] + 1] = n_lines + source_row
    value[starts[:-1] + 1] = 1.0
    third = starts[:-1][has_fence] + 2
    index[third] = fence_row[line_row[has_fence]]
    value[third] = -1.0
    # Ring-fence columns: one per contract line, +1 in its ring-fence row.
    fence_start = starts[-1] + np.arange(n_fenced + 1)
    index = np.r_[index, fence_row[fenced]].astype(np.int32)
    value = np.r_[value, np.ones(n_fenced)]
    col_start = np.r_[starts[:-1], fence_start].astype(np.int32)

    lp = highspy.HighsLp()
    lp.num_col_ = n_pairs + n_fenced
    lp.num_row_ = n_lines + n_sources + n_fenced
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.r_[pairs.value, np.full(n_fenced, bonus)]
    lp.col_lower_ = np.zeros(lp.num_col_)
    lp.col_upper_ = np.r_[
        need[pairs.line].astype(np.float64), fence[lines[fenced]].astype(np.float64)
    ]
    lp.row_lower_ = np.full(lp.num_row_, -highspy.kHighsInf)
    lp.row_upper_ = np.r_[
        need[lines].astype(np.float64),
        supply_left[sources].astype(np.float64),
        np.zeros(n_fenced),
    ]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = col_start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    # The core class, unlike the `highspy.Highs` wrapper, prints no banner on stdout
    # (stdout carries our JSON output); callbacks are not needed here.
    highs = _core._Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", 0)
    highs.passModel(lp)
    highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise DomainError(f"optimal solver: HiGHS ended with {highs.modelStatusToString(status)}")
    solution = np.asarray(highs.getSolution().col_value[:n_pairs])
    return np.asarray(np.rint(solution), dtype=np.float64)


def _chunks(items: IntArray) -> list[IntArray]:
    """Positions grouped into chunks of whole items, each about CHUNK_COLUMNS long."""
    if not len(items):
        return []
    order = np.argsort(items, kind="stable")
    sorted_items = items[order]
    boundaries = np.flatnonzero(np.r_[True, sorted_items[1:] != sorted_items[:-1]])
    chunks, begin = [], 0
    for cut in boundaries[1:]:
        if cut - begin >= CHUNK_COLUMNS:
            chunks.append(order[begin:cut])
            begin = int(cut)
    chunks.append(order[begin:])
    return chunks


def _solve_pairs(run: Run, pairs: Candidates, rows: IntArray, need: IntArray) -> IntArray:
    """Solve the pairs at `rows` chunk by chunk; returns their quantities."""
    fence = np.minimum(np.maximum(run.ranking.ring_fence - run.kept, 0), need)
    quantity = np.zeros(len(rows), dtype=np.int64)
    items = run.problem.demand.item[pairs.line[rows]]
    for chunk in _chunks(items):
        at = rows[chunk]
        part = Candidates(
            line=pairs.line[at],
            source=pairs.source[at],
            value=pairs.value[at],
            arrival=pairs.arrival[at],
        )
        quantity[chunk] = _solve_chunk(
            part, need, run.supply_left, fence, run.policy.optimal.ring_fence_bonus
        ).astype(np.int64)
    return quantity


def optimise(
    problem: AllocationProblem, policy: Policy, *, compare_with_priority: bool = True
) -> OptimalResult:
    """Solve the allocation to optimality and report the objective of both engines."""
    ranking = rank_lines(problem, policy)
    values = unit_values(problem, policy, ranking)
    run = Run(
        problem,
        policy,
        ranking,
        np.zeros(len(problem.demand), dtype=np.bool_),
        supply_order(problem),
    )
    run.keep_previous()
    eligible = ranking.strategy_order <= REDISTRIBUTE
    need = np.where(eligible, problem.demand.quantity - run.kept, 0)
    pairs = candidate_pairs(run, np.flatnonzero(need > 0), values)
    rows = np.arange(len(pairs.line))
    quantity = _solve_pairs(run, pairs, rows, need)
    pair_item = problem.demand.item[pairs.line]
    for _ in range(MAX_SHIP_COMPLETE_ROUNDS):
        got = np.bincount(pairs.line, weights=quantity, minlength=run.n).astype(np.int64)
        partial = (
            run.ship_complete_lines()
            & ~run.excluded
            & (got > 0)
            & (got + run.kept < problem.demand.quantity)
        )
        if not partial.any():
            break
        # Partial ship-complete lines step aside; only their items are solved again.
        run.excluded |= partial
        need[partial] = 0
        affected = np.isin(pair_item, np.unique(problem.demand.item[partial]))
        quantity[affected] = 0
        rows = np.flatnonzero(affected & (need[pairs.line] > 0))
        quantity[rows] = _solve_pairs(run, pairs, rows, need)
    got = np.bincount(pairs.line, weights=quantity, minlength=run.n).astype(np.int64)
    dropped = run.ship_complete_lines() & (got > 0) & (got + run.kept < problem.demand.quantity)
    quantity[dropped[pairs.line]] = 0
    run.excluded |= dropped
    got[dropped] = 0

    taken = quantity > 0
    pieces = Pieces(line=pairs.line[taken], source=pairs.source[taken], quantity=quantity[taken])
    run.ledger.add(pieces, Phase.PRIORITY)
    run.fenced = np.minimum(np.maximum(ranking.ring_fence - run.kept, 0), got)
    run.prioritised = got - run.fenced
    run.flags[run.excluded] |= Flag.SHIP_COMPLETE_RELEASED
    result = assemble(problem, policy, ranking, run, solver="optimal")
    priority_objective = None
    if compare_with_priority:
        priority_objective = objective_of(allocate(problem, policy, ranking), values)
    return OptimalResult(
        result=result,
        objective=objective_of(result, values),
        priority_objective=priority_objective,
    )


def objective_of(result: AllocationResult, values: FloatArray | None = None) -> float:
    """The optimal engine's objective evaluated on any result (substitutes excluded)."""
    problem, policy = result.problem, result.policy
    if values is None:
        values = unit_values(problem, policy, result.ranking)
    own = result.piece_phase != Phase.SUBSTITUTE
    line, source = result.piece_line[own], result.piece_source[own]
    quantity = result.piece_quantity[own].astype(np.float64)
    demand, supply, network = problem.demand, problem.supply, problem.network
    late_days = np.maximum(result.piece_day[own] - demand.requested_day[line], 0)
    per_unit = (
        values[line]
        - policy.optimal.lateness_penalty_per_unit_day * late_days
        - network.lane_cost[supply.location[source], demand.home[line]]
    )
    fenced = np.minimum(result.ranking.ring_fence, result.allocated)
    return float(
        (per_unit * quantity).sum() + policy.optimal.ring_fence_bonus * float(fenced.sum())
    )
