"""Prometheus metrics of the orchestration: where open cases stand, and the task queues.

Read at each scrape with three grouped queries, so an alert can fire on what stalls: cases
piling up in one state, cases whose scheduled look at themselves is long overdue (their
workflow is not running), and tasks past their SLA per team.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from backorder.adapters import orm
from backorder.domain.cases import CaseState

CLOSED_STATES = tuple(state.value for state in CaseState if state.terminal)
# A check this late is not a busy worker but a case nobody drives.
CHECK_GRACE = timedelta(minutes=5)


class OrchestrationCollector(Collector):
    """Open cases by state, cases overdue for their check, open and overdue tasks by team."""

    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now

    def describe(self) -> list[Any]:
        """Nothing up front: registering must not query the database."""
        return []

    def collect(self) -> Iterator[Any]:
        """The gauges, as the database holds them now."""
        now = self.now()
        cases, tasks = orm.backorder_cases, orm.tasks
        open_case = cases.c.state.not_in(CLOSED_STATES)
        open_task = tasks.c.status != "resolved"
        with self.engine.connect() as connection:
            by_state = connection.execute(
                select(cases.c.state, func.count()).where(open_case).group_by(cases.c.state)
            ).all()
            late_checks = connection.execute(
                select(func.count()).where(open_case, cases.c.next_check_at < now - CHECK_GRACE)
            ).scalar_one()
            by_team = connection.execute(
                select(
                    tasks.c.team,
                    func.count(),
                    func.count().filter((tasks.c.due_at < now) | tasks.c.breached),
                )
                .where(open_task)
                .group_by(tasks.c.team)
            ).all()
        states = GaugeMetricFamily(
            "backorder_cases_open", "Open backorder cases by state.", labels=["state"]
        )
        counted = {str(state): int(count) for state, count in by_state}
        for state in CaseState:
            if not state.terminal:
                states.add_metric([state.value], counted.get(state.value, 0))
        yield states
        yield GaugeMetricFamily(
            "backorder_case_checks_overdue",
            f"Open cases whose scheduled check is more than {CHECK_GRACE} overdue.",
            value=int(late_checks),
        )
        queued = GaugeMetricFamily(
            "backorder_tasks_open", "Unresolved tasks by team.", labels=["team"]
        )
        overdue = GaugeMetricFamily(
            "backorder_tasks_overdue",
            "Unresolved tasks past their SLA deadline (or marked breached) by team.",
            labels=["team"],
        )
        for team, count, late in by_team:
            queued.add_metric([str(team)], int(count))
            overdue.add_metric([str(team)], int(late))
        yield queued
        yield overdue
