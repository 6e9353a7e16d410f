"""Exception tasks people work: the queue, and claim, reassign, comment, resolve.

Each team's tasks are worked by one role (procurement by buyers, customer service by
CSRs, ...); admins may act on any task. Every action runs in one transaction that writes
the task's own trail (`task_events`), the global audit log and an event, and counts as a
manual touch. Resolving a task that belongs to a case wakes the case.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backorder.adapters.repositories.tasks import TaskFilter, TaskRecord
from backorder.domain import events
from backorder.domain.errors import DomainError
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.unit_of_work import UnitOfWork

TEAM_ROLES: dict[str, Role] = {
    "procurement": Role.BUYER,
    "warehouse": Role.WAREHOUSE,
    "transportation": Role.PLANNER,
    "customer_service": Role.CSR,
    "finance": Role.FINANCE,
    "master_data": Role.PLANNER,
}
WORKER_ROLES = frozenset(TEAM_ROLES.values())
STATUSES = ("open", "claimed", "resolved")


class NotPermittedError(DomainError):
    """The caller's role does not work this team's tasks (HTTP 403)."""


def may_work(role: Role, team: str) -> bool:
    """True when `role` may act on tasks of `team`."""
    return role is Role.ADMIN or TEAM_ROLES.get(team) is role


def _encode(task_id: int) -> str:
    return base64.urlsafe_b64encode(f"task:{task_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, _, value = base64.urlsafe_b64decode(padded).decode().partition(":")
        if kind != "task":
            raise ValueError(kind)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("cursor", "not a cursor returned by this API") from None


@dataclass(frozen=True)
class TaskPage:
    """One page of tasks, the business time it was read at, and the next page's cursor."""

    tasks: list[TaskRecord]
    now: datetime
    next_cursor: str | None


