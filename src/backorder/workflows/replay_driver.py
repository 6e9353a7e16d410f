"""Case workflows driven in step with a replayed clock (the demo, tests).

In a replay, business time jumps hours at a time while seconds pass. The workflows still
run as in production (DBOS, the group-committed evaluations), but the replay, not a
background thread, decides when the dispatcher looks at the outbox, and waits until every
case it opened or woke has had its look before the clock moves on: each case then sees
the business time its news arrived at.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import structlog

from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.escalation import escalate_overdue
from backorder.workflows import runtime
from backorder.workflows.dispatcher import BATCH, dispatch_once

log = structlog.get_logger(__name__)

MAX_ROUNDS = 10  # news begets news (a replenishment moves promises): bounded per settle
QUIET_TIMEOUT_SECONDS = 120.0


@dataclass
class ReplayedCases:
    """Opens, wakes and escalates in step with the replay; counts what it did."""

    ctx: ServiceContext
    opened: int = 0
    woken: int = 0
    breached: int = 0
    escalated: int = 0
    rounds_cut_short: int = 0
    stalls: list[str] = field(default_factory=list)

    def settle(self) -> None:
        """Dispatch what happened so far, wait for every look it asked for; escalate."""
        for _ in range(MAX_ROUNDS):
            before = runtime.evaluations().answered
            asked = self._dispatch()
            if not asked:
                break
            self._wait_for(before + asked)
        else:
            self.rounds_cut_short += 1
        report = escalate_overdue(self.ctx)
        self.breached += len(report.breached)
        self.escalated += len(report.escalated)

    def _dispatch(self) -> int:
        asked = 0
        while True:
            result = dispatch_once(self.ctx)
            self.opened += len(result.opened)
            self.woken += len(result.woken)
            asked += len(result.opened) + len(result.woken)
            if result.events < BATCH:
                return asked

    def _wait_for(self, answered: int) -> None:
        evaluations = runtime.evaluations()
        last, since = evaluations.answered, time.monotonic()
        while evaluations.answered < answered:
            if evaluations.answered != last:
                last, since = evaluations.answered, time.monotonic()
            elif time.monotonic() - since > QUIET_TIMEOUT_SECONDS:
                missing = answered - evaluations.answered
                self.stalls.append(f"{missing} case looks never came at {self.ctx.clock.now()}")
                log.warning("replay_cases_stalled", missing=missing)
                return
            time.sleep(0.005)
