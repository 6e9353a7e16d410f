"""Allocation routes: runs and available-to-promise."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from backorder.entrypoints.api.deps import Anyone, Context, allow
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.schemas.supply import (
    AllocationRunCreate,
    AllocationRunRead,
    AtpRead,
    PromisedSourceRead,
)
from backorder.service_layer import queries
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.errors import NotFoundError
from backorder.service_layer.handlers import allocation

router = APIRouter(tags=["allocation"])
Planner = Annotated[Caller, Depends(allow(Role.PLANNER))]


def _run(row: dict[str, Any]) -> AllocationRunRead:
    return AllocationRunRead(
        run_id=row["run_id"],
        solver=row["solver"],
        policy=row["policy"],
        status=row["status"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        summary=row["summary"],
    )


@router.post("/allocation-runs", status_code=201, response_model=AllocationRunRead)
def start_run(
    request: Request, body: AllocationRunCreate, ctx: Context, who: Planner
) -> JSONResponse:
    """Allocate all open lines of some items (or of all items) with a solver."""

    def work() -> tuple[int, AllocationRunRead]:
        done = allocation.run_allocation(ctx, skus=body.skus, solver=body.solver, actor=who.actor)
        with ctx.reader() as uow:
            row = uow.allocations.run(done.run_id)
        assert row is not None
        return 201, _run(row)

    return run_idempotently(request, ctx, who, body, work)


@router.get("/allocation-runs", response_model=list[AllocationRunRead])
def list_runs(
    ctx: Context, _: Anyone, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[AllocationRunRead]:
    """The latest allocation runs."""
    with ctx.reader() as uow:
        return [_run(r) for r in uow.allocations.runs(limit)]


@router.get("/allocation-runs/{run_id}", response_model=AllocationRunRead)
def get_run(run_id: str, ctx: Context, _: Anyone) -> AllocationRunRead:
    """One run and its summary."""
    with ctx.reader() as uow:
        row = uow.allocations.run(run_id)
    if row is None:
        raise NotFoundError(f"allocation run {run_id!r} does not exist")
    return _run(row)


@router.get("/atp", response_model=AtpRead)
def atp(
    ctx: Context,
    _: Anyone,
    item: Annotated[str, Query(min_length=1, description="SKU")],
    qty: Annotated[int, Query(gt=0, description="Units wanted")],
    location: Annotated[str, Query(min_length=1, description="DC to ship from")],
    date_: Annotated[date | None, Query(alias="date", description="Requested date")] = None,
) -> AtpRead:
    """Earliest promise date for a request, split by source (nothing is reserved)."""
    answer = queries.available_to_promise(ctx, item, qty, location, date_)
    promised = answer.promise
    return AtpRead(
        sku=item,
        quantity=qty,
        location=location,
        requested_date=promised.request.requested,
        status=promised.status,
        promise_date=promised.promise_date,
        short=promised.short,
        sources=[
            PromisedSourceRead(
                source_id=answer.source_id(i),
                location=s.location,
                quantity=s.quantity,
                available=s.available,
                arrival=s.arrival,
                on_hand=s.on_hand,
            )
            for i, s in enumerate(promised.sources)
        ],
    )
