"""Canonical inbound messages from ERP, WMS and eCommerce systems (see docs/inbound-messages.md).

Every message is an envelope — `message_id` (idempotency key), `type` (versioned), `source`,
`occurred_at` — around a `data` payload of its type. The same JSON arrives over NATS
(`<prefix>.inbound.<type>`) and REST (`POST /v1/inbound/messages`). A message whose id was
applied once is never applied again, whatever the transport.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

Sku = Annotated[str, Field(min_length=1, max_length=64, description="Item (SKU).")]
LocationCode = Annotated[str, Field(min_length=1, max_length=32, description="DC code.")]
OrderId = Annotated[str, Field(min_length=1, max_length=64, description="The ERP order id.")]
LineNumber = Annotated[
    int,
    Field(ge=1, description="Position of the line in its `order.created` message, from 1."),
]
Quantity = Annotated[int, Field(gt=0, le=10_000_000)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- payloads --------------------------------------------------------------------------------


class OrderLineData(_Data):
    """A line of a new order."""

    sku: Sku
    quantity: Quantity
    requested_date: date
    unit_price: float = Field(0.0, ge=0)
    unit_cost: float = Field(0.0, ge=0)
    ship_from: LocationCode | None = None
    order_type: str = Field("standard", min_length=1, max_length=32)


class OrderCreated(_Data):
    """An order was entered (ERP, eCommerce): it is promised and allocated at once."""

    order_id: OrderId
    customer: str = Field(min_length=1, max_length=64)
    ordered_at: datetime | None = Field(None, description="Default: the envelope's time.")
    lines: list[OrderLineData] = Field(min_length=1, max_length=1000)


class OrderLineQuantityChanged(_Data):
    """The ordered quantity of a line changed; the item is reallocated."""

    order_id: OrderId
    line_number: LineNumber
    quantity: Quantity
    reason: str = Field("", max_length=200)


class OrderLineCancelled(_Data):
    """A line was cancelled: what it held goes to the next lines of the item."""

    order_id: OrderId
    line_number: LineNumber
    reason: str = Field("", max_length=200)


class StockLevelData(_Data):
    """Units on hand of one item at one DC, as counted."""

    sku: Sku
    location: LocationCode
    on_hand: int = Field(ge=0, le=1_000_000_000)


class InventorySnapshot(_Data):
    """Counted stock levels (WMS/ERP): they replace the stored levels of these item x DCs."""

    levels: list[StockLevelData] = Field(min_length=1, max_length=100_000)


class InventoryAdjusted(_Data):
    """Units added to (or, negative, removed from) stock, with the reason."""

    sku: Sku
    location: LocationCode
    delta: int = Field(ge=-1_000_000_000, le=1_000_000_000)
    reason: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _not_zero(self) -> InventoryAdjusted:
        if self.delta == 0:
            raise ValueError("delta must not be 0")
        return self


class ShippedLine(_Data):
    """Units of one order line in a shipment."""

    line_number: LineNumber
    quantity: Quantity


class ShipmentConfirmed(_Data):
    """The WMS shipped units of an order's lines from a DC."""

    shipment_id: str = Field(min_length=1, max_length=64)
    order_id: OrderId
    location: LocationCode
    shipped_on: date | None = Field(None, description="Default: today.")
    lines: list[ShippedLine] = Field(min_length=1, max_length=1000)


class ReceivedLine(_Data):
    """Units received against one purchase-order line."""

    line_number: int = Field(ge=1, description="The purchase-order line number.")
    quantity: Quantity


class GoodsReceived(_Data):
    """Goods arrived at a DC against a purchase order."""

    po_number: str = Field(min_length=1, max_length=64)
    lines: list[ReceivedLine] = Field(min_length=1, max_length=1000)


# -- envelopes -------------------------------------------------------------------------------


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    message_id: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^\S+$",
        description="Unique per message, kept by the sender across retries (idempotency key).",
    )
    source: str = Field(min_length=1, max_length=200, description="Sending system, e.g. erp-sap.")
    occurred_at: datetime | None = Field(None, description="When it happened at the source.")


class OrderCreatedMessage(_Envelope):
    """Envelope of `order.created.v1`."""

    type: Literal["order.created.v1"]
    data: OrderCreated


class OrderLineQuantityChangedMessage(_Envelope):
    """Envelope of `order_line.quantity_changed.v1`."""

    type: Literal["order_line.quantity_changed.v1"]
    data: OrderLineQuantityChanged


class OrderLineCancelledMessage(_Envelope):
    """Envelope of `order_line.cancelled.v1`."""

    type: Literal["order_line.cancelled.v1"]
    data: OrderLineCancelled


class InventorySnapshotMessage(_Envelope):
    """Envelope of `inventory.snapshot.v1`."""

    type: Literal["inventory.snapshot.v1"]
    data: InventorySnapshot


class InventoryAdjustedMessage(_Envelope):
    """Envelope of `inventory.adjusted.v1`."""

    type: Literal["inventory.adjusted.v1"]
    data: InventoryAdjusted


class ShipmentConfirmedMessage(_Envelope):
    """Envelope of `shipment.confirmed.v1`."""

    type: Literal["shipment.confirmed.v1"]
    data: ShipmentConfirmed


class GoodsReceivedMessage(_Envelope):
    """Envelope of `goods.received.v1`."""

    type: Literal["goods.received.v1"]
    data: GoodsReceived


AnyMessage = (
    OrderCreatedMessage
    | OrderLineQuantityChangedMessage
    | OrderLineCancelledMessage
    | InventorySnapshotMessage
    | InventoryAdjustedMessage
    | ShipmentConfirmedMessage
    | GoodsReceivedMessage
)
InboundMessage = Annotated[AnyMessage, Field(discriminator="type")]
MESSAGE = TypeAdapter(InboundMessage)
MESSAGE_TYPES: tuple[str, ...] = (
    "order.created.v1",
    "order_line.quantity_changed.v1",
    "order_line.cancelled.v1",
    "inventory.snapshot.v1",
    "inventory.adjusted.v1",
    "shipment.confirmed.v1",
    "goods.received.v1",
)


def parse_message(raw: bytes | str) -> AnyMessage:
    """Validate one JSON message (raises pydantic.ValidationError, naming each field)."""
    return MESSAGE.validate_json(raw)
