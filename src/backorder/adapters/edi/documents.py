"""Typed, immutable results of inbound X12: 855, 856, 846 and 810 plus their envelope.

Quantities and amounts are `Decimal` (never float); dates are `datetime.date`. Every code the
supplier sent is kept next to its interpretation (`status_code` beside `status`), so a
decision taken on the interpretation can always be traced back to the file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class InterchangeInfo:
    """ISA: who sent the interchange to whom, when, and its control number."""

    control_number: str  # ISA13, 9 digits
    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06 without padding
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08 without padding
    prepared_at: datetime  # ISA09 + ISA10
    standards_version: str  # ISA12, e.g. 00401
    usage_indicator: str  # ISA15: P production, T test

    @property
    def is_test(self) -> bool:
        """True for test interchanges (ISA15 = T)."""
        return self.usage_indicator == "T"


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """GS: the functional group a transaction set came in."""

    functional_id: str  # GS01, e.g. SH for 856
    control_number: str  # GS06
    application_sender: str  # GS02
    application_receiver: str  # GS03
    version: str  # GS08 as sent, e.g. 004010 or 004010VICS


@dataclass(frozen=True, slots=True)
class EnvelopeInfo:
    """Where one transaction set came from: interchange, group and its own ST."""

    interchange: InterchangeInfo
    group: GroupInfo
    transaction_set_id: str  # ST01
    control_number: str  # ST02
    segment_position: int  # of the ST within the file (1-based)


@dataclass(frozen=True, slots=True)
class QualifiedDate:
    """A date with the X12 qualifier that gives it its meaning (e.g. 017 estimated delivery)."""

    qualifier: str
    value: date


@dataclass(frozen=True, slots=True)
class ItemIdentifiers:
    """The product ids of a line: the common ones by name, every pair as sent in `pairs`."""

    buyer_part_number: str | None = None  # BP or IN
    vendor_part_number: str | None = None  # VP or VN
    gtin: str | None = None  # UP, EN or UK
    pairs: tuple[tuple[str, str], ...] = ()  # (qualifier, id) in file order


# ---------------------------------------------------------------- 855 PO acknowledgement
class AcknowledgementType(enum.StrEnum):
    """What the supplier said about the purchase order as a whole (BAK02)."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_CHANGES = "accepted_with_changes"
    REJECTED = "rejected"


class LineStatus(enum.StrEnum):
    """What the supplier said about one line (from ACK01)."""

    ACCEPTED = "accepted"
    CHANGED = "changed"  # accepted with a different quantity, price, date or item
    BACKORDERED = "backordered"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class LineAcknowledgement:
    """One ACK segment: a status for (part of) a line's quantity, with its date."""

    status_code: str  # ACK01, e.g. IA, IB, IR, IQ
    status: LineStatus
    quantity: Decimal | None  # ACK02
    unit: str | None  # ACK03
    date_qualifier: str | None  # ACK04 (or DTM01 under the ACK)
    scheduled_date: date | None  # ACK05 (or DTM02 under the ACK)


@dataclass(frozen=True, slots=True)
class PurchaseOrderAcknowledgementLine:
    """A PO1 line with the supplier's answer.

    `status` summarises the ACK segments: every ACK rejected/deleted -> that status; else any
    backordered part -> BACKORDERED; else on hold -> ON_HOLD; else any change or partial
    rejection -> CHANGED; else ACCEPTED. A line without ACK takes the status of the whole
    acknowledgement. `acknowledged_quantity` is the quantity not rejected, `scheduled_date`
    the latest date among the parts not rejected (when the last unit is due).
    """

    line_number: str | None  # PO101
    item: ItemIdentifiers
    ordered_quantity: Decimal | None  # PO102
    unit: str | None  # PO103
    unit_price: Decimal | None  # PO104
    status: LineStatus
    status_code: str | None  # ACK01 of the first ACK; None when the line had no ACK
    acknowledged_quantity: Decimal | None
    scheduled_date: date | None
    details: tuple[LineAcknowledgement, ...]


