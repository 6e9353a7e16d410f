"""Decision records in plain words: why a line got what it got, and what would make it whole.

The facts live column-wise in `AllocationResult`; this module gathers those of one line
(its rank and the rule behind it, its pieces, the better-ranked lines that took the supply
it wanted, the shortage and the earliest known supply that covers it) and renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np

from backorder.domain.allocation.policy import Policy, SortKeyName
from backorder.domain.allocation.problem import (
    KIND_ON_HAND,
    KIND_PURCHASE_ORDER,
    day_to_date,
)
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
    source_id: str
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
    ranked_below: str
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
            source_id=str(int(supply.source_id[result.piece_source[i]])),
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


@dataclass(frozen=True)
class LineFacts:
    """What the ranking rules look at, for one line."""

    line_id: int
    strategy: str
    segment: str
    tier: str
    contract: bool
    requested: date | None
    promise: date | None
    margin: float
    value: float
    ordered_at: datetime | None
    quantity: int
    risk: float


def _key_text(key: SortKeyName, facts: LineFacts) -> str:
    match key:
        case SortKeyName.TIER:
            return facts.tier
        case SortKeyName.CONTRACT:
            return "contract" if facts.contract else "no contract"
        case SortKeyName.REQUESTED_DATE:
            return _day(facts.requested)
        case SortKeyName.PROMISE_DATE:
            return _day(facts.promise)
        case SortKeyName.MARGIN:
            return f"{facts.margin:.2f} margin per unit"
        case SortKeyName.ORDER_VALUE:
            return f"{facts.value:.2f} line value"
        case SortKeyName.ORDER_TIME:
            return facts.ordered_at.isoformat(sep=" ") if facts.ordered_at else "unknown"
        case SortKeyName.QUANTITY:
            return _units(facts.quantity)
        case SortKeyName.RISK:
            return f"risk {facts.risk:.2f}"


def _key_value(key: SortKeyName, facts: LineFacts) -> object:
    match key:
        case SortKeyName.TIER:
            return facts.tier
        case SortKeyName.CONTRACT:
            return facts.contract
        case SortKeyName.REQUESTED_DATE:
            return facts.requested
        case SortKeyName.PROMISE_DATE:
            return facts.promise
        case SortKeyName.MARGIN:
            return round(facts.margin, 6)
        case SortKeyName.ORDER_VALUE:
            return round(facts.value, 6)
        case SortKeyName.ORDER_TIME:
            return facts.ordered_at
        case SortKeyName.QUANTITY:
            return facts.quantity
        case SortKeyName.RISK:
            return round(facts.risk, 6)


def ranked_below_text(policy: Policy, above: LineFacts | None, line: LineFacts, sku: str) -> str:
    """Which rule put `line` just below `above` in the item's queue, in words."""
    if above is None:
        return f"It is first in line for {sku}."
    if above.strategy != line.strategy:
        return (
            f"Line {above.line_id} just above it is served first because its strategy is "
            f"{above.strategy}."
        )
    if above.segment != line.segment:
        return (
            f"Line {above.line_id} just above it belongs to the earlier segment '{above.segment}'."
        )
    segment = next((s for s in policy.segments if s.name == line.segment), None)
    for key in policy.sort_keys_of(segment) if segment else policy.sort_keys:
        if _key_value(key.key, above) != _key_value(key.key, line):
            return (
                f"Line {above.line_id} just above it comes first on {key.describe()}: "
                f"{_key_text(key.key, above)} against {_key_text(key.key, line)}."
            )
    return f"Line {above.line_id} just above it ties on every rule and has the lower line id."


def line_facts(result: AllocationResult, row: int) -> LineFacts:
    """The ranking facts of one row of a result."""
    problem, ranking, policy = result.problem, result.ranking, result.policy
    demand = problem.demand
    segment = policy.segments[int(ranking.segment[row])]
    seconds = int(demand.order_time[row])
    return LineFacts(
        line_id=int(demand.line_id[row]),
        strategy=segment.strategy.value,
        segment=segment.name,
        tier=problem.catalog.tiers[int(demand.tier[row])],
        contract=bool(ranking.contract[row]),
        requested=day_to_date(int(demand.requested_day[row])),
        promise=day_to_date(int(demand.promise_day[row])),
        margin=float(demand.unit_price[row] - demand.unit_cost[row]),
        value=float(demand.unit_price[row] * demand.quantity[row]),
        ordered_at=datetime.fromtimestamp(seconds, UTC),
        quantity=int(demand.quantity[row]),
        risk=float(demand.risk[row]),
    )


def _ranked_below(result: AllocationResult, row: int) -> str:
    ranking, demand = result.ranking, result.problem.demand
    item = demand.item[row]
    same_item = np.flatnonzero(demand.item == item)
    better = same_item[ranking.priority[same_item] < ranking.priority[row]]
    above = int(better[np.argmax(ranking.priority[better])]) if len(better) else None
    return ranked_below_text(
        result.policy,
        line_facts(result, above) if above is not None else None,
        line_facts(result, row),
        result.problem.catalog.skus[int(item)],
    )


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
    offered = int(result.offered_item[row])
    sku = result.problem.catalog.skus[offered] if offered >= 0 else None
    return notes_for(int(result.flags[row]), sku)


def notes_for(flag_bits: int, offered_sku: str | None) -> tuple[str, ...]:
    """Plain-words notes for the flags of a decision."""
    flags = Flag(flag_bits)
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
    if Flag.SUBSTITUTE_OFFERED in flags and offered_sku:
        notes.append(
            f"Substitute {offered_sku} can be offered; it waits for the customer's consent."
        )
    if Flag.WIN_NOT_CONFIRMED in flags:
        notes.append("Its segment must win, but too little supply is free to confirm it.")
    if Flag.RELEASED_BY_STRATEGY in flags:
        notes.append("Its segment's strategy is 'lose': it releases all it held.")
    if Flag.HELD_BY_STRATEGY in flags:
        notes.append("Its segment's strategy is 'fill': it keeps what it held, nothing more.")
    if Flag.CROSS_DC in flags:
        notes.append("Part of it ships from another DC, with that lane's lead time.")
    return tuple(notes)
