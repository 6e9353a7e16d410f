"""Exception tasks, their audit trail, and the queries of the task queue and SLA scanner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Table,
    and_,
    bindparam,
    false,
    func,
    insert,
    not_,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.dialects import postgresql, sqlite

from backorder.adapters import orm

UNRESOLVED = ("open", "claimed")
Statement = TypeVar("Statement", bound=Insert)


def ignoring_duplicates(table: Table) -> dict[str, Insert]:
    """An INSERT per database that inserts nothing where the row's unique key is taken.

    It replaces "insert in a savepoint, roll back on IntegrityError": one statement, and a
    concurrent writer of the same key (it waits for that one to commit) is no error.
    """
    return {
        "sqlite": sqlite.insert(table).on_conflict_do_nothing(),
        "postgresql": postgresql.insert(table).on_conflict_do_nothing(),
    }


def dialect_insert(statements: Mapping[str, Statement], connection: Connection) -> Statement:
    """The statement of `ignoring_duplicates` for the connection's database."""
    return statements[connection.dialect.name]


_tasks = orm.tasks
_TASK_EXISTS = select(_tasks.c.task_id).where(
    _tasks.c.cause == bindparam("cause"), _tasks.c.task_type == bindparam("task_type")
)
_OPEN_TASK = {
    name: statement.returning(_tasks.c.task_id)
    for name, statement in ignoring_duplicates(_tasks).items()
}
_ADD_EVENT = insert(orm.task_events)
_OPEN_BY_OWNER = (
    select(_tasks.c.owner, func.count())
    .where(_tasks.c.team == bindparam("team"), _tasks.c.status != "resolved")
    .group_by(_tasks.c.owner)
)


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands times back without their zone; they are stored as UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TaskRecord:
    """A stored exception task."""

    task_id: int
    case_id: str | None
    cause: str
    task_type: str
    team: str
    severity: str
    status: str
    owner: str | None
    subject: str
    detail: str
    opened_at: datetime
    due_at: datetime
    claimed_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    escalation_level: int
    breached: bool
    touches: int

    @property
    def resolved(self) -> bool:
        """True once the task is resolved."""
        return self.status == "resolved"

    def breached_at(self, now: datetime) -> bool:
        """True when the task missed its SLA: marked so, or unresolved past its deadline."""
        return self.breached or (not self.resolved and self.due_at <= now)


def _record(row: Any) -> TaskRecord:
    values = dict(row._mapping)
    for name in ("opened_at", "due_at", "claimed_at", "resolved_at"):
        values[name] = _utc(values[name])
    values["breached"] = bool(values["breached"])
    return TaskRecord(**values)


@dataclass(frozen=True)
class TaskFilter:
    """What the task queue is filtered on (None: any)."""

    team: str | None = None
    owner: str | None = None
    status: str | None = None
    breached: bool | None = None
    due_before: datetime | None = None
    task_type: str | None = None
    case_id: str | None = None


