"""Decision records in plain words: why a line got what it got, and what would make it whole.

The facts live column-wise in `AllocationResult`; this module gathers those of one line
(its rank and the rule behind it, its pieces, the better-ranked lines that took the supply
it wanted, the shortage and the earliest known supply that covers it) and renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from backorder.domain.allocation.policy import SortKeyName
from backorder.domain.allocation.problem import (
    KIND_ON_HAND,
    KIND_PURCHASE_ORDER,
    day_to_date,
)
from backorder.domain.allocation.ranking import key_column
from backorder.domain.allocation.result import AllocationResult, Flag, Phase

_KIND_WORDS = {KIND_ON_HAND: "on hand", KIND_PURCHASE_ORDER: "purchase order", 2: "transfer"}
_PHASE_WORDS = {
    Phase.KEPT: "kept from the previous allocation",
    Phase.RING_FENCE: "ring-fenced by the customer's contract",
    Phase.PRIORITY: "by priority",
    Phase.TOP_UP: "from stock left after fair-share rationing",
    Phase.SUBSTITUTE: "as a substitute",
}
MAX_COMPETITORS = 5


@dataclass(frozen=True)
class SourcePiece:
    """Units of one supply source assigned to the line."""

    quantity: int
    sku: str
    location: str
    source_id: int
    kind: str
    available: date
    phase: str


@dataclass(frozen=True)
class Competitor:
    """A better-ranked line that received supply this line could have used."""

    line_id: int
    rank: int
    quantity: int
    segment: str


@dataclass(frozen=True)
class DecisionRecord:
    """Everything needed to answer "why did line N get this?"."""

    line_id: int
    sku: str
    home: str
    quantity: int
    requested: date | None
    segment: str
    strategy: str
    rule: str
    rank: int
    competing_lines: int
    ranked_below: str | None
    pieces: tuple[SourcePiece, ...]
    promise: date | None
    short: int
    late: int
    ring_fenced: int
    competitors: tuple[Competitor, ...]
    competitors_total: int
    cover: date | None
    notes: tuple[str, ...] = field(default=())

    def to_text(self) -> str:
        """The record in plain words, one sentence per fact."""
        parts = [
            f"Line {self.line_id} ({self.quantity} x {self.sku} for {self.home}, requested "
            f"{_day(self.requested)}) ranks {self.rank} of {self.competing_lines} lines for "
            f"{self.sku}, in segment '{self.segment}' (strategy {self.strategy}), ordered by "
            f"{self.rule}."
        ]
        if self.ranked_below:
            parts.append(self.ranked_below)
        if self.pieces:
            described = "; ".join(
                f"{p.quantity} of {p.sku} {p.kind} at {p.location} (source {p.source_id}, "
                f"available {_day(p.available)}, {p.phase})"
                for p in self.pieces
            )
            parts.append(f"It received {sum(p.quantity for p in self.pieces)}: {described}.")
        else:
            parts.append("It received nothing.")
        if self.short == 0 and self.promise:
            on_time = "on time" if not self.late else f"{_units(self.late)} late"
            parts.append(f"Promised complete on {_day(self.promise)} ({on_time}).")
        if self.short:
            parts.append(f"{_units(self.short)} short.")
            if self.competitors:
                listed = ", ".join(
                    f"line {c.line_id} (rank {c.rank}, {c.segment}, {_units(c.quantity)})"
                    for c in self.competitors
                )
                more = self.competitors_total - len(self.competitors)
                tail = f" and {more} more" if more > 0 else ""
                parts.append(
                    f"The supply it could use went to better-ranked lines: {listed}{tail}."
                )
            if self.cover:
                parts.append(
                    f"To make it whole: {_units(self.short)} more; the earliest known receipt "
                    f"that covers them arrives {_day(self.cover)}, after the planning horizon."
                )
            else:
                parts.append(
                    f"To make it whole: {_units(self.short)} more; no known supply covers them, "
                    "so new supply (a purchase order or transfer) is needed."
                )
        parts.extend(self.notes)
        return " ".join(parts)


def _units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def _day(day: date | None) -> str:
    return day.isoformat() if day else "no date"


def decision_record(result: AllocationResult, line_id: int) -> DecisionRecord:
    """Gather the decision record of `line_id` from the column-wise result."""
    row = result.line_index(line_id)
    problem, policy, ranking = result.problem, result.policy, result.ranking
    demand, supply, catalog, network = (
        problem.demand,
        problem.supply,
        problem.catalog,
        problem.network,
    )
    segment = policy.segments[int(ranking.segment[row])]
    keys = policy.sort_keys_of(segment)
    pieces = tuple(
        SourcePiece(
            quantity=int(result.piece_quantity[i]),
            sku=catalog.skus[int(supply.item[result.piece_source[i]])],
            location=network.locations[int(supply.location[result.piece_source[i]])],
            source_id=int(supply.source_id[result.piece_source[i]]),
            kind=_KIND_WORDS.get(int(supply.kind[result.piece_source[i]]), "supply"),
            available=day_to_date(int(result.piece_day[i])) or date.min,
            phase=_PHASE_WORDS[Phase(int(result.piece_phase[i]))],
        )
        for i in result.pieces_of(row)
    )
    competitors, total = _competitors(result, row)
    return DecisionRecord(
        line_id=line_id,
        sku=catalog.skus[int(demand.item[row])],
        home=network.locations[int(demand.home[row])],
        quantity=int(demand.quantity[row]),
        requested=day_to_date(int(demand.requested_day[row])),
        segment=segment.name,
        strategy=segment.strategy.value,
        rule=", then ".join(k.describe() for k in keys) + ", then line id",
        rank=int(result.item_rank[row]),
        competing_lines=int(result.item_lines[row]),
        ranked_below=_ranked_below(result, row),
        pieces=pieces,
        promise=day_to_date(int(result.promise_day[row])),
        short=int(result.short[row]),
        late=int(result.late[row]),
        ring_fenced=int(result.ring_fenced[row]),
        competitors=competitors,
        competitors_total=total,
        cover=day_to_date(int(result.cover_day[row])),
        notes=_notes(result, row),
    )


def explain(result: AllocationResult, line_id: int) -> str:
    """Plain-words answer to "why did line `line_id` get this?"."""
    return decision_record(result, line_id).to_text()


def _ranked_below(result: AllocationResult, row: int) -> str | None:
    """Which rule put the line just below its neighbour in the item's queue."""
    ranking, demand, policy = result.ranking, result.problem.demand, result.policy
    item = demand.item[row]
    same_item = np.flatnonzero(demand.item == item)
    better = same_item[ranking.priority[same_item] < ranking.priority[row]]
    if not len(better):
        return f"It is first in line for {result.problem.catalog.skus[int(item)]}."
    above = int(better[np.argmax(ranking.priority[better])])
    above_id = int(demand.line_id[above])
    if ranking.strategy_order[above] != ranking.strategy_order[row]:
        strategy = policy.segments[int(ranking.segment[above])].strategy.value
        return f"Line {above_id} just above it is served first because its strategy is {strategy}."
    if ranking.segment[above] != ranking.segment[row]:
        name = policy.segments[int(ranking.segment[above])].name
        return f"Line {above_id} just above it belongs to the earlier segment '{name}'."
    segment = policy.segments[int(ranking.segment[row])]
    for key in policy.sort_keys_of(segment):
        column = key_column(key, result.problem, policy, ranking.contract)
        if column[above] != column[row]:
            return (
                f"Line {above_id} just above it comes first on {key.describe()}: "
                f"{_key_value(result, key.key, above)} against {_key_value(result, key.key, row)}."
            )
    return f"Line {above_id} just above it ties on every rule and has the lower line id."


