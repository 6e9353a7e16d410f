"""Force-allocate: a planner assigns specific supply to a case's line, overriding policy.

The units come from what the source has free, then from what the line itself already
holds there, then from the lowest-ranked lines holding that source (by the policy's
ranking of the item now), never from another line's forced units. They are stored as
allocations with phase "forced": every later run allocates around them (see
`domain.allocation.pinned`), so no run can take them away. The item group is then
reallocated at once, so the lines that lost units get what else there is and every
status, promise date and event is the engine's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from backorder.adapters.repositories.allocations import StoredAllocation
from backorder.domain.allocation.builder import BuiltProblem
from backorder.domain.allocation.pinned import FORCED_PHASE
from backorder.domain.allocation.problem import day_to_date
from backorder.domain.allocation.ranking import rank_lines
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError
from backorder.service_layer.handlers.allocation import lock_substitution_groups, reallocate_items
from backorder.service_layer.handlers.case_overrides import open_case, wake
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ForcedSource:
    """Units of one supply source to force to the line."""

    source_id: str
    quantity: int


@dataclass(frozen=True)
class TakenUnits:
    """Units a line lost to a forced allocation, and its rank among its item's lines."""

    line_id: int
    source_id: str
    quantity: int
    rank: int


@dataclass(frozen=True)
class ForceOutcome:
    """What was forced to the line, and from whom units were taken."""

    case_id: str
    line_id: int
    forced: tuple[ForcedSource, ...]
    taken: tuple[TakenUnits, ...]


def _forced_row(
    built: BuiltProblem, line_id: int, sku: str, source: int, home: int, quantity: int
) -> dict[str, Any]:
    """A forced allocation row, available when the units can be at the line's home DC."""
    problem = built.problem
    origin = int(problem.supply.location[source])
    lane = max(int(problem.network.lane_days[origin, home]), 0) if origin != home else 0
    return {
        "line_id": line_id,
        "source_id": built.source_ids[source],
        "sku": sku,
        "location": problem.network.locations[origin],
        "quantity": quantity,
        "available_date": day_to_date(int(problem.supply.day[source]) + lane),
        "phase": FORCED_PHASE,
        "run_id": None,
    }


def _row(row: StoredAllocation, quantity: int | None = None) -> dict[str, Any]:
    a = row.allocation
    return {
        "line_id": a.line_id,
        "source_id": a.source_id,
        "sku": a.sku,
        "location": a.ship_from,
        "quantity": a.quantity if quantity is None else quantity,
        "available_date": a.available_date,
        "phase": row.phase,
        "run_id": row.run_id,
    }


class _Ranks:
    """Where each line of the item group stands in the policy's ranking right now."""

    def __init__(self, built: BuiltProblem, ctx: ServiceContext) -> None:
        demand = built.problem.demand
        ranking = rank_lines(built.problem, ctx.policy)
        self.row = {int(line_id): i for i, line_id in enumerate(demand.line_id.tolist())}
        self.priority = ranking.priority
        self.item = demand.item

    def worst_first(self, line_id: int) -> tuple[int, int]:
        """Sort key: lines outside the backlog first, then the lowest-ranked."""
        row = self.row.get(line_id)
        return (0, 0) if row is None else (1, -int(self.priority[row]))

    def rank(self, line_id: int) -> int:
        """1-based rank of the line among the lines of its item (0 if not in the backlog)."""
        row = self.row.get(line_id)
        if row is None:
            return 0
        same = self.item == self.item[row]
        return int(np.count_nonzero(same & (self.priority < self.priority[row]))) + 1


