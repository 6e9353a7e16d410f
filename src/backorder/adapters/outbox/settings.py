"""Relay settings from the environment (`BACKORDER_*`); defaults need no broker."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backorder.events import channels
from backorder.events.envelope import default_source


class RelaySettings(BaseSettings):
    """How the outbox relay publishes to NATS JetStream and delivers webhooks."""

    model_config = SettingsConfigDict(env_prefix="BACKORDER_", extra="ignore")

    nats_url: str | None = Field(None, description="NATS server(s); unset: no broker.")
    nats_stream: str = Field(channels.STREAM, description="JetStream stream (created if missing).")
    nats_duplicate_window_seconds: float = Field(
        channels.MIN_DUPLICATE_WINDOW_SECONDS,
        ge=channels.MIN_DUPLICATE_WINDOW_SECONDS,
        description="Broker deduplication window by Nats-Msg-Id.",
    )
    nats_ack_timeout_seconds: float = Field(5.0, gt=0, description="Wait for a publish ack.")
    event_source: str | None = Field(
        None, description="CloudEvents `source`; default urn:backorder:<hostname>."
    )
    relay_enabled: bool = Field(True, description="`backorder serve` runs the relay beside it.")
    relay_batch_size: int = Field(500, ge=1, le=10_000, description="Outbox rows per pass.")
    relay_poll_seconds: float = Field(0.1, gt=0, description="Pause when nothing is waiting.")
    relay_backoff_initial_seconds: float = Field(0.5, gt=0, description="First retry pause.")
    relay_backoff_max_seconds: float = Field(30.0, gt=0, description="Longest retry pause.")
    relay_gap_settle_seconds: float = Field(
        30.0,
        gt=0,
        description="How long a hole in outbox positions (a transaction not yet committed, "
        "or rolled back) holds back the events after it.",
    )
    relay_lease_seconds: float = Field(
        15.0, gt=0, description="Leader lease on SQLite (PostgreSQL uses an advisory lock)."
    )
    webhook_max_attempts: int = Field(8, ge=1, description="Tries before a dead letter.")
    webhook_backoff_initial_seconds: float = Field(5.0, gt=0, description="First retry pause.")
    webhook_backoff_max_seconds: float = Field(3600.0, gt=0, description="Longest retry pause.")
    webhook_timeout_seconds: float = Field(10.0, gt=0, description="Per delivery request.")
    webhook_concurrency: int = Field(4, ge=1, le=64, description="Subscriptions served at once.")

    @property
    def source(self) -> str:
        """The CloudEvents `source` of every published event."""
        return self.event_source or default_source()
