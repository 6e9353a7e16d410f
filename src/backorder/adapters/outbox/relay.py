"""The relay: one worker per outbox consumer (NATS, webhooks), each led by one process.

Every worker loops: lead (or stand by), run one pass, pause when there was nothing to do,
and back off exponentially (with jitter) after a failure. Run it with `backorder relay`,
or as threads beside the API (`start()`), as many copies as you like: only the leader
of each consumer works, the others wait to take over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

import structlog
from sqlalchemy import Engine

from backorder.adapters.outbox.delivery import WebhookRelay
from backorder.adapters.outbox.leader import Leadership, leadership_for
from backorder.adapters.outbox.nats import NatsPublisher
from backorder.adapters.outbox.publishing import NatsRelay, Publisher, utcnow
from backorder.adapters.outbox.settings import RelaySettings
from backorder.adapters.outbox.store import ConsumerStore, LostLeadershipError
from backorder.adapters.outbox.webhooks import WebhookSender, retry_delay

log = structlog.get_logger(__name__)


class Consumer(Protocol):
    """A pass over the outbox for one destination."""

    name: str
    store: ConsumerStore

    def step(self, holder: str) -> int:
        """One pass; returns how much it did (0: nothing waiting)."""

    def reset(self) -> None:
        """Forget cached state (leadership changed)."""

    def close(self) -> None:
        """Release connections."""


class Worker:
    """Runs one consumer while this process leads it."""

    def __init__(
        self,
        consumer: Consumer,
        leadership: Leadership,
        settings: RelaySettings,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.consumer = consumer
        self.leadership = leadership
        self.settings = settings
        self.clock = clock
        self.failures = 0
        self._leading = False

    @property
    def name(self) -> str:
        """The consumer's name."""
        return self.consumer.name

    def pass_once(self) -> int:
        """Lead if possible and run one pass; raises what the pass raised."""
        leading = self.leadership.acquire()
        if leading != self._leading:
            self.consumer.reset()
            self._leading = leading
        if not leading:
            return 0
        try:
            return self.consumer.step(self.leadership.holder)
        except LostLeadershipError:
            log.warning("relay_lost_lead", consumer=self.name, holder=self.leadership.holder)
            self.leadership.release()
            self.consumer.reset()
            self._leading = False
            return 0

    def attempt(self) -> int | None:
        """One pass whose failure is logged and counted (None) instead of raised."""
        try:
            done = self.pass_once()
        except Exception as error:  # a pass failed: the loop goes on after a pause
            self._failed(error)
            return None
        self.failures = 0
        return done

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set: pause when idle, back off (jittered) after failures."""
        poll = self.settings.relay_poll_seconds
        standby = max(poll, min(self.settings.relay_lease_seconds / 3, 1.0))
        while not stop.is_set():
            done = self.attempt()
            if done is None:
                stop.wait(
                    retry_delay(
                        self.failures,
                        self.settings.relay_backoff_initial_seconds,
                        self.settings.relay_backoff_max_seconds,
                    )
                )
            elif done == 0:
                stop.wait(poll if self._leading else standby)
        self.leadership.release()

    def _failed(self, error: Exception) -> None:
        self.failures += 1
        log.warning(
            "relay_pass_failed", consumer=self.name, failures=self.failures, error=repr(error)
        )
        try:
            self.consumer.store.record_failure(self.leadership.holder, repr(error), self.clock())
        except Exception as also:  # the database may be what failed; the log has it
            log.debug("relay_failure_not_recorded", consumer=self.name, error=repr(also))


class Relay:
    """The workers of one process."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def start(self) -> None:
        """Run every worker on a daemon thread."""
        self._stop.clear()
        for worker in self.workers:
            thread = threading.Thread(
                target=worker.run, args=(self._stop,), name=f"relay-{worker.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        log.info("relay_started", consumers=[w.name for w in self.workers])

    def run(self, stop: threading.Event | None = None) -> None:
        """Run in the foreground until `stop` (or `self.stop()`) is set."""
        self.start()
        (stop or self._stop).wait()
        self.stop()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the workers, give up leadership and close connections."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        if not self._closed:
            self._closed = True
            for worker in self.workers:
                worker.leadership.release()
                worker.consumer.close()

    def drain(self, max_passes: int = 10_000) -> dict[str, int]:
        """Run passes in this thread until no worker has anything left; what each did."""
        totals = {w.name: 0 for w in self.workers}
        for _ in range(max_passes):
            busy = 0
            for worker in self.workers:
                done = worker.pass_once()
                totals[worker.name] += done
                busy += done
            if not busy:
                break
        return totals


def build_relay(
    engine: Engine,
    settings: RelaySettings,
    *,
    publisher: Publisher | None = None,
    sender: WebhookSender | None = None,
    clock: Callable[[], datetime] = utcnow,
    on_published: Callable[[Sequence[int]], None] | None = None,
) -> Relay:
    """A relay for NATS (when a URL or a publisher is given) and for webhooks (always).

    Webhooks are data: a subscription may arrive at any time, so their worker always
    runs; with none it only moves its cursor along the outbox. `on_published` hears the
    outbox positions the broker acknowledged (metrics, benchmarks).
    """
    consumers: list[Consumer] = []
    if publisher is None and settings.nats_url:
        publisher = NatsPublisher(
            settings.nats_url,
            stream=settings.nats_stream,
            duplicate_window_seconds=settings.nats_duplicate_window_seconds,
            ack_timeout_seconds=settings.nats_ack_timeout_seconds,
        )
    if publisher is not None:
        consumers.append(NatsRelay(engine, publisher, settings, clock=clock, on_acked=on_published))
    consumers.append(WebhookRelay(engine, settings, sender=sender, clock=clock))
    workers = [
        Worker(
            c, leadership_for(engine, c.store, settings.relay_lease_seconds), settings, clock=clock
        )
        for c in consumers
    ]
    return Relay(workers)
