"""Who comes first: segments, strategies and the priority order of demand lines.

Every line falls into the first policy segment whose filter it matches. Lines are ordered
by strategy (win, gain, redistribute, fill, lose), then by segment order in the policy,
then by the segment's sort keys, and finally by line id so the order is total and the
result deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backorder.domain.allocation.kernel import (
    lexicographic_order,
    rows_by_unique_key,
    stable_argsort,
)
from backorder.domain.allocation.policy import Policy, SegmentFilter, SortKey, SortKeyName
from backorder.domain.allocation.problem import (
    NO_DAY,
    AllocationProblem,
    BoolArray,
    FloatArray,
    IntArray,
    period_index,
)
from backorder.domain.errors import PolicyError

_UNPROMISED_LAST = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Ranking:
    """The priority order of all lines and the facts it was computed from."""

    segment: IntArray  # index into policy.segments
    strategy_order: IntArray  # Strategy.processing_order of the line's segment
    priority: IntArray  # global position: 0 is served first
    contract: BoolArray  # the customer has a commitment for the item
    ring_fence: IntArray  # units of the line covered by the remaining commitment
    by_item: IntArray  # rows sorted by item, then priority
    by_cell: IntArray  # rows sorted by item, home location, then priority
    item_sorted: IntArray  # item of each row of `by_item`
    cell_sorted: IntArray  # item x home cell of each row of `by_cell`
    row_class: IntArray  # fair-share priority class of each row
    class_id: IntArray  # fair-share priority class of each row of `by_item`, ascending
    row_of_priority: IntArray  # row holding each priority value (see `row_of_priority`)

    def take(self, rows: IntArray, problem: AllocationProblem) -> Ranking:
        """The ranking of `rows`, for `problem`: the sub-problem holding exactly those rows."""
        priority = self.priority[rows]
        # Class ids only need to stay distinct between classes; rows keep their global ids.
        return _ranking(
            problem,
            segment=self.segment[rows],
            strategy_order=self.strategy_order[rows],
            priority=priority,
            contract=self.contract[rows],
            ring_fence=self.ring_fence[rows],
            row_class=self.row_class[rows],
        )


def _ranking(
    problem: AllocationProblem,
    *,
    segment: IntArray,
    strategy_order: IntArray,
    priority: IntArray,
    contract: BoolArray,
    ring_fence: IntArray,
    row_class: IntArray,
    by_item: IntArray | None = None,
    row_of: IntArray | None = None,
) -> Ranking:
    """A ranking with its precomputed orders: by (item, priority) and (cell, priority)."""
    demand = problem.demand
    row_of = row_of_priority(priority) if row_of is None else row_of
    if by_item is None:
        by_item, _ = rows_by_unique_key(demand.item, priority, row_of)
    cell = demand.item * problem.network.size + demand.home
    by_cell, cell_sorted = rows_by_unique_key(cell, priority, row_of)
    return Ranking(
        segment=segment,
        strategy_order=strategy_order,
        priority=priority,
        contract=contract,
        ring_fence=ring_fence,
        by_item=by_item,
        by_cell=by_cell,
        item_sorted=demand.item[by_item],
        cell_sorted=cell_sorted,
        row_class=row_class,
        class_id=row_class[by_item],
        row_of_priority=row_of,
    )


def row_of_priority(priority: IntArray) -> IntArray:
    """Row holding each priority value.

    Priorities of a sub-problem keep their global values, so the table spans the largest
    one; unused entries are undefined.
    """
    row_of = np.empty(int(priority.max()) + 1 if len(priority) else 1, dtype=np.int64)
    row_of[priority] = np.arange(len(priority), dtype=np.int64)
    return row_of


def check_fair_share_classes(policy: Policy) -> None:
    """Fair-share class keys must lead every segment's ranking, so classes are contiguous."""
    keys = policy.fair_share.class_keys
    if not policy.fair_share.enabled or not keys:
        return
    for index, segment in enumerate(policy.segments):
        leading = tuple(k.key for k in policy.sort_keys_of(segment)[: len(keys)])
        if leading != keys:
            where = f"segments[{index}].sort_keys" if segment.sort_keys is not None else "sort_keys"
            raise PolicyError(
                [
                    f"fair_share.class_keys: {[k.value for k in keys]} must be the first sort "
                    f"keys of every segment, but {where} starts with "
                    f"{[k.value for k in leading]}"
                ]
            )


