"""Schemas of `POST /v1/inbound/messages`: canonical messages in, one result per message out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backorder.service_layer.handlers.inbound import MessageResult
from backorder.service_layer.handlers.inbound_messages import InboundMessage


class InboundBatch(BaseModel):
    """Canonical messages to apply, in order (see docs/inbound-messages.md)."""

    model_config = ConfigDict(extra="forbid")

    messages: list[InboundMessage] = Field(min_length=1, max_length=1000)


class MessageResultRead(BaseModel):
    """What became of one message."""

    message_id: str
    type: str
    outcome: Literal["applied", "duplicate", "rejected"] = Field(
        description="applied now; duplicate: applied before (nothing changed); rejected: "
        "refused (nothing changed; the same message id may be sent again)."
    )
    error: str | None = None
    field: str | None = Field(None, description="The field at fault, when one is named.")
    error_kind: Literal["not_found", "conflict", "invalid"] | None = None


class InboundBatchRead(BaseModel):
    """Results in the order of the messages sent."""

    applied: int
    duplicates: int
    rejected: int
    results: list[MessageResultRead]

    @classmethod
    def of(cls, results: Sequence[MessageResult]) -> InboundBatchRead:
        """From the handler's results."""
        read = [
            MessageResultRead(
                message_id=r.message_id,
                type=r.type,
                outcome=r.outcome,
                error=r.error,
                field=r.field,
                error_kind=r.error_kind,
            )
            for r in results
        ]
        return cls(
            applied=sum(1 for r in results if r.outcome == "applied"),
            duplicates=sum(1 for r in results if r.outcome == "duplicate"),
            rejected=sum(1 for r in results if r.outcome == "rejected"),
            results=read,
        )
