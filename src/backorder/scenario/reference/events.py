"""What happens in the reference distributor's world, as a time-ordered stream of facts.

These are the inputs the world sends to the backorder service (orders from the ERP or
e-commerce, EDI 855/856 from suppliers, receipts from the WMS), not the service's own
domain events. Every event has `at`, the moment it happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias

from backorder.domain.model import Order, SupplySource


@dataclass(frozen=True, slots=True)
class OrderPlaced:
    """A customer placed an order (header and lines)."""

    at: datetime
    order: Order


@dataclass(frozen=True, slots=True)
class OrderLineCancelled:
    """A customer cancelled an order line."""

    at: datetime
    line_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class OrderLineQuantityChanged:
    """A customer changed the quantity of an order line."""

    at: datetime
    line_id: int
    quantity: int
    previous_quantity: int


@dataclass(frozen=True, slots=True)
class PurchaseOrderPlaced:
    """The buyer sent a purchase order (EDI 850); each line is a future supply source."""

    at: datetime
    po_number: str
    supplier: str
    lines: tuple[SupplySource, ...]


@dataclass(frozen=True, slots=True)
class SupplierAcknowledged:
    """The supplier confirmed a PO line (EDI 855) with a date and quantity."""

    at: datetime
    po_number: str
    line: int
    confirmed_date: date
    quantity: int

    @property
    def source_id(self) -> str:
        """Id of the supply source this line is."""
        return f"{self.po_number}/{self.line}"


@dataclass(frozen=True, slots=True)
class ShipmentNotified:
    """The supplier shipped a PO line (EDI 856 advance ship notice)."""

    at: datetime
    po_number: str
    line: int
    quantity: int
    expected_date: date

    @property
    def source_id(self) -> str:
        """Id of the supply source this line is."""
        return f"{self.po_number}/{self.line}"


@dataclass(frozen=True, slots=True)
class GoodsReceived:
    """The DC received units of a PO line."""

    at: datetime
    source_id: str
    po_number: str
    quantity: int
    location: str
    sku: str


WorldEvent: TypeAlias = (
    OrderPlaced
    | OrderLineCancelled
    | OrderLineQuantityChanged
    | PurchaseOrderPlaced
    | SupplierAcknowledged
    | ShipmentNotified
    | GoodsReceived
)
# Tie-break for events at the same minute: supply news before demand, and a line's own
# history in causal order.
EVENT_ORDER: tuple[type, ...] = (
    PurchaseOrderPlaced,
    SupplierAcknowledged,
    ShipmentNotified,
    GoodsReceived,
    OrderPlaced,
    OrderLineQuantityChanged,
    OrderLineCancelled,
)
