"""The background work of a serving process, started and stopped as one.

`backorder serve` (the API's lifespan) and `backorder worker` both run it: the DBOS
runtime with the case workflows, the case dispatcher that opens and wakes cases from the
outbox, the notifier that writes partial-shipment notices and sends e-mail, the task
escalation that breaches and escalates overdue tasks, the scheduled backorder-risk
scoring of every item x DC (`BACKORDER_RISK_SCORE_INTERVAL_SECONDS`; quiet while no model
is active), and the outbox relay to NATS and webhooks (unless
`BACKORDER_RELAY_ENABLED=false`, for a separate `backorder relay`). Each loop is safe to
run in several processes at once on PostgreSQL: the relay elects one leader per
destination.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from backorder.adapters.outbox.relay import build_relay
from backorder.adapters.outbox.settings import RelaySettings
from backorder.adapters.outbox.tail import hole_watch
from backorder.bootstrap import Application
from backorder.risk.settings import RiskSettings
from backorder.service_layer.handlers.escalation import escalate_overdue
from backorder.service_layer.handlers.risk import risk_service, scheduled_scoring
from backorder.workflows import runtime
from backorder.workflows.dispatcher import Dispatcher
from backorder.workflows.notifier import NotificationWorker

log = structlog.get_logger(__name__)


class PeriodicTask:
    """Calls `work` every `interval` seconds on a daemon thread; logs and survives errors."""

    def __init__(
        self, name: str, work: Callable[[], object], interval: float, first_delay: float = 0.0
    ) -> None:
        self.name, self.work, self.interval = name, work, interval
        self.first_delay = first_delay
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        """Start the loop."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop and wait for it."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        if self.first_delay and self._stop.wait(self.first_delay):
            return
        while not self._stop.is_set():
            try:
                self.work()
            except Exception:
                log.exception("background_task_failed", task=self.name)
            self._stop.wait(self.interval)


class Loop(Protocol):
    """A background thread with a start and a stop."""

    def start(self) -> None:
        """Start the loop."""

    def stop(self) -> None:
        """Stop the loop and wait for it."""


@dataclass
class BackgroundServices:
    """Workflows and loops of one process; `dispatch` opens and wakes cases from events."""

    application: Application
    dispatch: bool = True
    dispatch_interval: float = 0.2
    loops: list[Loop] = field(default_factory=list)

    def start(self) -> None:
        """Launch the workflow runtime (recovering unfinished cases), then the loops."""
        runtime.start(self.application)
        self.start_loops()

    def stop(self) -> None:
        """Stop the loops, then the workflow runtime."""
        self.stop_loops()
        runtime.stop()

    def start_loops(self) -> None:
        """Start the loops only (`start` also launches the workflow runtime)."""
        if self.dispatch:
            self.loops.append(
                Dispatcher(
                    self.application.context,
                    self.dispatch_interval,
                    hole_watch(self.application.engine),
                )
            )
        self.loops.append(NotificationWorker.from_application(self.application))
        # SLA clocks run on business time: breach overdue tasks, escalate them one level.
        context = self.application.context
        self.loops.append(PeriodicTask("task-escalation", lambda: escalate_overdue(context), 1.0))
        # Scoring waits a little after start so that a restart storm does not score at once.
        risk = risk_service(self.application, RiskSettings())
        self.loops.append(
            PeriodicTask(
                "risk-scoring",
                lambda: scheduled_scoring(risk),
                risk.settings.score_interval_seconds,
                first_delay=min(60.0, risk.settings.score_interval_seconds),
            )
        )
        relay_settings = RelaySettings()
        if relay_settings.relay_enabled:
            self.loops.append(build_relay(self.application.engine, relay_settings))
        for loop in self.loops:
            loop.start()
        log.info("background_started", loops=[type(loop).__name__ for loop in self.loops])

    def stop_loops(self) -> None:
        """Stop the loops, newest first."""
        for loop in reversed(self.loops):
            loop.stop()
        self.loops.clear()
