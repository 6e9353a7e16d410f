"""Schemas of risk intelligence: item x DC risk scores, drift, supplier delays and P50/P90
promises, supplier messages, and the triaged customer-service queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backorder.adapters.repositories.risk import StoredScore
from backorder.domain.supplier_delay import DelayEstimate
from backorder.entrypoints.api.schemas.supply import AtpRead, PromisedSourceRead
from backorder.entrypoints.api.schemas.tasks import TaskRead
from backorder.service_layer.handlers.risk import DriftReport, ScoringRun
from backorder.service_layer.handlers.risk_triage import TriagedTask
from backorder.service_layer.handlers.supplier_messages import MessageOutcome


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- risk scores -------------------------------------------------------------------------


class RiskItemRead(BaseModel):
    """The latest backorder-risk score of one item x DC, with its reasons."""

    sku: str
    location: str
    probability: float = Field(description="Calibrated chance of a backorder (0..1).")
    reasons: list[str] = Field(description="The features that moved the score most.")
    features: dict[str, float | None] = Field(
        description="Model inputs of explained rows (null: unknown; empty when not explained)."
    )
    model_version: str
    scored_at: datetime

    @classmethod
    def of(cls, score: StoredScore) -> RiskItemRead:
        """Schema of a stored score."""
        return cls(**score.__dict__)


class RiskItemPageRead(BaseModel):
    """A page of risk scores, riskiest first."""

    items: list[RiskItemRead]
    next_cursor: str | None


class ScoringRunRead(BaseModel):
    """What a scoring run of every item x DC did."""

    model_version: str
    scored: int
    explained: int
    above_threshold: int
    tasks_opened: int = Field(description="New backorder_risk tasks (once per item x DC a day).")
    threshold: float
    seconds: float

    @classmethod
    def of(cls, run: ScoringRun) -> ScoringRunRead:
        """Schema of a run."""
        return cls(**run.__dict__)


class FeatureDriftRead(BaseModel):
    """Population stability of one feature."""

    feature: str
    psi: float
    drifted: bool


class DriftRead(BaseModel):
    """PSI of each feature of today's item x DCs against the model's training data."""

    model_version: str
    rows: int = Field(description="Item x DCs compared.")
    psi_alert: float = Field(description="A feature above this PSI is flagged.")
    drifted: list[str]
    features: list[FeatureDriftRead]

    @classmethod
    def of(cls, report: DriftReport) -> DriftRead:
        """Schema of a drift report."""
        return cls(
            model_version=report.model_version,
            rows=report.rows,
            psi_alert=report.psi_alert,
            drifted=report.drifted,
            features=[
                FeatureDriftRead(feature=d.feature, psi=round(d.psi, 6), drifted=d.drifted)
                for d in report.features
            ],
        )


# -- supplier delays and probabilistic promises ------------------------------------------


class DelayEstimateRead(BaseModel):
    """P50/P90 delay of a supplier against its own dates."""

    supplier: str
    item_group: str | None
    p50_days: int
    p90_days: int
    receipts: int = Field(description="Own receipts behind it (the pooled prior comes on top).")
    on_time_share: float | None
    text: str

    @classmethod
    def of(cls, estimate: DelayEstimate) -> DelayEstimateRead:
        """Schema of an estimate."""
        return cls(**estimate.__dict__, text=estimate.describe())


class SupplierDelaysRead(BaseModel):
    """The pooled delay distribution and one estimate per supplier with receipts."""

    pool: DelayEstimateRead
    suppliers: list[DelayEstimateRead]


class PromisedSourceRiskRead(PromisedSourceRead):
    """Part of a promise with its P50/P90 arrival dates."""

    supplier: str | None = None
    arrival_p50: date
    arrival_p90: date
    delay: str | None = Field(None, description="The supplier's delay estimate in words.")


class AtpRiskRead(AtpRead):
    """Available-to-promise with probabilistic promise dates.

    `promise_date` is the date the `promise_basis` promises (`supplier`: the suppliers' own
    dates; `p50`: met half the time; `p90`: met nine times in ten), and `status` is judged
    on it.
    """

    promise_basis: str
    supplier_promise_date: date | None
    promise_date_p50: date | None
    promise_date_p90: date | None
    sources: list[PromisedSourceRiskRead]  # type: ignore[assignment]


# -- supplier messages -------------------------------------------------------------------


class PortalMessage(_Model):
    """A supplier's portal message: plain text written at a known time."""

    message_id: str | None = Field(None, max_length=200)
    sender: str | None = Field(None, max_length=320)
    subject: str = Field("", max_length=500)
    sent_at: datetime = Field(description="When it was written: relative dates count from it.")
    text: str = Field(min_length=1, max_length=200_000)


