"""Order routes: place, read, cancel a line, change a quantity, explain a line, backorders."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from backorder.adapters.repositories.orders import BackorderFilter
from backorder.entrypoints.api.deps import Anyone, Context, Intake, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.schemas.orders import (
    BackorderPageRead,
    CancelLine,
    ChangeQuantity,
    ExplanationRead,
    OrderCreate,
    OrderLineRead,
    OrderRead,
    PieceRead,
)
from backorder.service_layer import queries
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import NotFoundError
from backorder.service_layer.handlers import orders

router = APIRouter(tags=["orders"])
OrderTaker = Annotated[Caller, allowed(Role.CSR, Role.INTEGRATION)]
LineEditor = Annotated[Caller, allowed(Role.CSR, Role.PLANNER, Role.INTEGRATION)]


def _order(ctx: ServiceContext, order_id: str) -> OrderRead:
    with ctx.reader() as uow:
        lines = uow.orders.lines_of_order(order_id)
        ordered_at = uow.orders.ordered_at(order_id)
    if not lines:
        raise NotFoundError(f"order {order_id!r} does not exist")
    return OrderRead(
        order_id=order_id,
        customer=lines[0].line.customer,
        ordered_at=ordered_at,
        lines=[OrderLineRead.of(r) for r in lines],
    )


@router.post("/orders", status_code=201, response_model=OrderRead)
def place_order(
    request: Request, body: OrderCreate, ctx: Context, queue: Intake, who: OrderTaker
) -> JSONResponse:
    """Accept an order; each line is checked against ATP and allocated at once."""

    def work() -> tuple[int, OrderRead]:
        order = body.to_domain(ctx.clock.now())
        return 201, OrderRead.placed(order, queue.place(order, who.actor), ctx.clock.today())

    return run_idempotently(request, ctx, who, body, work)


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(order_id: str, ctx: Context, _: Anyone) -> OrderRead:
    """An order with what each line holds."""
    return _order(ctx, order_id)


def _line(ctx: ServiceContext, line_id: int) -> OrderLineRead:
    with ctx.reader() as uow:
        record = uow.orders.get_line(line_id)
    if record is None:
        raise NotFoundError(f"order line {line_id} does not exist")
    return OrderLineRead.of(record)


@router.get("/order-lines/{line_id}", response_model=OrderLineRead)
def get_line(line_id: int, ctx: Context, _: Anyone) -> OrderLineRead:
    """One order line."""
    return _line(ctx, line_id)


@router.post("/order-lines/{line_id}/cancel", response_model=OrderLineRead)
def cancel_line(
    request: Request, line_id: int, body: CancelLine, ctx: Context, who: LineEditor
) -> JSONResponse:
    """Cancel a line; what it held goes to the next lines of the item."""

    def work() -> tuple[int, OrderLineRead]:
        orders.cancel_line(ctx, line_id, body.reason, who.actor)
        return 200, _line(ctx, line_id)

    return run_idempotently(request, ctx, who, body, work)


@router.post("/order-lines/{line_id}/quantity", response_model=OrderLineRead)
def change_quantity(
    request: Request, line_id: int, body: ChangeQuantity, ctx: Context, who: LineEditor
) -> JSONResponse:
    """Change a line's ordered quantity; the item is reallocated."""

    def work() -> tuple[int, OrderLineRead]:
        orders.change_quantity(ctx, line_id, body.quantity, who.actor)
        return 200, _line(ctx, line_id)

    return run_idempotently(request, ctx, who, body, work)


@router.get("/order-lines/{line_id}/explanation", response_model=ExplanationRead)
def explain(line_id: int, ctx: Context, _: Anyone) -> ExplanationRead:
    """Why the line holds what it holds, in plain words (its decision record)."""
    found = queries.explain_line(ctx, line_id)
    record = found.record
    return ExplanationRead(
        line_id=line_id,
        text=found.text,
        rank=record.rank if record else None,
        competing_lines=record.competing_lines if record else None,
        segment=record.segment if record else None,
        strategy=record.strategy if record else None,
        rule=record.rule if record else None,
        promise_date=found.line.promise_date,
        short=found.short,
        pieces=[
            PieceRead(
                quantity=p.quantity,
                sku=p.sku,
                location=p.location,
                available=p.available,
                how=p.phase,
            )
            for p in (record.pieces if record else found.held)
        ],
    )


@router.get("/backorders", response_model=BackorderPageRead)
def list_backorders(
    ctx: Context,
    _: Anyone,
    sku: str | None = None,
    customer: str | None = None,
    region: str | None = None,
    status: str | None = None,
    min_age_days: Annotated[
        int | None, Query(ge=0, description="Backordered at least this long.")
    ] = None,
    max_age_days: Annotated[
        int | None, Query(ge=0, description="Backordered at most this long.")
    ] = None,
    as_of: Annotated[
        date | None, Query(description="Date ages are counted to (default today).")
    ] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> BackorderPageRead:
    """Backordered lines (short or late), filtered, oldest line id first, cursor-paginated."""
    page = queries.backorders(
        ctx,
        BackorderFilter(
            sku=sku,
            customer=customer,
            region=region,
            status=status,
            min_age_days=min_age_days,
            max_age_days=max_age_days,
            today=as_of,
        ),
        cursor,
        limit,
    )
    return BackorderPageRead(
        items=[OrderLineRead.of(r) for r in page.lines], next_cursor=page.next_cursor
    )
