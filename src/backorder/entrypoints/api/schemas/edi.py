"""Schemas of supplier EDI: the report of an inbound file and the documents we produced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from backorder.adapters.edi import EdiIssue
from backorder.adapters.repositories.edi import OutboundDocument
from backorder.service_layer.handlers.edi_common import LineProblem
from backorder.service_layer.handlers.edi_inbound import (
    EdiImportReport,
    SetReport,
    StoredAcknowledgement,
)


class EdiIssueRead(BaseModel):
    """A parse error or warning, located in the file."""

    level: str
    code: str
    reason: str
    interchange_control_number: str | None = None
    group_control_number: str | None = None
    transaction_set_id: str | None = None
    transaction_set_control_number: str | None = None
    segment_id: str | None = None
    segment_position_in_set: int | None = None
    segment_position_in_file: int | None = None
    line: int | None = None
    element_position: int | None = None
    component_position: int | None = None

    @classmethod
    def of(cls, issue: EdiIssue) -> EdiIssueRead:
        """From the parser's issue."""
        return cls(**{name: getattr(issue, name) for name in cls.model_fields})


class LineProblemRead(BaseModel):
    """Why a line of a set was not applied (error), or a remark (warning, invoice mismatch)."""

    severity: str = Field(description="error, warning or mismatch")
    code: str
    reason: str
    reference: str | None = None
    segment_id: str | None = None
    segment_position_in_set: int | None = None
    segment_position_in_file: int | None = None
    line: int | None = None
    element_position: int | None = None

    @classmethod
    def of(cls, problem: LineProblem) -> LineProblemRead:
        """From the applier's problem."""
        return cls(**{name: getattr(problem, name) for name in cls.model_fields})


class InvoiceLineMatchRead(BaseModel):
    """An invoice line against its PO line."""

    line_number: str | None
    sku: str | None
    quantity: float
    unit_price: float
    invoiced_to_date: float | None
    received: int | None
    match: str = Field(
        description="matched, partially_invoiced, over_invoiced, price_mismatch, no_po_line"
    )


class InvoiceMatchRead(BaseModel):
    """How a stored invoice matched the receipts of its purchase order."""

    invoice_number: str
    po_number: str | None
    match_status: str = Field(description="matched or mismatch")
    lines: list[InvoiceLineMatchRead]


class TransactionSetRead(BaseModel):
    """One transaction set of the file and what became of it."""

    interchange_control_number: str
    sender: str
    group_control_number: str
    transaction_set_id: str
    control_number: str
    acknowledged: str = Field(description="The 997's verdict: A, E or R.")
    outcome: str = Field(
        description="applied, partially_applied, rejected, duplicate, test_not_applied or "
        "refused_by_parser"
    )
    reference: str | None
    lines: int
    applied_lines: int
    problems: list[LineProblemRead]
    invoice: InvoiceMatchRead | None = None

    @classmethod
    def of(cls, report: SetReport) -> TransactionSetRead:
        """From the service's report."""
        details: dict[str, Any] | None = report.details
        return cls(
            interchange_control_number=report.interchange_control_number,
            sender=report.sender,
            group_control_number=report.group_control_number,
            transaction_set_id=report.transaction_set_id,
            control_number=report.control_number,
            acknowledged=report.acknowledged,
            outcome=report.outcome,
            reference=report.reference,
            lines=report.lines,
            applied_lines=report.applied_lines,
            problems=[LineProblemRead.of(p) for p in report.problems],
            invoice=InvoiceMatchRead.model_validate(details) if details else None,
        )


class AcknowledgementRead(BaseModel):
    """The 997 answering one inbound interchange."""

    document_id: int
    interchange_control_number: str
    answers: str = Field(description="The inbound interchange: <ISA05>:<ISA06>:<ISA13>.")
    sent_before: bool = Field(description="True when the interchange was answered before.")
    content: str

    @classmethod
    def of(cls, stored: StoredAcknowledgement) -> AcknowledgementRead:
        """From the service's record."""
        return cls(**{name: getattr(stored, name) for name in cls.model_fields})


class EdiImportRead(BaseModel):
    """What was found in and done with an inbound X12 file."""

    transaction_sets: list[TransactionSetRead]
    errors: list[EdiIssueRead]
    warnings: list[EdiIssueRead]
    acknowledgements: list[AcknowledgementRead]

    @classmethod
    def of(cls, report: EdiImportReport) -> EdiImportRead:
        """From the service's report."""
        return cls(
            transaction_sets=[TransactionSetRead.of(s) for s in report.sets],
            errors=[EdiIssueRead.of(e) for e in report.errors],
            warnings=[EdiIssueRead.of(w) for w in report.warnings],
            acknowledgements=[AcknowledgementRead.of(a) for a in report.acknowledgements],
        )


class OutboundDocumentRead(BaseModel):
    """An X12 interchange we produced (997 or 850)."""

    document_id: int
    document_type: str
    partner_qualifier: str
    partner_id: str
    interchange_control_number: str
    reference: str
    created_at: datetime
    content: str

    @classmethod
    def of(cls, document: OutboundDocument) -> OutboundDocumentRead:
        """From the stored document."""
        return cls(**{name: getattr(document, name) for name in cls.model_fields})


class OutboundPageRead(BaseModel):
    """Documents after a document id, oldest first; pass `next_after` to get more."""

    documents: list[OutboundDocumentRead]
    next_after: int | None