class CommitmentRead(BaseModel):
    """A delivery commitment read from a message, with the sentence it came from."""

    po_number: str
    po_line: int | None
    sku: str | None
    quantity: int | None
    commitment_date: date
    date_text: str
    kind: str
    confidence: float
    evidence: str


class AppliedRead(BaseModel):
    """A PO line confirmed from the message."""

    po_number: str
    line_number: int
    sku: str
    confirmed_date: date
    commitments: list[CommitmentRead]


class ReviewRead(BaseModel):
    """Something a person decides: why, the text, and the suggestion pre-filled."""

    reason: str
    text: str
    suggestion: dict[str, Any]


class SupplierMessageRead(BaseModel):
    """What was applied from a supplier message and what went to a person."""

    message_key: str = Field(description="The message id, or a digest of the text.")
    subject: str
    sender: str | None
    message_date: datetime
    auto_reply: bool
    applied: list[AppliedRead]
    to_review: list[ReviewRead]
    task_id: int | None = Field(description="The procurement task holding `to_review`.")

    @classmethod
    def of(cls, outcome: MessageOutcome) -> SupplierMessageRead:
        """Schema of a processed message."""
        result = outcome.extraction
        return cls(
            message_key=outcome.key,
            subject=result.subject,
            sender=result.sender,
            message_date=result.message_date,
            auto_reply=result.auto_reply,
            applied=[
                AppliedRead(
                    po_number=a.po_number,
                    line_number=a.line_number,
                    sku=a.sku,
                    confirmed_date=a.confirmed_date,
                    commitments=[
                        CommitmentRead(
                            po_number=c.po_number,
                            po_line=c.po_line,
                            sku=c.sku,
                            quantity=c.quantity,
                            commitment_date=c.commitment_date,
                            date_text=c.date_text,
                            kind=c.kind.value,
                            confidence=c.confidence,
                            evidence=c.evidence,
                        )
                        for c in a.commitments
                    ],
                )
                for a in outcome.applied
            ],
            to_review=[
                ReviewRead(reason=r.reason, text=r.text, suggestion=r.suggestion)
                for r in outcome.to_review
            ],
            task_id=outcome.task_id,
        )


# -- triage ------------------------------------------------------------------------------


class TriagedTaskRead(TaskRead):
    """A customer-facing task with its severity and the reasons for it."""

    triage_score: float = Field(description="Severity 0..100; the queue is worked highest first.")
    triage_reasons: list[str]
    triage_factors: dict[str, float] = Field(description="Each factor scaled to 0..1.")
    customer: str | None
    line_id: int | None
    order_id: str | None

    @classmethod
    def of_triaged(cls, item: TriagedTask, now: datetime) -> TriagedTaskRead:
        """Schema of a triaged task as of `now`."""
        return cls(
            **TaskRead.of(item.row.task, now).model_dump(),
            triage_score=item.severity.score,
            triage_reasons=list(item.severity.reasons),
            triage_factors={k: round(v, 4) for k, v in item.severity.factors.items()},
            customer=item.row.customer,
            line_id=item.row.line_id,
            order_id=item.row.order_id,
        )


class TriagePageRead(BaseModel):
    """The triaged queue, most severe first."""

    items: list[TriagedTaskRead]