def segment_of_lines(problem: AllocationProblem, policy: Policy) -> IntArray:
    """Index of the first segment whose filter each line matches."""
    demand = problem.demand
    segment = np.full(len(demand), len(policy.segments) - 1, dtype=np.int64)
    for index in range(len(policy.segments) - 1, -1, -1):
        mask = _matches(policy.segments[index].when, problem)
        segment[mask] = index
    return segment


def _codes(vocabulary: tuple[str, ...], names: tuple[str, ...]) -> IntArray:
    return np.array([i for i, name in enumerate(vocabulary) if name in names], dtype=np.int64)


def _matches(when: SegmentFilter, problem: AllocationProblem) -> BoolArray:
    demand, catalog = problem.demand, problem.catalog
    mask = np.ones(len(demand), dtype=np.bool_)
    if when.customer_tier:
        mask &= np.isin(demand.tier, _codes(catalog.tiers, when.customer_tier))
    if when.region:
        mask &= np.isin(demand.region, _codes(problem.network.regions, when.region))
    if when.item_group:
        groups = catalog.item_group[demand.item]
        mask &= np.isin(groups, _codes(catalog.item_groups, when.item_group))
    if when.product_line:
        lines = catalog.product_line[demand.item]
        mask &= np.isin(lines, _codes(catalog.product_lines, when.product_line))
    if when.order_type:
        mask &= np.isin(demand.order_type, _codes(catalog.order_types, when.order_type))
    return mask


def key_column(
    key: SortKey, problem: AllocationProblem, policy: Policy, contract: BoolArray
) -> FloatArray | IntArray:
    """Values of one sort key, oriented so that smaller is served first."""
    demand = problem.demand
    column: FloatArray | IntArray
    match key.key:
        case SortKeyName.TIER:
            order = {name: i for i, name in enumerate(policy.tiers)}
            lookup = np.array(
                [order.get(name, len(order)) for name in problem.catalog.tiers], dtype=np.int64
            )
            column = lookup[demand.tier]
        case SortKeyName.CONTRACT:
            column = (~contract).astype(np.int64)
        case SortKeyName.REQUESTED_DATE:
            column = demand.requested_day
        case SortKeyName.PROMISE_DATE:
            column = np.where(demand.promise_day == NO_DAY, _UNPROMISED_LAST, demand.promise_day)
        case SortKeyName.MARGIN:
            column = demand.unit_price - demand.unit_cost
        case SortKeyName.ORDER_VALUE:
            column = demand.unit_price * demand.quantity
        case SortKeyName.ORDER_TIME:
            column = demand.order_time
        case SortKeyName.QUANTITY:
            column = demand.quantity
        case SortKeyName.RISK:
            column = demand.risk
    # The natural direction of each column is "smaller first"; a descending key flips it.
    return -column if key.descending else column


def _contract_lines(problem: AllocationProblem) -> BoolArray:
    commitments, demand = problem.commitments, problem.demand
    if not len(commitments):
        return np.zeros(len(demand), dtype=np.bool_)
    items = problem.catalog.size
    pairs = np.unique(commitments.customer * items + commitments.item)
    key = demand.customer * items + demand.item
    # Lines sorted by (customer, item): each committed pair covers one run of them, found
    # by two binary searches per pair; a running count marks the runs.
    rows = stable_argsort(key, int(max(key.max(initial=0), pairs[-1])) + 1)
    ordered = key[rows]
    marks = np.zeros(len(demand) + 1, dtype=np.int64)
    np.add.at(marks, np.searchsorted(ordered, pairs, side="left"), 1)
    np.subtract.at(marks, np.searchsorted(ordered, pairs, side="right"), 1)
    contract = np.zeros(len(demand), dtype=np.bool_)
    contract[rows] = np.cumsum(marks[:-1]) > 0
    return contract


