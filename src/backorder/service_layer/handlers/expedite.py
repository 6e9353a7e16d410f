"""Expedites: a case whose promise slipped past the service level proposes a faster route.

The case model decides *when* (`domain.cases.expedite_due`), `domain.expedite` decides
*which* route and whether the policy approves its cost; this module gathers the facts and
carries the decision out. One undecided proposal per line at a time. Approval, by policy
or by a planner for the transportation team (`expedite_approval` task, cause
`expedite:<id>`), records the cost for finance (`expedite_costs`), moves the supply
(premium freight: the PO line's due date comes forward; transfer: free stock leaves the
other DC as inbound supply, see `handlers.transfers`) and reallocates the item, which
re-promises the lines and wakes their cases.
"""

from __future__ import annotations

from datetime import timedelta

from backorder.adapters.repositories.cases import CaseRecord
from backorder.adapters.repositories.expedite import ExpediteRecord, ExpediteRepository
from backorder.adapters.repositories.replenishment import ReplenishmentRepository
from backorder.domain import events
from backorder.domain.cases import ActionKind, CaseAction, LineFacts, SupplyStage
from backorder.domain.expedite import FreeStock, Inbound, Route, auto_approved, choose, routes
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers.allocation import reallocate_items
from backorder.service_layer.handlers.cases import Reach, executor, open_task
from backorder.service_layer.handlers.inline import (
    connection_of,
    reference,
    resolve_task,
    wake_cases,
)
from backorder.service_layer.handlers.transfers import TRANSFER_SUPPLIER_PREFIX, create_transfer
from backorder.service_layer.unit_of_work import UnitOfWork

POLICY_ACTOR = "policy"
_FLYABLE = (SupplyStage.ORDERED, SupplyStage.CONFIRMED)