def _key_value(result: AllocationResult, key: SortKeyName, row: int) -> str:
    demand, catalog = result.problem.demand, result.problem.catalog
    match key:
        case SortKeyName.TIER:
            return catalog.tiers[int(demand.tier[row])]
        case SortKeyName.CONTRACT:
            return "contract" if result.ranking.contract[row] else "no contract"
        case SortKeyName.REQUESTED_DATE:
            return _day(day_to_date(int(demand.requested_day[row])))
        case SortKeyName.PROMISE_DATE:
            return _day(day_to_date(int(demand.promise_day[row])))
        case SortKeyName.MARGIN:
            return f"{demand.unit_price[row] - demand.unit_cost[row]:.2f} margin per unit"
        case SortKeyName.ORDER_VALUE:
            return f"{demand.unit_price[row] * demand.quantity[row]:.2f} line value"
        case SortKeyName.ORDER_TIME:
            seconds = int(demand.order_time[row])
            return str(np.datetime64(seconds, "s")).replace("T", " ")
        case SortKeyName.QUANTITY:
            return f"{int(demand.quantity[row])} units"
        case SortKeyName.RISK:
            return f"risk {demand.risk[row]:.2f}"


def _competitors(result: AllocationResult, row: int) -> tuple[tuple[Competitor, ...], int]:
    """Better-ranked lines holding supply of the line's item at DCs it could draw from."""
    if result.short[row] == 0 and result.late[row] == 0:
        return (), 0
    problem = result.problem
    demand, supply = problem.demand, problem.supply
    geography = result.policy.geography
    sequence, _ = problem.network.sourcing_sequence(
        cross_region=geography.cross_region, max_transfer_days=geography.max_transfer_days
    )
    home = int(demand.home[row])
    reachable = {home, *(int(x) for x in sequence[home] if x >= 0)}
    item = demand.item[row]
    piece_lines = result.piece_line
    mask = (
        (demand.item[piece_lines] == item)
        & (supply.item[result.piece_source] == item)
        & np.isin(supply.location[result.piece_source], list(reachable))
        & (result.ranking.priority[piece_lines] < result.ranking.priority[row])
    )
    lines = piece_lines[mask]
    if not len(lines):
        return (), 0
    totals = np.bincount(lines, weights=result.piece_quantity[mask])
    holders = np.unique(lines)
    holders = holders[np.argsort(result.ranking.priority[holders])]
    segments = result.policy.segments
    listed = tuple(
        Competitor(
            line_id=int(demand.line_id[h]),
            rank=int(result.item_rank[h]),
            quantity=int(totals[h]),
            segment=segments[int(result.ranking.segment[h])].name,
        )
        for h in holders[:MAX_COMPETITORS]
    )
    return listed, len(holders)


