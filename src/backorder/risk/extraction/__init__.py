"""Delivery commitments read from supplier e-mails and portal messages.

`extract_file(path)` / `extract(message)` return an `ExtractionResult`: the commitments
(PO line, quantity, date, kind, confidence, verbatim evidence) and the unsure fragments a
person should look at. `is_confident` is the policy helper that decides which
commitments may be applied without review.
"""

from backorder.risk.extraction.extractor import extract, extract_file, extract_text
from backorder.risk.extraction.message import (
    SupplierMessage,
    load_message,
    message_from_text,
    parse_eml,
)
from backorder.risk.extraction.model import (
    DEFAULT_CONFIDENCE_THRESHOLD,
    CommitmentKind,
    CommitmentSuggestion,
    DatePrecision,
    DeliveryCommitment,
    ExtractionResult,
    UnsureFragment,
    UnsureReason,
    is_confident,
)

__all__ = [
    "DEFAULT_CONFIDENCE_THRESHOLD",
    "CommitmentKind",
    "CommitmentSuggestion",
    "DatePrecision",
    "DeliveryCommitment",
    "ExtractionResult",
    "SupplierMessage",
    "UnsureFragment",
    "UnsureReason",
    "extract",
    "extract_file",
    "extract_text",
    "is_confident",
    "load_message",
    "message_from_text",
    "parse_eml",
]
