"""The webhook consumer of the outbox: fan out to subscriptions, then deliver with retries.

Fan-out turns each settled outbox row into one delivery row per matching subscription,
in the same transaction as the cursor moves, so an event is queued once per
subscription (the unique key drops a repeat after a crash).

Delivery keeps order per subscription and subject: a delivery goes only when no earlier
one of the same subject is still pending for that subscription (a dead letter no longer
holds the line). A failed try waits `retry_delay(attempt)` (exponential, jittered); after
`webhook_max_attempts` the delivery is dead until replayed. Subscriptions are served in
parallel; within one, a failure ends its turn in this pass (its endpoint is likely down).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import structlog
from sqlalchemy import Engine

from backorder.adapters.db import writer
from backorder.adapters.outbox.publishing import utcnow
from backorder.adapters.outbox.settings import RelaySettings
from backorder.adapters.outbox.store import ConsumerStore, outbox_after, outbox_rows
from backorder.adapters.outbox.tail import hole_watch, settled
from backorder.adapters.outbox.webhook_store import PENDING, Delivery, WebhookStore
from backorder.adapters.outbox.webhooks import (
    DeliveryRequest,
    DeliveryResult,
    WebhookSender,
    retry_delay,
)
from backorder.events.envelope import encode, envelope
from backorder.events.filters import matches

log = structlog.get_logger(__name__)
PER_SUBSCRIPTION = 200  # pending deliveries looked at per subscription and pass
PASS_BUDGET_SECONDS = 5.0  # a slow endpoint yields its turn so the pass (and fan-out) goes on


class WebhookRelay:
    """One pass: fan out new events, then try every due delivery."""

    name = "webhooks"

    def __init__(
        self,
        engine: Engine,
        settings: RelaySettings,
        *,
        sender: WebhookSender | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.source = settings.source
        self.sender = sender or WebhookSender(settings.webhook_timeout_seconds)
        self.clock = clock
        self.store = ConsumerStore(engine, self.name)
        self.watch = hole_watch(engine)
        self._position: int | None = None
        self._pool = ThreadPoolExecutor(settings.webhook_concurrency, "webhook")

    def reset(self) -> None:
        """Forget the cached cursor (after losing or regaining the lead)."""
        self._position = None

    def step(self, holder: str) -> int:
        """Fan out one batch and try what is due; returns rows fanned out + tries made."""
        return self.fan_out(holder) + self.deliver()

    def fan_out(self, holder: str) -> int:
        """Queue deliveries for settled rows after the cursor."""
        if self._position is None:
            self._position = self.store.state().position
        position = self._position
        self.watch.refresh()  # before the read: a hole found dead stays dead
        with self.engine.connect() as connection:
            # Rows before subscriptions: one created after this read starts after these rows.
            rows = outbox_after(
                connection, position, self.settings.relay_batch_size, with_data=False
            )
            subscriptions = WebhookStore(connection).subscriptions() if rows else []
        now = self.clock()
        rows = rows[
            : settled(rows, position, now, self.settings.relay_gap_settle_seconds, self.watch)
        ]
        if not rows:
            return 0
        queued = [
            {
                "subscription_id": s.id,
                "event_id": r["event_id"],
                "position": r["position"],
                "type": r["type"],
                "subject": r["subject"],
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for r in rows
            for s in subscriptions
            if int(r["position"]) > s.start_after and matches(s.event_types, r["type"])
        ]
        cursor = int(rows[-1]["position"])
        with writer(self.engine).begin() as connection:
            WebhookStore(connection).add_deliveries(queued)
            self.store.advance(connection, holder, position=cursor, delivered=len(rows), now=now)
        self._position = cursor
        self.watch.forget_below(cursor)
        return len(rows)

    def deliver(self) -> int:
        """Try every due delivery once (in order per subscription and subject)."""
        now = self.clock()
        with self.engine.connect() as connection:
            store = WebhookStore(connection)
            queues = {
                s.id: store.pending_for(s.id, PER_SUBSCRIPTION) for s in store.subscriptions()
            }
            # Only subscriptions with something due now get a turn (and their events read).
            queues = {k: v for k, v in queues.items() if any(d.next_attempt_at <= now for d in v)}
            if not queues:
                return 0
            endpoints = store.endpoints(list(queues))
            due = [d.position for q in queues.values() for d in q if d.next_attempt_at <= now]
            events = outbox_rows(connection, due)
        bodies = {p: encode(envelope(row, self.source)) for p, row in events.items()}

        def serve(subscription_id: str) -> list[tuple[Delivery, DeliveryResult]]:
            url, secret = endpoints[subscription_id]
            held: set[str] = set()
            results: list[tuple[Delivery, DeliveryResult]] = []
            started = time.monotonic()
            for delivery in queues[subscription_id]:
                if time.monotonic() - started > PASS_BUDGET_SECONDS:
                    break
                if delivery.subject in held:
                    continue
                if delivery.next_attempt_at > now:
                    held.add(delivery.subject)  # later ones of this subject wait behind it
                    continue
                request = DeliveryRequest(
                    delivery.id,
                    url,
                    secret,
                    bodies[delivery.position],
                    delivery.event_id,
                    delivery.type,
                    delivery.attempts + 1,
                )
                result = self.sender.send(request)
                results.append((delivery, result))
                if not result.ok:
                    log.info(
                        "webhook_delivery_failed",
                        subscription=subscription_id,
                        delivery=delivery.id,
                        attempt=request.attempt,
                        error=result.error,
                    )
                    break
            return results

        tried = [pair for batch in self._pool.map(serve, list(queues)) for pair in batch]
        if not tried:
            return 0
        settings = self.settings
        with writer(self.engine).begin() as connection:
            WebhookStore(connection).record(
                tried,
                self.clock(),
                settings.webhook_max_attempts,
                lambda attempt: retry_delay(
                    attempt,
                    settings.webhook_backoff_initial_seconds,
                    settings.webhook_backoff_max_seconds,
                ),
            )
        return len(tried)

    def close(self) -> None:
        """Stop the delivery threads and close the HTTP pool."""
        self._pool.shutdown(wait=True)
        self.sender.close()
