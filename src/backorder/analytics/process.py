"""Process intelligence: where backorder cases stall, from their state history.

Over the cases *opened* in the period (and in the scope, through their order line):

- **time in state**: every stay of a case in a state, from the history entry that entered
  it to the next one; median and p90 (nearest rank) and mean hours of the finished stays,
  how many cases are in the state now and the oldest of those stays;
- **SLA breaches**: a stay (finished or still running) longer than the operations
  policy's wait for that state (no acknowledgement, no supply, no answer to a substitute,
  no pick) breaches it; states without such a wait have no SLA here;
- **transitions**: each from-to pair, how often it happened, the median hours spent
  before it, and how many of those stays breached the state's SLA;
- **variants**: the sequence of states a case went through; the most common ones;
- **per team**: tasks of those cases by team and task type: volume, breached, median and
  p90 hours to resolve;
- **per supplier**: stays in the supply states (replenishment requested, supplier
  confirmed, supplier late, in transit) by the item's supplier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Float, and_, case, func, literal, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from backorder.adapters import orm
from backorder.analytics.exceptions import period_bounds
from backorder.analytics.filters import KpiFilter, lines_in_scope
from backorder.analytics.sql import is_sqlite, percentile_query, ratio, seconds_between
from backorder.domain.cases import CaseState, CaseTimeouts

TERMINAL = (CaseState.CLOSED.value, CaseState.CANCELLED.value)
SUPPLY_STATES = (
    CaseState.REPLENISHMENT_REQUESTED.value,
    CaseState.SUPPLIER_CONFIRMED.value,
    CaseState.SUPPLIER_LATE.value,
    CaseState.IN_TRANSIT.value,
)
PATH_SEPARATOR = " > "


def state_slas(timeouts: CaseTimeouts) -> dict[str, float]:
    """Hours a case may stay in a state before it breaches the operations policy's wait."""

    def hours(span: timedelta) -> float:
        return span.total_seconds() / 3600.0

    return {
        CaseState.DETECTED.value: hours(timeouts.unsourced),
        CaseState.AWAITING_SUPPLY.value: hours(timeouts.unsourced),
        CaseState.PARTIALLY_ALLOCATED.value: hours(timeouts.unsourced),
        CaseState.REPLENISHMENT_REQUESTED.value: hours(timeouts.supplier_acknowledgement),
        CaseState.SUBSTITUTION_OFFERED.value: hours(timeouts.substitution_answer),
        CaseState.RELEASED_TO_WAREHOUSE.value: hours(timeouts.pick_confirmation),
    }


@dataclass(frozen=True)
class StateStay:
    """How long cases stay in one state."""

    state: str
    stays: int
    median_hours: float | None
    p90_hours: float | None
    mean_hours: float | None
    open_now: int
    oldest_open_hours: float | None
    sla_hours: float | None
    breaches: int
    breach_rate: float | None


@dataclass(frozen=True)
class Transition:
    """Cases moving from one state to another."""

    from_state: str
    to_state: str
    count: int
    median_hours: float | None
    breaches: int


@dataclass(frozen=True)
class Variant:
    """A path of states and how many cases took it."""

    path: list[str]
    cases: int
    share: float | None


@dataclass(frozen=True)
class TeamStall:
    """Tasks of one team and type on the cases."""

    team: str
    task_type: str
    tasks: int
    breached: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class SupplierStall:
    """Stays of the supplier's items' cases in one supply state."""

    supplier: str
    state: str
    stays: int
    median_hours: float | None
    p90_hours: float | None
    breaches: int


@dataclass(frozen=True)
class ProcessView:
    """Everything the process page shows."""

    where: KpiFilter
    cases: int
    states: list[StateStay]
    transitions: list[Transition]
    variants: list[Variant]
    teams: list[TeamStall]
    suppliers: list[SupplierStall]


def _cases(where: KpiFilter) -> Any:
    cases = orm.backorder_cases
    begin, finish = period_bounds(where)
    conditions = [cases.c.opened_at >= begin, cases.c.opened_at < finish]
    scope = lines_in_scope(where)
    if scope is not None:
        conditions.append(cases.c.line_id.in_(scope))
    return select(cases.c.case_id).where(*conditions)


def _sla_of(state: Any, slas: dict[str, float]) -> Any:
    if not slas:
        return literal(None, Float)
    return case(*((state == name, hours) for name, hours in slas.items()), else_=None)