@executor(ActionKind.PROPOSE_EXPEDITE, Reach.ITEM)
def propose_expedite(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    """Case action: propose the best faster route, approving it when the policy allows."""
    repo = ExpediteRepository(connection_of(uow))
    if facts.promise is None or repo.open_for_line(case.line_id) is not None:
        return
    stock = ReplenishmentRepository(connection_of(uow))
    home = facts.home_location or stock.home_location(case.line_id)
    if home is None:
        return
    route = best_route(uow, ctx, facts, home)
    if route is None:
        return
    now = uow.clock.now()
    what = (
        f"premium freight on {route.source_id}"
        if route.kind == "premium_freight"
        else f"transfer of {route.quantity} from {route.origin}"
    )
    reason = (
        f"promised {facts.promise}, requested {facts.requested}: {what} promises "
        f"{route.new_promise} for {route.cost:.2f}"
    )
    proposal = repo.propose(
        {
            "line_id": case.line_id,
            "case_id": case.case_id,
            "sku": facts.sku,
            "kind": route.kind,
            "source_id": route.source_id,
            "origin": route.origin,
            "destination": home,
            "quantity": route.quantity,
            "cost": route.cost,
            "current_promise": facts.promise,
            "new_date": route.new_date,
            "new_promise": route.new_promise,
            "reason": reason,
            "status": "proposed",
            "created_at": now,
        }
    )
    if proposal is None:
        return
    proposal_id = proposal.proposal_id
    policy = ctx.operations.expedite.rules()
    approve_now = auto_approved(route, policy)
    uow.record(
        events.ExpediteProposed(
            proposal_id,
            case.case_id,
            case.line_id,
            facts.sku,
            route.kind,
            route.quantity,
            route.cost,
            facts.promise,
            route.new_promise,
            needs_approval=not approve_now,
        )
    )
    if approve_now:
        carry_out(uow, ctx, proposal, POLICY_ACTOR, "cost at or below the approval threshold")
    else:
        open_task(
            uow,
            ctx,
            cause=f"expedite:{proposal_id}",
            case_id=case.case_id,
            task_type="expedite_approval",
            subject=f"approve expedite {proposal_id}: line {case.line_id} ({facts.sku})",
            detail=reason,
        )


def best_route(uow: UnitOfWork, ctx: ServiceContext, facts: LineFacts, home: str) -> Route | None:
    """The faster route the rules choose for the line, or None."""
    assert facts.promise is not None
    policy = ctx.operations.expedite.rules()
    today = uow.today
    master = reference(uow)
    short = facts.short_quantity
    waiting = facts.open_quantity - facts.on_hand_quantity
    inbound: list[Inbound] = []
    # Premium freight needs every unit sourced, a transfer units not yet on hand and a
    # lane home: read only what a possible route needs.
    if short == 0:
        waiting_on = [h for h in facts.held if h.stage is not SupplyStage.ON_HAND]
        po_lines = uow.supply.po_lines_by_id([h.source_id for h in waiting_on])
        # A receipt flies once: premium freight approved before cannot save the days again.
        flown = ExpediteRepository(connection_of(uow)).flown(list(po_lines))
        inbound = [
            Inbound(
                source_id=h.source_id,
                line_units=h.quantity,
                due=h.due,
                open_quantity=po_lines[h.source_id].open_quantity,
                can_fly=h.stage in _FLYABLE
                and h.source_id not in flown
                and not po_lines[h.source_id].supplier.startswith(TRANSFER_SUPPLIER_PREFIX),
            )
            for h in waiting_on
            if h.source_id in po_lines
        ]
    lanes = [lane for lane in master.lanes() if lane.destination == home and lane.origin != home]
    stock: list[FreeStock] = []
    if waiting > 0 and lanes:
        item = master.item(facts.sku)
        safety = item.safety_stock if item is not None else 0
        free = ReplenishmentRepository(connection_of(uow)).free_stock(facts.sku)
        stock = [
            FreeStock(
                lane.origin,
                max(free.get(lane.origin, 0) - safety, 0),
                lane.lead_time_days,
                lane.cost_per_unit,
            )
            for lane in lanes
        ]
    candidates = routes(inbound, stock, waiting=waiting, short=short, today=today, policy=policy)
    service_date = facts.requested + timedelta(days=policy.promise_slip_days)
    return choose(candidates, facts.promise, service_date)


def carry_out(
    uow: UnitOfWork, ctx: ServiceContext, proposal: ExpediteRecord, actor: str, note: str
) -> None:
    """Approve an undecided proposal: record its cost, move the supply, reallocate."""
    repo = ExpediteRepository(connection_of(uow))
    now, today = uow.clock.now(), uow.today
    transfer_number: str | None = None
    if proposal.kind == "premium_freight":
        assert proposal.source_id is not None
        line = uow.supply.po_line(proposal.source_id)
        if line is None or line.open_quantity == 0:
            raise ConflictError(f"{proposal.source_id} has nothing left to expedite")
        new_date = max(proposal.new_date, today)
        repo.move_receipt(proposal.source_id, new_date, now)
        uow.platform.audit(
            actor=actor,
            action="purchase_order.expedited",
            subject=f"purchase-order/{line.po_number}/{line.line_number}",
            before={"due_date": line.due_date.isoformat()},
            after={"due_date": new_date.isoformat(), "expedite": proposal.proposal_id},
            now=now,
        )
    else:
        assert proposal.origin is not None
        transfer_number = f"TR-E{proposal.proposal_id}"
        lane_days = (proposal.new_date - proposal.created_at.date()).days
        create_transfer(
            uow,
            number=transfer_number,
            sku=proposal.sku,
            origin=proposal.origin,
            destination=proposal.destination,
            quantity=proposal.quantity,
            arrival=today + timedelta(days=max(lane_days, 0)),
            actor=actor,
        )
    uow.finance.record_expedite_cost(
        line_id=proposal.line_id,
        case_id=proposal.case_id,
        cost=proposal.cost,
        reason=f"{proposal.kind} (expedite {proposal.proposal_id}): {proposal.reason}"[:400],
        approved_by=actor,
        at=now,
    )
    repo.decide(
        proposal.proposal_id,
        status="approved",
        decided_by=actor,
        decided_at=now,
        decision_note=note[:400],
        transfer_number=transfer_number,
    )
    reallocate_items(uow, ctx.policy, [proposal.sku], reason=f"expedite {proposal.proposal_id}")
    _decided(uow, proposal, "approved", actor)


def _decided(uow: UnitOfWork, proposal: ExpediteRecord, status: str, actor: str) -> None:
    uow.record(
        events.ExpediteDecided(
            proposal.proposal_id, proposal.line_id, proposal.kind, proposal.cost, status, actor
        )
    )
    uow.platform.audit(
        actor=actor,
        action=f"expedite.{status}",
        subject=f"expedite/{proposal.proposal_id}",
        before={"status": proposal.status},
        after={"status": status, "cost": proposal.cost},
        now=uow.clock.now(),
    )
    resolve_task(
        uow,
        cause=f"expedite:{proposal.proposal_id}",
        task_type="expedite_approval",
        resolution=status,
        actor=actor,
    )
    if proposal.case_id is not None:
        wake_cases(uow, [(proposal.case_id, proposal.line_id)], f"expedite {status}")


# -- a planner's decision ----------------------------------------------------------------


def _undecided(uow: UnitOfWork, proposal_id: int) -> ExpediteRecord:
    repo = ExpediteRepository(connection_of(uow))
    found = repo.get(proposal_id)
    if found is None:
        raise NotFoundError(f"expedite proposal {proposal_id} does not exist")
    uow.lock_items([found.sku])
    found = repo.get(proposal_id)  # again, under the lock
    assert found is not None
    if found.status != "proposed":
        raise ConflictError(f"expedite proposal {proposal_id} is already {found.status}")
    return found


def approve_expedite(
    ctx: ServiceContext, proposal_id: int, actor: str, note: str = ""
) -> ExpediteRecord:
    """A planner approves an expedite: its cost is recorded and the supply moves."""
    with ctx.unit_of_work() as uow:
        carry_out(uow, ctx, _undecided(uow, proposal_id), actor, note or "approved")
        uow.commit()
    return get_expedite(ctx, proposal_id)


def reject_expedite(
    ctx: ServiceContext, proposal_id: int, actor: str, reason: str
) -> ExpediteRecord:
    """A planner rejects an expedite, with a reason; nothing moves and nothing is spent."""
    if not reason.strip():
        raise InvalidInputError("reason", "must not be empty")
    with ctx.unit_of_work() as uow:
        proposal = _undecided(uow, proposal_id)
        ExpediteRepository(connection_of(uow)).decide(
            proposal_id,
            status="rejected",
            decided_by=actor,
            decided_at=uow.clock.now(),
            decision_note=reason.strip()[:400],
        )
        _decided(uow, proposal, "rejected", actor)
        uow.commit()
    return get_expedite(ctx, proposal_id)


def get_expedite(ctx: ServiceContext, proposal_id: int) -> ExpediteRecord:
    """One expedite proposal."""
    with ctx.reader() as uow:
        found = ExpediteRepository(connection_of(uow)).get(proposal_id)
    if found is None:
        raise NotFoundError(f"expedite proposal {proposal_id} does not exist")
    return found


def list_expedites(
    ctx: ServiceContext,
    *,
    status: str | None = None,
    line_id: int | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[ExpediteRecord]:
    """Expedite proposals by id, filtered, a page at a time."""
    with ctx.reader() as uow:
        return ExpediteRepository(connection_of(uow)).page(
            status=status, line_id=line_id, after=after, limit=limit
        )
