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

from backorder.domain.allocation.kernel import (
    Pieces,
    cumulative_within_groups,
    fill_in_order,
    lexicographic_order,
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
        # Per sourcing round after home: the DC each line tries (-1: none left to try).
        self.other_dcs = [
            self.sequence[demand.home, rank] for rank in range(self.sequence.shape[1])
        ]
        self.supply_cell = supply.item * self.locations + supply.location
        self.stocked = np.zeros(problem.catalog.size * self.locations, dtype=np.bool_)
        self.supply_day = np.maximum(supply.day, problem.as_of_day)
        near = problem.as_of_day + geography.home_wait_days
        horizon = problem.as_of_day + policy.horizon_days
        ordered_day = self.supply_day[consumption_order]
        self.windows = (
            consumption_order[ordered_day <= near],
            consumption_order[ordered_day <= horizon],
        )

    # -- sourcing rounds -----------------------------------------------------------------

    def serve(self, need: IntArray, draw_item: IntArray | None, phase: Phase) -> IntArray:
        """Serve `need` per line through all sourcing rounds; returns what each line got.

        `draw_item` is the item each line draws (None: its own item); `need` is in units
        of that item.
        """
        remaining = need.copy()
        targets: list[IntArray | None] = [None, *self.other_dcs]
        items = self.problem.demand.item if draw_item is None else draw_item
        supply_item = self.problem.supply.item
        for window in self.windows:
            live = window[self.supply_left[window] > 0]
            active = np.flatnonzero(remaining)
            for target in targets:
                if not len(active) or not len(live):
                    break
                if target is not None:
                    # Lines of items with no supply left anywhere in the window are done.
                    stocked_items = np.zeros(self.problem.catalog.size, dtype=np.bool_)
                    stocked_items[supply_item[live]] = True
                    active = active[stocked_items[items[active]]]
                    if not len(active):
                        break
                self._round(remaining, active, draw_item, target, live, phase)
                active = active[remaining[active] > 0]
                live = live[self.supply_left[live] > 0]
        return need - remaining

    def _round(
        self,
        remaining: IntArray,
        active: IntArray,
        draw_item: IntArray | None,
        target: IntArray | None,
        live: IntArray,
        phase: Phase,
    ) -> None:
        demand = self.problem.demand
        presorted = target is None and draw_item is None and len(active) * 8 > self.n
        if presorted:
            # Home round on the own item for most lines: the precomputed order needs no sort.
            order = self.ranking.by_cell
            candidates = order[remaining[order] > 0]
        else:
            candidates = active
        live_cells = self.supply_cell[live]
        if presorted:
            # Most lines take part: filtering by stocked cells would cost more than it saves.
            group = self.ranking.cell_sorted[remaining[order] > 0]
            where = demand.home[candidates]
            keep = np.ones(len(candidates), dtype=np.bool_)
        else:
            where = demand.home[candidates] if target is None else target[candidates]
            items = demand.item if draw_item is None else draw_item
            group = items[candidates] * self.locations + where
            # Only cells (item x DC) wanted by a candidate and holding supply take part.
            keep = where >= 0
            self.stocked[group[keep]] = True
            wanted = self.stocked[live_cells]
            self.stocked[group[keep]] = False
            live, live_cells = live[wanted], live_cells[wanted]
            self.stocked[live_cells] = True
            keep &= self.stocked[np.maximum(group, 0)]
            self.stocked[live_cells] = False
        # A line may not add a ship-from DC beyond the policy's limit.
        keep &= np.bitwise_count(
            self.used[candidates] | np.left_shift(1, np.maximum(where, 0))
        ) <= (self.policy.geography.max_sources_per_line)
        candidates, group = candidates[keep], group[keep]
        if not len(candidates):
            return
        if not presorted:
            order = np.argsort(group * self.n + self.ranking.priority[candidates])
            candidates, group = candidates[order], group[order]
        pieces = fill_in_order(
            candidates, group, remaining[candidates], live, live_cells, self.supply_left
        )
        if len(pieces):
            np.subtract.at(remaining, pieces.line, pieces.quantity)
            self._record(pieces, phase)

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

    def release(self, rows: IntArray) -> None:
        """Give back everything `rows` received and exclude them from the run."""
        self.excluded[rows] = True
        mask = np.zeros(self.n, dtype=np.bool_)
        mask[rows] = True
        line = self.ledger.column("line")
        mine = mask[line]
        if mine.any():
            np.add.at(
                self.supply_left,
                self.ledger.column("source")[mine],
                self.ledger.column("quantity")[mine],
            )
            self.ledger = self.ledger.keep(~mine)
        for array in (self.kept, self.fenced, self.prioritised, self.substituted, self.used):
            array[rows] = 0

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
        classes = _PriorityClasses(self, need)
        while True:
            self.flags &= ~np.int64(Flag.RATIONED)
            entitled, stepping_aside = classes.entitlements(need)
            if not len(stepping_aside):
                return entitled
            # A ship-complete line cannot take a partial share: it steps aside and gives
            # back what earlier passes gave it; the class is rationed again without it.
            self.release(stepping_aside)
            self.flags[stepping_aside] |= Flag.SHIP_COMPLETE_RELEASED
            need = self.open_quantity()

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


class _PriorityClasses:
    """Lines of one item, strategy, segment and fair-share class key values, in rank order."""

    def __init__(self, run: Run, need: IntArray) -> None:
        ranking = run.ranking
        self.run = run
        wanted = need[ranking.by_item] > 0
        self.lines = ranking.by_item[wanted]
        self.item = ranking.item_sorted[wanted]
        class_id = ranking.class_id[wanted]
        boundary = np.empty(len(self.lines), dtype=np.bool_)
        boundary[:1] = True
        boundary[1:] = class_id[1:] != class_id[:-1]
        self.cls = np.cumsum(boundary) - 1
        self.first = np.flatnonzero(boundary)

    def entitlements(self, need: IntArray) -> tuple[IntArray, IntArray]:
        """Fair shares per line, and ship-complete lines that would get a partial share."""
        run, lines, first, cls = self.run, self.lines, self.first, self.cls
        if not len(lines):
            return need, lines
        problem = run.problem
        horizon = run.windows[1]
        item_supply = np.bincount(
            problem.supply.item[horizon],
            weights=run.supply_left[horizon],
            minlength=problem.catalog.size,
        ).astype(np.int64)
        qty = need[lines]
        within_item = cumulative_within_groups(self.item, qty)
        class_demand = np.add.reduceat(qty, first)
        demand_before = (within_item - qty)[first]
        available = np.clip(item_supply[self.item[first]] - demand_before, 0, class_demand)
        threshold = run.policy.fair_share.shortage_threshold
        rationed = (class_demand > 0) & (available < class_demand * (1.0 - threshold))
        if not rationed.any():
            return need, lines[:0]

        rows = np.flatnonzero(rationed[cls])
        r_cls = cls[rows]
        share = qty[rows] * available[r_cls]
        entitled = share // class_demand[r_cls]
        remainder = share % class_demand[r_cls]
        leftover = available - np.bincount(r_cls, weights=entitled, minlength=len(first)).astype(
            np.int64
        )
        entitled += _largest_remainder_bonus(r_cls, remainder, leftover)

        short_of_share = entitled < qty[rows]
        rationed_lines = lines[rows]
        # A ship-complete line offered a partial share steps aside; one offered nothing
        # simply waits (it may still be completed from stock rationing left unreachable).
        partial_share = short_of_share & (entitled > 0)
        stepping_aside = rationed_lines[partial_share & run.ship_complete_lines()[rationed_lines]]
        result = need.copy()
        result[rationed_lines] = entitled
        run.flags[rationed_lines[short_of_share]] |= Flag.RATIONED
        return result, stepping_aside


def _largest_remainder_bonus(cls: IntArray, remainder: IntArray, leftover: IntArray) -> IntArray:
    """One extra unit for the `leftover[c]` largest remainders of each class c.

    Rows are in rank order inside each class, so ordering by (class, largest remainder)
    with the row position as last key gives remainder ties to the better-ranked line.
    """
    n = len(cls)
    span = int(remainder.max()) + 1 if n else 1
    classes = int(cls.max()) + 1 if n else 1
    if classes * span < (1 << 62) // max(n, 1):
        order = np.argsort((cls * span + (span - 1 - remainder)) * n + np.arange(n))
    else:
        order = np.lexsort((np.arange(n), -remainder, cls))
    sorted_cls = cls[order]
    starts = np.flatnonzero(np.r_[True, sorted_cls[1:] != sorted_cls[:-1]])
    position = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    bonus = np.zeros(n, dtype=np.int64)
    bonus[order] = position < leftover[sorted_cls]
    return bonus


def _positions(ids: IntArray, wanted: IntArray) -> IntArray:
    """Row of each wanted id in `ids`, -1 where absent."""
    if not len(ids):
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(ids)
    slot = np.minimum(np.searchsorted(ids[order], wanted), len(ids) - 1)
    return np.where(ids[order][slot] == wanted, order[slot], -1)
