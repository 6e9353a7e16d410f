"""Forced ("pinned") allocations: the engines allocate around them, never over them.

A planner may assign specific supply to a line against the policy (force-allocate). Those
units are taken out of the problem before an engine runs (the line needs that much less,
the source has that much less) and added back to the line's outcome afterwards, so no
later run can hand them to another line, whatever its rank or strategy. Both engines get
this for free, because they only ever see the reduced problem.

A pin holds as far as its facts do: never more than the source still has, nor more than
the line still orders (a reduced quantity or a shrunken stock clips it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from backorder.domain.allocation.kernel import cumulative_within_groups
from backorder.domain.allocation.problem import NO_DAY, AllocationProblem, IntArray
from backorder.domain.allocation.result import AllocationResult, Flag

FORCED_PHASE = "forced"  # the phase stored with forced allocation rows


@dataclass(frozen=True)
class Pins:
    """Units of supply sources forced to lines, one row per (line, source)."""

    line: IntArray  # row in problem.demand
    source: IntArray  # row in problem.supply
    quantity: IntArray

    @classmethod
    def empty(cls) -> Pins:
        """No forced allocations."""
        z = np.zeros(0, dtype=np.int64)
        return cls(line=z, source=z, quantity=z)

    def __len__(self) -> int:
        return len(self.line)

    def arrival_days(self, problem: AllocationProblem) -> IntArray:
        """Day each pinned piece can be at its line's home DC (lane lead time if elsewhere)."""
        supply, network = problem.supply, problem.network
        origin = supply.location[self.source]
        home = problem.demand.home[self.line]
        lane = np.maximum(network.lane_days[origin, home], 0)
        return supply.day[self.source] + np.where(origin == home, 0, lane)


def _merged(pins: Pins) -> Pins:
    """One row per (line, source), ordered by source then line."""
    order = np.lexsort((pins.line, pins.source))
    line, source, quantity = pins.line[order], pins.source[order], pins.quantity[order]
    starts = np.flatnonzero(
        np.r_[True, (line[1:] != line[:-1]) | (source[1:] != source[:-1])]
    ).astype(np.int64)
    return Pins(line[starts], source[starts], np.add.reduceat(quantity, starts))


def apply_pins(problem: AllocationProblem, pins: Pins) -> tuple[AllocationProblem, Pins]:
    """The problem without the pinned units, and the pins as far as they still hold."""
    if not len(pins):
        return problem, pins
    pins = _merged(pins)
    # A source that shrank keeps its pins in line order; later ones lose what is missing.
    upto = cumulative_within_groups(pins.source, pins.quantity)
    capacity = problem.supply.quantity[pins.source]
    quantity = np.clip(capacity - (upto - pins.quantity), 0, pins.quantity)
    # A line never holds more pinned units than it still orders.
    by_line = np.lexsort((pins.source, pins.line))
    line, source, quantity = pins.line[by_line], pins.source[by_line], quantity[by_line]
    upto = cumulative_within_groups(line, quantity)
    quantity = np.clip(problem.demand.quantity[line] - (upto - quantity), 0, quantity)
    keep = quantity > 0
    held = Pins(line[keep], source[keep], quantity[keep])
    demand = replace(
        problem.demand,
        quantity=problem.demand.quantity
        - np.bincount(held.line, weights=held.quantity, minlength=len(problem.demand)).astype(
            np.int64
        ),
    )
    supply = replace(
        problem.supply,
        quantity=problem.supply.quantity
        - np.bincount(held.source, weights=held.quantity, minlength=len(problem.supply)).astype(
            np.int64
        ),
    )
    return replace(problem, demand=demand, supply=supply), held


def merge_pins(
    result: AllocationResult, problem: AllocationProblem, pins: Pins
) -> AllocationResult:
    """`result` (of the reduced problem) over the whole `problem`, pinned units included.

    Pinned units count as allocated to their lines; their arrival joins the promise date
    and the lateness of the line. The result's pieces stay the engine's own: pinned rows
    are stored beside them.
    """
    if not len(pins):
        return result
    n = len(problem.demand)
    day = pins.arrival_days(problem)
    units = np.bincount(pins.line, weights=pins.quantity, minlength=n).astype(np.int64)
    late_units = np.where(day > problem.demand.requested_day[pins.line], pins.quantity, 0)
    late = result.late + np.bincount(pins.line, weights=late_units, minlength=n).astype(np.int64)
    last = np.full(n, NO_DAY, dtype=np.int64)
    np.maximum.at(last, pins.line, day)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, pins.line, day)
    allocated = result.allocated + units
    covered = allocated + result.substituted
    # NO_DAY is below every real day, so max() keeps the later of the two known days.
    whole = (result.short == 0) & (covered > 0)
    promise_day = np.where(whole, np.maximum(result.promise_day, last), NO_DAY)
    engine_first = np.where(result.first_day == NO_DAY, np.iinfo(np.int64).max, result.first_day)
    first_day = np.minimum(engine_first, first)
    first_day[first_day == np.iinfo(np.int64).max] = NO_DAY
    flags = result.flags.copy()
    flags[late > 0] |= Flag.LATE
    return replace(
        result,
        problem=problem,
        allocated=allocated,
        late=np.minimum(late, covered),
        promise_day=promise_day,
        first_day=first_day,
        flags=flags,
    )
