"""Schemas of exception tasks: the queue, one task with its trail, and the actions on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backorder.adapters.repositories.tasks import TaskRecord


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TaskRead(BaseModel):
    """An exception task."""

    task_id: int
    case_id: str | None
    cause: str
    task_type: str
    team: str
    severity: str
    status: str = Field(description="open, claimed or resolved")
    owner: str | None
    subject: str
    detail: str
    opened_at: datetime
    due_at: datetime = Field(description="SLA deadline of the current escalation level")
    claimed_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    escalation_level: int
    breached: bool = Field(description="The SLA was missed (or is missed now, unresolved).")
    touches: int = Field(description="Manual actions taken on the task")

    @classmethod
    def of(cls, task: TaskRecord, now: datetime) -> TaskRead:
        """Schema of a stored task as of business time `now`."""
        values = {name: getattr(task, name) for name in cls.model_fields if name != "breached"}
        return cls(**values, breached=task.breached_at(now))


class TaskEventRead(BaseModel):
    """One entry of a task's audit trail."""

    at: datetime
    actor: str
    action: str
    detail: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> TaskEventRead:
        """Schema of a stored trail entry."""
        return cls(at=row["at"], actor=row["actor"], action=row["action"], detail=row["detail"])


class TaskDetailRead(TaskRead):
    """A task with its audit trail and the resolution codes it accepts."""

    resolutions: list[str]
    events: list[TaskEventRead]


class TaskPageRead(BaseModel):
    """A page of tasks."""

    items: list[TaskRead]
    next_cursor: str | None


class ReassignTask(_Model):
    """Who takes the task over, and why."""

    owner: str = Field(min_length=1, max_length=120)
    reason: str = Field(min_length=1, max_length=200)


class CommentTask(_Model):
    """A comment for the task's trail."""

    text: str = Field(min_length=1, max_length=2000)


class ResolveTask(_Model):
    """How the task was resolved: a code its type accepts, and an optional note."""

    resolution: str = Field(min_length=1, max_length=64)
    note: str = Field("", max_length=1000)
