"""What extraction produces: delivery commitments, unsure fragments and the per-message result.

A commitment is only emitted when a PO, a resolvable date and a delivery verb meet in one
clause; everything that looks like a commitment but misses a piece becomes an
`UnsureFragment` with a pre-filled `CommitmentSuggestion`, so a person decides instead of
the extractor guessing.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

DEFAULT_CONFIDENCE_THRESHOLD = 0.8


class CommitmentKind(enum.StrEnum):
    """What the supplier promised to happen on the date."""

    SHIP = "ship"  # leaves the supplier (ship, dispatch, ETD)
    SHIPPED = "shipped"  # already left: a past-tense ship notice
    DELIVER = "deliver"  # arrives at the distributor (deliver, arrive, ETA)
    READY = "ready"  # ready for collection / available ex works
    UNSPECIFIED = "unspecified"  # "confirmed for Dec 5" without saying what happens


class DatePrecision(enum.StrEnum):
    """How narrow the written date phrase is."""

    DAY = "day"
    DAYS = "days"  # a short range such as "Dec 5-6" or "in 3-4 days"
    WEEK = "week"  # "next week", "end of next week", "KW 48"
    PART_OF_MONTH = "part_of_month"  # "early January", "mid-December", "EOM"
    MONTH = "month"  # "in January"


class UnsureReason(enum.StrEnum):
    """Why a commitment-like fragment was not turned into a commitment."""

    VAGUE_DATE = "vague_date"  # "soon", "asap", "TBC"
    NO_DATE = "no_date"  # a promise without any date
    NO_PO = "no_po"  # a dated promise that names no purchase order
    AMBIGUOUS_PO = "ambiguous_po"  # several POs in context, the sentence names none
    NEGATED = "negated"  # "we cannot ship by Friday": a date at risk
    EARLIEST_ONLY = "earliest_only"  # "not before Dec 10": a lower bound, not a promise
    CONDITIONAL = "conditional"  # "if you accept a partial shipment, ..."
    PROPOSAL = "proposal"  # a question: "can you accept delivery on Friday?"


@dataclass(frozen=True)
class DeliveryCommitment:
    """One dated promise for (part of) one purchase-order line, with its evidence."""

    po_number: str
    po_line: int | None
    sku: str | None
    quantity: int | None
    unit: str | None
    commitment_date: dt.date  # the latest date the phrase allows ("end of next week" -> Fri)
    earliest_date: dt.date  # the earliest date the phrase allows (== commitment_date for a day)
    date_text: str
    date_precision: DatePrecision
    kind: CommitmentKind
    is_partial: bool  # covers only part of the line: another commitment has the rest
    is_balance: bool  # the remainder of a line ("the balance", "the remaining 200")
    confidence: float
    evidence: str  # the source sentence, verbatim
    reasons: tuple[str, ...] = ()  # why confidence is below 1, in plain words

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping."""
        return {
            "po_number": self.po_number,
            "po_line": self.po_line,
            "sku": self.sku,
            "quantity": self.quantity,
            "unit": self.unit,
            "commitment_date": self.commitment_date.isoformat(),
            "earliest_date": self.earliest_date.isoformat(),
            "date_text": self.date_text,
            "date_precision": self.date_precision.value,
            "kind": self.kind.value,
            "is_partial": self.is_partial,
            "is_balance": self.is_balance,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class CommitmentSuggestion:
    """Whatever could be read from an unsure fragment, for a person to complete."""

    po_candidates: tuple[str, ...]
    po_line: int | None
    sku: str | None
    quantity: int | None
    unit: str | None
    commitment_date: dt.date | None
    date_text: str | None
    kind: CommitmentKind
    action: str  # what the buyer should do, in plain words

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping."""
        return {
            "po_candidates": list(self.po_candidates),
            "po_line": self.po_line,
            "sku": self.sku,
            "quantity": self.quantity,
            "unit": self.unit,
            "commitment_date": (self.commitment_date.isoformat() if self.commitment_date else None),
            "date_text": self.date_text,
            "kind": self.kind.value,
            "action": self.action,
        }


@dataclass(frozen=True)
class UnsureFragment:
    """A commitment-like sentence that could not be resolved into a commitment."""

    text: str
    reason: UnsureReason
    suggestion: CommitmentSuggestion

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping."""
        return {
            "text": self.text,
            "reason": self.reason.value,
            "suggestion": self.suggestion.to_dict(),
        }


@dataclass(frozen=True)
class ExtractionResult:
    """Everything read from one supplier message."""

    message_id: str | None
    subject: str
    sender: str | None
    message_date: dt.datetime
    commitments: tuple[DeliveryCommitment, ...]
    unsure: tuple[UnsureFragment, ...]
    auto_reply: bool = False
    reply_expected_by: dt.date | None = None  # "we will revert by Friday"
    notes: tuple[str, ...] = field(default=())

    def confident(
        self, threshold: float = DEFAULT_CONFIDENCE_THRESHOLD
    ) -> tuple[DeliveryCommitment, ...]:
        """Commitments that policy may apply without a person looking."""
        return tuple(c for c in self.commitments if is_confident(c, threshold))

    def needs_review(self, threshold: float = DEFAULT_CONFIDENCE_THRESHOLD) -> bool:
        """True when a procurement task should be opened for this message."""
        return bool(self.unsure) or len(self.confident(threshold)) < len(self.commitments)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping."""
        return {
            "message_id": self.message_id,
            "subject": self.subject,
            "sender": self.sender,
            "message_date": self.message_date.isoformat(),
            "auto_reply": self.auto_reply,
            "reply_expected_by": (
                self.reply_expected_by.isoformat() if self.reply_expected_by else None
            ),
            "commitments": [c.to_dict() for c in self.commitments],
            "unsure": [u.to_dict() for u in self.unsure],
            "notes": list(self.notes),
        }


def is_confident(
    commitment: DeliveryCommitment, threshold: float = DEFAULT_CONFIDENCE_THRESHOLD
) -> bool:
    """Policy helper: may this commitment be applied automatically?"""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
    return commitment.confidence >= threshold