def _notes(result: AllocationResult, row: int) -> tuple[str, ...]:
    flags = Flag(int(result.flags[row]))
    notes = []
    if Flag.RATIONED in flags:
        notes.append(
            "Its priority class was short by more than the fair-share threshold, so the "
            "class's stock was shared in proportion to quantity ordered."
        )
    if Flag.SHIP_COMPLETE_RELEASED in flags:
        notes.append(
            "The customer requires complete shipment and the line could not be completed, "
            "so it released what it would have received to the next lines."
        )
    if Flag.SUBSTITUTE_OFFERED in flags:
        sku = result.problem.catalog.skus[int(result.offered_item[row])]
        notes.append(f"Substitute {sku} can be offered; it waits for the customer's consent.")
    if Flag.WIN_NOT_CONFIRMED in flags:
        notes.append("Its segment must win, but too little supply is free to confirm it.")
    if Flag.RELEASED_BY_STRATEGY in flags:
        notes.append("Its segment's strategy is 'lose': it releases all it held.")
    if Flag.HELD_BY_STRATEGY in flags:
        notes.append("Its segment's strategy is 'fill': it keeps what it held, nothing more.")
    if Flag.CROSS_DC in flags:
        notes.append("Part of it ships from another DC, with that lane's lead time.")
    return tuple(notes)
