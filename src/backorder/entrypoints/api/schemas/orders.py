"""Schemas of orders, order lines, backorders and explanations."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict, Field

from backorder.adapters.repositories.orders import LineRecord
from backorder.domain.model import Order, OrderLine
from backorder.service_layer.handlers.orders import PlacedOrder


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrderLineCreate(_Model):
    """A line of a new order."""

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=10_000_000)
    requested_date: date
    unit_price: float = Field(0.0, ge=0)
    unit_cost: float = Field(0.0, ge=0)
    ship_from: str | None = None
    order_type: str = Field("standard", max_length=32)


class OrderCreate(_Model):
    """A new order: it is allocated against available-to-promise at once."""

    order_id: str = Field(min_length=1, max_length=64)
    customer: str = Field(min_length=1, max_length=64)
    ordered_at: datetime | None = None
    lines: list[OrderLineCreate] = Field(min_length=1, max_length=1000)

    def to_domain(self, now: datetime) -> Order:
        """The domain order (line ids are assigned when stored)."""
        at = self.ordered_at or now
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        return Order(
            order_id=self.order_id,
            customer=self.customer,
            ordered_at=at,
            lines=tuple(
                OrderLine(
                    line_id=0,
                    order_id=self.order_id,
                    customer=self.customer,
                    sku=line.sku,
                    quantity=line.quantity,
                    requested_date=line.requested_date,
                    unit_price=line.unit_price,
                    unit_cost=line.unit_cost,
                    ship_from=line.ship_from,
                    order_type=line.order_type,
                    ordered_at=at,
                )
                for line in self.lines
            ),
        )


class OrderLineRead(BaseModel):
    """An order line with what it holds."""

    line_id: int
    order_id: str
    line_number: int
    customer: str
    sku: str
    quantity: int
    shipped_quantity: int
    requested_date: date
    promise_date: date | None
    status: str
    allocated_quantity: int
    backordered_quantity: int
    backordered_since: date | None
    unit_price: float

    @classmethod
    def of(cls, record: LineRecord) -> OrderLineRead:
        """Schema of a stored line."""
        line = record.line
        return cls(
            line_id=line.line_id,
            order_id=line.order_id,
            line_number=record.line_number,
            customer=line.customer,
            sku=line.sku,
            quantity=line.quantity,
            shipped_quantity=line.shipped_quantity,
            requested_date=line.requested_date,
            promise_date=line.promise_date,
            status=line.status.value,
            allocated_quantity=record.allocated_quantity,
            backordered_quantity=record.backordered_quantity,
            backordered_since=record.backordered_since,
            unit_price=line.unit_price,
        )


class OrderRead(BaseModel):
    """An order and its lines."""

    order_id: str
    customer: str
    ordered_at: datetime | None
    lines: list[OrderLineRead]

    @classmethod
    def placed(cls, order: Order, placed: PlacedOrder, today: date) -> OrderRead:
        """Schema of an order just accepted, from what intake stored (no read back)."""
        return cls(
            order_id=order.order_id,
            customer=order.customer,
            ordered_at=order.ordered_at,
            lines=[
                OrderLineRead(
                    line_id=outcome.line_id,
                    order_id=order.order_id,
                    line_number=number,
                    customer=order.customer,
                    sku=line.sku,
                    quantity=line.quantity,
                    shipped_quantity=0,
                    requested_date=line.requested_date,
                    promise_date=outcome.promise_date,
                    status=outcome.status.value,
                    allocated_quantity=outcome.allocated,
                    backordered_quantity=outcome.backordered,
                    backordered_since=today if outcome.backordered else None,
                    unit_price=line.unit_price,
                )
                for number, (line, outcome) in enumerate(
                    zip(order.lines, placed.lines, strict=True), start=1
                )
            ],
        )


class CancelLine(_Model):
    """Why a line is cancelled."""

    reason: str = Field(min_length=1, max_length=200)


class ChangeQuantity(_Model):
    """The new ordered quantity."""

    quantity: int = Field(gt=0, le=10_000_000)


class BackorderPageRead(BaseModel):
    """A page of backordered lines."""

    items: list[OrderLineRead]
    next_cursor: str | None


class PieceRead(BaseModel):
    """Units of one supply source held by the line."""

    quantity: int
    sku: str
    location: str
    available: date
    how: str


class ExplanationRead(BaseModel):
    """A line's decision record in plain words, with its main facts."""

    line_id: int
    text: str
    rank: int | None
    competing_lines: int | None
    segment: str | None
    strategy: str | None
    rule: str | None
    promise_date: date | None
    short: int
    pieces: list[PieceRead]
