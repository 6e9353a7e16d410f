"""The outcome of an allocation run, stored column-wise: it *is* the set of decision records.

One array per fact and line (cheap at a million lines), plus a table of allocated pieces
(line, source, quantity, arrival day, phase). `explain.py` turns the facts of one line into
plain words on demand.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from backorder.domain.allocation.policy import Policy
from backorder.domain.allocation.problem import (
    NO_DAY,
    AllocationProblem,
    IntArray,
    day_to_date,
)
from backorder.domain.allocation.ranking import Ranking
from backorder.domain.errors import DomainError
from backorder.domain.model import Allocation


class Phase(enum.IntEnum):
    """Why a piece was allocated."""

    KEPT = 0  # held from the previous run (fill / gain strategies)
    RING_FENCE = 1  # contract commitment
    PRIORITY = 2  # the ranked pass
    TOP_UP = 3  # leftovers after fair-share rationing
    SUBSTITUTE = 4  # an alternate item


class Flag(enum.IntFlag):
    """Notable facts about a line's outcome."""

    NONE = 0
    RATIONED = 1  # received a fair share of a short priority class
    SHIP_COMPLETE_RELEASED = 2  # ship-complete line that could not be completed got nothing
    SUBSTITUTE_OFFERED = 4  # a substitute has supply; waiting for the customer's yes
    WIN_NOT_CONFIRMED = 8  # a `win` line could not be fully confirmed
    CROSS_DC = 16  # served (partly) from a DC other than its home
    LATE = 32  # some units arrive after the requested date
    RELEASED_BY_STRATEGY = 64  # `lose` line: gave up everything
    HELD_BY_STRATEGY = 128  # `fill` line: kept what it had, got nothing more


@dataclass(frozen=True)
class AllocationResult:
    """Allocations, promise dates, backorders and decision records of one run."""

    problem: AllocationProblem
    policy: Policy
    solver: str
    ranking: Ranking
    # Per line (same order as problem.demand).
    allocated: IntArray  # units of the ordered item assigned to the line
    substituted: IntArray  # ordered units covered by a substitute item
    kept: IntArray  # units kept from the previous run
    ring_fenced: IntArray  # units assigned under a contract commitment
    short: IntArray  # ordered units with no supply in the horizon
    late: IntArray  # assigned units that arrive after the requested date
    promise_day: IntArray  # when the whole line can ship; NO_DAY if it cannot
    first_day: IntArray  # when the first assigned units are available; NO_DAY if none
    cover_day: IntArray  # earliest known receipt beyond the horizon covering the shortage
    offered_item: IntArray  # substitute offered to the customer, -1 if none
    item_rank: IntArray  # 1-based position among the lines of the same item
    item_lines: IntArray  # number of lines of the same item
    flags: IntArray
    # Allocated pieces.
    piece_line: IntArray  # row in problem.demand
    piece_source: IntArray  # row in problem.supply
    piece_quantity: IntArray  # in units of the supplying item
    piece_day: IntArray  # arrival at the line's home DC
    piece_phase: IntArray

    @property
    def backordered(self) -> IntArray:
        """Units per line that cannot ship by the requested date (short or late)."""
        return self.short + self.late

    def line_index(self, line_id: int) -> int:
        """Row of `line_id` in the demand arrays, or a clear error."""
        rows = np.flatnonzero(self.problem.demand.line_id == line_id)
        if not len(rows):
            raise DomainError(f"order line {line_id} is not part of this allocation run")
        return int(rows[0])

    def pieces_of(self, row: int) -> IntArray:
        """Piece indexes of one demand row."""
        return np.flatnonzero(self.piece_line == row)

    def summary(self) -> dict[str, Any]:
        """Totals a planner reads first: units, lines, fill rates."""
        demand = self.problem.demand
        lines = len(demand)
        ordered = int(demand.quantity.sum())
        covered = self.allocated + self.substituted
        on_time = covered - self.late
        full_lines = int(np.count_nonzero((self.short == 0) & (demand.quantity > 0)))
        return {
            "solver": self.solver,
            "policy": f"{self.policy.name} v{self.policy.version}",
            "lines": lines,
            "ordered_units": ordered,
            "allocated_units": int(covered.sum()),
            "substituted_units": int(self.substituted.sum()),
            "short_units": int(self.short.sum()),
            "late_units": int(self.late.sum()),
            "backordered_units": int(self.backordered.sum()),
            "fully_allocated_lines": full_lines,
            "backordered_lines": int(np.count_nonzero(self.backordered)),
            "unit_fill_rate": float(on_time.sum() / ordered) if ordered else 1.0,
            "line_fill_rate": (
                float(np.count_nonzero(self.backordered == 0) / lines) if lines else 1.0
            ),
            "rationed_lines": int(np.count_nonzero(self.flags & Flag.RATIONED)),
            "ship_complete_released_lines": int(
                np.count_nonzero(self.flags & Flag.SHIP_COMPLETE_RELEASED)
            ),
            "win_not_confirmed_lines": int(np.count_nonzero(self.flags & Flag.WIN_NOT_CONFIRMED)),
        }

    def allocations(self) -> Iterator[Allocation]:
        """The pieces as domain `Allocation` objects (for persistence and display)."""
        demand, supply = self.problem.demand, self.problem.supply
        network, catalog = self.problem.network, self.problem.catalog
        for i in range(len(self.piece_line)):
            row, src = int(self.piece_line[i]), int(self.piece_source[i])
            day = day_to_date(int(self.piece_day[i]))
            assert day is not None
            yield Allocation(
                line_id=int(demand.line_id[row]),
                source_id=str(int(supply.source_id[src])),
                quantity=int(self.piece_quantity[i]),
                ship_from=network.locations[int(supply.location[src])],
                available_date=day,
                sku=catalog.skus[int(supply.item[src])],
            )


def empty_day_array(n: int) -> IntArray:
    """An array of `n` 'no date' markers."""
    return np.full(n, NO_DAY, dtype=np.int64)
