"""Warehouse routes: the pick queue and pick confirmations."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from backorder.entrypoints.api.deps import Context, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.schemas.replenishment import PickConfirmation, PickRead
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.handlers import warehouse

router = APIRouter(tags=["warehouse"])
Warehouse = Annotated[Caller, allowed(Role.WAREHOUSE)]


@router.get("/pick-requests", response_model=list[PickRead])
def list_picks(
    ctx: Context,
    _: Warehouse,
    location: str | None = None,
    status: Literal["open", "picked", "short"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PickRead]:
    """Pick requests in the order to work them (priority: promise date, then rank)."""
    found = warehouse.list_picks(ctx, location=location, status=status, limit=limit, offset=offset)
    return [PickRead.of(p) for p in found]


@router.get("/pick-requests/{pick_id}", response_model=PickRead)
def get_pick(pick_id: int, ctx: Context, _: Warehouse) -> PickRead:
    """One pick request."""
    return PickRead.of(warehouse.get_pick(ctx, pick_id))


@router.post("/pick-requests/{pick_id}/confirm", response_model=PickRead)
def confirm_pick(
    request: Request, pick_id: int, body: PickConfirmation, ctx: Context, who: Warehouse
) -> JSONResponse:
    """Confirm a pick: all units ship at once; fewer (short) lowers stock and re-opens the case."""

    def work() -> tuple[int, PickRead]:
        done = warehouse.confirm_pick(ctx, pick_id, body.picked_quantity, who.actor)
        return 200, PickRead.of(done)

    return run_idempotently(request, ctx, who, body, work)