def force_allocate(
    ctx: ServiceContext,
    case_id: str,
    sources: Sequence[ForcedSource],
    reason: str,
    actor: str,
) -> ForceOutcome:
    """Force units of the given sources to the case's line; report whom they were taken from."""
    if not reason.strip():
        raise InvalidInputError("reason", "must not be empty")
    if not sources:
        raise InvalidInputError("sources", "name at least one supply source")
    with ctx.unit_of_work() as uow:
        case = open_case(uow, case_id)
        record = uow.orders.get_line(case.line_id)
        if record is None:
            raise ConflictError(f"the line of case {case_id} no longer exists")
        line = record.line
        scope = lock_substitution_groups(uow, [line.sku])  # before reading supply
        built = uow.allocations.backlog(scope, uow.today, ctx.policy.tiers)
        problem = built.problem
        ranks = _Ranks(built, ctx)
        if line.line_id not in ranks.row:
            raise ConflictError(f"the line of case {case_id} is not open for allocation")
        home = int(problem.demand.home[ranks.row[line.line_id]])
        source_row = {source_id: i for i, source_id in enumerate(built.source_ids)}
        held = uow.allocations.drawing_on(scope)
        _check(sources, line.sku, line.line_id, line.open_quantity, built, source_row, held)

        cut: dict[tuple[int, str], int] = {}  # (losing line, source) -> units
        new_rows: list[dict[str, Any]] = []
        for wanted in sources:
            on_source = [h for h in held if h.allocation.source_id == wanted.source_id]
            row = source_row[wanted.source_id]
            free = int(problem.supply.quantity[row]) - sum(h.allocation.quantity for h in on_source)
            # The line's own policy units there become forced first, then others give way.
            own = sum(
                h.allocation.quantity
                for h in on_source
                if h.allocation.line_id == line.line_id and h.phase != FORCED_PHASE
            )
            need = max(wanted.quantity - max(free, 0) - own, 0)
            others = sorted(
                (
                    h
                    for h in on_source
                    if h.allocation.line_id != line.line_id and h.phase != FORCED_PHASE
                ),
                key=lambda h: ranks.worst_first(h.allocation.line_id),
            )
            for holder in others:
                if need == 0:
                    break
                units = min(holder.allocation.quantity, need)
                need -= units
                key = (holder.allocation.line_id, wanted.source_id)
                cut[key] = cut.get(key, 0) + units
            new_rows.append(_forced_row(built, line.line_id, line.sku, row, home, wanted.quantity))
        taken = tuple(
            TakenUnits(loser, source_id, units, ranks.rank(loser))
            for (loser, source_id), units in cut.items()
        )
        _rewrite(uow, line.line_id, {s.source_id for s in sources}, cut, new_rows)
        uow.platform.audit(
            actor=actor,
            action="case.force_allocated",
            subject=f"case/{case_id}",
            before={"line_id": line.line_id},
            after={
                "reason": reason.strip(),
                "forced": [{"source_id": s.source_id, "quantity": s.quantity} for s in sources],
                "taken_from": [t.__dict__ for t in taken],
            },
            now=uow.clock.now(),
        )
        reallocate_items(uow, ctx.policy, [line.sku], reason=f"forced allocation ({case_id})")
        wake(uow, case, f"allocation forced: {reason.strip()}")
        uow.commit()
    return ForceOutcome(case_id, line.line_id, tuple(sources), taken)


def _check(
    sources: Sequence[ForcedSource],
    sku: str,
    line_id: int,
    open_quantity: int,
    built: BuiltProblem,
    source_row: dict[str, int],
    held: list[StoredAllocation],
) -> None:
    """Every source exists, supplies the line's item and has the units; the line needs them."""
    seen: set[str] = set()
    problem = built.problem
    for index, wanted in enumerate(sources):
        where = f"sources[{index}]"
        if wanted.quantity <= 0:
            raise InvalidInputError(f"{where}.quantity", "must be greater than 0")
        if wanted.source_id in seen:
            raise InvalidInputError(f"{where}.source_id", f"{wanted.source_id} appears twice")
        seen.add(wanted.source_id)
        row = source_row.get(wanted.source_id)
        if row is None:
            raise InvalidInputError(
                f"{where}.source_id", f"no open supply {wanted.source_id!r} of item {sku}"
            )
        supplies = problem.catalog.skus[int(problem.supply.item[row])]
        if supplies != sku:
            raise InvalidInputError(
                f"{where}.source_id",
                f"{wanted.source_id} supplies {supplies}; the line orders {sku}",
            )
        units = int(problem.supply.quantity[row])
        forced = [
            h
            for h in held
            if h.allocation.source_id == wanted.source_id and h.phase == FORCED_PHASE
        ]
        others = sum(h.allocation.quantity for h in forced if h.allocation.line_id != line_id)
        mine = sum(h.allocation.quantity for h in forced if h.allocation.line_id == line_id)
        if wanted.quantity + mine > units - others:
            raise InvalidInputError(
                f"{where}.quantity",
                f"{wanted.source_id} has {units} units, {others} forced to other lines and "
                f"{mine} already to this one: at most {max(units - others - mine, 0)} more",
            )
    already = sum(
        h.allocation.quantity
        for h in held
        if h.allocation.line_id == line_id and h.phase == FORCED_PHASE
    )
    total = sum(s.quantity for s in sources)
    if already + total > open_quantity:
        raise InvalidInputError(
            "sources",
            f"{total} units plus the {already} already forced exceed the line's open "
            f"quantity of {open_quantity}",
        )


def _rewrite(
    uow: UnitOfWork,
    line_id: int,
    forced_sources: set[str],
    cut: dict[tuple[int, str], int],
    new_rows: list[dict[str, Any]],
) -> None:
    """Store the rows of the lines involved: losers give up `cut` ((line, source) -> units),
    the line's policy units on the forced sources make way for the forced rows (the
    reallocation that follows re-gives whatever else the line may have)."""
    lines = sorted({line_id, *(line for line, _ in cut)})
    left = dict(cut)
    rows: list[dict[str, Any]] = []
    for stored in uow.allocations.of_lines(lines):
        a = stored.allocation
        if stored.phase == FORCED_PHASE:
            rows.append(_row(stored))
            continue
        if a.line_id == line_id and a.source_id in forced_sources:
            continue
        key = (a.line_id, a.source_id)
        remove = min(left.get(key, 0), a.quantity)
        if remove:
            left[key] -= remove
        if a.quantity > remove:
            rows.append(_row(stored, a.quantity - remove))
    uow.allocations.release_lines(lines)
    uow.allocations.add_rows(rows + new_rows)
