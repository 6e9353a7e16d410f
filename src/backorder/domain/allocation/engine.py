"""The priority engine: rules-based allocation of supply to demand, vectorised with numpy.

Passes, in order (each one serves lines in priority order, see `ranking.py`):

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

Each pass walks the same sourcing rounds: home DC with supply available within
`geography.home_wait_days`, then the other DCs in lane order with that near supply, then
home with all supply in the horizon, then the other DCs again. A line uses at most
`geography.max_sources_per_line` ship-from locations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backorder.domain.allocation.kernel import Pieces, cumulative_within_groups, fill_in_order
from backorder.domain.allocation.policy import Policy, Strategy
from backorder.domain.allocation.problem import (
    KIND_ON_HAND,
    NO_DAY,
    SUBSTITUTION_ASK,
    SUBSTITUTION_NEVER,
    SUBSTITUTION_PRE_ACCEPTED,
    AllocationProblem,
    BoolArray,
    FloatArray,
    IntArray,
)
from backorder.domain.allocation.ranking import Ranking, key_column, rank_lines
from backorder.domain.allocation.result import AllocationResult, Flag, Phase, empty_day_array

# A stubborn chain of ship-complete lines is released one per item per iteration; after
# this many iterations the remaining partial ones are released together.
MAX_SHIP_COMPLETE_ITERATIONS = 50

_WIN = Strategy.WIN.processing_order
_GAIN = Strategy.GAIN.processing_order
_REDISTRIBUTE = Strategy.REDISTRIBUTE.processing_order
_FILL = Strategy.FILL.processing_order
_LOSE = Strategy.LOSE.processing_order


@dataclass
class _Ledger:
    """Pieces collected during a run, column by column."""

    line: list[IntArray] = field(default_factory=list)
    source: list[IntArray] = field(default_factory=list)
    quantity: list[IntArray] = field(default_factory=list)
    day: list[IntArray] = field(default_factory=list)
    phase: list[IntArray] = field(default_factory=list)

    def add(self, pieces: Pieces, day: IntArray, phase: Phase) -> None:
        if not len(pieces):
            return
        self.line.append(pieces.line)
        self.source.append(pieces.source)
        self.quantity.append(pieces.quantity)
        self.day.append(day)
        self.phase.append(np.full(len(pieces), int(phase), dtype=np.int64))

    def column(self, name: str) -> IntArray:
        parts: list[IntArray] = getattr(self, name)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


class _Run:
    """One pass of the pipeline over a (sub-)problem with some lines excluded."""

    def __init__(
        self,
        problem: AllocationProblem,
        policy: Policy,
        ranking: Ranking,
        excluded: BoolArray,
    ) -> None:
        self.problem, self.policy, self.ranking = problem, policy, ranking
        demand, supply, network = problem.demand, problem.supply, problem.network
        self.n = len(demand)
        self.locations = network.size
        self.excluded = excluded
        self.supply_left = supply.quantity.copy()
        self.got = np.zeros(self.n, dtype=np.int64)  # units of the ordered item
        self.used = np.zeros(self.n, dtype=np.int64)  # bit mask of ship-from locations
        self.flags = np.zeros(self.n, dtype=np.int64)
        self.ledger = _Ledger()
        geography = policy.geography
        self.sequence, _ = network.sourcing_sequence(
            cross_region=geography.cross_region, max_transfer_days=geography.max_transfer_days
        )
        # Supply in the order it is consumed: per item and location, earliest first.
        self.supply_order = np.lexsort(
            (supply.source_id, supply.kind, supply.day, supply.location, supply.item)
        )
        self.supply_day = np.maximum(supply.day, problem.as_of_day)
        horizon = problem.as_of_day + policy.horizon_days
        near = problem.as_of_day + geography.home_wait_days
        ordered_day = self.supply_day[self.supply_order]
        self.windows = (ordered_day <= near, ordered_day <= horizon)
        self.horizon = horizon

    # -- sourcing rounds -----------------------------------------------------------------

    def serve(self, need: IntArray, draw_item: IntArray, phase: Phase) -> IntArray:
        """Serve `need` (per line, in units of `draw_item`) through all sourcing rounds."""
        remaining = need.copy()
        home = self.problem.demand.home
        for window in self.windows:
            self._round(remaining, draw_item, home, window, phase)
            for rank in range(self.sequence.shape[1]):
                if not remaining.any():
                    break
                self._round(remaining, draw_item, self.sequence[home, rank], window, phase)
        return need - remaining

    def _round(
        self,
        remaining: IntArray,
        draw_item: IntArray,
        target: IntArray,
        window: BoolArray,
        phase: Phase,
    ) -> None:
        candidates = np.flatnonzero(remaining)
        if not len(candidates):
            return
        where = target[candidates]
        valid = where >= 0
        candidates, where = candidates[valid], where[valid]
        bit = np.left_shift(np.int64(1), where)
        limit = self.policy.geography.max_sources_per_line
        fits = np.bitwise_count(self.used[candidates] | bit) <= limit
        candidates, where, bit = candidates[fits], where[fits], bit[fits]
        if not len(candidates):
            return
        group = draw_item[candidates] * self.locations + where
        order = np.argsort(group * self.n + self.ranking.priority[candidates], kind="stable")
        candidates, group = candidates[order], group[order]

        supply = self.problem.supply
        source = self.supply_order[window]
        source_group = supply.item[source] * self.locations + supply.location[source]
        pieces = fill_in_order(
            candidates, group, remaining[candidates], source, source_group, self.supply_left
        )
        if not len(pieces):
            return
        np.subtract.at(remaining, pieces.line, pieces.quantity)
        from_location = supply.location[pieces.source]
        np.bitwise_or.at(self.used, pieces.line, np.left_shift(np.int64(1), from_location))
        self.ledger.add(pieces, self._arrival(pieces), phase)

    def _arrival(self, pieces: Pieces) -> IntArray:
        """Day each piece can be at the line's home DC."""
        origin = self.problem.supply.location[pieces.source]
        home = self.problem.demand.home[pieces.line]
        lane = self.problem.network.lane_days[origin, home]
        return self.supply_day[pieces.source] + np.where(origin == home, 0, lane)

    # -- passes --------------------------------------------------------------------------

    def keep_previous(self) -> IntArray:
        """`fill` and `gain` lines keep what they held, as far as the sources still exist."""
        problem, strategy = self.problem, self.ranking.strategy_order
        previous = problem.previous
        kept = np.zeros(self.n, dtype=np.int64)
        if not len(previous):
            return kept
        line = _positions(problem.demand.line_id, previous.line_id)
        source = _positions(problem.supply.source_id, previous.source_id)
        ok = (line >= 0) & (source >= 0)
        line, source, qty = line[ok], source[ok], previous.quantity[ok]
        keeps = ((strategy[line] == _FILL) | (strategy[line] == _GAIN)) & ~self.excluded[line]
        line, source, qty = line[keeps], source[keeps], qty[keeps]
        if not len(line):
            return kept
        # A line never keeps more than it now orders (its quantity may have been reduced).
        by_line = np.lexsort((source, line))
        line, source, qty = line[by_line], source[by_line], qty[by_line]
        cap = self.problem.demand.quantity[line]
        upto = cumulative_within_groups(line, qty)
        qty = np.clip(cap - (upto - qty), 0, qty)
        # Each source honours its holders in priority order.
        by_source = np.lexsort((self.ranking.priority[line], source))
        line, source, qty = line[by_source], source[by_source], qty[by_source]
        unique_sources = np.unique(source)
        pieces = fill_in_order(line, source, qty, unique_sources, unique_sources, self.supply_left)
        np.add.at(kept, pieces.line, pieces.quantity)
        np.bitwise_or.at(
            self.used,
            pieces.line,
            np.left_shift(np.int64(1), problem.supply.location[pieces.source]),
        )
        self.ledger.add(pieces, self._arrival(pieces), Phase.KEPT)
        return kept

    def ring_fence(self, open_qty: IntArray, kept: IntArray) -> IntArray:
        """Serve the ring-fenced part of contract lines first."""
        eligible = self.ranking.strategy_order <= _REDISTRIBUTE
        need = np.where(eligible, np.maximum(self.ranking.ring_fence - kept, 0), 0)
        need = np.minimum(need, open_qty)
        if not need.any():
            return np.zeros(self.n, dtype=np.int64)
        return self.serve(need, self.problem.demand.item, Phase.RING_FENCE)

    def priority_pass(self, open_qty: IntArray) -> IntArray:
        """Serve win, gain and redistribute lines in rank order, rationing short classes."""
        eligible = self.ranking.strategy_order <= _REDISTRIBUTE
        need = np.where(eligible, open_qty, 0)
        entitled = self._fair_share(need) if self.policy.fair_share.enabled else need
        got = self.serve(entitled, self.problem.demand.item, Phase.PRIORITY)
        if (entitled < need).any():
            got += self.serve(need - got, self.problem.demand.item, Phase.TOP_UP)
        return got

    def _fair_share(self, need: IntArray) -> IntArray:
        """Entitlements: proportional shares inside classes short beyond the threshold."""
        problem, ranking, policy = self.problem, self.ranking, self.policy
        demand = problem.demand
        lines = np.flatnonzero(need)
        if not len(lines):
            return need
        in_horizon = np.zeros(len(problem.supply), dtype=np.bool_)
        in_horizon[self.supply_order[self.windows[1]]] = True
        item_supply = np.bincount(
            problem.supply.item,
            weights=np.where(in_horizon, self.supply_left, 0),
            minlength=problem.catalog.size,
        ).astype(np.int64)
        lines = lines[np.lexsort((ranking.priority[lines], demand.item[lines]))]
        qty = need[lines]
        item = demand.item[lines]
        boundary = np.r_[True, item[1:] != item[:-1]]
        for column in (ranking.strategy_order, ranking.segment):
            values = column[lines]
            boundary[1:] |= values[1:] != values[:-1]
        for key in self._class_key_columns():
            key_values = key[lines]
            boundary[1:] |= key_values[1:] != key_values[:-1]

        within_item = cumulative_within_groups(item, qty)
        cls = np.cumsum(boundary) - 1
        first = np.flatnonzero(boundary)
        demand_before = (within_item - qty)[first]
        class_demand = np.bincount(cls, weights=qty).astype(np.int64)
        available = np.clip(item_supply[item[first]] - demand_before, 0, class_demand)
        threshold = policy.fair_share.shortage_threshold
        rationed = (class_demand > 0) & (available < class_demand * (1.0 - threshold))
        if not rationed.any():
            return need
        in_rationed = rationed[cls]
        share = qty * available[cls]
        entitled = np.where(in_rationed, share // np.maximum(class_demand[cls], 1), qty)
        remainder = np.where(in_rationed, share % np.maximum(class_demand[cls], 1), 0)
        # Largest remainder first; ties go to the better-ranked line.
        leftover = available - np.bincount(cls, weights=entitled, minlength=len(first)).astype(
            np.int64
        )
        order = np.lexsort((ranking.priority[lines], -remainder, cls))
        position = np.arange(len(lines)) - np.repeat(first, np.diff(np.r_[first, len(lines)]))
        bonus = np.zeros(len(lines), dtype=np.int64)
        sorted_cls = cls[order]
        bonus[order] = (position < leftover[sorted_cls]) & in_rationed[order]
        entitled = entitled + bonus
        # A ship-complete line cannot take a partial share: it steps aside.
        ship_complete = self._ship_complete()[lines] & in_rationed & (entitled < qty)
        result = need.copy()
        result[lines] = entitled
        self.flags[lines[in_rationed & (entitled < qty)]] |= Flag.RATIONED
        if ship_complete.any():
            self.excluded[lines[ship_complete]] = True
            self.flags[lines[ship_complete]] |= Flag.SHIP_COMPLETE_RELEASED
            result[lines[ship_complete]] = 0
            self.flags[lines[ship_complete]] &= ~Flag.RATIONED
            reduced = need.copy()
            reduced[lines[ship_complete]] = 0
            return self._fair_share(reduced)
        return result

    def _class_key_columns(self) -> list[FloatArray]:
        keys = self.policy.fair_share.class_keys
        columns = []
        for position in range(len(keys)):
            column = np.zeros(self.n, dtype=np.float64)
            for index, segment in enumerate(self.policy.segments):
                rows = self.ranking.segment == index
                if rows.any():
                    key = self.policy.sort_keys_of(segment)[position]
                    column[rows] = key_column(
                        key, self.problem, self.policy, self.ranking.contract
                    )[rows]
            columns.append(column)
        return columns

    def _ship_complete(self) -> BoolArray:
        if not self.policy.ship_complete.honour_customer_preference:
            return np.zeros(self.n, dtype=np.bool_)
        return self.problem.demand.ship_complete

    def substitute(self, short: IntArray) -> tuple[IntArray, IntArray]:
        """Serve short lines from substitute items; returns covered units and offers."""
        problem, policy = self.problem, self.policy
        catalog, demand = problem.catalog, problem.demand
        covered = np.zeros(self.n, dtype=np.int64)
        offered = np.full(self.n, -1, dtype=np.int64)
        if not policy.substitution.enabled or not len(catalog.sub_item):
            return covered, offered
        remaining = short.copy()
        remaining[demand.substitution == SUBSTITUTION_NEVER] = 0
        count = np.diff(catalog.sub_start)
        for k in range(policy.substitution.max_substitutes):
            lines = np.flatnonzero(remaining & (count[demand.item] > k))
            if not len(lines):
                break
            slot = catalog.sub_start[demand.item[lines]] + k
            asks = catalog.sub_requires_acceptance[slot]
            pre_accepted = demand.substitution[lines] == SUBSTITUTION_PRE_ACCEPTED
            applies = ~asks | pre_accepted
            must_offer = asks & (demand.substitution[lines] == SUBSTITUTION_ASK)
            offer_now = lines[must_offer & (offered[lines] < 0)]
            offered[offer_now] = catalog.sub_item[slot[must_offer & (offered[lines] < 0)]]
            lines, slot = lines[applies], slot[applies]
            if not len(lines):
                continue
            factor = catalog.sub_factor[slot]
            need = np.zeros(self.n, dtype=np.int64)
            need[lines] = np.ceil(remaining[lines] * factor - 1e-9).astype(np.int64)
            draw = demand.item.copy()
            draw[lines] = catalog.sub_item[slot]
            got = self.serve(need, draw, Phase.SUBSTITUTE)[lines]
            full = got >= need[lines]
            gained = np.where(full, remaining[lines], np.floor(got / factor + 1e-9))
            gained = gained.astype(np.int64)
            covered[lines] += gained
            remaining[lines] -= gained
        # An offer only matters where the line stayed short and supply exists to offer;
        # the offer is kept as a hint even when supply may be taken later.
        offered[remaining == 0] = -1
        return covered, offered


def _positions(ids: IntArray, wanted: IntArray) -> IntArray:
    """Row of each wanted id in `ids`, -1 where absent."""
    order = np.argsort(ids, kind="stable")
    slot = np.searchsorted(ids[order], wanted)
    slot_clipped = np.minimum(slot, max(len(ids) - 1, 0))
    found = (slot < len(ids)) & (ids[order][slot_clipped] == wanted) if len(ids) else slot < 0
    return np.where(found, order[slot_clipped] if len(ids) else -1, -1)


@dataclass
class _Outcome:
    """Per-line outcome of one `_Run` (before decision-record assembly)."""

    allocated: IntArray
    substituted: IntArray
    kept: IntArray
    ring_fenced: IntArray
    offered: IntArray
    flags: IntArray
    ledger: _Ledger
    excluded: BoolArray


def _run_pipeline(
    problem: AllocationProblem, policy: Policy, ranking: Ranking, excluded: BoolArray
) -> _Outcome:
    """Run all passes; re-run when fair share made ship-complete lines step aside."""
    while True:
        outcome = _run_passes(problem, policy, ranking, excluded)
        if np.array_equal(outcome.excluded, excluded):
            return outcome
        excluded = outcome.excluded


def _run_passes(
    problem: AllocationProblem, policy: Policy, ranking: Ranking, excluded: BoolArray
) -> _Outcome:
    run = _Run(problem, policy, ranking, excluded.copy())
    demand = problem.demand
    strategy = ranking.strategy_order
    kept = run.keep_previous()
    open_qty = np.where(run.excluded | (strategy == _LOSE), 0, demand.quantity - kept)
    open_qty = np.where(strategy == _FILL, 0, open_qty)
    fenced = run.ring_fence(open_qty, kept)
    priority = run.priority_pass(np.where(run.excluded, 0, open_qty - fenced))
    allocated = kept + fenced + priority
    short = np.where(run.excluded, 0, demand.quantity - allocated)
    short[strategy >= _FILL] = 0
    covered, offered = run.substitute(short)
    run.flags[strategy == _LOSE] |= Flag.RELEASED_BY_STRATEGY
    run.flags[strategy == _FILL] |= Flag.HELD_BY_STRATEGY
    return _Outcome(
        allocated=allocated,
        substituted=covered,
        kept=kept,
        ring_fenced=fenced,
        offered=offered,
        flags=run.flags,
        ledger=run.ledger,
        excluded=run.excluded,
    )


def _partial_ship_complete(
    problem: AllocationProblem, policy: Policy, outcome: _Outcome
) -> BoolArray:
    if not policy.ship_complete.honour_customer_preference:
        return np.zeros(len(problem.demand), dtype=np.bool_)
    covered = outcome.allocated + outcome.substituted
    return (
        problem.demand.ship_complete
        & ~outcome.excluded
        & (covered > 0)
        & (covered < problem.demand.quantity)
    )


def _first_per_group(rows: IntArray, group: IntArray, priority: IntArray) -> IntArray:
    """The best-ranked row of each group."""
    order = np.lexsort((priority[rows], group[rows]))
    rows = rows[order]
    keys = group[rows]
    return rows[np.r_[True, keys[1:] != keys[:-1]]]


def _splice(full: _Outcome, part: _Outcome, rows: IntArray) -> None:
    """Replace the outcome of `rows` (and their pieces) in `full` by `part`."""
    for name in ("allocated", "substituted", "kept", "ring_fenced", "offered", "flags"):
        getattr(full, name)[rows] = getattr(part, name)
    full.excluded[rows] = part.excluded
    affected = np.zeros(len(full.allocated), dtype=np.bool_)
    affected[rows] = True
    ledger = _Ledger()
    keep = ~affected[full.ledger.column("line")]
    for name in ("line", "source", "quantity", "day", "phase"):
        getattr(ledger, name).append(full.ledger.column(name)[keep])
    full.ledger = ledger


def allocate(
    problem: AllocationProblem, policy: Policy, ranking: Ranking | None = None
) -> AllocationResult:
    """Allocate supply to demand by the policy's rules; explainable, deterministic."""
    ranking = ranking or rank_lines(problem, policy)
    excluded = np.zeros(len(problem.demand), dtype=np.bool_)
    outcome = _run_pipeline(problem, policy, ranking, excluded)
    outcome = _settle_ship_complete(problem, policy, ranking, outcome)
    return _assemble(problem, policy, ranking, outcome, solver="priority")


def _settle_ship_complete(
    problem: AllocationProblem, policy: Policy, ranking: Ranking, outcome: _Outcome
) -> _Outcome:
    """Release partially served ship-complete lines and re-run their items until none is left."""
    demand, catalog = problem.demand, problem.catalog
    for iteration in range(MAX_SHIP_COMPLETE_ITERATIONS + 1):
        partial = np.flatnonzero(_partial_ship_complete(problem, policy, outcome))
        if not len(partial):
            break
        group = catalog.sub_group[demand.item]
        if iteration < MAX_SHIP_COMPLETE_ITERATIONS:
            release = _first_per_group(partial, group, ranking.priority)
        else:
            release = partial
        outcome.excluded[release] = True
        outcome.flags[release] |= Flag.SHIP_COMPLETE_RELEASED
        in_scope = problem.scope_of(np.unique(demand.item[release]))
        rows = np.flatnonzero(in_scope[demand.item])
        sub_problem = problem.for_items(np.unique(demand.item[release]))
        part = _run_pipeline(sub_problem, policy, ranking.take(rows), outcome.excluded[rows])
        part.flags[part.excluded] |= Flag.SHIP_COMPLETE_RELEASED
        # Pieces of the sub-run index the sub-problem; translate to full rows.
        supply_rows = np.flatnonzero(in_scope[problem.supply.item])
        translated = _Ledger()
        translated.line.append(rows[part.ledger.column("line")])
        translated.source.append(supply_rows[part.ledger.column("source")])
        for name in ("quantity", "day", "phase"):
            getattr(translated, name).append(part.ledger.column(name))
        _splice(outcome, part, rows)
        for name in ("line", "source", "quantity", "day", "phase"):
            getattr(outcome.ledger, name).extend(getattr(translated, name))
    return outcome


def _assemble(
    problem: AllocationProblem,
    policy: Policy,
    ranking: Ranking,
    outcome: _Outcome,
    solver: str,
) -> AllocationResult:
    demand = problem.demand
    n = len(demand)
    ledger = outcome.ledger
    line = ledger.column("line")
    source = ledger.column("source")
    quantity = ledger.column("quantity")
    day = ledger.column("day")
    phase = ledger.column("phase")
    order = np.lexsort((day, line))
    line, source, quantity, day, phase = (
        line[order],
        source[order],
        quantity[order],
        day[order],
        phase[order],
    )

    covered = outcome.allocated + outcome.substituted
    short = np.maximum(demand.quantity - covered, 0)

    first_day = empty_day_array(n)
    last_day = empty_day_array(n)
    if len(line):
        starts = np.r_[True, line[1:] != line[:-1]]
        ends = np.r_[line[1:] != line[:-1], True]
        first_day[line[starts]] = day[starts]
        last_day[line[ends]] = day[ends]
    promise_day = np.where((short == 0) & (covered > 0), last_day, NO_DAY)
    late_units = np.bincount(
        line, weights=np.where(day > demand.requested_day[line], quantity, 0), minlength=n
    ).astype(np.int64)
    # Substitute pieces are counted in substitute units; a line's lateness is in its own.
    late = np.minimum(late_units, covered)

    flags = outcome.flags
    flags[late > 0] |= Flag.LATE
    home = demand.home[line]
    cross = line[problem.supply.location[source] != home]
    flags[np.unique(cross)] |= Flag.CROSS_DC
    win_short = (ranking.strategy_order == _WIN) & (short > 0)
    flags[win_short] |= Flag.WIN_NOT_CONFIRMED
    offered = np.where(short > 0, outcome.offered, -1)
    flags[offered >= 0] |= Flag.SUBSTITUTE_OFFERED

    by_item = np.lexsort((ranking.priority, demand.item))
    item_sorted = demand.item[by_item]
    starts = np.r_[True, item_sorted[1:] != item_sorted[:-1]] if n else np.zeros(0, bool)
    first = np.flatnonzero(starts)
    sizes = np.diff(np.r_[first, n])
    item_rank = np.empty(n, dtype=np.int64)
    item_rank[by_item] = np.arange(n) - np.repeat(first, sizes) + 1
    item_lines = np.empty(n, dtype=np.int64)
    item_lines[by_item] = np.repeat(sizes, sizes)

    return AllocationResult(
        problem=problem,
        policy=policy,
        solver=solver,
        ranking=ranking,
        allocated=outcome.allocated,
        substituted=outcome.substituted,
        kept=outcome.kept,
        ring_fenced=outcome.ring_fenced,
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
    the planning horizon (any DC): what-if only, nothing is allocated.
    """
    cover = empty_day_array(len(short))
    supply = problem.supply
    beyond = np.flatnonzero(
        (supply.day > problem.as_of_day + policy.horizon_days) & (supply.kind != KIND_ON_HAND)
    )
    lines = np.flatnonzero(short)
    if not len(beyond) or not len(lines):
        return cover
    demand = problem.demand
    lines = lines[np.lexsort((ranking.priority[lines], demand.item[lines]))]
    beyond = beyond[np.lexsort((supply.source_id[beyond], supply.day[beyond], supply.item[beyond]))]
    left = supply.quantity.copy()
    pieces = fill_in_order(
        lines, demand.item[lines], short[lines], beyond, supply.item[beyond], left
    )
    if not len(pieces):
        return cover
    got = np.bincount(pieces.line, weights=pieces.quantity, minlength=len(short))
    full = got[pieces.line] >= short[pieces.line]
    np.maximum.at(cover, pieces.line[full], supply.day[pieces.source[full]])
    return cover
