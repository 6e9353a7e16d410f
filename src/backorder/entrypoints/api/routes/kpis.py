"""KPI, process-intelligence and OCEL export routes (definitions in docs/visibility.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from backorder.analytics import snapshot
from backorder.analytics.filters import KpiFilter
from backorder.analytics.ocel import iter_ocel
from backorder.analytics.reading import reading
from backorder.entrypoints.api.deps import Anyone, Context, allowed
from backorder.entrypoints.api.schemas.kpis import (
    KpisRead,
    ProcessRead,
    StateStayRead,
    SupplierStallRead,
    TeamStallRead,
    TransitionRead,
    VariantRead,
)
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.context import ServiceContext

router = APIRouter(tags=["visibility"])
# The event log holds every order and customer: people who analyse, not integrations.
Analyst = Annotated[Caller, allowed(Role.PLANNER, Role.BUYER, Role.FINANCE, Role.VIEWER)]


def scope(
    ctx: Context,
    start: Annotated[date | None, Query(description="First day (default: 4 weeks to end).")] = None,
    end: Annotated[date | None, Query(description="Last day, inclusive (default: today).")] = None,
    region: Annotated[str | None, Query(description="Customer region.")] = None,
    location: Annotated[str | None, Query(description="DC the lines ship from.")] = None,
    product_line: Annotated[str | None, Query(description="Item product line.")] = None,
    item_group: Annotated[str | None, Query(description="Item group.")] = None,
    tier: Annotated[str | None, Query(description="Customer tier.")] = None,
) -> KpiFilter:
    """The period and scope of a request."""
    return snapshot.make_filter(
        ctx.clock.today(),
        start,
        end,
        region=region,
        location=location,
        product_line=product_line,
        item_group=item_group,
        tier=tier,
    )


Scope = Annotated[KpiFilter, Depends(scope)]


@router.get("/kpis", response_model=KpisRead)
def get_kpis(
    ctx: Context,
    _: Anyone,
    where: Scope,
    horizon_days: Annotated[
        int, Query(ge=1, le=90, description="Fill-rate risk: lines requested in these days.")
    ] = snapshot.DEFAULT_HORIZON_DAYS,
    compare: Annotated[
        bool, Query(description="Also the fill rates of the period of equal length before.")
    ] = False,
    fresh: Annotated[
        bool,
        Query(description="Recompute even if the data has not changed since the last answer."),
    ] = False,
) -> KpisRead:
    """Fill rates, backlog aging and value, promise accuracy, suppliers, exceptions, money.

    Answers are reused while the data is unchanged (at most a minute): `fresh=true`
    recomputes."""
    found = snapshot.kpis(
        ctx, where, horizon_days=horizon_days, with_previous=compare, cached=not fresh
    )
    return KpisRead.of(found)


@router.get("/process", response_model=ProcessRead)
def get_process(ctx: Context, _: Anyone, where: Scope) -> ProcessRead:
    """Where the cases opened in the period stall: states, transitions, variants, teams."""
    return ProcessRead.of(snapshot.process(ctx, where))


@router.get("/process/states", response_model=list[StateStayRead])
def get_process_states(ctx: Context, _: Anyone, where: Scope) -> list[StateStayRead]:
    """Median and p90 hours in each case state, open cases and SLA breaches per state."""
    return ProcessRead.of(snapshot.process(ctx, where)).states


@router.get("/process/transitions", response_model=list[TransitionRead])
def get_process_transitions(ctx: Context, _: Anyone, where: Scope) -> list[TransitionRead]:
    """State-to-state moves, how long cases waited before them and how many breached."""
    return ProcessRead.of(snapshot.process(ctx, where)).transitions


@router.get("/process/variants", response_model=list[VariantRead])
def get_process_variants(ctx: Context, _: Anyone, where: Scope) -> list[VariantRead]:
    """The most common paths of states."""
    return ProcessRead.of(snapshot.process(ctx, where)).variants


@router.get("/process/teams", response_model=list[TeamStallRead])
def get_process_teams(ctx: Context, _: Anyone, where: Scope) -> list[TeamStallRead]:
    """Tasks on the cases by team and type: breaches and hours to resolve."""
    return ProcessRead.of(snapshot.process(ctx, where)).teams


@router.get("/process/suppliers", response_model=list[SupplierStallRead])
def get_process_suppliers(ctx: Context, _: Anyone, where: Scope) -> list[SupplierStallRead]:
    """Time in the supply states by the item's supplier."""
    return ProcessRead.of(snapshot.process(ctx, where)).suppliers


def _stream(ctx: ServiceContext, where: KpiFilter | None) -> Iterator[bytes]:
    # The read transaction stays open while the client reads: one consistent snapshot.
    with reading(ctx) as read:
        for fragment in iter_ocel(read.connection, where):
            yield fragment.encode()


@router.get(
    "/exports/ocel",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/json": {}}, "description": "An OCEL 2.0 log."}},
)
def export_ocel(
    ctx: Context,
    _: Analyst,
    start: Annotated[date | None, Query(description="Events from this day.")] = None,
    end: Annotated[date | None, Query(description="Events up to this day.")] = None,
) -> StreamingResponse:
    """The object-centric event log (OCEL 2.0 JSON), streamed; all events unless a period."""
    where = snapshot.make_filter(ctx.clock.today(), start, end) if start or end else None
    return StreamingResponse(
        _stream(ctx, where),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="backorder-ocel.json"'},
    )