def rank_lines(problem: AllocationProblem, policy: Policy) -> Ranking:
    """Segment, strategy and global priority position of every line."""
    check_fair_share_classes(policy)
    demand = problem.demand
    n = len(demand)
    segment = segment_of_lines(problem, policy)
    strategy_lookup = np.array(
        [s.strategy.processing_order for s in policy.segments], dtype=np.int64
    )
    strategy_order = strategy_lookup[segment]
    contract = _contract_lines(problem)
    columns = sort_key_columns(problem, policy, segment, contract)
    order = lexicographic_order([strategy_order, segment, *columns, demand.line_id])
    priority = np.empty(n, dtype=np.int64)
    priority[order] = np.arange(n, dtype=np.int64)
    class_width = len(policy.fair_share.class_keys) if policy.fair_share.enabled else 0
    # A fair-share class: one item, strategy and segment, tied on the class keys. In
    # (item, priority) order its lines are consecutive, so boundaries are value changes.
    by_item, item_sorted = rows_by_unique_key(demand.item, priority, order)
    change = np.zeros(n, dtype=np.bool_)
    change[1:] = item_sorted[1:] != item_sorted[:-1]
    # The strategy follows from the segment: comparing segments covers both.
    for key in [segment, *columns[:class_width]]:
        ordered = key[by_item]
        change[1:] |= ordered[1:] != ordered[:-1]
    row_class = np.empty(n, dtype=np.int64)
    row_class[by_item] = np.cumsum(change)
    return _ranking(
        problem,
        segment=segment,
        strategy_order=strategy_order,
        priority=priority,
        contract=contract,
        ring_fence=_ring_fenced_units(problem, policy, contract, priority),
        row_class=row_class,
        by_item=by_item,
        row_of=order,
    )


def sort_key_columns(
    problem: AllocationProblem, policy: Policy, segment: IntArray, contract: BoolArray
) -> list[FloatArray | IntArray]:
    """Per sort-key position, each line's value under its own segment's key at that position."""
    n = len(problem.demand)
    width = max(len(policy.sort_keys_of(s)) for s in policy.segments)
    present = np.flatnonzero(np.bincount(segment, minlength=len(policy.segments))).tolist()
    columns: list[FloatArray | IntArray] = []
    for position in range(width):
        keys = {
            index: policy.sort_keys_of(policy.segments[index])[position]
            for index in present
            if position < len(policy.sort_keys_of(policy.segments[index]))
        }
        distinct = set(keys.values())
        if len(distinct) == 1 and len(keys) == len(present):
            # The common case: every segment ranks by the same key here.
            columns.append(key_column(distinct.pop(), problem, policy, contract))
            continue
        column = np.zeros(n, dtype=np.float64)
        for index, key in keys.items():
            rows = segment == index
            column[rows] = key_column(key, problem, policy, contract)[rows]
        columns.append(column)
    return columns


def _ring_fenced_units(
    problem: AllocationProblem, policy: Policy, contract: BoolArray, priority: IntArray
) -> IntArray:
    """Units of each contract line covered by what is left of its commitment.

    Within one customer x item x period the remaining commitment goes to the customer's
    lines in priority order.
    """
    demand, commitments = problem.demand, problem.commitments
    fenced = np.zeros(len(demand), dtype=np.int64)
    if not policy.ring_fence.enabled or not contract.any():
        return fenced
    items = problem.catalog.size
    for kind in np.unique(commitments.period_kind).tolist():
        rows = commitments.period_kind == kind
        c_pair = commitments.customer[rows] * items + commitments.item[rows]
        c_period = commitments.period[rows]
        c_remaining = commitments.remaining[rows]
        if not len(c_pair):
            continue
        lines = np.flatnonzero(contract)
        l_pair = demand.customer[lines] * items + demand.item[lines]
        l_period = period_index(kind, demand.requested_day[lines])
        # Match line (pair, period) to commitment rows by a sorted composite key.
        # Period indexes stay far below 2**24 (a week index reaches that in 300,000 years).
        flat_c = c_pair * (1 << 24) + c_period
        c_order = np.argsort(flat_c, kind="stable")
        flat_c = flat_c[c_order]
        flat_l = l_pair * (1 << 24) + l_period
        pos = np.searchsorted(flat_c, flat_l)
        found = (pos < len(flat_c)) & (flat_c[np.minimum(pos, len(flat_c) - 1)] == flat_l)
        lines, flat_l = lines[found], flat_l[found]
        if not len(lines):
            continue  # no contract line falls in a period of these commitments
        remaining = c_remaining[c_order][pos[found]]
        # Consume each commitment in priority order of its lines.
        order = np.lexsort((priority[lines], flat_l))
        lines, flat_l, remaining = lines[order], flat_l[order], remaining[order]
        qty = demand.quantity[lines]
        cumulative = np.cumsum(qty)
        starts = np.r_[True, flat_l[1:] != flat_l[:-1]]
        group_base = (cumulative - qty)[np.flatnonzero(starts)][np.cumsum(starts) - 1]
        before = cumulative - qty - group_base
        fenced[lines] = np.clip(remaining - before, 0, qty)
    return fenced
