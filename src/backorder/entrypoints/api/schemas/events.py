"""Schemas of the event feed, webhook subscriptions, dead letters and integration health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backorder.adapters.outbox.webhook_store import Delivery, Subscription
from backorder.events import channels


class CloudEventRead(BaseModel):
    """A CloudEvents 1.0 envelope (structured JSON mode)."""

    specversion: str
    id: str
    source: str
    type: str
    subject: str
    time: str
    datacontenttype: str
    dataschema: str | None = None
    position: int = Field(description="Place in the outbox: pass it as `after` to read on.")
    data: dict[str, Any]


class EventPageRead(BaseModel):
    """A page of the event feed."""

    events: list[CloudEventRead]
    next_after: int = Field(description="`after` for the next page (the last position read).")
    has_more: bool = Field(description="More events were waiting when this page was read.")


class WebhookCreate(BaseModel):
    """A new webhook subscription."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=1, max_length=2000, description="http(s) URL that gets POSTs.")
    event_types: list[str] = Field(
        min_length=1,
        max_length=50,
        description="Exact types, prefixes like `backorder.order_line.*`, or `*` for all.",
    )
    description: str = Field("", max_length=200)


class WebhookRead(BaseModel):
    """A webhook subscription (without its secret)."""

    id: str
    url: str
    event_types: list[str]
    description: str
    created_at: datetime
    created_by: str
    delivered_total: int
    failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, s: Subscription) -> WebhookRead:
        """From a stored subscription."""
        return cls(
            id=s.id,
            url=s.url,
            event_types=list(s.event_types),
            description=s.description,
            created_at=s.created_at,
            created_by=s.created_by,
            delivered_total=s.delivered_total,
            failures=s.failures,
            last_success_at=s.last_success_at,
            last_failure_at=s.last_failure_at,
            last_error=s.last_error,
        )


class SignatureRead(BaseModel):
    """How deliveries are signed."""

    header: str = channels.SIGNATURE_HEADER
    format: str = "t=<unix seconds>,v1=<hex>"
    signed_string: str = "<t>.<raw request body>"
    algorithm: str = "HMAC-SHA256 keyed with the secret (UTF-8)"


class WebhookCreated(WebhookRead):
    """A new subscription with its secret: shown this once, store it now."""

    secret: str
    signature: SignatureRead = Field(default_factory=SignatureRead)


class DeliveryRead(BaseModel):
    """A webhook delivery (one event for one subscription)."""

    id: int
    subscription_id: str
    event_id: str
    position: int
    type: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    dead_at: datetime | None
    last_status_code: int | None
    last_error: str | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryRead:
        """From a stored delivery."""
        return cls(
            id=d.id,
            subscription_id=d.subscription_id,
            event_id=d.event_id,
            position=d.position,
            type=d.type,
            subject=d.subject,
            status=d.status,
            attempts=d.attempts,
            created_at=d.created_at,
            last_attempt_at=d.last_attempt_at,
            dead_at=d.dead_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
        )


class DeadLetterPageRead(BaseModel):
    """A page of dead letters."""

    items: list[DeliveryRead]
    next_after: int | None = Field(description="`after` for the next page; null at the end.")


class AdapterHealthRead(BaseModel):
    """One outbox consumer (the NATS relay, the webhook fan-out)."""

    name: str
    configured: bool
    leader: str | None
    position: int
    processed_total: int
    failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    queue_depth: int
    lag_seconds: float


class WebhookHealthRead(BaseModel):
    """One webhook subscription."""

    id: str
    url: str
    delivered_total: int
    failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    queue_depth: int
    lag_seconds: float
    dead_letters: int


class IntegrationHealthRead(BaseModel):
    """Integration health: `degraded` when something lags or has dead letters."""

    status: str
    checked_at: datetime
    adapters: list[AdapterHealthRead]
    webhooks: list[WebhookHealthRead]
