"""Supplier e-mails and portal messages: confident commitments confirm PO lines, the rest
goes to a buyer.

The extractor (`risk.extraction`) reads delivery commitments — PO, line or item, quantity,
date, confidence, the source sentence as evidence — and the fragments it is unsure of.
Policy decides what applies itself: a commitment at or above the confidence threshold
whose purchase-order line is found unambiguously becomes a supplier confirmation
(`purchasing.confirm_po_lines`, audited like an 855, with the evidence in the audit trail).
Everything else — unsure fragments, commitments below the threshold, lines that cannot be
identified, quantities that disagree with the line — goes into one procurement task per
message with the suggestion pre-filled, so a person decides.

A message sent twice applies the same dates again (no change) and finds its task open:
the task's cause is the message id (or a digest of the text).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import structlog

from backorder.adapters.repositories.risk import RiskRepository
from backorder.adapters.repositories.supply import PurchaseOrderLine
from backorder.domain.model import ConfirmationState
from backorder.risk.policy import RiskPolicy
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers.cases import open_task
from backorder.service_layer.handlers.purchasing import LineConfirmation, confirm_po_lines
from backorder.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork

if TYPE_CHECKING:
    # The extractor (and dateparser under it) loads with the first message, not with the API.
    from backorder.risk.extraction import DeliveryCommitment, ExtractionResult, SupplierMessage

log = structlog.get_logger(__name__)
FALLBACK_TASK_TYPE = "supplier_late"
_CLOSED = (ConfirmationState.REJECTED,)


@dataclass(frozen=True)
class AppliedConfirmation:
    """A PO line confirmed from the message, and the commitments (evidence) behind it."""

    po_number: str
    line_number: int
    sku: str
    confirmed_date: date
    commitments: tuple[DeliveryCommitment, ...]


@dataclass(frozen=True)
class ForReview:
    """Something in the message a person has to decide, with what could be read."""

    reason: str
    text: str
    suggestion: dict[str, Any]


@dataclass
class MessageOutcome:
    """What was applied and what went to a person."""

    key: str
    extraction: ExtractionResult
    applied: list[AppliedConfirmation] = field(default_factory=list)
    to_review: list[ForReview] = field(default_factory=list)
    task_id: int | None = None
    task_existed: bool = False


def _repository(uow: UnitOfWork) -> RiskRepository:
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("supplier messages need a database unit of work")
    return RiskRepository(uow.connection)


def message_key(message: SupplierMessage) -> str:
    """The message id, or a digest of its text when it has none."""
    if message.message_id:
        return message.message_id.strip("<>")[:150]
    text = "\n".join(block.text for block in message.blocks)
    digest = hashlib.sha256(f"{message.sent_at.isoformat()}\n{text}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def _commitment_suggestion(c: DeliveryCommitment, action: str) -> dict[str, Any]:
    return {
        "po_candidates": [c.po_number],
        "po_line": c.po_line,
        "sku": c.sku,
        "quantity": c.quantity,
        "unit": c.unit,
        "commitment_date": c.commitment_date.isoformat(),
        "date_text": c.date_text,
        "kind": c.kind.value,
        "confidence": c.confidence,
        "action": action,
    }


def _find_line(
    c: DeliveryCommitment, lines: Sequence[PurchaseOrderLine]
) -> tuple[PurchaseOrderLine | None, str]:
    """The PO line a commitment is about, or why it cannot be told."""
    if not lines:
        return None, f"purchase order {c.po_number} is not known"
    if c.po_line is not None:
        found = [line for line in lines if line.line_number == c.po_line]
        if not found:
            return None, f"purchase order {c.po_number} has no line {c.po_line}"
        line = found[0]
    else:
        open_lines = [
            line for line in lines if line.open_quantity > 0 and line.confirmation not in _CLOSED
        ]
        if c.sku is not None:
            matching = [line for line in open_lines if line.sku.lower() == c.sku.lower()]
            if len(matching) != 1:
                return None, (
                    f"purchase order {c.po_number} has {len(matching)} open lines of item {c.sku}"
                )
            line = matching[0]
        elif len(open_lines) == 1:
            line = open_lines[0]
        else:
            return None, (
                f"the message names no line of purchase order {c.po_number}, "
                f"which has {len(open_lines)} open lines"
            )
    if line.confirmation in _CLOSED:
        return None, f"{c.po_number} line {line.line_number} was rejected"
    if line.open_quantity == 0:
        return None, f"{c.po_number} line {line.line_number} is received in full"
    if c.sku is not None and line.sku.lower() != c.sku.lower():
        return None, f"{c.po_number} line {line.line_number} is item {line.sku}, not {c.sku}"
    if (
        c.quantity is not None
        and not (c.is_partial or c.is_balance)
        and c.quantity not in (line.open_quantity, line.quantity)
    ):
        return None, (
            f"the supplier commits {c.quantity} units; {c.po_number} line {line.line_number} "
            f"has {line.open_quantity} open"
        )
    return line, ""


def handle_supplier_message(
    ctx: ServiceContext, message: SupplierMessage, actor: str, policy: RiskPolicy
) -> MessageOutcome:
    """Extract, apply confident commitments, send the rest to procurement (see module doc)."""
    from backorder.risk.extraction import extract

    result = extract(message)
    key = message_key(message)
    threshold = policy.supplier_messages.confidence_threshold
    outcome = MessageOutcome(key=key, extraction=result)
    for fragment in result.unsure:
        outcome.to_review.append(
            ForReview(fragment.reason.value, fragment.text, fragment.suggestion.to_dict())
        )
    confident = [c for c in result.commitments if c.confidence >= threshold]
    for c in result.commitments:
        if c.confidence < threshold:
            outcome.to_review.append(
                ForReview(
                    "low_confidence",
                    c.evidence,
                    _commitment_suggestion(
                        c, f"check and confirm: confidence {c.confidence:.2f} below {threshold:.2f}"
                    ),
                )
            )
    with ctx.reader() as uow:
        po_lines = {po: uow.supply.po_lines(po) for po in sorted({c.po_number for c in confident})}
    by_line: dict[str, tuple[PurchaseOrderLine, list[DeliveryCommitment]]] = {}
    for c in confident:
        line, why = _find_line(c, po_lines[c.po_number])
        if line is None:
            outcome.to_review.append(
                ForReview("line_not_identified", c.evidence, _commitment_suggestion(c, why))
            )
            continue
        by_line.setdefault(line.source_id, (line, []))[1].append(c)
    for line, commitments in by_line.values():
        partial = any(c.is_partial or c.is_balance for c in commitments)
        if partial and len(commitments) < 2:
            for c in commitments:
                outcome.to_review.append(
                    ForReview(
                        "partial_without_balance",
                        c.evidence,
                        _commitment_suggestion(
                            c,
                            f"only part of {line.po_number} line {line.line_number} is dated: "
                            "ask the supplier for the rest",
                        ),
                    )
                )
            continue
        # With several dates for one line, the line is complete on the latest one.
        confirmed = max(c.commitment_date for c in commitments)
        try:
            confirm_po_lines(
                ctx,
                [LineConfirmation(line.po_number, line.line_number, confirmed)],
                f"{actor} via supplier message {key}",
            )
        except (InvalidInputError, NotFoundError, ConflictError) as error:
            for c in commitments:
                outcome.to_review.append(
                    ForReview("not_applied", c.evidence, _commitment_suggestion(c, str(error)))
                )
            continue
        outcome.applied.append(
            AppliedConfirmation(
                line.po_number, line.line_number, line.sku, confirmed, tuple(commitments)
            )
        )
    _record(ctx, outcome, actor, policy)
    return outcome


def _task_detail(outcome: MessageOutcome) -> str:
    parts = [
        f"Message {outcome.key} from {outcome.extraction.sender or 'unknown sender'}, "
        f"sent {outcome.extraction.message_date:%Y-%m-%d %H:%M}. Please decide:"
    ]
    for number, item in enumerate(outcome.to_review, start=1):
        s = item.suggestion
        pos = ", ".join(s.get("po_candidates") or []) or "?"
        line = f" line {s['po_line']}" if s.get("po_line") else ""
        quantity = f", {s['quantity']} units" if s.get("quantity") is not None else ""
        when = f", date {s['commitment_date']}" if s.get("commitment_date") else ""
        parts.append(
            f'{number}. [{item.reason}] "{" ".join(item.text.split())[:300]}"\n'
            f"   suggestion: PO {pos}{line}{quantity}{when}; {s.get('action', '')}"
        )
    if outcome.applied:
        applied = "; ".join(
            f"{a.po_number} line {a.line_number} -> {a.confirmed_date.isoformat()}"
            for a in outcome.applied
        )
        parts.append(f"Already applied from the same message: {applied}.")
    return "\n".join(parts)


def _record(ctx: ServiceContext, outcome: MessageOutcome, actor: str, policy: RiskPolicy) -> None:
    """Audit what was read and applied (the evidence), and open the review task if needed."""
    result = outcome.extraction
    with ctx.unit_of_work() as uow:
        uow.platform.audit(
            actor=actor,
            action="supplier_message.processed",
            subject=f"supplier-message/{outcome.key}",
            before=None,
            after={
                "subject": result.subject,
                "sender": result.sender,
                "message_date": result.message_date.isoformat(),
                "applied": [
                    {
                        "po_number": a.po_number,
                        "line_number": a.line_number,
                        "confirmed_date": a.confirmed_date.isoformat(),
                        "evidence": [c.evidence for c in a.commitments],
                    }
                    for a in outcome.applied
                ],
                "to_review": [{"reason": r.reason, "text": r.text} for r in outcome.to_review],
            },
            now=uow.clock.now(),
        )
        if outcome.to_review:
            task_type = policy.supplier_messages.task_type
            if task_type not in ctx.operations.task_types:
                log.warning("supplier_message_task_type_missing", wanted=task_type)
                task_type = FALLBACK_TASK_TYPE
            subject = result.subject or "(no subject)"
            task_id = open_task(
                uow,
                ctx,
                cause=f"supplier-message/{outcome.key}",
                case_id=None,
                task_type=task_type,
                subject=f"Supplier message to review: {subject}"[:200],
                detail=_task_detail(outcome),
            )
            if task_id is None:
                outcome.task_existed = True
                task_id = _repository(uow).task_by_cause(f"supplier-message/{outcome.key}")
            outcome.task_id = task_id
        uow.commit()
