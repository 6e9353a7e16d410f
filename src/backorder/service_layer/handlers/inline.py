"""Working inside a caller's transaction: savepoint contexts, repositories, tasks, wake-ups.

Case actions and approvals carry out other handlers' work (a purchase order, a shipment)
in the same transaction as their own records, so either both happen or neither does. The
handlers open their own unit of work; `inline_context` hands them one whose units of work
are savepoints of the caller's transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, select

from backorder.adapters import orm
from backorder.adapters.repositories.cases import CaseRepository, ReferenceData
from backorder.adapters.repositories.tasks import TaskRepository
from backorder.domain import events
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.shared_transaction import NestedUnitOfWork
from backorder.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork


def inline_context(uow: UnitOfWork, ctx: ServiceContext) -> ServiceContext:
    """A context whose units of work are savepoints inside `uow`'s transaction."""
    outer = uow.outer if isinstance(uow, NestedUnitOfWork) else uow
    if not isinstance(outer, SqlUnitOfWork):
        raise TypeError("work inside a transaction needs a database unit of work")

    def nested() -> UnitOfWork:
        # Locks the caller holds are taken again by the savepoint: a no-op on a held row.
        return NestedUnitOfWork(outer, set())

    return dataclasses.replace(ctx, unit_of_work=nested, reader=nested)


_UNRESOLVED_TASK = select(orm.tasks.c.task_id, orm.tasks.c.case_id, orm.tasks.c.due_at).where(
    orm.tasks.c.cause == bindparam("cause"),
    orm.tasks.c.task_type == bindparam("task_type"),
    orm.tasks.c.status != "resolved",
)


def reference(uow: UnitOfWork) -> ReferenceData:
    """Master data (items, suppliers, lanes) for work inside `uow`.

    While a batch of case evaluations runs, its actions share what the batch read once;
    otherwise each call reads afresh.
    """
    shared = getattr(getattr(uow, "cases", None), "reference", None)
    return shared if isinstance(shared, ReferenceData) else ReferenceData(uow.master)


def connection_of(uow: UnitOfWork) -> Connection:
    """The database connection of a unit of work (top-level or a savepoint)."""
    return uow.supply.connection


def has_database(uow: UnitOfWork) -> bool:
    """True when the unit of work runs on a database (the in-memory fakes do not)."""
    return isinstance(getattr(uow.supply, "connection", None), Connection)


def with_tasks(uow: UnitOfWork) -> UnitOfWork:
    """`uow`, able to open tasks: a savepoint unit (inbound batches) is given the case and
    task repositories a top-level unit has, on the same connection."""
    if getattr(uow, "tasks", None) is None:
        uow.tasks = TaskRepository(connection_of(uow))
    if getattr(uow, "cases", None) is None:
        uow.cases = CaseRepository(connection_of(uow))
    return uow


def wake_cases(uow: UnitOfWork, cases: Sequence[tuple[str, int]], reason: str) -> None:
    """Tell the workflows of these (case id, line id) that something changed for them."""
    for case_id, line_id in cases:
        uow.record(events.CaseChanged(case_id, line_id, reason))


def resolve_task(
    uow: UnitOfWork, *, cause: str, task_type: str, resolution: str, actor: str
) -> int | None:
    """Resolve the unresolved task of this cause and type, if there is one; returns its id."""
    row = (
        connection_of(uow)
        .execute(_UNRESOLVED_TASK, {"cause": cause, "task_type": task_type})
        .first()
    )
    if row is None:
        return None
    unit = with_tasks(uow)
    now = uow.clock.now()
    due = row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=now.tzinfo)
    breached = due <= now
    if not unit.tasks.change(
        row.task_id,
        {"task_type": task_type},
        status="resolved",
        resolved_at=now,
        resolution=resolution,
        breached=breached,
    ):
        return None
    unit.tasks.event(row.task_id, now, actor, "resolved", resolution)
    uow.record(
        events.TaskResolved(row.task_id, task_type, row.case_id, resolution, breached, actor)
    )
    return int(row.task_id)
