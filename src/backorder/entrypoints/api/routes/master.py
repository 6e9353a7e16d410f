"""Master data routes: locations, lanes, suppliers, items, customers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from backorder.entrypoints.api.deps import Anyone, Context, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.schemas.master import (
    CustomerCreate,
    CustomerRead,
    ItemCreate,
    ItemRead,
    LaneCreate,
    LocationCreate,
    LocationRead,
    SavedRead,
    SupplierCreate,
    SupplierRead,
)
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.errors import InvalidInputError, NotFoundError
from backorder.service_layer.handlers import master

router = APIRouter(tags=["master data"])
Editor = Annotated[Caller, allowed(Role.PLANNER, Role.INTEGRATION)]


def _saved(saved: list[master.Saved]) -> list[SavedRead]:
    return [SavedRead(key=s.key, created=s.created) for s in saved]


@router.post("/locations", status_code=201, response_model=list[SavedRead])
def create_locations(
    request: Request, body: list[LocationCreate], ctx: Context, who: Editor
) -> JSONResponse:
    """Create or update distribution centres."""
    return run_idempotently(
        request,
        ctx,
        who,
        body,
        lambda: (201, _saved(master.save_locations(ctx, [b.to_domain() for b in body], who.actor))),
    )


@router.get("/locations", response_model=list[LocationRead])
def list_locations(ctx: Context, _: Anyone) -> list[LocationRead]:
    """All distribution centres."""
    with ctx.reader() as uow:
        return [
            LocationRead(code=x.code, name=x.name, region=x.region) for x in uow.master.locations()
        ]


@router.post("/lanes", status_code=201, response_model=list[SavedRead])
def create_lanes(
    request: Request, body: list[LaneCreate], ctx: Context, who: Editor
) -> JSONResponse:
    """Create or update transfer lanes."""
    return run_idempotently(
        request,
        ctx,
        who,
        body,
        lambda: (201, _saved(master.save_lanes(ctx, [b.to_domain() for b in body], who.actor))),
    )


@router.get("/lanes", response_model=list[LaneCreate])
def list_lanes(ctx: Context, _: Anyone) -> list[LaneCreate]:
    """All transfer lanes."""
    with ctx.reader() as uow:
        return [
            LaneCreate(
                origin=x.origin,
                destination=x.destination,
                lead_time_days=x.lead_time_days,
                cost_per_unit=x.cost_per_unit,
            )
            for x in uow.master.lanes()
        ]


@router.post("/suppliers", status_code=201, response_model=list[SavedRead])
def create_suppliers(
    request: Request,
    body: list[SupplierCreate],
    ctx: Context,
    who: Annotated[Caller, allowed(Role.BUYER, Role.PLANNER, Role.INTEGRATION)],
) -> JSONResponse:
    """Create or update suppliers."""
    return run_idempotently(
        request,
        ctx,
        who,
        body,
        lambda: (201, _saved(master.save_suppliers(ctx, [b.to_domain() for b in body], who.actor))),
    )


@router.get("/suppliers", response_model=list[SupplierRead])
def list_suppliers(ctx: Context, _: Anyone) -> list[SupplierRead]:
    """All suppliers."""
    with ctx.reader() as uow:
        return [
            SupplierRead(
                code=s.code,
                name=s.name,
                lead_time_days=s.lead_time_days,
                edi_id=s.edi_id,
                email=s.email,
            )
            for s in uow.master.suppliers()
        ]


@router.post("/items", status_code=201, response_model=list[SavedRead])
def create_items(
    request: Request, body: list[ItemCreate], ctx: Context, who: Editor
) -> JSONResponse:
    """Create or update items (a list; substitutes may refer to items in the same list)."""
    return run_idempotently(
        request,
        ctx,
        who,
        body,
        lambda: (201, _saved(master.save_items(ctx, [b.to_domain() for b in body], who.actor))),
    )


@router.put("/items/{sku}", response_model=SavedRead)
def update_item(sku: str, body: ItemCreate, ctx: Context, who: Editor) -> SavedRead:
    """Update (or create) one item."""
    if body.sku != sku:
        raise InvalidInputError("sku", f"the body says {body.sku!r} but the path says {sku!r}")
    return _saved(master.save_items(ctx, [body.to_domain()], who.actor))[0]


@router.get("/items", response_model=list[ItemRead])
def list_items(
    ctx: Context,
    _: Anyone,
    after: Annotated[str | None, Query(description="Return items after this SKU.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ItemRead]:
    """Items by SKU, a page at a time (`after` = last SKU of the previous page)."""
    with ctx.reader() as uow:
        items = uow.master.items_page(after, limit)
    return [ItemRead.model_validate(ItemCreate.from_domain(i).model_dump()) for i in items]


@router.get("/items/{sku}", response_model=ItemRead)
def get_item(sku: str, ctx: Context, _: Anyone) -> ItemRead:
    """One item."""
    with ctx.reader() as uow:
        found = uow.master.items([sku])
    if not found:
        raise NotFoundError(f"item {sku!r} does not exist")
    return ItemRead.model_validate(ItemCreate.from_domain(found[0]).model_dump())


CustomerEditor = Annotated[Caller, allowed(Role.PLANNER, Role.CSR, Role.INTEGRATION)]


@router.post("/customers", status_code=201, response_model=list[SavedRead])
def create_customers(
    request: Request, body: list[CustomerCreate], ctx: Context, who: CustomerEditor
) -> JSONResponse:
    """Create or update customers."""
    return run_idempotently(
        request,
        ctx,
        who,
        body,
        lambda: (201, _saved(master.save_customers(ctx, [b.to_domain() for b in body], who.actor))),
    )


@router.put("/customers/{code}", response_model=SavedRead)
def update_customer(
    code: str, body: CustomerCreate, ctx: Context, who: CustomerEditor
) -> SavedRead:
    """Update (or create) one customer."""
    if body.code != code:
        raise InvalidInputError("code", f"the body says {body.code!r} but the path says {code!r}")
    return _saved(master.save_customers(ctx, [body.to_domain()], who.actor))[0]


@router.get("/customers", response_model=list[CustomerRead])
def list_customers(
    ctx: Context,
    _: Anyone,
    after: Annotated[str | None, Query(description="Return customers after this code.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CustomerRead]:
    """Customers by code, a page at a time."""
    with ctx.reader() as uow:
        found = uow.master.customers_page(after, limit)
    return [CustomerRead.model_validate(CustomerCreate.from_domain(c).model_dump()) for c in found]


@router.get("/customers/{code}", response_model=CustomerRead)
def get_customer(code: str, ctx: Context, _: Anyone) -> CustomerRead:
    """One customer."""
    with ctx.reader() as uow:
        found = uow.master.customer(code)
    if found is None:
        raise NotFoundError(f"customer {code!r} does not exist")
    return CustomerRead.model_validate(CustomerCreate.from_domain(found).model_dump())
