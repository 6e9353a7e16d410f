"""Fair-share rationing inside priority classes of the priority engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from backorder.domain.allocation.kernel import cumulative_within_groups
from backorder.domain.allocation.problem import BoolArray, IntArray
from backorder.domain.allocation.result import Flag

if TYPE_CHECKING:
    from backorder.domain.allocation.passes import Run


class PriorityClasses:
    """Lines of one item, strategy, segment and fair-share class key values, in rank order.

    Only lines with a need, and of the items in `scope` (None: every item), take part.
    """

    def __init__(self, run: Run, need: IntArray, scope: BoolArray | None) -> None:
        ranking = run.ranking
        self.run = run
        need_sorted = need[ranking.by_item]
        wanted = need_sorted > 0
        if scope is not None:
            wanted &= scope[ranking.item_sorted]
        self.lines = ranking.by_item[wanted]
        self.need = need_sorted[wanted]
        self.item = ranking.item_sorted[wanted]
        class_id = ranking.class_id[wanted]
        boundary = np.empty(len(self.lines), dtype=np.bool_)
        boundary[:1] = True
        boundary[1:] = class_id[1:] != class_id[:-1]
        self.cls = np.cumsum(boundary) - 1
        self.first = np.flatnonzero(boundary)

    def entitlements(self) -> tuple[IntArray, IntArray, IntArray]:
        """Lines of rationed classes, their fair shares, and the ship-complete ones among
        them that would get a partial share."""
        run, lines, first, cls = self.run, self.lines, self.first, self.cls
        if not len(lines):
            return lines, lines, lines
        problem = run.problem
        horizon = run.windows[1]
        item_supply = np.bincount(
            problem.supply.item[horizon],
            weights=run.supply_left[horizon],
            minlength=problem.catalog.size,
        ).astype(np.int64)
        qty = self.need
        within_item = cumulative_within_groups(self.item, qty)
        class_demand = np.add.reduceat(qty, first)
        demand_before = (within_item - qty)[first]
        available = np.clip(item_supply[self.item[first]] - demand_before, 0, class_demand)
        threshold = run.policy.fair_share.shortage_threshold
        rationed = (class_demand > 0) & (available < class_demand * (1.0 - threshold))
        if not rationed.any():
            return lines[:0], lines[:0], lines[:0]

        rows = np.flatnonzero(rationed[cls])
        r_cls = cls[rows]
        share = qty[rows] * available[r_cls]
        entitled = share // class_demand[r_cls]
        remainder = share % class_demand[r_cls]
        leftover = available - np.bincount(r_cls, weights=entitled, minlength=len(first)).astype(
            np.int64
        )
        entitled += largest_remainder_bonus(r_cls, remainder, leftover)

        short_of_share = entitled < qty[rows]
        rationed_lines = lines[rows]
        # A ship-complete line offered a partial share steps aside; one offered nothing
        # simply waits (it may still be completed from stock rationing left unreachable).
        partial_share = short_of_share & (entitled > 0)
        stepping_aside = rationed_lines[partial_share & run.ship_complete_lines()[rationed_lines]]
        run.flags[rationed_lines[short_of_share]] |= Flag.RATIONED
        return rationed_lines, entitled, stepping_aside


def largest_remainder_bonus(cls: IntArray, remainder: IntArray, leftover: IntArray) -> IntArray:
    """One extra unit for the `leftover[c]` largest remainders of each class c.

    Rows are in rank order inside each class, so ordering by (class, largest remainder)
    with the row position as last key gives remainder ties to the better-ranked line.
    """
    n = len(cls)
    span = int(remainder.max()) + 1 if n else 1
    classes = int(cls.max()) + 1 if n else 1
    if classes * span < (1 << 62) // max(n, 1):
        # The position makes every key distinct: sorting the values yields the order.
        order = np.sort((cls * span + (span - 1 - remainder)) * n + np.arange(n)) % n
    else:
        order = np.lexsort((np.arange(n), -remainder, cls))
    sorted_cls = cls[order]
    starts = np.flatnonzero(np.r_[True, sorted_cls[1:] != sorted_cls[:-1]])
    position = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    bonus = np.zeros(n, dtype=np.int64)
    bonus[order] = position < leftover[sorted_cls]
    return bonus
