"""Warehouse: pick requests for lines whose stock is all on hand, and pick confirmations.

- **Release** (`RELEASE_TO_WAREHOUSE`): one open pick request per DC and item the line
  holds stock of, prioritised by `domain.warehouse.pick_priority` (promise date, then
  allocation rank), and a `backorder.pick_request.created.v1` event.
- **Full pick**: the units ship at once (`fulfilment.confirm_shipments`: stock out,
  allocations released, shipment recorded) in the same transaction as the confirmation.
- **Short pick** (fewer units found): the stock was not there, so stock on hand drops by
  the missing units (an audited adjustment); the units found stay on the shelf. The case
  is re-opened (no longer released, and its release may happen again), the item is
  reallocated, a `short_pick` task goes to the warehouse team and the case is woken.
- **Due-date shipping** (`fulfilment.ship_due`) leaves lines with an open pick request
  alone: they ship when the warehouse confirms the pick, never twice.
"""

from __future__ import annotations

from collections import defaultdict

from backorder.adapters.repositories.cases import CaseRecord
from backorder.adapters.repositories.warehouse import PickRecord, PickRepository
from backorder.domain import events
from backorder.domain.cases import ActionKind, CaseAction, LineFacts
from backorder.domain.warehouse import pick_priority
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers import fulfilment
from backorder.service_layer.handlers.allocation import reallocate_items
from backorder.service_layer.handlers.cases import Reach, executor, open_task
from backorder.service_layer.handlers.inline import connection_of, inline_context, wake_cases
from backorder.service_layer.unit_of_work import UnitOfWork

STATUSES = ("open", "picked", "short")


@executor(ActionKind.RELEASE_TO_WAREHOUSE, Reach.CASE)
def release_to_warehouse(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    """Case action: ask the warehouse to pick the stock the line holds."""
    uow.cases.set_fields(case.case_id, released_to_warehouse=True)
    decision = uow.allocations.decision(case.line_id)
    rank = decision.rank if decision is not None else None
    promise = facts.promise or facts.requested
    priority = pick_priority(promise, rank)
    on_shelf: dict[tuple[str, str], int] = defaultdict(int)
    for stored in uow.allocations.of_lines([case.line_id]):
        allocation = stored.allocation
        if allocation.source_id.startswith("OH/") and allocation.quantity > 0:
            on_shelf[(allocation.ship_from, allocation.sku)] += allocation.quantity
    picks = PickRepository(connection_of(uow))
    now = uow.clock.now()
    for (location, sku), quantity in sorted(on_shelf.items()):
        pick_id = picks.add(
            {
                "line_id": case.line_id,
                "case_id": case.case_id,
                "sku": sku,
                "location": location,
                "quantity": quantity,
                "priority": priority,
                "rank": rank,
                "promise_date": promise,
                "status": "open",
                "created_at": now,
            }
        )
        if pick_id is not None:
            uow.record(
                events.PickRequestCreated(
                    pick_id, case.case_id, case.line_id, sku, location, quantity, priority
                )
            )


def confirm_pick(ctx: ServiceContext, pick_id: int, picked: int, actor: str) -> PickRecord:
    """The warehouse confirms a pick: in full the units ship, short the case re-opens."""
    with ctx.unit_of_work() as uow:
        picks = PickRepository(connection_of(uow))
        pick = picks.get(pick_id)
        if pick is None:
            raise NotFoundError(f"pick request {pick_id} does not exist")
        line = uow.orders.get_line(pick.line_id)
        if line is None:
            raise NotFoundError(f"order line {pick.line_id} does not exist")
        uow.lock_items(sorted({pick.sku, line.line.sku}))
        pick = picks.get(pick_id)  # again, under the lock
        assert pick is not None
        if pick.status != "open":
            raise ConflictError(f"pick request {pick_id} is already {pick.status}")
        if not 0 <= picked <= pick.quantity:
            raise InvalidInputError(
                "picked_quantity", f"must be between 0 and the {pick.quantity} units requested"
            )
        now = uow.clock.now()
        if picked == pick.quantity:
            shipment = fulfilment.ShipmentLine(
                pick.line_id, pick.location, picked, shipment_id=f"pick-{pick_id}"
            )
            fulfilment.confirm_shipments(inline_context(uow, ctx), [shipment], actor)
            picks.confirm(pick_id, "picked", picked, actor, now)
        else:
            picks.confirm(pick_id, "short", picked, actor, now)
            _short(uow, ctx, pick, picked, line.line.sku, actor)
        uow.record(
            events.PickConfirmed(
                pick_id,
                pick.line_id,
                pick.sku,
                pick.location,
                pick.quantity,
                picked,
                short=picked < pick.quantity,
            )
        )
        uow.platform.audit(
            actor=actor,
            action="pick_request.confirmed",
            subject=f"pick-request/{pick_id}",
            before={"status": "open", "quantity": pick.quantity},
            after={"status": "picked" if picked == pick.quantity else "short", "picked": picked},
            now=now,
        )
        uow.commit()
    return get_pick(ctx, pick_id)


def _short(
    uow: UnitOfWork, ctx: ServiceContext, pick: PickRecord, picked: int, line_sku: str, actor: str
) -> None:
    missing = pick.quantity - picked
    now = uow.clock.now()
    level = uow.supply.add_on_hand(pick.sku, pick.location, -missing, now)
    uow.platform.audit(
        actor=actor,
        action="inventory.adjusted",
        subject=f"inventory/{pick.sku}/{pick.location}",
        before={"on_hand": level + missing},
        after={"on_hand": level, "reason": f"short pick {pick.pick_id}: {missing} units missing"},
        now=now,
    )
    if pick.case_id is not None:
        uow.cases.set_fields(pick.case_id, released_to_warehouse=False)
        PickRepository(connection_of(uow)).forget_release(pick.case_id)
    reallocate_items(
        uow, ctx.policy, sorted({pick.sku, line_sku}), reason=f"short pick {pick.pick_id}"
    )
    open_task(
        uow,
        ctx,
        cause=f"pick:{pick.pick_id}",
        case_id=pick.case_id,
        task_type="short_pick",
        subject=f"short pick: {pick.sku} at {pick.location} for line {pick.line_id}",
        detail=(
            f"{picked} of {pick.quantity} units found; stock on hand lowered by {missing} "
            f"to {level}; count the location"
        ),
    )
    if pick.case_id is not None:
        wake_cases(uow, [(pick.case_id, pick.line_id)], f"short pick {pick.pick_id}")


def get_pick(ctx: ServiceContext, pick_id: int) -> PickRecord:
    """One pick request."""
    with ctx.reader() as uow:
        found = PickRepository(connection_of(uow)).get(pick_id)
    if found is None:
        raise NotFoundError(f"pick request {pick_id} does not exist")
    return found


def list_picks(
    ctx: ServiceContext,
    *,
    location: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[PickRecord]:
    """Pick requests in the order they should be worked."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError("status", f"must be one of {', '.join(STATUSES)}")
    with ctx.reader() as uow:
        return PickRepository(connection_of(uow)).page(
            location=location, status=status, limit=limit, offset=offset
        )