class TaskRepository:
    """Exception tasks and their audit trail."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def exists(self, cause: str, task_type: str) -> bool:
        """True when a task of this cause and type was ever opened."""
        found = self.connection.execute(_TASK_EXISTS, {"cause": cause, "task_type": task_type})
        return found.first() is not None

    def open(self, row: dict[str, Any], *, checked: bool = False) -> int | None:
        """Open a task unless one exists for the same cause and type; returns its id or None.

        `checked`: the caller just saw (`exists`) that there is none, in this transaction.
        """
        if not checked and self.exists(row["cause"], row["task_type"]):
            return None
        # A concurrent opener of the same cause and type wins: the task exists once.
        result = self.connection.execute(dialect_insert(_OPEN_TASK, self.connection), row)
        task_id = result.scalar_one_or_none()
        if task_id is None:
            return None
        self.event(int(task_id), row["opened_at"], "system", "opened", row.get("detail", ""))
        return int(task_id)

    def event(self, task_id: int, at: datetime, actor: str, action: str, detail: str) -> None:
        """Append to a task's audit trail."""
        self.connection.execute(
            _ADD_EVENT,
            {"task_id": task_id, "at": at, "actor": actor, "action": action, "detail": detail},
        )

    def open_count_by_team(self, team: str) -> dict[str, int]:
        """Open tasks per owner of a team (for assignment)."""
        rows = self.connection.execute(_OPEN_BY_OWNER, {"team": team})
        return {r[0]: int(r[1]) for r in rows if r[0] is not None}

    def get(self, task_id: int, *, for_update: bool = False) -> TaskRecord | None:
        """One task, or None; `for_update` locks its row until the transaction ends."""
        query = select(orm.tasks).where(orm.tasks.c.task_id == task_id)
        if for_update:
            query = query.with_for_update()  # PostgreSQL; SQLite holds the database lock
        row = self.connection.execute(query).first()
        return _record(row) if row is not None else None

    def change(self, task_id: int, when: Mapping[str, Any] | None = None, **values: Any) -> bool:
        """Update a task; with `when`, only an unresolved one whose columns still hold those
        values (two scanners may see the same overdue task: only one acts). True if changed."""
        tasks = orm.tasks
        clauses = [tasks.c.task_id == task_id]
        if when is not None:
            clauses.append(tasks.c.status != "resolved")
            clauses.extend(tasks.c[name] == value for name, value in when.items())
        result = self.connection.execute(sql_update(tasks).where(*clauses).values(**values))
        return bool(result.rowcount)

    def touch(self, task_id: int) -> None:
        """Count one more manual action on the task."""
        tasks = orm.tasks
        self.connection.execute(
            sql_update(tasks).where(tasks.c.task_id == task_id).values(touches=tasks.c.touches + 1)
        )

    def page(
        self, where: TaskFilter, now: datetime, after: int | None, limit: int
    ) -> list[TaskRecord]:
        """Tasks matching the filter by id, a page at a time."""
        tasks = orm.tasks
        clauses: list[ColumnElement[bool]] = []
        for column, value in (
            (tasks.c.team, where.team),
            (tasks.c.owner, where.owner),
            (tasks.c.status, where.status),
            (tasks.c.task_type, where.task_type),
            (tasks.c.case_id, where.case_id),
        ):
            if value is not None:
                clauses.append(column == value)
        if where.due_before is not None:
            clauses.append(tasks.c.due_at < where.due_before)
        if where.breached is not None:
            late = or_(
                tasks.c.breached,
                and_(tasks.c.status.in_(UNRESOLVED), tasks.c.due_at <= now),
            )
            clauses.append(late if where.breached else not_(late))
        if after is not None:
            clauses.append(tasks.c.task_id > after)
        rows = self.connection.execute(
            select(tasks).where(*clauses).order_by(tasks.c.task_id).limit(limit)
        )
        return [_record(r) for r in rows]

    def of_case(self, case_id: str) -> list[TaskRecord]:
        """The tasks of a case, oldest first."""
        rows = self.connection.execute(
            select(orm.tasks).where(orm.tasks.c.case_id == case_id).order_by(orm.tasks.c.task_id)
        )
        return [_record(r) for r in rows]

    def events_of(self, task_id: int) -> list[dict[str, Any]]:
        """A task's audit trail, oldest first."""
        rows = self.connection.execute(
            select(orm.task_events)
            .where(orm.task_events.c.task_id == task_id)
            .order_by(orm.task_events.c.id)
        )
        return [{**r._mapping, "at": _utc(r.at)} for r in rows]

    def overdue(self, now: datetime, chains: Mapping[str, int], limit: int) -> list[TaskRecord]:
        """Unresolved tasks past their deadline with something left to do.

        That is: not yet marked breached, or with escalation levels left in their team's
        chain (`chains`: team -> number of contacts). Tasks at the top of their chain are
        left out so the scanner does not read them again on every pass.
        """
        tasks = orm.tasks
        pending = [
            and_(tasks.c.team == team, tasks.c.escalation_level < levels)
            for team, levels in chains.items()
            if levels > 0
        ]
        rows = self.connection.execute(
            select(tasks)
            .where(
                tasks.c.status.in_(UNRESOLVED),
                tasks.c.due_at <= now,
                or_(tasks.c.breached == false(), *pending),
            )
            .order_by(tasks.c.due_at, tasks.c.task_id)
            .limit(limit)
        )
        return [_record(r) for r in rows]
