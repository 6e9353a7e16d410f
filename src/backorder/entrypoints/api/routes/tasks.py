"""Exception task routes: the queue, one task, and claim, reassign, comment, resolve.

Acting on a task needs the role of its team (procurement: buyer, warehouse: warehouse,
transportation and master data: planner, customer service: csr, finance: finance) or
admin; everyone may read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from backorder.adapters.repositories.tasks import TaskFilter, TaskRecord
from backorder.entrypoints.api.deps import Anyone, Context, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.schemas.tasks import (
    CommentTask,
    ReassignTask,
    ResolveTask,
    TaskDetailRead,
    TaskEventRead,
    TaskPageRead,
    TaskRead,
)
from backorder.service_layer.access import Caller
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers import tasks
from backorder.service_layer.handlers.tasks import WORKER_ROLES, NotPermittedError

router = APIRouter(tags=["tasks"])
Worker = Annotated[Caller, allowed(WORKER_ROLES)]


@router.get("/tasks", response_model=TaskPageRead)
def list_tasks(
    ctx: Context,
    _: Anyone,
    team: str | None = None,
    owner: str | None = None,
    status: Annotated[str | None, Query(description="open, claimed or resolved")] = None,
    breached: Annotated[
        bool | None, Query(description="Missed the SLA (resolved late or overdue now).")
    ] = None,
    due_before: Annotated[
        datetime | None, Query(description="Deadline before this instant.")
    ] = None,
    type: Annotated[str | None, Query(description="Task type, e.g. supplier_late.")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> TaskPageRead:
    """Exception tasks, filtered, oldest first, cursor-paginated."""
    if due_before is not None and due_before.tzinfo is None:
        due_before = due_before.replace(tzinfo=UTC)
    page = tasks.list_tasks(
        ctx,
        TaskFilter(
            team=team,
            owner=owner,
            status=status,
            breached=breached,
            due_before=due_before,
            task_type=type,
        ),
        cursor,
        limit,
    )
    return TaskPageRead(
        items=[TaskRead.of(t, page.now) for t in page.tasks], next_cursor=page.next_cursor
    )


def _detail(ctx: ServiceContext, task_id: int) -> TaskDetailRead:
    found = tasks.get_task(ctx, task_id)
    return TaskDetailRead(
        **TaskRead.of(found.task, found.now).model_dump(),
        resolutions=list(found.resolutions),
        events=[TaskEventRead.of(e) for e in found.events],
    )


@router.get("/tasks/{task_id}", response_model=TaskDetailRead)
def get_task(task_id: int, ctx: Context, _: Anyone) -> TaskDetailRead:
    """One task with its audit trail and the resolution codes it accepts."""
    return _detail(ctx, task_id)


def _act(
    request: Request,
    ctx: ServiceContext,
    who: Caller,
    body: object,
    task_id: int,
    action: Callable[[], TaskRecord],
) -> JSONResponse:
    def work() -> tuple[int, TaskDetailRead]:
        try:
            action()
        except NotPermittedError as exc:
            raise HTTPException(403, str(exc)) from None
        return 200, _detail(ctx, task_id)

    return run_idempotently(request, ctx, who, body, work)


@router.post("/tasks/{task_id}/claim", response_model=TaskDetailRead)
def claim_task(request: Request, task_id: int, ctx: Context, who: Worker) -> JSONResponse:
    """Take the task on: the caller becomes its owner."""
    return _act(request, ctx, who, None, task_id, lambda: tasks.claim(ctx, task_id, who))


@router.post("/tasks/{task_id}/reassign", response_model=TaskDetailRead)
def reassign_task(
    request: Request, task_id: int, body: ReassignTask, ctx: Context, who: Worker
) -> JSONResponse:
    """Hand the task to a named owner (who then claims it), with a reason."""
    return _act(
        request,
        ctx,
        who,
        body,
        task_id,
        lambda: tasks.reassign(ctx, task_id, body.owner, body.reason, who),
    )


@router.post("/tasks/{task_id}/comment", response_model=TaskDetailRead)
def comment_task(
    request: Request, task_id: int, body: CommentTask, ctx: Context, who: Worker
) -> JSONResponse:
    """Add a comment to the task's trail."""
    return _act(
        request, ctx, who, body, task_id, lambda: tasks.comment(ctx, task_id, body.text, who)
    )


@router.post("/tasks/{task_id}/resolve", response_model=TaskDetailRead)
def resolve_task(
    request: Request, task_id: int, body: ResolveTask, ctx: Context, who: Worker
) -> JSONResponse:
    """Resolve the task with a code its type accepts (see `resolutions` on the task)."""
    return _act(
        request,
        ctx,
        who,
        body,
        task_id,
        lambda: tasks.resolve(ctx, task_id, body.resolution, body.note, who),
    )
