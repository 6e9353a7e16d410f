"""Exception KPIs by team: volume, SLA breach rate, time to resolve, manual touches.

Over the tasks *opened* in the period:

- **volume**: tasks opened; of them resolved, and still unresolved now;
- **SLA breach rate**: tasks that breached their SLA (marked breached, or unresolved past
  their deadline now) / tasks opened;
- **time to resolve**: hours from opening to resolution of the resolved ones (median and
  p90 by nearest rank, mean);
- **manual touches per exception**: manual actions people took on the tasks (claim,
  reassign, comment, resolve; the task's `touches`) / tasks opened.

Region, DC, product line and tier narrow tasks through their case's order line; tasks
without a case (e.g. invoice mismatches) are left out of a narrowed view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select

from backorder.adapters import orm
from backorder.analytics.filters import KpiFilter, lines_in_scope
from backorder.analytics.sql import percentile_query, ratio, seconds_between


@dataclass(frozen=True)
class TeamExceptions:
    """One team's exception KPIs for a period."""

    team: str
    opened: int
    resolved: int
    unresolved: int
    breached: int
    breach_rate: float | None
    resolve_median_hours: float | None
    resolve_p90_hours: float | None
    resolve_mean_hours: float | None
    touches: int
    touches_per_exception: float | None


def period_bounds(where: KpiFilter) -> tuple[datetime, datetime]:
    """The period as a half-open range of UTC instants."""
    return (
        datetime.combine(where.start, time.min, tzinfo=UTC),
        datetime.combine(where.end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def task_conditions(where: KpiFilter) -> list[Any]:
    """Tasks opened in the period, in the filter's scope."""
    tasks = orm.tasks
    begin, finish = period_bounds(where)
    conditions: list[Any] = [tasks.c.opened_at >= begin, tasks.c.opened_at < finish]
    scope = lines_in_scope(where)
    if scope is not None:
        cases = orm.backorder_cases
        conditions.append(
            tasks.c.case_id.in_(select(cases.c.case_id).where(cases.c.line_id.in_(scope)))
        )
    return conditions


def exceptions_by_team(
    connection: Connection, where: KpiFilter, now: datetime
) -> list[TeamExceptions]:
    """Exception KPIs per team (teams with tasks opened in the period), most breached first."""
    tasks = orm.tasks
    conditions = task_conditions(where)
    resolved = tasks.c.status == "resolved"
    breached = or_(tasks.c.breached.is_(True), and_(~resolved, tasks.c.due_at <= now))
    counts = connection.execute(
        select(
            tasks.c.team,
            func.count(),
            func.sum(case((resolved, 1), else_=0)),
            func.sum(case((breached, 1), else_=0)),
            func.sum(tasks.c.touches),
        )
        .where(*conditions)
        .group_by(tasks.c.team)
    ).all()
    durations = (
        select(
            tasks.c.team,
            (seconds_between(connection, tasks.c.resolved_at, tasks.c.opened_at) / 3600.0).label(
                "hours"
            ),
        )
        .where(resolved, tasks.c.resolved_at.is_not(None), *conditions)
        .subquery()
    )
    spans = {r.team: r for r in connection.execute(percentile_query(durations, ["team"], "hours"))}
    result = []
    for team, opened, done, late, touches in counts:
        span = spans.get(team)
        result.append(
            TeamExceptions(
                team=team,
                opened=int(opened),
                resolved=int(done or 0),
                unresolved=int(opened) - int(done or 0),
                breached=int(late or 0),
                breach_rate=ratio(late, opened),
                resolve_median_hours=_round(span.p50) if span else None,
                resolve_p90_hours=_round(span.p90) if span else None,
                resolve_mean_hours=_round(span.mean) if span else None,
                touches=int(touches or 0),
                touches_per_exception=ratio(touches, opened),
            )
        )
    result.sort(key=lambda t: (-t.breached, t.team))
    return result


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)
