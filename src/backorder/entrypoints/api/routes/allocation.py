"""Allocation routes: runs and available-to-promise."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from backorder.entrypoints.api.deps import Anyone, Context, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.routes.risk import Risk
from backorder.entrypoints.api.schemas.risk import AtpRiskRead, PromisedSourceRiskRead
from backorder.entrypoints.api.schemas.supply import AllocationRunCreate, AllocationRunRead
from backorder.risk.policy import PromiseBasis
from backorder.service_layer import queries
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.errors import NotFoundError
from backorder.service_layer.handlers import allocation
from backorder.service_layer.handlers.risk_delay import probabilistic_promise

router = APIRouter(tags=["allocation"])
Planner = Annotated[Caller, allowed(Role.PLANNER)]


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


@router.get("/atp", response_model=AtpRiskRead)
def atp(
    ctx: Context,
    _: Anyone,
    risk: Risk,
    item: Annotated[str, Query(min_length=1, description="SKU")],
    qty: Annotated[int, Query(gt=0, description="Units wanted")],
    location: Annotated[str, Query(min_length=1, description="DC to ship from")],
    date_: Annotated[date | None, Query(alias="date", description="Requested date")] = None,
    promise: Annotated[
        PromiseBasis | None,
        Query(
            description="Which date to promise: the suppliers' own (supplier), met half the "
            "time (p50) or nine times in ten (p90); default from the risk policy."
        ),
    ] = None,
) -> AtpRiskRead:
    """Earliest promise date for a request, split by source (nothing is reserved).

    Purchase-order supply is also dated by the supplier's delay history: P50 and P90
    arrival dates per source and for the whole promise; `promise_date` is the date the
    chosen basis promises.
    """
    answer = queries.available_to_promise(ctx, item, qty, location, date_)
    promised = answer.promise
    dates = probabilistic_promise(
        ctx, answer, risk.policy, promise, risk.settings.delay_cache_seconds
    )
    return AtpRiskRead(
        sku=item,
        quantity=qty,
        location=location,
        requested_date=promised.request.requested,
        status=dates.status(promised.request.requested),
        promise_date=dates.promised,
        short=promised.short,
        promise_basis=dates.basis,
        supplier_promise_date=promised.promise_date,
        promise_date_p50=dates.p50,
        promise_date_p90=dates.p90,
        sources=[
            PromisedSourceRiskRead(
                source_id=answer.source_id(i),
                location=s.location,
                quantity=s.quantity,
                available=s.available,
                arrival=s.arrival,
                on_hand=s.on_hand,
                supplier=d.supplier,
                arrival_p50=d.arrival_p50,
                arrival_p90=d.arrival_p90,
                delay=d.delay,
            )
            for i, (s, d) in enumerate(zip(promised.sources, dates.sources, strict=True))
        ],
    )
