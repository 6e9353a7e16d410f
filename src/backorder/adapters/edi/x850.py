"""Outbound 850 purchase order from a plain `PurchaseOrderRequest`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from backorder.adapters.edi.writer import (
    ControlNumbers,
    InterchangeSettings,
    OutboundGroup,
    SegmentValues,
    TransactionSetBody,
    WrittenInterchange,
    format_decimal,
    write_interchange,
)

_ASSIGNED_BY_BUYER = "92"  # N103: the ids below are ours (assigned by the buyer)
_REQUESTED_DELIVERY = "002"  # DTM01: delivery requested


@dataclass(frozen=True, slots=True)
class PurchaseOrderLine:
    """One line we order."""

    line_number: str
    item: str  # our (buyer's) part number
    quantity: Decimal
    unit: str = "EA"
    unit_price: Decimal | None = None
    requested_date: date | None = None
    vendor_part_number: str | None = None


@dataclass(frozen=True, slots=True)
class PurchaseOrderRequest:
    """A purchase order to send to a supplier."""

    po_number: str
    order_date: date
    buyer_id: str
    supplier_id: str
    ship_to: str  # our location id
    lines: tuple[PurchaseOrderLine, ...]
    ship_to_name: str | None = None
    currency: str | None = None  # ISO 4217, e.g. USD


def build_850(request: PurchaseOrderRequest) -> TransactionSetBody:
    """The segments of an 850 (between ST and SE) for a purchase order."""
    _check(request)
    segments: list[SegmentValues] = [
        ("BEG", "00", "SA", request.po_number, "", request.order_date.strftime("%Y%m%d"))
    ]
    if request.currency:
        segments.append(("CUR", "BY", request.currency))
    segments += [
        ("N1", "BY", "", _ASSIGNED_BY_BUYER, request.buyer_id),
        ("N1", "SE", "", _ASSIGNED_BY_BUYER, request.supplier_id),
        ("N1", "ST", request.ship_to_name or "", _ASSIGNED_BY_BUYER, request.ship_to),
    ]
    for line in request.lines:
        ids = ["BP", line.item]
        if line.vendor_part_number:
            ids += ["VP", line.vendor_part_number]
        price = format_decimal(line.unit_price) if line.unit_price is not None else ""
        segments.append(
            ("PO1", line.line_number, format_decimal(line.quantity), line.unit, price, "", *ids)
        )
        if line.requested_date is not None:
            segments.append(("DTM", _REQUESTED_DELIVERY, line.requested_date.strftime("%Y%m%d")))
    hash_total = sum((line.quantity for line in request.lines), Decimal(0))
    segments.append(("CTT", str(len(request.lines)), format_decimal(hash_total)))
    return TransactionSetBody("850", tuple(segments))


def write_850(
    request: PurchaseOrderRequest,
    settings: InterchangeSettings,
    control_numbers: ControlNumbers,
    created_at: datetime,
) -> WrittenInterchange:
    """A complete interchange carrying one 850."""
    group = OutboundGroup("PO", (build_850(request),))
    return write_interchange(settings, [group], control_numbers, created_at)


def _check(request: PurchaseOrderRequest) -> None:
    problems: list[str] = []
    if not request.po_number:
        problems.append("po_number is empty")
    if not request.lines:
        problems.append("a purchase order needs at least one line")
    numbers = [line.line_number for line in request.lines]
    if len(set(numbers)) != len(numbers):
        problems.append("line numbers repeat")
    for line in request.lines:
        if not line.item:
            problems.append(f"line {line.line_number}: item is empty")
        if line.quantity <= 0:
            problems.append(f"line {line.line_number}: quantity must be positive")
        if line.unit_price is not None and line.unit_price < 0:
            problems.append(f"line {line.line_number}: unit price must not be negative")
    if problems:
        raise ValueError("invalid purchase order: " + "; ".join(problems))
