"""Integration health from the database, so any process (API, relay) reports the same.

Per adapter (the NATS relay, the webhook fan-out) and per webhook subscription: last
success, failures, lag (age of the oldest event still waiting) and queue depth, dead
letters. `IntegrationCollector` turns the same numbers into Prometheus metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from backorder.adapters.outbox.publishing import utcnow
from backorder.adapters.outbox.settings import RelaySettings
from backorder.adapters.outbox.store import ConsumerStore, unpublished_after, waiting_after
from backorder.adapters.outbox.webhook_store import WebhookStore


@dataclass(frozen=True)
class AdapterHealth:
    """One outbox consumer."""

    name: str
    configured: bool
    leader: str | None = None
    position: int = 0
    processed_total: int = 0
    failures: int = 0
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_error: str | None = None
    queue_depth: int = 0
    lag_seconds: float = 0.0


@dataclass(frozen=True)
class WebhookHealth:
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


@dataclass(frozen=True)
class IntegrationHealth:
    """Every adapter and subscription, with an overall status."""

    status: str
    checked_at: datetime
    adapters: list[AdapterHealth] = field(default_factory=list)
    webhooks: list[WebhookHealth] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def _adapter(engine: Engine, name: str, configured: bool, now: datetime) -> AdapterHealth:
    state = ConsumerStore(engine, name).state()
    with engine.connect() as connection:
        if name == "nats":
            depth, oldest = unpublished_after(connection, state.position)
        else:
            depth, oldest = waiting_after(connection, state.position)
    return AdapterHealth(
        name=name,
        configured=configured,
        leader=state.leader,
        position=state.position,
        processed_total=state.delivered_total,
        failures=state.failures,
        last_success_at=state.last_success_at,
        last_failure_at=state.last_failure_at,
        last_error=state.last_error,
        queue_depth=depth,
        lag_seconds=_age(now, oldest),
    )


def integration_health(
    engine: Engine,
    settings: RelaySettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    lag_threshold_seconds: float = 60.0,
) -> IntegrationHealth:
    """The health of every adapter and subscription, read from the database now."""
    now = clock()
    adapters = [_adapter(engine, "webhooks", True, now)]
    if settings.nats_url:
        adapters.insert(0, _adapter(engine, "nats", True, now))
    else:
        adapters.insert(0, AdapterHealth("nats", configured=False))
    with engine.connect() as connection:
        store = WebhookStore(connection)
        subscriptions = store.subscriptions()
        stats = store.queue_stats()
    webhooks = []
    for s in subscriptions:
        queue = stats.get(s.id, {"pending": 0, "oldest": None, "dead": 0})
        webhooks.append(
            WebhookHealth(
                id=s.id,
                url=s.url,
                delivered_total=s.delivered_total,
                failures=s.failures,
                last_success_at=s.last_success_at,
                last_failure_at=s.last_failure_at,
                last_error=s.last_error,
                queue_depth=queue["pending"],
                lag_seconds=_age(now, queue["oldest"]),
                dead_letters=queue["dead"],
            )
        )
    degraded = any(a.configured and a.lag_seconds > lag_threshold_seconds for a in adapters) or any(
        w.dead_letters or w.lag_seconds > lag_threshold_seconds for w in webhooks
    )
    return IntegrationHealth("degraded" if degraded else "ok", now, adapters, webhooks)


class IntegrationCollector(Collector):
    """Prometheus metrics of the outbox and its consumers, read at each scrape."""

    def __init__(self, engine: Engine, settings: RelaySettings) -> None:
        self.engine = engine
        self.settings = settings

    def describe(self) -> list[Any]:
        """Nothing up front: registering must not query the database."""
        return []

    def collect(self) -> Iterator[Any]:
        """Outbox lag and depth, published and failed totals, dead letters."""
        health = integration_health(self.engine, self.settings)
        lag = GaugeMetricFamily(
            "backorder_outbox_lag_seconds",
            "Age of the oldest outbox event a consumer has not handled.",
            labels=["consumer"],
        )
        depth = GaugeMetricFamily(
            "backorder_outbox_depth",
            "Outbox events a consumer has not handled.",
            labels=["consumer"],
        )
        published = CounterMetricFamily(
            "backorder_outbox_published",
            "Events a consumer handled (NATS: acked by the broker; webhooks: fanned out).",
            labels=["consumer"],
        )
        failed = CounterMetricFamily(
            "backorder_integration_failed_deliveries",
            "Failed relay passes (NATS) and failed webhook tries.",
            labels=["adapter", "target"],
        )
        delivered = CounterMetricFamily(
            "backorder_webhook_delivered",
            "Webhook deliveries answered with 2xx.",
            labels=["subscription"],
        )
        dead = GaugeMetricFamily(
            "backorder_webhook_dead_letters",
            "Webhook deliveries given up after the last attempt.",
            labels=["subscription"],
        )
        pending = GaugeMetricFamily(
            "backorder_webhook_queue_depth", "Webhook deliveries pending.", labels=["subscription"]
        )
        webhook_lag = GaugeMetricFamily(
            "backorder_webhook_lag_seconds",
            "Age of the oldest pending webhook delivery.",
            labels=["subscription"],
        )
        for adapter in health.adapters:
            if not adapter.configured:
                continue
            lag.add_metric([adapter.name], adapter.lag_seconds)
            depth.add_metric([adapter.name], adapter.queue_depth)
            published.add_metric([adapter.name], adapter.processed_total)
            failed.add_metric([adapter.name, adapter.name], adapter.failures)
        for hook in health.webhooks:
            failed.add_metric(["webhook", hook.id], hook.failures)
            delivered.add_metric([hook.id], hook.delivered_total)
            dead.add_metric([hook.id], hook.dead_letters)
            pending.add_metric([hook.id], hook.queue_depth)
            webhook_lag.add_metric([hook.id], hook.lag_seconds)
        yield from (lag, depth, published, failed, delivered, dead, pending, webhook_lag)