def stays(connection: Connection, where: KpiFilter, now: datetime, slas: dict[str, float]) -> Any:
    """Each stay of a case in a state: hours (so far, if running), next state, SLA, supplier."""
    history, cases, items = orm.case_history, orm.backorder_cases, orm.items
    order = (history.c.at, history.c.id)
    entered = select(
        history.c.case_id,
        history.c.to_state.label("state"),
        history.c.at.label("entered"),
        func.lead(history.c.at).over(partition_by=history.c.case_id, order_by=order).label("left"),
        func.lead(history.c.to_state)
        .over(partition_by=history.c.case_id, order_by=order)
        .label("next_state"),
    ).where(history.c.case_id.in_(_cases(where)))
    raw = entered.subquery()
    until = func.coalesce(raw.c.left, now)
    hours = seconds_between(connection, until, raw.c.entered) / 3600.0
    sla = _sla_of(raw.c.state, slas)
    return (
        select(
            raw.c.case_id,
            raw.c.state,
            raw.c.next_state,
            hours.label("hours"),
            raw.c.left.is_(None).label("running"),
            sla.label("sla"),
            case((and_(sla.is_not(None), hours > sla), 1), else_=0).label("breach"),
            func.coalesce(items.c.supplier, literal("")).label("supplier"),
        )
        .select_from(raw)
        .join(cases, cases.c.case_id == raw.c.case_id)
        .outerjoin(items, items.c.sku == cases.c.sku)
        .where(raw.c.state.not_in(TERMINAL))
        .subquery()
    )


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def state_stays(
    connection: Connection, where: KpiFilter, now: datetime, slas: dict[str, float]
) -> list[StateStay]:
    """Time in each state, open cases per state and SLA breaches."""
    spans = stays(connection, where, now, slas)
    finished = select(spans.c.state, spans.c.hours).where(spans.c.running.is_(False)).subquery()
    percentiles = {
        r.state: r for r in connection.execute(percentile_query(finished, ["state"], "hours"))
    }
    rows = connection.execute(
        select(
            spans.c.state,
            func.count(),
            func.sum(case((spans.c.running.is_(True), 1), else_=0)),
            func.max(case((spans.c.running.is_(True), spans.c.hours))),
            func.sum(spans.c.breach),
        ).group_by(spans.c.state)
    ).all()
    result = []
    for state, count, running, oldest, breaches in rows:
        finished_row = percentiles.get(state)
        result.append(
            StateStay(
                state=state,
                stays=int(finished_row.n) if finished_row else 0,
                median_hours=_round(finished_row.p50) if finished_row else None,
                p90_hours=_round(finished_row.p90) if finished_row else None,
                mean_hours=_round(finished_row.mean) if finished_row else None,
                open_now=int(running or 0),
                oldest_open_hours=_round(oldest),
                sla_hours=slas.get(state),
                breaches=int(breaches or 0),
                breach_rate=ratio(breaches, count) if state in slas else None,
            )
        )
    result.sort(key=lambda s: -(s.p90_hours or 0.0))
    return result


def transitions(
    connection: Connection, where: KpiFilter, now: datetime, slas: dict[str, float]
) -> list[Transition]:
    """From-to pairs, most frequent first, with the stay before them."""
    spans = stays(connection, where, now, slas)
    moved = (
        select(spans.c.state, spans.c.next_state, spans.c.hours, spans.c.breach)
        .where(spans.c.next_state.is_not(None))
        .subquery()
    )
    medians = {
        (r.state, r.next_state): r
        for r in connection.execute(
            percentile_query(moved, ["state", "next_state"], "hours", (0.5,))
        )
    }
    rows = connection.execute(
        select(moved.c.state, moved.c.next_state, func.count(), func.sum(moved.c.breach))
        .group_by(moved.c.state, moved.c.next_state)
        .order_by(func.count().desc())
    ).all()
    return [
        Transition(
            from_state=a,
            to_state=b,
            count=int(n),
            median_hours=_round(medians[(a, b)].p50) if (a, b) in medians else None,
            breaches=int(late or 0),
        )
        for a, b, n, late in rows
    ]


