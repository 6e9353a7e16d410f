"""Read models behind the dashboard's lists: backorders, one line's story, task queues.

Every list is filtered, sorted and paginated in SQL; a page brings back at most one page
of rows. These are reads only: claiming and resolving tasks goes through the task
handlers (`service_layer.handlers.tasks`), which check roles and write the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, or_, select

from backorder.adapters import orm
from backorder.analytics.backlog import open_backorders
from backorder.analytics.filters import KpiFilter, line_conditions
from backorder.analytics.sql import materialized, ratio

PAGE_SIZE = 50
_VALUE = orm.order_lines.c.backordered_quantity * orm.order_lines.c.unit_price
SORTS: dict[str, Any] = {
    "age": orm.order_lines.c.backordered_since,
    "value": _VALUE,
    "units": orm.order_lines.c.backordered_quantity,
    "requested": orm.order_lines.c.requested_date,
    "promise": orm.order_lines.c.promise_date,
    "customer": orm.order_lines.c.customer,
    "sku": orm.order_lines.c.sku,
    "line": orm.order_lines.c.line_id,
}


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # SQLite keeps UTC without its zone


@dataclass(frozen=True)
class BackorderQuery:
    """What the backorder table shows: scope, a few line filters, the order and the page."""

    scope: KpiFilter
    sku: str | None = None
    customer: str | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None
    sort: str = "age"
    descending: bool = False
    page: int = 1
    size: int = PAGE_SIZE


@dataclass(frozen=True)
class BackorderRow:
    """One backordered open line as the table shows it."""

    line_id: int
    order_id: str
    customer: str
    tier: str | None
    region: str | None
    sku: str
    item_group: str | None
    quantity: int
    backordered: int
    value: float
    requested_date: date
    promise_date: date | None
    backordered_since: date | None
    age_days: int | None
    status: str
    case_state: str | None


@dataclass(frozen=True)
class BackorderTable:
    """A page of backorders and how many there are in all."""

    rows: list[BackorderRow]
    total: int
    page: int
    pages: int
    query: BackorderQuery


def backorder_table(connection: Connection, today: date, query: BackorderQuery) -> BackorderTable:
    """Backordered open lines matching the query, one page, sorted in the database."""
    lines, customers, items, cases = (
        orm.order_lines,
        orm.customers,
        orm.items,
        orm.backorder_cases,
    )
    conditions = [open_backorders(connection), lines.c.backordered_quantity > 0]
    conditions += line_conditions(query.scope)
    if query.sku:
        conditions.append(lines.c.sku == query.sku)
    if query.customer:
        conditions.append(lines.c.customer == query.customer)
    if query.min_age_days is not None:
        conditions.append(lines.c.backordered_since <= today - timedelta(query.min_age_days))
    if query.max_age_days is not None:
        conditions.append(lines.c.backordered_since >= today - timedelta(query.max_age_days))
    total = int(
        connection.execute(select(func.count()).select_from(lines).where(*conditions)).scalar_one()
    )
    size = max(1, min(query.size, 500))
    pages = max(1, -(-total // size))
    page = min(max(query.page, 1), pages)
    column = SORTS.get(query.sort, SORTS["age"])
    # Age sorts oldest first: an earlier backorder date is a greater age.
    ascending = (not query.descending) if query.sort != "age" else query.descending
    order = [column.asc() if ascending else column.desc(), lines.c.line_id]
    rows = connection.execute(
        select(
            lines,
            customers.c.tier,
            customers.c.region,
            items.c.item_group,
            cases.c.state.label("case_state"),
        )
        .select_from(lines)
        .outerjoin(customers, customers.c.code == lines.c.customer)
        .outerjoin(items, items.c.sku == lines.c.sku)
        .outerjoin(cases, cases.c.line_id == lines.c.line_id)
        .where(*conditions)
        .order_by(*order)
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    return BackorderTable(
        rows=[
            BackorderRow(
                line_id=int(r.line_id),
                order_id=r.order_id,
                customer=r.customer,
                tier=r.tier,
                region=r.region,
                sku=r.sku,
                item_group=r.item_group,
                quantity=int(r.quantity),
                backordered=int(r.backordered_quantity),
                value=round(float(r.backordered_quantity * r.unit_price), 2),
                requested_date=r.requested_date,
                promise_date=r.promise_date,
                backordered_since=r.backordered_since,
                age_days=(today - r.backordered_since).days if r.backordered_since else None,
                status=r.status,
                case_state=r.case_state,
            )
            for r in rows
        ],
        total=total,
        page=page,
        pages=pages,
        query=query,
    )


@dataclass(frozen=True)
class FilterOptions:
    """The values the scope filters can take (for the dashboard's select boxes)."""

    regions: list[str]
    locations: list[str]
    product_lines: list[str]
    item_groups: list[str]
    tiers: list[str]


def filter_options(connection: Connection) -> FilterOptions:
    """Distinct regions, DCs, product lines, item groups and tiers of the master data."""

    def distinct(column: Any) -> list[str]:
        found = connection.execute(select(column).distinct().order_by(column)).scalars()
        return [v for v in found if v]

    return FilterOptions(
        regions=sorted(
            set(distinct(orm.customers.c.region)) | set(distinct(orm.locations.c.region))
        ),
        locations=distinct(orm.locations.c.code),
        product_lines=distinct(orm.items.c.product_line),
        item_groups=distinct(orm.items.c.item_group),
        tiers=distinct(orm.customers.c.tier),
    )


@dataclass(frozen=True)
class QueuedTask:
    """An unresolved task with its SLA clock."""

    task_id: int
    case_id: str | None
    line_id: int | None
    task_type: str
    team: str
    severity: str
    status: str
    owner: str | None
    subject: str
    opened_at: datetime
    due_at: datetime
    escalation_level: int
    breached: bool
    seconds_left: float  # negative: past the deadline


@dataclass(frozen=True)
class TeamQueue:
    """One team's unresolved tasks: counts and the most urgent ones."""

    team: str
    open: int
    claimed: int
    breached: int
    tasks: list[QueuedTask] = field(default_factory=list)

    @property
    def breach_share(self) -> float | None:
        """Share of the unresolved tasks past their SLA."""
        return ratio(self.breached, self.open + self.claimed)


def task_queues(
    connection: Connection, now: datetime, team: str | None = None, limit: int = 100
) -> list[TeamQueue]:
    """Unresolved tasks per team, most urgent (earliest deadline) first."""
    tasks, cases = orm.tasks, orm.backorder_cases
    unresolved = tasks.c.status != "resolved"
    late = or_(tasks.c.breached.is_(True), tasks.c.due_at <= now)
    counts = connection.execute(
        select(
            tasks.c.team,
            func.sum(case((tasks.c.status == "open", 1), else_=0)),
            func.sum(case((tasks.c.status == "claimed", 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
        )
        .where(unresolved)
        .group_by(tasks.c.team)
        .order_by(tasks.c.team)
    ).all()
    query = (
        select(tasks, cases.c.line_id)
        .outerjoin(cases, cases.c.case_id == tasks.c.case_id)
        .where(unresolved)
        .order_by(tasks.c.due_at, tasks.c.task_id)
        .limit(limit)
    )
    if team is not None:
        query = query.where(tasks.c.team == team)
    queued: dict[str, list[QueuedTask]] = {}
    for r in connection.execute(query):
        due = _utc(r.due_at)
        assert due is not None
        queued.setdefault(r.team, []).append(
            QueuedTask(
                task_id=int(r.task_id),
                case_id=r.case_id,
                line_id=int(r.line_id) if r.line_id is not None else None,
                task_type=r.task_type,
                team=r.team,
                severity=r.severity,
                status=r.status,
                owner=r.owner,
                subject=r.subject,
                opened_at=_utc(r.opened_at) or due,
                due_at=due,
                escalation_level=int(r.escalation_level),
                breached=bool(r.breached) or due <= now,
                seconds_left=(due - now).total_seconds(),
            )
        )
    return [
        TeamQueue(
            team=name,
            open=int(o or 0),
            claimed=int(c or 0),
            breached=int(b or 0),
            tasks=queued.get(name, []),
        )
        for name, o, c, b in counts
        if team is None or name == team
    ]


@dataclass(frozen=True)
class LineStory:
    """What happened to one order line, for its detail page (oldest first)."""

    shipments: list[dict[str, Any]]
    promises: list[dict[str, Any]]
    case: dict[str, Any] | None
    case_history: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    revenue_shifts: list[dict[str, Any]]


def _dicts(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [
        {k: _utc(v) if isinstance(v, datetime) else v for k, v in r._mapping.items()}
        for r in connection.execute(query)
    ]


def line_story(connection: Connection, line_id: int) -> LineStory:
    """The line's shipments, promises, case and its history, tasks and notices."""
    shipments, history, cases = orm.shipments, orm.promise_history, orm.backorder_cases
    found = _dicts(
        connection,
        select(
            cases.c.case_id,
            cases.c.state,
            cases.c.opened_at,
            cases.c.closed_at,
            cases.c.on_hold,
            cases.c.hold_reason,
        ).where(cases.c.line_id == line_id),
    )
    case_row = found[0] if found else None
    case_id = case_row["case_id"] if case_row else None
    trail: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    if case_id is not None:
        trail = _dicts(
            connection,
            select(orm.case_history)
            .where(orm.case_history.c.case_id == case_id)
            .order_by(orm.case_history.c.at, orm.case_history.c.id),
        )
        t = orm.tasks
        tasks = _dicts(
            connection,
            select(
                t.c.task_id,
                t.c.task_type,
                t.c.team,
                t.c.status,
                t.c.owner,
                t.c.due_at,
                t.c.resolution,
                t.c.breached,
            )
            .where(t.c.case_id == case_id)
            .order_by(t.c.task_id),
        )
    notices = orm.notifications
    return LineStory(
        shipments=_dicts(
            connection,
            select(shipments).where(shipments.c.line_id == line_id).order_by(shipments.c.id),
        ),
        promises=_dicts(
            connection,
            select(history).where(history.c.line_id == line_id).order_by(history.c.id),
        ),
        case=case_row,
        case_history=trail,
        tasks=tasks,
        notifications=_dicts(
            connection,
            select(
                notices.c.notification_id,
                notices.c.kind,
                notices.c.channel,
                notices.c.recipient,
                notices.c.subject,
                notices.c.status,
                notices.c.created_at,
                notices.c.sent_at,
                notices.c.new_promise,
            )
            .where(notices.c.line_id == line_id)
            .order_by(notices.c.notification_id),
        ),
        revenue_shifts=_dicts(
            connection,
            select(orm.revenue_shifts)
            .where(orm.revenue_shifts.c.line_id == line_id)
            .order_by(orm.revenue_shifts.c.id),
        ),
    )


@dataclass(frozen=True)
class ItemAtRisk:
    """An item with open demand due soon that supply does not cover in time."""

    sku: str
    description: str
    supplier: str | None
    lines: int
    units: int
    value: float
    first_due: date
    next_receipt: date | None
    reason: str


def items_at_risk(
    connection: Connection,
    today: date,
    horizon_days: int,
    where: KpiFilter | None = None,
    limit: int = 25,
) -> list[ItemAtRisk]:
    """Items whose lines due in the next days are short, most value first, with the reason."""
    lines, items, pol = orm.order_lines, orm.items, orm.purchase_order_lines
    short_items = (
        select(
            lines.c.sku,
            func.count().label("lines"),
            func.sum(lines.c.backordered_quantity).label("units"),
            func.sum(lines.c.backordered_quantity * lines.c.unit_price).label("value"),
            func.min(lines.c.requested_date).label("first_due"),
        )
        .where(
            open_backorders(connection),
            lines.c.backordered_quantity > 0,
            lines.c.requested_date >= today,
            lines.c.requested_date < today + timedelta(days=horizon_days),
            *(line_conditions(where) if where else ()),
        )
        .group_by(lines.c.sku)
        .order_by(func.sum(lines.c.backordered_quantity * lines.c.unit_price).desc())
        .limit(limit)
    )
    short = materialized(short_items, "short_items", connection)
    arriving = func.coalesce(pol.c.confirmed_date, pol.c.expected_date)
    receipts = (
        select(pol.c.sku, func.min(arriving).label("next_receipt"))
        .where(
            pol.c.sku.in_(select(short.c.sku)),
            pol.c.received_quantity < pol.c.quantity,
            pol.c.confirmation != "rejected",
        )
        .group_by(pol.c.sku)
        .subquery()
    )
    rows = connection.execute(
        select(short, items.c.description, items.c.supplier, receipts.c.next_receipt)
        .outerjoin(items, items.c.sku == short.c.sku)
        .outerjoin(receipts, receipts.c.sku == short.c.sku)
        .order_by(short.c.value.desc(), short.c.sku)
    ).all()
    found = []
    for r in rows:
        if r.next_receipt is None:
            reason = "no open purchase order for it"
        elif r.next_receipt > r.first_due:
            reason = f"the next receipt is due {r.next_receipt.isoformat()}, after the demand"
        else:
            reason = "the receipts due in time are held by higher-ranked lines"
        found.append(
            ItemAtRisk(
                sku=r.sku,
                description=r.description or "",
                supplier=r.supplier,
                lines=int(r.lines),
                units=int(r.units or 0),
                value=round(float(r.value or 0), 2),
                first_due=r.first_due,
                next_receipt=r.next_receipt,
                reason=f"{int(r.units or 0)} units due from {r.first_due.isoformat()} are not "
                f"covered: {reason}",
            )
        )
    return found


@dataclass(frozen=True)
class RiskScore:
    """The risk model's latest score of an item at a DC, with its reasons."""

    sku: str
    location: str
    description: str
    supplier: str | None
    probability: float
    reasons: list[str]
    model_version: str
    scored_at: datetime | None


def risk_scores(
    connection: Connection, where: KpiFilter | None = None, limit: int = 25
) -> list[RiskScore]:
    """The highest backorder-risk scores the risk model stored (none before a scoring run)."""
    table = getattr(orm, "risk_scores", None)
    if table is None:  # a schema without the risk model's table
        return []
    items = orm.items
    query = (
        select(table, items.c.description, items.c.supplier)
        .outerjoin(items, items.c.sku == table.c.sku)
        .order_by(table.c.probability.desc(), table.c.sku, table.c.location)
        .limit(limit)
    )
    if where is not None:
        if where.location:
            query = query.where(table.c.location == where.location)
        if where.product_line or where.item_group:
            query = query.where(
                *([items.c.product_line == where.product_line] if where.product_line else []),
                *([items.c.item_group == where.item_group] if where.item_group else []),
            )
    return [
        RiskScore(
            sku=r.sku,
            location=r.location,
            description=r.description or "",
            supplier=r.supplier,
            probability=float(r.probability),
            reasons=[str(reason) for reason in (r.reasons or [])]
            if isinstance(r.reasons, list)
            else [str(r.reasons)],
            model_version=r.model_version,
            scored_at=_utc(r.scored_at),
        )
        for r in connection.execute(query)
    ]
