"""Replenishment routes: purchase (and transfer) suggestions, expedite proposals."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from backorder.entrypoints.api.deps import Context, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.schemas.replenishment import (
    Approval,
    ExpediteRead,
    Rejection,
    SuggestionRead,
)
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.handlers import expedite, suggestions

router = APIRouter(tags=["replenishment"])
Buyer = Annotated[Caller, allowed(Role.BUYER)]
Planner = Annotated[Caller, allowed(Role.PLANNER)]
SupplyReader = Annotated[Caller, allowed(Role.BUYER, Role.PLANNER, Role.FINANCE, Role.VIEWER)]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/purchase-suggestions", response_model=list[SuggestionRead])
def list_suggestions(
    ctx: Context,
    _: SupplyReader,
    status: Literal["suggested", "approved", "ordered", "rejected"] | None = None,
    kind: Literal["purchase", "transfer"] | None = None,
    sku: str | None = None,
    location: str | None = None,
    after: int | None = None,
    limit: Limit = 100,
) -> list[SuggestionRead]:
    """Suggestions by id (`after` the last id of the previous page), filtered."""
    found = suggestions.list_suggestions(
        ctx, status=status, kind=kind, sku=sku, location=location, after=after, limit=limit
    )
    return [SuggestionRead.of(s) for s in found]


@router.get("/purchase-suggestions/{suggestion_id}", response_model=SuggestionRead)
def get_suggestion(suggestion_id: int, ctx: Context, _: SupplyReader) -> SuggestionRead:
    """One suggestion with the cases it serves."""
    return SuggestionRead.of(suggestions.get_suggestion(ctx, suggestion_id))


@router.post("/purchase-suggestions/{suggestion_id}/approve", response_model=SuggestionRead)
def approve_suggestion(
    request: Request, suggestion_id: int, body: Approval, ctx: Context, who: Buyer
) -> JSONResponse:
    """Approve a suggestion: the purchase order (or transfer) is created at once."""

    def work() -> tuple[int, SuggestionRead]:
        done = suggestions.approve_suggestion(ctx, suggestion_id, who.actor, body.note)
        return 200, SuggestionRead.of(done)

    return run_idempotently(request, ctx, who, body, work)


@router.post("/purchase-suggestions/{suggestion_id}/reject", response_model=SuggestionRead)
def reject_suggestion(
    request: Request, suggestion_id: int, body: Rejection, ctx: Context, who: Buyer
) -> JSONResponse:
    """Reject a suggestion with a reason; its cases look for supply again."""

    def work() -> tuple[int, SuggestionRead]:
        done = suggestions.reject_suggestion(ctx, suggestion_id, who.actor, body.reason)
        return 200, SuggestionRead.of(done)

    return run_idempotently(request, ctx, who, body, work)


@router.get("/expedite-proposals", response_model=list[ExpediteRead])
def list_expedites(
    ctx: Context,
    _: SupplyReader,
    status: Literal["proposed", "approved", "rejected"] | None = None,
    line_id: int | None = None,
    after: int | None = None,
    limit: Limit = 100,
) -> list[ExpediteRead]:
    """Expedite proposals by id (`after` the last id of the previous page), filtered."""
    found = expedite.list_expedites(ctx, status=status, line_id=line_id, after=after, limit=limit)
    return [ExpediteRead.of(p) for p in found]


@router.get("/expedite-proposals/{proposal_id}", response_model=ExpediteRead)
def get_expedite(proposal_id: int, ctx: Context, _: SupplyReader) -> ExpediteRead:
    """One expedite proposal."""
    return ExpediteRead.of(expedite.get_expedite(ctx, proposal_id))


@router.post("/expedite-proposals/{proposal_id}/approve", response_model=ExpediteRead)
def approve_expedite(
    request: Request, proposal_id: int, body: Approval, ctx: Context, who: Planner
) -> JSONResponse:
    """Approve an expedite: its cost is recorded and the supply moves forward."""

    def work() -> tuple[int, ExpediteRead]:
        return 200, ExpediteRead.of(
            expedite.approve_expedite(ctx, proposal_id, who.actor, body.note)
        )

    return run_idempotently(request, ctx, who, body, work)


@router.post("/expedite-proposals/{proposal_id}/reject", response_model=ExpediteRead)
def reject_expedite(
    request: Request, proposal_id: int, body: Rejection, ctx: Context, who: Planner
) -> JSONResponse:
    """Reject an expedite with a reason; nothing is spent."""

    def work() -> tuple[int, ExpediteRead]:
        return 200, ExpediteRead.of(
            expedite.reject_expedite(ctx, proposal_id, who.actor, body.reason)
        )

    return run_idempotently(request, ctx, who, body, work)