def variants(
    connection: Connection, where: KpiFilter, limit: int = 10
) -> tuple[int, list[Variant]]:
    """The number of cases and their most common paths of states."""
    history = orm.case_history
    chosen = history.c.case_id.in_(_cases(where))
    if is_sqlite(connection):
        # group_concat follows the order rows arrive in, which the ordered subquery fixes.
        ordered = (
            select(history.c.case_id, history.c.to_state)
            .where(chosen)
            .order_by(history.c.case_id, history.c.at, history.c.id)
            .subquery()
        )
        path = func.group_concat(ordered.c.to_state, PATH_SEPARATOR)
        per_case = select(ordered.c.case_id, path.label("path")).group_by(ordered.c.case_id)
    else:
        path = func.string_agg(
            history.c.to_state,
            aggregate_order_by(literal(PATH_SEPARATOR), history.c.at, history.c.id),
        )
        per_case = (
            select(history.c.case_id, path.label("path")).where(chosen).group_by(history.c.case_id)
        )
    paths = per_case.subquery()
    total = int(connection.execute(select(func.count()).select_from(paths)).scalar_one())
    rows = connection.execute(
        select(paths.c.path, func.count())
        .group_by(paths.c.path)
        .order_by(func.count().desc(), paths.c.path)
        .limit(limit)
    ).all()
    return total, [
        Variant(path=str(p).split(PATH_SEPARATOR), cases=int(n), share=ratio(n, total))
        for p, n in rows
    ]


def team_stalls(connection: Connection, where: KpiFilter, now: datetime) -> list[TeamStall]:
    """Tasks of the cases by team and type: volume, breaches, hours to resolve."""
    tasks = orm.tasks
    of_cases = tasks.c.case_id.in_(_cases(where))
    breached = or_(
        tasks.c.breached.is_(True), and_(tasks.c.status != "resolved", tasks.c.due_at <= now)
    )
    counts = connection.execute(
        select(
            tasks.c.team, tasks.c.task_type, func.count(), func.sum(case((breached, 1), else_=0))
        )
        .where(of_cases)
        .group_by(tasks.c.team, tasks.c.task_type)
    ).all()
    resolved = (
        select(
            tasks.c.team,
            tasks.c.task_type,
            (seconds_between(connection, tasks.c.resolved_at, tasks.c.opened_at) / 3600.0).label(
                "hours"
            ),
        )
        .where(of_cases, tasks.c.resolved_at.is_not(None))
        .subquery()
    )
    spans = {
        (r.team, r.task_type): r
        for r in connection.execute(percentile_query(resolved, ["team", "task_type"], "hours"))
    }
    result = [
        TeamStall(
            team=team,
            task_type=kind,
            tasks=int(n),
            breached=int(late or 0),
            median_hours=_round(spans[(team, kind)].p50) if (team, kind) in spans else None,
            p90_hours=_round(spans[(team, kind)].p90) if (team, kind) in spans else None,
        )
        for team, kind, n, late in counts
    ]
    result.sort(key=lambda t: (-t.breached, t.team, t.task_type))
    return result


def supplier_stalls(
    connection: Connection, where: KpiFilter, now: datetime, slas: dict[str, float]
) -> list[SupplierStall]:
    """Stays in the supply states by the item's supplier, longest p90 first."""
    spans = stays(connection, where, now, slas)
    supply = (
        select(spans.c.supplier, spans.c.state, spans.c.hours, spans.c.breach)
        .where(spans.c.state.in_(SUPPLY_STATES))
        .subquery()
    )
    breaches = {
        (r[0], r[1]): int(r[2] or 0)
        for r in connection.execute(
            select(supply.c.supplier, supply.c.state, func.sum(supply.c.breach)).group_by(
                supply.c.supplier, supply.c.state
            )
        )
    }
    result = [
        SupplierStall(
            supplier=r.supplier,
            state=r.state,
            stays=int(r.n),
            median_hours=_round(r.p50),
            p90_hours=_round(r.p90),
            breaches=breaches.get((r.supplier, r.state), 0),
        )
        for r in connection.execute(percentile_query(supply, ["supplier", "state"], "hours"))
    ]
    result.sort(key=lambda s: (-(s.p90_hours or 0.0), s.supplier, s.state))
    return result


def process_view(
    connection: Connection, where: KpiFilter, now: datetime, timeouts: CaseTimeouts
) -> ProcessView:
    """The whole process picture for the period and scope."""
    slas = state_slas(timeouts)
    total, paths = variants(connection, where)
    return ProcessView(
        where=where,
        cases=total,
        states=state_stays(connection, where, now, slas),
        transitions=transitions(connection, where, now, slas),
        variants=paths,
        teams=team_stalls(connection, where, now),
        suppliers=supplier_stalls(connection, where, now, slas),
    )
