"""The passes of the priority engine over one (sub-)problem: kept, ring-fence, priority,
top-up and substitute, each walking the same sourcing rounds.

Sourcing rounds: home DC with supply available within `geography.home_wait_days`, then
the other DCs in lane order with that near supply, then home with all supply in the
horizon, then the other DCs again. A line uses at most `geography.max_sources_per_line`
ship-from locations. Lines of one item at one DC compete in priority order; across home
DCs a nearer DC is tried before a farther one, so proximity, not rank, decides between
lines of different regions (the optimal solver weighs that trade-off explicitly).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backorder.domain.allocation.fair_share import PriorityClasses
from backorder.domain.allocation.kernel import (
    Pieces,
    cumulative_within_groups,
    fill_in_order,
    lexicographic_order,
    per_line,
    rows_by_unique_key,
)
from backorder.domain.allocation.policy import Policy, Strategy
from backorder.domain.allocation.problem import (
    SUBSTITUTION_ASK,
    SUBSTITUTION_NEVER,
    SUBSTITUTION_PRE_ACCEPTED,
    AllocationProblem,
    BoolArray,
    IntArray,
)
from backorder.domain.allocation.ranking import Ranking
from backorder.domain.allocation.result import Flag, Phase
from backorder.domain.allocation.sourcing import WindowCells, WindowStock

WIN = Strategy.WIN.processing_order
GAIN = Strategy.GAIN.processing_order
REDISTRIBUTE = Strategy.REDISTRIBUTE.processing_order
FILL = Strategy.FILL.processing_order
LOSE = Strategy.LOSE.processing_order


@dataclass
class Ledger:
    """Pieces collected during a run, column by column."""

    line: list[IntArray] = field(default_factory=list)
    source: list[IntArray] = field(default_factory=list)
    quantity: list[IntArray] = field(default_factory=list)
    phase: list[IntArray] = field(default_factory=list)

    COLUMNS = ("line", "source", "quantity", "phase")

    def add(self, pieces: Pieces, phase: Phase) -> None:
        """Record pieces allocated in `phase`."""
        if not len(pieces):
            return
        self.line.append(pieces.line)
        self.source.append(pieces.source)
        self.quantity.append(pieces.quantity)
        self.phase.append(np.full(len(pieces), int(phase), dtype=np.int64))

    def column(self, name: str) -> IntArray:
        """One column of all pieces so far."""
        parts: list[IntArray] = getattr(self, name)
        if len(parts) > 1:
            parts[:] = [np.concatenate(parts)]  # consolidate once; later reads are free
        return parts[0] if parts else np.zeros(0, dtype=np.int64)

    def keep(self, mask: BoolArray) -> Ledger:
        """A ledger with only the pieces where `mask` holds."""
        kept = Ledger()
        for name in self.COLUMNS:
            getattr(kept, name).append(self.column(name)[mask])
        return kept

    def extend(self, other: Ledger) -> None:
        """Append all pieces of `other`."""
        for name in self.COLUMNS:
            getattr(self, name).extend(getattr(other, name))


def supply_order(problem: AllocationProblem) -> IntArray:
    """Supply rows in the order they are consumed: per item and location, earliest first."""
    supply = problem.supply
    return lexicographic_order(
        [supply.item, supply.location, supply.day, supply.kind, supply.source_id]
    )


class Run:
    """All passes over one problem with some lines excluded (ship-complete releases)."""

    def __init__(
        self,
        problem: AllocationProblem,
        policy: Policy,
        ranking: Ranking,
        excluded: BoolArray,
        consumption_order: IntArray,
    ) -> None:
        self.problem, self.policy, self.ranking = problem, policy, ranking
        demand, supply, network = problem.demand, problem.supply, problem.network
        self.n = len(demand)
        self.locations = network.size
        self.excluded = excluded.copy()
        self.supply_left = supply.quantity.copy()
        self.kept = np.zeros(self.n, dtype=np.int64)
        self.fenced = np.zeros(self.n, dtype=np.int64)
        self.prioritised = np.zeros(self.n, dtype=np.int64)
        self.substituted = np.zeros(self.n, dtype=np.int64)
        self.offered = np.full(self.n, -1, dtype=np.int64)
        self.used = np.zeros(self.n, dtype=np.int64)  # bit mask of ship-from locations
        self.flags = np.zeros(self.n, dtype=np.int64)
        self.ledger = Ledger()
        geography = policy.geography
        self.sequence, _ = network.sourcing_sequence(
            cross_region=geography.cross_region, max_transfer_days=geography.max_transfer_days
        )
        self.supply_cell = supply.item * self.locations + supply.location
        self.row_of_priority = ranking.row_of_priority
        self.home_by_cell = demand.home[ranking.by_cell]
        self.supply_day = np.maximum(supply.day, problem.as_of_day)
        near = problem.as_of_day + geography.home_wait_days
        horizon = problem.as_of_day + policy.horizon_days
        ordered_day = self.supply_day[consumption_order]
        self.windows = (
            consumption_order[ordered_day <= near],
            consumption_order[ordered_day <= horizon],
        )
        self.window_cells = [
            WindowCells(window, self.supply_cell, self.locations) for window in self.windows
        ]

    # -- sourcing rounds -----------------------------------------------------------------

    def serve(self, need: IntArray, draw_item: IntArray | None, phase: Phase) -> IntArray:
        """Serve `need` per line through all sourcing rounds; returns what each line got.

        `draw_item` is the item each line draws (None: its own item); `need` is in units
        of that item.
        """
        remaining = need.copy()
        # Home first, then the other DCs by their rank in each home's sourcing sequence.
        targets: list[int | None] = [None, *range(self.sequence.shape[1])]
        items = self.problem.demand.item if draw_item is None else draw_item
        for cells in self.window_cells:
            stock = WindowStock(cells, self.supply_left, self.problem.catalog.size, self.locations)
            active = np.flatnonzero(remaining)
            for target in targets:
                if not len(active) or stock.total <= 0:
                    break
                if target is not None:
                    # Lines of items with no supply left anywhere in the window are done.
                    active = active[stock.item_left[items[active]] > 0]
                    if not len(active):
                        break
                pieces = self._round(remaining, active, draw_item, target, stock, phase)
                stock.consume(self.supply_cell[pieces.source], pieces.quantity)
                active = active[remaining[active] > 0]
        return need - remaining

    def _round(
        self,
        remaining: IntArray,
        active: IntArray,
        draw_item: IntArray | None,
        target: int | None,
        stock: WindowStock,
        phase: Phase,
    ) -> Pieces:
        demand = self.problem.demand
        if target is None and draw_item is None and len(active) * 8 > self.n:
            # Home round on the own item for most lines: the precomputed order needs no
            # sort. Lines whose home cell holds nothing get nothing (cells are in sorted
            # order, so this gather walks the table once).
            order, cells = self.ranking.by_cell, self.ranking.cell_sorted
            open_rows = (remaining[order] > 0) & (stock.cell_left[cells] > 0)
            candidates = order[open_rows]
            group = cells[open_rows]
            keep = self._within_source_limit(candidates, self.home_by_cell[open_rows])
            candidates, group = candidates[keep], group[keep]
            if len(candidates) * 4 < len(stock.window.rows):
                source, source_group = stock.window.rows_of(group)
            else:
                # Sources with nothing left are skipped by the kernel itself.
                source, source_group = stock.window.rows, stock.window.cells
        else:
            where = demand.home[active]
            if target is not None:
                where = self.sequence[where, target]  # -1: no DC left to try
            items = demand.item if draw_item is None else draw_item
            group = items[active] * self.locations + where
            # Only cells (item x DC) holding supply take part.
            keep = where >= 0
            keep[keep] = stock.cell_left[group[keep]] > 0
            keep[keep] = self._within_source_limit(active[keep], where[keep])
            candidates, group = rows_by_unique_key(
                group[keep], self.ranking.priority[active[keep]], self.row_of_priority
            )
            source, source_group = stock.window.rows_of(group)
        if not len(candidates):
            return Pieces.empty()
        pieces = fill_in_order(
            candidates, group, remaining[candidates], source, source_group, self.supply_left
        )
        if len(pieces):
            # Lines are distinct and each draws from the one DC of its group: plain fancy
            # indexing does what the (much slower) unbuffered ufunc.at would.
            lines, totals, first = per_line(pieces)
            remaining[lines] -= totals
            origin = self.problem.supply.location[pieces.source[first]]
            self.used[lines] |= np.left_shift(np.int64(1), origin)
            self.ledger.add(pieces, phase)
        return pieces

    def _within_source_limit(self, lines: IntArray, where: IntArray) -> BoolArray:
        """Lines that may draw from DC `where` without exceeding the ship-from limit."""
        used = self.used[lines]
        within = np.ones(len(lines), dtype=np.bool_)
        # A line without a ship-from DC yet may always take one (the limit is at least 1).
        some = np.flatnonzero(used)
        added = used[some] | np.left_shift(np.int64(1), where[some])
        within[some] = np.bitwise_count(added) <= self.policy.geography.max_sources_per_line
        return within

    def _record(self, pieces: Pieces, phase: Phase) -> None:
        origin = self.problem.supply.location[pieces.source]
        np.bitwise_or.at(self.used, pieces.line, np.left_shift(np.int64(1), origin))
        self.ledger.add(pieces, phase)

    def arrival_days(self, line: IntArray, source: IntArray) -> IntArray:
        """Day each piece can be at its line's home DC (lane lead time from another DC)."""
        origin = self.problem.supply.location[source]
        home = self.problem.demand.home[line]
        lane = self.problem.network.lane_days[origin, home]
        return self.supply_day[source] + np.where(origin == home, 0, lane)

    def release(self, rows: IntArray) -> IntArray:
        """Give back everything `rows` received and exclude them from the run.

        Returns the supply rows that got something back.
        """
        self.excluded[rows] = True
        mask = np.zeros(self.n, dtype=np.bool_)
        mask[rows] = True
        line = self.ledger.column("line")
        mine = mask[line]
        returned = line[:0]
        if mine.any():
            returned = self.ledger.column("source")[mine]
            np.add.at(self.supply_left, returned, self.ledger.column("quantity")[mine])
            self.ledger = self.ledger.keep(~mine)
        for array in (self.kept, self.fenced, self.prioritised, self.substituted, self.used):
            array[rows] = 0
        return returned

    # -- passes --------------------------------------------------------------------------

    def keep_previous(self) -> None:
        """`fill` and `gain` lines keep what they held, as far as the sources still exist."""
        problem, strategy = self.problem, self.ranking.strategy_order
        previous = problem.previous
        if not len(previous):
            return
        line = _positions(problem.demand.line_id, previous.line_id)
        source = _positions(problem.supply.source_id, previous.source_id)
        ok = (line >= 0) & (source >= 0)
        line, source, qty = line[ok], source[ok], previous.quantity[ok]
        keeps = ((strategy[line] == FILL) | (strategy[line] == GAIN)) & ~self.excluded[line]
        line, source, qty = line[keeps], source[keeps], qty[keeps]
        if not len(line):
            return
        # A line never keeps more than it now orders (its quantity may have been reduced).
        by_line = np.lexsort((source, line))
        line, source, qty = line[by_line], source[by_line], qty[by_line]
        upto = cumulative_within_groups(line, qty)
        qty = np.clip(problem.demand.quantity[line] - (upto - qty), 0, qty)
        # Each source honours its holders in priority order.
        by_source = np.lexsort((self.ranking.priority[line], source))
        line, source, qty = line[by_source], source[by_source], qty[by_source]
        sources = np.unique(source)
        pieces = fill_in_order(line, source, qty, sources, sources, self.supply_left)
        np.add.at(self.kept, pieces.line, pieces.quantity)
        self._record(pieces, Phase.KEPT)

    def open_quantity(self) -> IntArray:
        """What each line may still receive: nothing for fill, lose and excluded lines."""
        strategy = self.ranking.strategy_order
        may_receive = (strategy <= REDISTRIBUTE) & ~self.excluded
        received = self.kept + self.fenced + self.prioritised
        return np.where(may_receive, self.problem.demand.quantity - received, 0)

    def ring_fence(self) -> None:
        """Serve the ring-fenced part of contract lines first."""
        need = np.minimum(np.maximum(self.ranking.ring_fence - self.kept, 0), self.open_quantity())
        if need.any():
            self.fenced += self.serve(need, None, Phase.RING_FENCE)

    def priority(self) -> None:
        """Serve win, gain and redistribute lines in rank order, rationing short classes."""
        need = self.open_quantity()
        if self.policy.fair_share.enabled:
            need = self._fair_share(need)
        self.prioritised += self.serve(need, None, Phase.PRIORITY)
        rest = self.open_quantity()
        if (self.flags & Flag.RATIONED).any() and rest.any():
            self.prioritised += self.serve(rest, None, Phase.TOP_UP)

    def _fair_share(self, need: IntArray) -> IntArray:
        """Entitlements: proportional shares inside classes short beyond the threshold."""
        entitled = need.copy()
        self.flags &= ~np.int64(Flag.RATIONED)
        scope: BoolArray | None = None  # items whose classes are (re)rationed; None: all
        while True:
            classes = PriorityClasses(self, need, scope)
            rationed, shares, stepping_aside = classes.entitlements()
            entitled[rationed] = shares
            if not len(stepping_aside):
                return entitled
            # A ship-complete line cannot take a partial share: it steps aside and gives
            # back what earlier passes gave it; the class is rationed again without it.
            returned = self.release(stepping_aside)
            self.flags[stepping_aside] |= Flag.SHIP_COMPLETE_RELEASED
            need = self.open_quantity()
            # Only the items of those lines and of the stock they gave back see their
            # classes change: every other line keeps its entitlement and flags.
            scope = np.zeros(self.problem.catalog.size, dtype=np.bool_)
            scope[self.problem.demand.item[stepping_aside]] = True
            scope[self.problem.supply.item[returned]] = True
            lines = np.flatnonzero(scope[self.problem.demand.item])
            entitled[lines] = need[lines]
            self.flags[lines] &= ~np.int64(Flag.RATIONED)

    def ship_complete_lines(self) -> BoolArray:
        """Lines that must ship complete under this policy."""
        if not self.policy.ship_complete.honour_customer_preference:
            return np.zeros(self.n, dtype=np.bool_)
        return self.problem.demand.ship_complete

    def substitute(self) -> None:
        """Serve still-short lines from substitute items, or record an offer."""
        problem, policy = self.problem, self.policy
        catalog, demand = problem.catalog, problem.demand
        if not policy.substitution.enabled or not len(catalog.sub_item):
            return
        remaining = self.open_quantity()
        remaining[demand.substitution == SUBSTITUTION_NEVER] = 0
        count = np.diff(catalog.sub_start)
        for k in range(policy.substitution.max_substitutes):
            lines = np.flatnonzero((remaining > 0) & (count[demand.item] > k))
            if not len(lines):
                break
            slot = catalog.sub_start[demand.item[lines]] + k
            asks = catalog.sub_requires_acceptance[slot]
            acceptance = demand.substitution[lines]
            offer = asks & (acceptance == SUBSTITUTION_ASK) & (self.offered[lines] < 0)
            self.offered[lines[offer]] = catalog.sub_item[slot[offer]]
            applies = ~asks | (acceptance == SUBSTITUTION_PRE_ACCEPTED)
            lines, slot = lines[applies], slot[applies]
            if not len(lines):
                continue
            factor = catalog.sub_factor[slot]
            need = np.zeros(self.n, dtype=np.int64)
            need[lines] = np.ceil(remaining[lines] * factor - 1e-9).astype(np.int64)
            draw = demand.item.copy()
            draw[lines] = catalog.sub_item[slot]
            got = self.serve(need, draw, Phase.SUBSTITUTE)[lines]
            whole = got >= need[lines]
            gained = np.where(whole, remaining[lines], np.floor(got / factor + 1e-9))
            self.substituted[lines] += gained.astype(np.int64)
            remaining[lines] -= gained.astype(np.int64)


def _positions(ids: IntArray, wanted: IntArray) -> IntArray:
    """Row of each wanted id in `ids`, -1 where absent."""
    if not len(ids):
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(ids)
    slot = np.minimum(np.searchsorted(ids[order], wanted), len(ids) - 1)
    return np.where(ids[order][slot] == wanted, order[slot], -1)
