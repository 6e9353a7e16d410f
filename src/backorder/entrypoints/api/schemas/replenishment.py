"""Schemas of purchase suggestions, pick requests and expedite proposals."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from backorder.adapters.repositories.expedite import ExpediteRecord
from backorder.adapters.repositories.replenishment import SuggestionRecord
from backorder.adapters.repositories.warehouse import PickRecord


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Approval(_Model):
    """Approving a proposal, with an optional note."""

    note: str = Field("", max_length=400)


class Rejection(_Model):
    """Rejecting a proposal: the reason is required."""

    reason: str = Field(min_length=1, max_length=400)


class SuggestionRead(BaseModel):
    """A purchase (or transfer) suggestion and the cases it serves."""

    suggestion_id: int
    kind: str
    sku: str
    location: str
    origin: str | None
    supplier: str | None
    quantity: int
    unit_cost: float
    value: float
    expected_date: date
    reason: str
    status: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    po_number: str | None
    case_ids: list[str]

    @classmethod
    def of(cls, record: SuggestionRecord) -> SuggestionRead:
        """The schema of a stored suggestion."""
        return cls(
            suggestion_id=record.suggestion_id,
            kind=record.kind,
            sku=record.sku,
            location=record.location,
            origin=record.origin,
            supplier=record.supplier,
            quantity=record.quantity,
            unit_cost=record.unit_cost,
            value=record.value,
            expected_date=record.expected_date,
            reason=record.reason,
            status=record.status,
            created_at=record.created_at,
            decided_by=record.decided_by,
            decided_at=record.decided_at,
            decision_note=record.decision_note,
            po_number=record.po_number,
            case_ids=list(record.case_ids),
        )


class PickConfirmation(_Model):
    """What the warehouse found: all requested units (a full pick) or fewer (short)."""

    picked_quantity: int = Field(ge=0)


class PickRead(BaseModel):
    """A pick request."""

    pick_id: int
    line_id: int
    case_id: str | None
    sku: str
    location: str
    quantity: int
    picked_quantity: int | None
    priority: int
    rank: int | None
    promise_date: date | None
    status: str
    created_at: datetime
    confirmed_at: datetime | None
    confirmed_by: str | None

    @classmethod
    def of(cls, record: PickRecord) -> PickRead:
        """The schema of a stored pick request."""
        return cls.model_validate(record, from_attributes=True)


class ExpediteRead(BaseModel):
    """An expedite proposal."""

    proposal_id: int
    line_id: int
    case_id: str | None
    sku: str
    kind: str
    source_id: str | None
    origin: str | None
    destination: str
    quantity: int
    cost: float
    current_promise: date
    new_date: date
    new_promise: date
    reason: str
    status: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    transfer_number: str | None

    @classmethod
    def of(cls, record: ExpediteRecord) -> ExpediteRead:
        """The schema of a stored proposal."""
        return cls.model_validate(record, from_attributes=True)