def list_tasks(ctx: ServiceContext, where: TaskFilter, cursor: str | None, limit: int) -> TaskPage:
    """Tasks matching the filter, oldest id first, a page at a time."""
    if where.status is not None and where.status not in STATUSES:
        raise InvalidInputError("status", f"must be one of {', '.join(STATUSES)}")
    if where.team is not None and where.team not in TEAM_ROLES:
        raise InvalidInputError("team", f"must be one of {', '.join(TEAM_ROLES)}")
    after = _decode(cursor) if cursor else None
    with ctx.reader() as uow:
        now = uow.clock.now()
        rows = uow.tasks.page(where, now, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return TaskPage(rows, now, _encode(rows[-1].task_id) if more and rows else None)


@dataclass(frozen=True)
class TaskDetail:
    """A task, its audit trail and the resolution codes it accepts."""

    task: TaskRecord
    events: list[dict[str, Any]]
    resolutions: tuple[str, ...]
    now: datetime


def get_task(ctx: ServiceContext, task_id: int) -> TaskDetail:
    """One task with its audit trail."""
    with ctx.reader() as uow:
        task = uow.tasks.get(task_id)
        if task is None:
            raise NotFoundError(f"task {task_id} does not exist")
        trail = uow.tasks.events_of(task_id)
        now = uow.clock.now()
    return TaskDetail(task, trail, ctx.operations.resolutions(task.task_type), now)


def _snapshot(task: TaskRecord) -> dict[str, Any]:
    return {
        "status": task.status,
        "owner": task.owner,
        "resolution": task.resolution,
        "escalation_level": task.escalation_level,
    }


Work = Callable[[UnitOfWork, TaskRecord, datetime], tuple[str, str, events.Event] | None]


def _act(ctx: ServiceContext, task_id: int, caller: Caller, work: Work) -> TaskRecord:
    """Run one manual action on a task: role check, change, trail, audit, touch, event."""
    with ctx.unit_of_work() as uow:
        task = uow.tasks.get(task_id, for_update=True)
        if task is None:
            raise NotFoundError(f"task {task_id} does not exist")
        if not may_work(caller.role, task.team):
            raise NotPermittedError(
                f"role {caller.role.value} may not work {task.team} tasks; "
                f"allowed: {TEAM_ROLES[task.team].value if task.team in TEAM_ROLES else '-'}"
                ", admin"
            )
        now = uow.clock.now()
        done = work(uow, task, now)
        if done is None:  # nothing changed (e.g. claiming one's own task again)
            return task
        action, detail, event = done
        uow.tasks.touch(task_id)
        uow.tasks.event(task_id, now, caller.actor, action, detail)
        after = uow.tasks.get(task_id)
        assert after is not None
        uow.platform.audit(
            actor=caller.actor,
            action=f"task.{action}",
            subject=f"task/{task_id}",
            before=_snapshot(task),
            after=_snapshot(after) | {"detail": detail},
            now=now,
        )
        uow.record(event)
        uow.commit()
    return after


def _unresolved(task: TaskRecord) -> None:
    if task.resolved:
        raise ConflictError(f"task {task.task_id} is resolved ({task.resolution})")


def claim(ctx: ServiceContext, task_id: int, caller: Caller) -> TaskRecord:
    """The caller takes the task on and becomes its owner."""

    def work(
        uow: UnitOfWork, task: TaskRecord, now: datetime
    ) -> tuple[str, str, events.Event] | None:
        _unresolved(task)
        if task.status == "claimed":
            if task.owner == caller.name:
                return None
            raise ConflictError(
                f"task {task_id} is claimed by {task.owner}; reassign it to take it over"
            )
        uow.tasks.change(task_id, status="claimed", owner=caller.name, claimed_at=now)
        event = events.TaskClaimed(task_id, caller.name, task.owner, caller.actor)
        return "claimed", f"claimed by {caller.name}", event

    return _act(ctx, task_id, caller, work)


def reassign(
    ctx: ServiceContext, task_id: int, owner: str, reason: str, caller: Caller
) -> TaskRecord:
    """Hand the task to a named owner, who has to claim it; the reason is kept."""
    owner, reason = owner.strip(), reason.strip()
    if not owner:
        raise InvalidInputError("owner", "must not be empty")
    if not reason:
        raise InvalidInputError("reason", "must not be empty")

    def work(uow: UnitOfWork, task: TaskRecord, now: datetime) -> tuple[str, str, events.Event]:
        _unresolved(task)
        if task.owner == owner:
            raise InvalidInputError("owner", f"task {task_id} already belongs to {owner}")
        uow.tasks.change(task_id, status="open", owner=owner, claimed_at=None)
        event = events.TaskReassigned(task_id, task.owner, owner, reason, caller.actor)
        return "reassigned", f"from {task.owner or 'nobody'} to {owner}: {reason}", event

    return _act(ctx, task_id, caller, work)


def comment(ctx: ServiceContext, task_id: int, text: str, caller: Caller) -> TaskRecord:
    """Add a comment to the task's trail (resolved tasks too)."""
    text = text.strip()
    if not text:
        raise InvalidInputError("text", "must not be empty")

    def work(uow: UnitOfWork, task: TaskRecord, now: datetime) -> tuple[str, str, events.Event]:
        return "commented", text, events.TaskCommented(task_id, caller.actor, text)

    return _act(ctx, task_id, caller, work)


def resolve(
    ctx: ServiceContext, task_id: int, resolution: str, note: str, caller: Caller
) -> TaskRecord:
    """Close the task with a resolution code its type accepts; its case is woken."""

    def work(uow: UnitOfWork, task: TaskRecord, now: datetime) -> tuple[str, str, events.Event]:
        _unresolved(task)
        allowed = ctx.operations.resolutions(task.task_type)
        if resolution not in allowed:
            raise InvalidInputError(
                "resolution",
                f"{resolution!r} is not a resolution of {task.task_type} tasks; "
                f"use one of {', '.join(allowed)}",
            )
        # Resolved after the deadline counts as a breach even if no scan saw it.
        breached = task.breached_at(now)
        uow.tasks.change(
            task_id, status="resolved", resolution=resolution, resolved_at=now, breached=breached
        )
        if task.case_id is not None:
            case = uow.cases.get(task.case_id)
            if case is not None:
                uow.record(
                    events.CaseChanged(
                        case.case_id, case.line_id, f"task {task_id} resolved ({resolution})"
                    )
                )
        detail = f"{resolution}: {note.strip()}" if note.strip() else resolution
        event = events.TaskResolved(
            task_id, task.task_type, task.case_id, resolution, breached, caller.actor
        )
        return "resolved", detail, event

    return _act(ctx, task_id, caller, work)
