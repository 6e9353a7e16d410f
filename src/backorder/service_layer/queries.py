"""Read side: decision records in words, the backorder list, ATP, orders."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, date, datetime

from backorder.adapters.repositories.allocations import StoredDecision
from backorder.adapters.repositories.orders import BackorderFilter, LineRecord
from backorder.domain.allocation.explain import (
    MAX_COMPETITORS,
    Competitor,
    DecisionRecord,
    LineFacts,
    SourcePiece,
    notes_for,
    ranked_below_text,
)
from backorder.domain.model import Customer, OrderLine
from backorder.domain.promising import Promise
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError, NotFoundError
from backorder.service_layer.handlers.intake import promise_line

_PHASE_WORDS = {
    "intake": "at order intake, from free supply",
    "kept": "kept from the previous allocation",
    "ring_fence": "ring-fenced by the customer's contract",
    "priority": "by priority",
    "top_up": "from stock left after fair-share rationing",
    "substitute": "as a substitute",
    "forced": "forced by a planner (a manual override every run keeps)",
}


@dataclass(frozen=True)
class Explanation:
    """A line's decision record and its plain-words rendering."""

    line: OrderLine
    record: DecisionRecord | None
    text: str
    held: tuple[SourcePiece, ...] = ()

    @property
    def short(self) -> int:
        """Units of the open quantity the line does not hold."""
        if self.record is not None:
            return self.record.short
        return max(self.line.open_quantity - sum(p.quantity for p in self.held), 0)


def _facts(decision: StoredDecision, line: OrderLine, customer: Customer | None) -> LineFacts:
    contract = bool(customer and customer.commitment_for(line.sku))
    return LineFacts(
        line_id=line.line_id,
        strategy=decision.strategy,
        segment=decision.segment,
        tier=customer.tier.value if customer else "",
        contract=contract,
        requested=line.requested_date,
        promise=line.promise_date,
        margin=line.unit_margin,
        value=line.unit_price * line.quantity,
        ordered_at=line.ordered_at,
        quantity=line.open_quantity,
        risk=0.0,
    )


def explain_line(ctx: ServiceContext, line_id: int) -> Explanation:
    """Why a line holds what it holds, from its latest decision record."""
    with ctx.reader() as uow:
        record = uow.orders.get_line(line_id)
        if record is None:
            raise NotFoundError(f"order line {line_id} does not exist")
        line = record.line
        held = uow.allocations.of_lines([line_id])
        pieces = tuple(
            SourcePiece(
                quantity=h.allocation.quantity,
                sku=h.allocation.sku,
                location=h.allocation.ship_from,
                source_id=h.allocation.source_id,
                kind="on hand" if h.allocation.source_id.startswith("OH/") else "purchase order",
                available=h.allocation.available_date,
                phase=_PHASE_WORDS.get(h.phase, h.phase),
            )
            for h in held
        )
        decision = uow.allocations.decision(line_id)
        if decision is None:
            return Explanation(line, None, _intake_text(record, pieces), pieces)
        customer = uow.master.customer(line.customer)
        above_decision = uow.allocations.decision_at_rank(
            decision.run_id, decision.sku, decision.rank - 1
        )
        above = None
        if above_decision is not None:
            above_line = uow.orders.get_line(above_decision.line_id)
            if above_line is not None:
                above = _facts(
                    above_decision,
                    above_line.line,
                    uow.master.customer(above_line.line.customer),
                )
        competitors: tuple[Competitor, ...] = ()
        total = 0
        if decision.short or decision.late:
            locations = [loc.code for loc in uow.master.locations()]
            holders, total = uow.allocations.better_ranked_holders(
                decision.run_id, decision.sku, decision.rank, locations, MAX_COMPETITORS
            )
            competitors = tuple(
                Competitor(line_id=h[0], rank=h[1], segment=h[2], quantity=h[3]) for h in holders
            )
        dr = DecisionRecord(
            line_id=line_id,
            sku=line.sku,
            home=decision.home_location,
            quantity=line.open_quantity,
            requested=line.requested_date,
            segment=decision.segment,
            strategy=decision.strategy,
            rule=decision.rule,
            rank=decision.rank,
            competing_lines=decision.competing_lines,
            ranked_below=ranked_below_text(
                ctx.policy, above, _facts(decision, line, customer), line.sku
            ),
            pieces=pieces,
            promise=line.promise_date,
            short=max(
                line.open_quantity
                - sum(p.quantity for p in pieces if p.sku == line.sku)
                - decision.substituted,
                0,
            ),
            late=decision.late,
            ring_fenced=decision.ring_fenced,
            competitors=competitors,
            competitors_total=total,
            cover=decision.cover_date,
            notes=notes_for(decision.flags, decision.offered_sku),
        )
        return Explanation(line, dr, dr.to_text(), pieces)


