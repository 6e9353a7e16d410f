"""Inbound integration over REST: the canonical messages the NATS consumer also takes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from backorder.entrypoints.api.deps import Context, allowed
from backorder.entrypoints.api.schemas.inbound import InboundBatch, InboundBatchRead
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.handlers.inbound import apply_messages

router = APIRouter(tags=["integration"])
Integrator = Annotated[Caller, allowed(Role.INTEGRATION)]


@router.post(
    "/inbound/messages",
    response_model=InboundBatchRead,
    summary="Apply canonical inbound messages",
    operation_id="apply_inbound_messages",
)
def apply_inbound(body: InboundBatch, ctx: Context, who: Integrator) -> InboundBatchRead:
    """Apply ERP/WMS/eCommerce messages in one transaction; each message id at most once.

    The answer has one result per message, in order: `applied`, `duplicate` (its id was
    applied before: nothing changed, safe to treat as success) or `rejected` (with the
    reason; nothing of it was applied, and the same message id may be sent again once the
    cause is fixed). A message that does not match its schema fails the whole request with
    422, naming the field (`messages[3].data.lines[0].quantity`). Repeating a request is
    safe: no `Idempotency-Key` is needed, the message ids are the keys.
    """
    return InboundBatchRead.of(apply_messages(ctx, body.messages, who.actor))
