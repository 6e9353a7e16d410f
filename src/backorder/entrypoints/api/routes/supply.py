"""Supply routes: stock snapshot and adjustments, purchase orders, confirmations, receipts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from backorder.entrypoints.api.deps import Anyone, Context, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.schemas.supply import (
    InventoryAdjustment,
    InventorySnapshot,
    PurchaseOrderCreate,
    PurchaseOrderLineRead,
    PurchaseOrderRead,
    Receipt,
    StockLevelSchema,
    SupplierConfirmation,
)
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import NotFoundError
from backorder.service_layer.handlers import purchasing, supply

router = APIRouter(tags=["supply"])
Stockkeeper = Annotated[Caller, allowed(Role.WAREHOUSE, Role.INTEGRATION)]
Buyer = Annotated[Caller, allowed(Role.BUYER, Role.INTEGRATION)]
Receiver = Annotated[Caller, allowed(Role.WAREHOUSE, Role.BUYER, Role.INTEGRATION)]


@router.get("/inventory", response_model=list[StockLevelSchema])
def stock(ctx: Context, _: Anyone, sku: str | None = None) -> list[StockLevelSchema]:
    """Stock on hand per item x DC (one item, or all)."""
    with ctx.reader() as uow:
        rows = uow.supply.stock([sku] if sku else None)
    return [StockLevelSchema(sku=r[0], location=r[1], on_hand=r[2]) for r in rows]


@router.put("/inventory", response_model=dict[str, int])
def snapshot(
    request: Request, body: InventorySnapshot, ctx: Context, who: Stockkeeper
) -> JSONResponse:
    """Replace stock levels with counted ones; the items are reallocated."""
    levels = [supply.StockLevel(x.sku, x.location, x.on_hand) for x in body.levels]
    return run_idempotently(
        request,
        ctx,
        who,
        body,
        lambda: (200, {"changed": supply.set_stock(ctx, levels, who.actor)}),
    )


@router.post("/inventory/adjustments", status_code=201, response_model=StockLevelSchema)
def adjust(
    request: Request, body: InventoryAdjustment, ctx: Context, who: Stockkeeper
) -> JSONResponse:
    """Add or remove units on hand with a reason; the item is reallocated."""

    def work() -> tuple[int, StockLevelSchema]:
        level = supply.adjust_stock(
            ctx, body.sku, body.location, body.delta, body.reason, who.actor
        )
        return 201, StockLevelSchema(sku=body.sku, location=body.location, on_hand=level)

    return run_idempotently(request, ctx, who, body, work)


def _purchase_order(ctx: ServiceContext, po_number: str) -> PurchaseOrderRead:
    with ctx.reader() as uow:
        lines = uow.supply.po_lines(po_number)
    if not lines:
        raise NotFoundError(f"purchase order {po_number!r} does not exist")
    return PurchaseOrderRead(
        po_number=po_number,
        supplier=lines[0].supplier,
        lines=[
            PurchaseOrderLineRead(
                line_number=x.line_number,
                source_id=x.source_id,
                sku=x.sku,
                location=x.location,
                quantity=x.quantity,
                received_quantity=x.received_quantity,
                expected_date=x.expected_date,
                confirmed_date=x.confirmed_date,
                confirmation=x.confirmation.value,
            )
            for x in lines
        ],
    )


@router.post("/purchase-orders", status_code=201, response_model=PurchaseOrderRead)
def create_purchase_order(
    request: Request, body: PurchaseOrderCreate, ctx: Context, who: Buyer
) -> JSONResponse:
    """Record a purchase order placed with a supplier; its lines become future supply."""
    order = purchasing.PurchaseOrderInput(
        body.po_number,
        body.supplier,
        tuple(
            purchasing.PurchaseOrderLineInput(
                x.sku, x.location, x.quantity, x.expected_date, x.unit_cost
            )
            for x in body.lines
        ),
    )

    def work() -> tuple[int, PurchaseOrderRead]:
        purchasing.create_purchase_orders(ctx, [order], who.actor)
        return 201, _purchase_order(ctx, body.po_number)

    return run_idempotently(request, ctx, who, body, work)


@router.get("/purchase-orders/{po_number}", response_model=PurchaseOrderRead)
def get_purchase_order(po_number: str, ctx: Context, _: Anyone) -> PurchaseOrderRead:
    """A purchase order with its lines."""
    return _purchase_order(ctx, po_number)


@router.post(
    "/purchase-orders/{po_number}/lines/{line_number}/confirmation",
    response_model=PurchaseOrderRead,
)
def confirm(
    request: Request,
    po_number: str,
    line_number: int,
    body: SupplierConfirmation,
    ctx: Context,
    who: Buyer,
) -> JSONResponse:
    """The supplier's acknowledgement of a line, with its date (and quantity)."""

    def work() -> tuple[int, PurchaseOrderRead]:
        purchasing.confirm_po_lines(
            ctx,
            [
                purchasing.LineConfirmation(
                    po_number, line_number, body.confirmed_date, body.quantity
                )
            ],
            who.actor,
        )
        return 200, _purchase_order(ctx, po_number)

    return run_idempotently(request, ctx, who, body, work)


@router.post(
    "/purchase-orders/{po_number}/lines/{line_number}/receipts",
    status_code=201,
    response_model=PurchaseOrderRead,
)
def receive(
    request: Request,
    po_number: str,
    line_number: int,
    body: Receipt,
    ctx: Context,
    who: Receiver,
) -> JSONResponse:
    """Goods received against a line: stock rises and the item is reallocated."""

    def work() -> tuple[int, PurchaseOrderRead]:
        purchasing.receive_goods(
            ctx, [purchasing.GoodsReceipt(po_number, line_number, body.quantity)], who.actor
        )
        return 201, _purchase_order(ctx, po_number)

    return run_idempotently(request, ctx, who, body, work)
