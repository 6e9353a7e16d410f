"""Exception triage in the service: the customer-service queue ordered by severity.

Reads the unresolved tasks of a team (customer service by default) with the order line,
customer and contract behind each (through the task's backorder case), counts the
customer's promise slips in the policy window from the promise history, and scores each
task with `domain.triage` (pure). Most severe first; equal severities by SLA deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backorder.adapters.repositories.risk import RiskRepository, TriageRow
from backorder.domain.triage import Severity, TriageFacts, severity
from backorder.risk.policy import RiskPolicy
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.unit_of_work import SqlUnitOfWork

CUSTOMER_SERVICE = "customer_service"


@dataclass(frozen=True)
class TriagedTask:
    """A task, the facts behind it and its severity."""

    row: TriageRow
    facts: TriageFacts
    severity: Severity


@dataclass(frozen=True)
class TriageQueue:
    """The queue as of a moment, most severe first."""

    now: datetime
    tasks: list[TriagedTask]


def triage_queue(
    ctx: ServiceContext,
    policy: RiskPolicy,
    team: str = CUSTOMER_SERVICE,
    limit: int = 100,
    min_severity: float = 0.0,
) -> TriageQueue:
    """Unresolved tasks of `team`, scored and ordered by severity."""
    weights = policy.triage.domain()
    window = policy.triage.slip_window_days
    with ctx.reader() as uow:
        if not isinstance(uow, SqlUnitOfWork):
            raise TypeError("triage needs a database unit of work")
        repository = RiskRepository(uow.connection)
        now, today = uow.clock.now(), uow.today
        rows = repository.customer_tasks(team)
        slips = repository.recent_slips(
            sorted({r.customer for r in rows if r.customer}), now - timedelta(days=window)
        )
    triaged = []
    for row in rows:
        reference = row.promise_date or row.requested_date
        facts = TriageFacts(
            customer=row.customer or "",
            tier=row.tier or "",
            contract=row.contract,
            open_value=row.open_quantity * row.unit_price,
            days_late=max((today - reference).days, 0) if reference else 0,
            recent_slips=slips.get(row.customer or "", 0),
            slip_window_days=window,
        )
        found = severity(facts, weights)
        if found.score >= min_severity:
            triaged.append(TriagedTask(row, facts, found))
    triaged.sort(key=lambda t: (-t.severity.score, t.row.task.due_at, t.row.task.task_id))
    return TriageQueue(now, triaged[:limit])