@dataclass(frozen=True, slots=True)
class PurchaseOrderAcknowledgement:
    """855: the supplier's answer to one of our purchase orders."""

    envelope: EnvelopeInfo
    purpose_code: str  # BAK01, 00 original
    type_code: str  # BAK02, e.g. AD, AC, RJ
    acknowledgement_type: AcknowledgementType
    po_number: str  # BAK03
    po_date: date  # BAK04
    acknowledgement_date: date | None  # BAK09
    seller_order_number: str | None  # BAK08
    lines: tuple[PurchaseOrderAcknowledgementLine, ...]


# ---------------------------------------------------------------- 856 ship notice
@dataclass(frozen=True, slots=True)
class ShipNoticeItem:
    """An item (HL level I) of a shipment, tied to its purchase order."""

    hierarchy_id: str  # HL01 of the item level
    po_number: str  # PRF01 of the nearest order level (or the item level itself)
    line_number: str | None  # LIN01 (or SN101 when LIN01 is empty)
    item: ItemIdentifiers
    shipped_quantity: Decimal  # SN102
    unit: str  # SN103


@dataclass(frozen=True, slots=True)
class ShipNotice:
    """856: a shipment the supplier has sent, with what is in it."""

    envelope: EnvelopeInfo
    purpose_code: str  # BSN01
    shipment_id: str  # BSN02
    notice_date: date  # BSN03
    ship_date: date | None  # DTM 011
    expected_delivery_date: date | None  # DTM 017, else 067
    carrier_code: str | None  # TD503 (SCAC)
    carrier_name: str | None  # TD505 routing
    tracking_numbers: tuple[str, ...]  # REF CN / 2I
    bill_of_lading: str | None  # REF BM
    items: tuple[ShipNoticeItem, ...]


# ---------------------------------------------------------------- 846 inventory advice
@dataclass(frozen=True, slots=True)
class InventoryQuantity:
    """One QTY of an item: the qualifier as sent, what it means, and its dates."""

    qualifier: str  # QTY01
    kind: str  # our meaning, e.g. "available", "on_hand", "on_order"
    quantity: Decimal  # QTY02
    unit: str | None  # QTY03-01
    dates: tuple[QualifiedDate, ...]  # DTM inside the QTY loop (e.g. 018 available from)


@dataclass(frozen=True, slots=True)
class InventoryItem:
    """A LIN of an inventory advice with its quantities."""

    line_id: str | None  # LIN01
    item: ItemIdentifiers
    description: str | None  # PID05
    quantities: tuple[InventoryQuantity, ...]
    dates: tuple[QualifiedDate, ...]  # DTM directly under the LIN

    def quantity(self, kind: str) -> Decimal | None:
        """The total quantity of one kind, None when the supplier did not send it."""
        found = [q.quantity for q in self.quantities if q.kind == kind]
        return sum(found, Decimal(0)) if found else None


@dataclass(frozen=True, slots=True)
class InventoryAdvice:
    """846: a supplier's stock position per item."""

    envelope: EnvelopeInfo
    purpose_code: str  # BIA01
    report_type_code: str  # BIA02
    reference: str  # BIA03
    report_date: date  # BIA04
    items: tuple[InventoryItem, ...]


# ---------------------------------------------------------------- 810 invoice
@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """An IT1 line of an invoice."""

    line_number: str | None  # IT101
    quantity: Decimal  # IT102
    unit: str | None  # IT103
    unit_price: Decimal  # IT104
    item: ItemIdentifiers


@dataclass(frozen=True, slots=True)
class Invoice:
    """810: a supplier invoice."""

    envelope: EnvelopeInfo
    invoice_number: str  # BIG02
    invoice_date: date  # BIG01
    po_number: str | None  # BIG04
    po_date: date | None  # BIG03
    currency: str | None  # CUR02
    lines: tuple[InvoiceLine, ...]
    total_amount: Decimal  # TDS01 (two implied decimals in the file)


InboundDocument = PurchaseOrderAcknowledgement | ShipNotice | InventoryAdvice | Invoice
