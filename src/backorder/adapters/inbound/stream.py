"""The inbound stream: its subjects, the durable consumer, and dead letters.

Publishers send canonical messages to `<prefix>.inbound.<type>` (e.g.
`erp.inbound.order.created.v1`) with the header `Nats-Msg-Id: <message_id>`, so JetStream
drops a re-publish inside its duplicate window. The stream `ERP_INBOUND` holds `<prefix>.>`;
the consumer reads only `<prefix>.inbound.>`, and poison messages are re-published to
`<prefix>.dead.<type>` in the same stream, where they are kept for inspection and replay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from backorder.config import Settings

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DUPLICATE_WINDOW_SECONDS = 120.0
MAX_RETRY_DELAY_SECONDS = 30.0


@dataclass(frozen=True)
class InboundStreamConfig:
    """Where inbound messages come from and how the consumer treats them."""

    url: str = DEFAULT_NATS_URL
    stream: str = "ERP_INBOUND"
    prefix: str = "erp"
    durable: str = "backorder-inbound"
    batch_size: int = 500
    max_deliveries: int = 5
    ack_wait_seconds: float = 60.0
    retry_delay_seconds: float = 1.0  # before the 2nd delivery of a refused message; doubles

    def redelivery_delay(self, attempt: int) -> float:
        """Seconds before the next delivery of a message refused `attempt` times."""
        return min(self.retry_delay_seconds * 2.0 ** max(attempt - 1, 0), MAX_RETRY_DELAY_SECONDS)

    @classmethod
    def from_settings(cls, settings: Settings) -> InboundStreamConfig:
        """The configuration from `BACKORDER_*` settings."""
        return cls(
            url=settings.nats_url or DEFAULT_NATS_URL,
            stream=settings.inbound_stream,
            prefix=settings.inbound_subject_prefix,
            durable=settings.inbound_consumer,
            batch_size=settings.inbound_batch_size,
            max_deliveries=settings.inbound_max_deliveries,
            ack_wait_seconds=settings.inbound_ack_wait_seconds,
        )

    @property
    def subjects(self) -> str:
        """Everything the stream stores."""
        return f"{self.prefix}.>"

    @property
    def inbound_subjects(self) -> str:
        """What the consumer reads."""
        return f"{self.prefix}.inbound.>"

    def subject_for(self, message_type: str) -> str:
        """Where a publisher sends a message of a type."""
        return f"{self.prefix}.inbound.{message_type}"

    def dead_letter_subject(self, message_type: str | None) -> str:
        """Where a poison message of a type is parked."""
        return f"{self.prefix}.dead.{message_type or 'unknown'}"


async def ensure_stream(js: JetStreamContext, config: InboundStreamConfig) -> None:
    """Create the stream when it is missing (an existing one is left as configured)."""
    try:
        await js.stream_info(config.stream)
    except nats.js.errors.NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=config.stream,
                subjects=[config.subjects],
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
            )
        )


def consumer_config(config: InboundStreamConfig) -> ConsumerConfig:
    """The durable pull consumer: explicit acks, unlimited redelivery (we dead-letter)."""
    return ConsumerConfig(
        durable_name=config.durable,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=config.ack_wait_seconds,
        # The consumer itself decides when a message is poison; the server must never
        # silently stop delivering one.
        max_deliver=-1,
        max_ack_pending=max(config.batch_size * 4, 1000),
        filter_subject=config.inbound_subjects,
    )


async def subscribe(
    js: JetStreamContext, config: InboundStreamConfig
) -> JetStreamContext.PullSubscription:
    """Bind to the durable consumer (created on first use)."""
    await ensure_stream(js, config)
    return await js.pull_subscribe(
        config.inbound_subjects,
        durable=config.durable,
        stream=config.stream,
        config=consumer_config(config),
    )


def dead_letter_body(
    data: bytes, subject: str, error: str, deliveries: int, now: datetime | None = None
) -> bytes:
    """The dead letter: the original message (JSON when it was JSON), where and why."""
    original: Any
    try:
        original = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        original = data.decode("utf-8", errors="replace")
    return json.dumps(
        {
            "subject": subject,
            "error": error,
            "deliveries": deliveries,
            "dead_lettered_at": (now or datetime.now(UTC)).isoformat(),
            "message": original,
        }
    ).encode()
