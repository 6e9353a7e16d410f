"""Schemas of backorder cases, their manual overrides and substitute answers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from backorder.adapters.repositories.cases import CaseRecord
from backorder.entrypoints.api.schemas.orders import OrderLineRead
from backorder.entrypoints.api.schemas.tasks import TaskRead
from backorder.service_layer.handlers.case_overrides import SubstitutionAnswer
from backorder.service_layer.handlers.case_views import CaseDetail


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CaseRead(BaseModel):
    """A backorder case: where it stands (as its workflow last saw it) and whether it is held."""

    case_id: str
    line_id: int
    sku: str
    customer: str
    state: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    next_check_at: datetime | None
    on_hold: bool
    hold_reason: str | None

    @classmethod
    def of(cls, case: CaseRecord) -> CaseRead:
        """Schema of a stored case."""
        return cls(
            case_id=case.case_id,
            line_id=case.line_id,
            sku=case.sku,
            customer=case.customer,
            state=case.state.value,
            opened_at=case.opened_at,
            updated_at=case.updated_at,
            closed_at=case.closed_at,
            next_check_at=case.next_check_at,
            on_hold=case.on_hold,
            hold_reason=case.hold_reason,
        )


class CasePageRead(BaseModel):
    """A page of cases."""

    items: list[CaseRead]
    next_cursor: str | None


class StateChangeRead(BaseModel):
    """One step of a case's history."""

    at: datetime
    from_state: str | None
    to_state: str
    reason: str


class ActionDoneRead(BaseModel):
    """An action the case carried out (each key once)."""

    key: str
    kind: str
    done_at: datetime


class HeldRead(BaseModel):
    """Units of one supply source the line holds, and how it got them."""

    source_id: str
    sku: str
    location: str
    quantity: int
    available_date: date
    how: str = Field(description="The allocation phase: intake, priority, forced, ...")


class SubstitutionRead(BaseModel):
    """The substitute offered for the line and the customer's answer, if any."""

    offered_sku: str | None
    decision: str | None
    substitute_sku: str | None
    decided_at: datetime | None
    actor: str | None


class CaseDetailRead(CaseRead):
    """A case with its line, history, tasks, actions done, holdings and substitute offer."""

    line: OrderLineRead | None
    history: list[StateChangeRead]
    tasks: list[TaskRead]
    actions: list[ActionDoneRead]
    held: list[HeldRead]
    substitution: SubstitutionRead

    @classmethod
    def of_detail(cls, found: CaseDetail) -> CaseDetailRead:
        """Schema of a case and everything about it."""
        answer = found.substitution_answer or {}
        return cls(
            **CaseRead.of(found.case).model_dump(),
            line=OrderLineRead.of(found.line) if found.line is not None else None,
            history=[StateChangeRead(**h) for h in found.history],
            tasks=[TaskRead.of(t, found.now) for t in found.tasks],
            actions=[ActionDoneRead(**a) for a in found.actions],
            held=[
                HeldRead(
                    source_id=h.allocation.source_id,
                    sku=h.allocation.sku,
                    location=h.allocation.ship_from,
                    quantity=h.allocation.quantity,
                    available_date=h.allocation.available_date,
                    how=h.phase,
                )
                for h in found.held
            ],
            substitution=SubstitutionRead(
                offered_sku=found.offered_substitute,
                decision=answer.get("decision"),
                substitute_sku=answer.get("substitute_sku"),
                decided_at=answer.get("decided_at"),
                actor=answer.get("actor"),
            ),
        )


class CaseReason(_Model):
    """Why a person overrides the case (kept in the audit log)."""

    reason: str = Field(min_length=1, max_length=200)


class ForcedSourceIn(_Model):
    """Units of one supply source to force to the line."""

    source_id: str = Field(
        min_length=1, max_length=96, description="`OH/<sku>/<dc>` or a PO line `<po>/<line>`"
    )
    quantity: int = Field(gt=0, le=10_000_000)


class ForceAllocate(_Model):
    """Supply a planner assigns to the line against the policy, and why."""

    reason: str = Field(min_length=1, max_length=200)
    sources: list[ForcedSourceIn] = Field(min_length=1, max_length=50)


class TakenRead(BaseModel):
    """Units a lower-ranked line gave up to the forced allocation."""

    line_id: int
    source_id: str
    quantity: int
    rank: int = Field(description="The line's rank among the lines of its item (1 = first)")


class ForceOutcomeRead(BaseModel):
    """What was forced, whom it was taken from, and the case after."""

    forced: list[ForcedSourceIn]
    taken_from: list[TakenRead]
    case: CaseDetailRead


class SubstituteAnswerIn(_Model):
    """The customer's answer to the substitute offer (`substitute_sku` checks which one)."""

    substitute_sku: str | None = Field(None, min_length=1, max_length=64)
    note: str = Field("", max_length=400)


class SubstitutionAnswerRead(BaseModel):
    """The recorded answer."""

    case_id: str
    line_id: int
    substitute_sku: str
    decision: str
    decided_at: datetime
    actor: str
    note: str

    @classmethod
    def of(cls, answer: SubstitutionAnswer) -> SubstitutionAnswerRead:
        """Schema of a recorded answer."""
        return cls(**answer.__dict__)
