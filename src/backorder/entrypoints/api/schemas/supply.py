"""Schemas of stock, purchase orders, allocation runs and ATP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StockLevelSchema(_Model):
    """Stock of one item at one DC."""

    sku: str = Field(min_length=1, max_length=64)
    location: str = Field(min_length=1, max_length=32)
    on_hand: int = Field(ge=0)


class InventorySnapshot(_Model):
    """Stock levels as counted (replace the stored levels of these item x DCs)."""

    levels: list[StockLevelSchema] = Field(min_length=1, max_length=100_000)


class InventoryAdjustment(_Model):
    """A change of stock on hand, with its reason."""

    sku: str = Field(min_length=1, max_length=64)
    location: str = Field(min_length=1, max_length=32)
    delta: int
    reason: str = Field(min_length=1, max_length=200)


class PurchaseOrderLineCreate(_Model):
    """A line of a new purchase order."""

    sku: str = Field(min_length=1, max_length=64)
    location: str = Field(min_length=1, max_length=32)
    quantity: int = Field(gt=0)
    expected_date: date
    unit_cost: float = Field(0.0, ge=0)


class PurchaseOrderCreate(_Model):
    """A purchase order placed with a supplier."""

    po_number: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")
    supplier: str = Field(min_length=1, max_length=64)
    lines: list[PurchaseOrderLineCreate] = Field(min_length=1, max_length=1000)


class PurchaseOrderLineRead(BaseModel):
    """A stored purchase-order line."""

    line_number: int
    source_id: str
    sku: str
    location: str
    quantity: int
    received_quantity: int
    expected_date: date
    confirmed_date: date | None
    confirmation: str


class PurchaseOrderRead(BaseModel):
    """A purchase order and its lines."""

    po_number: str
    supplier: str
    lines: list[PurchaseOrderLineRead]


class SupplierConfirmation(_Model):
    """A supplier's acknowledgement of a PO line."""

    confirmed_date: date
    quantity: int | None = Field(None, gt=0)


class Receipt(_Model):
    """Units received against a PO line."""

    quantity: int = Field(gt=0)


class AllocationRunCreate(_Model):
    """Which items to allocate and with which solver."""

    skus: list[str] | None = Field(None, max_length=100_000)
    solver: Literal["priority", "optimal"] = "priority"


class AllocationRunRead(BaseModel):
    """An allocation run and its summary."""

    run_id: str
    solver: str
    policy: str
    status: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    summary: dict[str, Any] | None


class PromisedSourceRead(BaseModel):
    """Part of a promise."""

    source_id: str
    location: str
    quantity: int
    available: date
    arrival: date
    on_hand: bool


class AtpRead(BaseModel):
    """Available-to-promise for a request."""

    sku: str
    quantity: int
    location: str
    requested_date: date
    status: str
    promise_date: date | None
    short: int
    sources: list[PromisedSourceRead]