def _intake_text(record: LineRecord, pieces: tuple[SourcePiece, ...]) -> str:
    line = record.line
    got = sum(p.quantity for p in pieces)
    text = (
        f"Line {line.line_id} ({line.open_quantity} x {line.sku}, requested "
        f"{line.requested_date.isoformat()}) was allocated at order intake against "
        f"available-to-promise: first come, first served from supply no other line held. "
        f"It has not been through an allocation run yet, so policy ranking has not been applied."
    )
    if pieces:
        described = "; ".join(
            f"{p.quantity} of {p.sku} at {p.location} (available {p.available.isoformat()})"
            for p in pieces
        )
        text += f" It holds {got}: {described}."
    if got < line.open_quantity:
        text += f" {line.open_quantity - got} units are short: no free supply in the horizon."
    if line.promise_date:
        text += f" Promised complete on {line.promise_date.isoformat()}."
    return text


# -- backorder list --------------------------------------------------------------------


def encode_cursor(line_id: int) -> str:
    """Opaque cursor for the page after `line_id`."""
    return base64.urlsafe_b64encode(f"line:{line_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The line id inside a cursor, or a clear error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, _, value = base64.urlsafe_b64decode(padded).decode().partition(":")
        if kind != "line":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("cursor", "not a cursor returned by this API") from None


@dataclass(frozen=True)
class BackorderPage:
    """One page of backordered lines and the cursor of the next page."""

    lines: list[LineRecord]
    next_cursor: str | None


def backorders(
    ctx: ServiceContext, where: BackorderFilter, cursor: str | None, limit: int
) -> BackorderPage:
    """Backordered lines matching the filter, a page at a time."""
    after = decode_cursor(cursor) if cursor else None
    with ctx.reader() as uow:
        rows = uow.orders.backorders(
            BackorderFilter(**{**where.__dict__, "today": where.today or uow.today}),
            after=after,
            limit=limit + 1,
        )
    more = len(rows) > limit
    rows = rows[:limit]
    return BackorderPage(rows, encode_cursor(rows[-1].line.line_id) if more and rows else None)


# -- ATP -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtpAnswer:
    """A promise and the ids of the supply sources it names (by position)."""

    promise: Promise
    source_ids: tuple[str, ...]

    def source_id(self, index: int) -> str:
        """Domain id of the promise's `index`-th source."""
        return self.source_ids[self.promise.sources[index].source_id]


def available_to_promise(
    ctx: ServiceContext, sku: str, quantity: int, location: str, requested: date | None
) -> AtpAnswer:
    """Earliest promise for a hypothetical request, split by source (nothing is reserved)."""
    with ctx.reader() as uow:
        if not uow.master.known_skus([sku]):
            raise NotFoundError(f"item {sku!r} does not exist")
        if location not in {loc.code for loc in uow.master.locations()}:
            raise InvalidInputError("location", f"unknown location {location!r}")
        probe = OrderLine(
            line_id=0,
            order_id="ATP",
            customer="",
            sku=sku,
            quantity=quantity,
            requested_date=requested or uow.today,
            ordered_at=datetime.now(UTC),
        )
        answer, source_ids = promise_line(uow, ctx.policy, probe, location)
    return AtpAnswer(answer, source_ids)
