"""Decisions on purchase and transfer suggestions: carried out by policy or by a buyer.

`carry_out` turns an undecided suggestion into a purchase order (`PS-<id>`, through
`purchasing.create_purchase_orders`, expected today + the supplier's lead time) or a
transfer (`TR-<id>`, see `handlers.transfers`) inside the caller's transaction, and
reallocates the item. A buyer approves (`approve_suggestion`) or rejects with a reason
(`reject_suggestion`); either way the `purchase_approval` task is resolved and the cases
the suggestion serves are woken. Approval and ordering commit in one transaction, so a
suggestion goes from `suggested` straight to `ordered` (or `rejected`); `approved` is never
left behind.
"""

from __future__ import annotations

from datetime import timedelta

from backorder.adapters.repositories.replenishment import (
    ReplenishmentRepository,
    SuggestionRecord,
)
from backorder.domain import events
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers import purchasing
from backorder.service_layer.handlers.allocation import reallocate_items
from backorder.service_layer.handlers.inline import (
    connection_of,
    inline_context,
    reference,
    resolve_task,
    wake_cases,
)
from backorder.service_layer.handlers.transfers import create_transfer
from backorder.service_layer.unit_of_work import UnitOfWork


def carry_out(
    uow: UnitOfWork, ctx: ServiceContext, suggestion: SuggestionRecord, actor: str, note: str
) -> str:
    """Turn an undecided suggestion into a purchase order or transfer; returns its number.

    Runs inside the caller's transaction with the item locked; the item is reallocated.
    """
    repo = ReplenishmentRepository(connection_of(uow))
    today, now = uow.today, uow.clock.now()
    if suggestion.kind == "transfer":
        assert suggestion.origin is not None
        number = f"TR-{suggestion.suggestion_id}"
        lane = next(
            (
                lane
                for lane in reference(uow).lanes()
                if (lane.origin, lane.destination) == (suggestion.origin, suggestion.location)
            ),
            None,
        )
        if lane is None:
            raise ConflictError(f"there is no lane from {suggestion.origin} any more")
        arrival = today + timedelta(days=lane.lead_time_days)
        create_transfer(
            uow,
            number=number,
            sku=suggestion.sku,
            origin=suggestion.origin,
            destination=suggestion.location,
            quantity=suggestion.quantity,
            arrival=arrival,
            actor=actor,
        )
        reallocate_items(uow, ctx.policy, [suggestion.sku], reason=f"transfer {number}")
    else:
        supplier = reference(uow).supplier(suggestion.supplier)
        if supplier is None:
            raise ConflictError(f"supplier {suggestion.supplier!r} no longer exists")
        number = f"PS-{suggestion.suggestion_id}"
        arrival = today + timedelta(days=supplier.lead_time_days)
        order = purchasing.PurchaseOrderInput(
            number,
            supplier.code,
            (
                purchasing.PurchaseOrderLineInput(
                    suggestion.sku,
                    suggestion.location,
                    suggestion.quantity,
                    arrival,
                    suggestion.unit_cost,
                ),
            ),
        )
        purchasing.create_purchase_orders(inline_context(uow, ctx), [order], actor)
    repo.update_suggestion(
        suggestion.suggestion_id,
        status="ordered",
        po_number=number,
        expected_date=arrival,
        decided_by=actor,
        decided_at=now,
        decision_note=note,
        updated_at=now,
    )
    _decided(uow, suggestion, "ordered", actor, number)
    return number


def _decided(
    uow: UnitOfWork, s: SuggestionRecord, status: str, actor: str, number: str | None
) -> None:
    uow.record(
        events.SuggestionDecided(
            s.suggestion_id, s.kind, s.sku, s.location, s.quantity, status, actor, number
        )
    )
    uow.platform.audit(
        actor=actor,
        action=f"purchase_suggestion.{status}",
        subject=f"purchase-suggestion/{s.suggestion_id}",
        before={"status": s.status},
        after={"status": status, "po_number": number},
        now=uow.clock.now(),
    )
    resolve_task(
        uow,
        cause=f"suggestion:{s.suggestion_id}",
        task_type="purchase_approval",
        resolution="approved" if status == "ordered" else "rejected",
        actor=actor,
    )
    repo = ReplenishmentRepository(connection_of(uow))
    wake_cases(uow, repo.served(s.suggestion_id), f"suggestion {s.suggestion_id} {status}")


# -- a buyer's decision ------------------------------------------------------------------


def _undecided(uow: UnitOfWork, suggestion_id: int) -> SuggestionRecord:
    repo = ReplenishmentRepository(connection_of(uow))
    found = repo.get_suggestion(suggestion_id)
    if found is None:
        raise NotFoundError(f"purchase suggestion {suggestion_id} does not exist")
    uow.lock_items([found.sku])
    found = repo.get_suggestion(suggestion_id)  # again, under the lock
    assert found is not None
    if found.status != "suggested":
        raise ConflictError(f"purchase suggestion {suggestion_id} is already {found.status}")
    return found


def approve_suggestion(
    ctx: ServiceContext, suggestion_id: int, actor: str, note: str = ""
) -> SuggestionRecord:
    """A buyer approves a suggestion: it becomes a purchase order (or transfer) at once."""
    with ctx.unit_of_work() as uow:
        suggestion = _undecided(uow, suggestion_id)
        carry_out(uow, ctx, suggestion, actor, note or "approved")
        uow.commit()
    return get_suggestion(ctx, suggestion_id)


def reject_suggestion(
    ctx: ServiceContext, suggestion_id: int, actor: str, reason: str
) -> SuggestionRecord:
    """A buyer rejects a suggestion, with a reason; its cases look for supply again."""
    if not reason.strip():
        raise InvalidInputError("reason", "must not be empty")
    with ctx.unit_of_work() as uow:
        suggestion = _undecided(uow, suggestion_id)
        now = uow.clock.now()
        ReplenishmentRepository(connection_of(uow)).update_suggestion(
            suggestion_id,
            status="rejected",
            decided_by=actor,
            decided_at=now,
            decision_note=reason.strip(),
            updated_at=now,
        )
        _decided(uow, suggestion, "rejected", actor, None)
        uow.commit()
    return get_suggestion(ctx, suggestion_id)


def get_suggestion(ctx: ServiceContext, suggestion_id: int) -> SuggestionRecord:
    """One suggestion with the cases it serves."""
    with ctx.reader() as uow:
        found = ReplenishmentRepository(connection_of(uow)).get_suggestion(suggestion_id)
    if found is None:
        raise NotFoundError(f"purchase suggestion {suggestion_id} does not exist")
    return found


def list_suggestions(
    ctx: ServiceContext,
    *,
    status: str | None = None,
    sku: str | None = None,
    location: str | None = None,
    kind: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[SuggestionRecord]:
    """Suggestions by id, filtered, a page at a time."""
    with ctx.reader() as uow:
        return ReplenishmentRepository(connection_of(uow)).suggestions(
            status=status, sku=sku, location=location, kind=kind, after=after, limit=limit
        )
