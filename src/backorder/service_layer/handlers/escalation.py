"""SLA breaches and escalation: the scanner the case dispatcher runs on every pass.

A task still open (or claimed) when its deadline passes is marked breached, then climbs
its team's escalation chain one level per missed window: level 1 goes to the first
contact, level 2 to the second, and so on. Whether a level takes the task over
(`reassign`) or only tells the contact (`notify`) and how long each level has
(`repeat_hours`, in the team's business hours) is operations policy. A level is reached
once per task: the move is a conditional update on the level the scanner read, so two
scanners never escalate the same task twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backorder.adapters.repositories.tasks import TaskRecord
from backorder.domain import events
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.unit_of_work import UnitOfWork

ACTOR = "system (SLA scanner)"
BATCH = 500


@dataclass(frozen=True)
class Escalation:
    """One task moved up one level."""

    task_id: int
    level: int
    contact: str
    action: str  # reassign | notify
    due_at: datetime


@dataclass(frozen=True)
class EscalationReport:
    """What one scan did."""

    scanned: int
    breached: tuple[int, ...]
    escalated: tuple[Escalation, ...]


def escalate_overdue(ctx: ServiceContext, limit: int = BATCH) -> EscalationReport:
    """Mark overdue tasks breached and escalate them one level up their team's chain."""
    chains = {name: len(team.escalation) for name, team in ctx.operations.teams.items()}
    breached: list[int] = []
    escalated: list[Escalation] = []
    # The dispatcher calls this on every pass: look first without the write lock.
    with ctx.reader() as reader:
        if not reader.tasks.overdue(reader.clock.now(), chains, 1):
            return EscalationReport(0, (), ())
    with ctx.unit_of_work() as uow:
        now = uow.clock.now()
        overdue = uow.tasks.overdue(now, chains, limit)
        for task in overdue:
            if not task.breached and _breach(uow, task, now):
                breached.append(task.task_id)
            done = _escalate(ctx, uow, task, now)
            if done is not None:
                escalated.append(done)
        uow.commit()
    return EscalationReport(len(overdue), tuple(breached), tuple(escalated))


def _breach(uow: UnitOfWork, task: TaskRecord, now: datetime) -> bool:
    if not uow.tasks.change(task.task_id, when={"breached": False}, breached=True):
        return False  # resolved meanwhile, or another scanner was first
    detail = f"SLA breached: due {task.due_at.isoformat()}, still {task.status}"
    uow.tasks.event(task.task_id, now, ACTOR, "breached", detail)
    uow.platform.audit(
        actor=ACTOR,
        action="task.breached",
        subject=f"task/{task.task_id}",
        before={"breached": False, "due_at": task.due_at.isoformat()},
        after={"breached": True},
        now=now,
    )
    uow.record(
        events.TaskBreached(task.task_id, task.task_type, task.team, task.owner, task.due_at)
    )
    return True


def _escalate(
    ctx: ServiceContext, uow: UnitOfWork, task: TaskRecord, now: datetime
) -> Escalation | None:
    operations = ctx.operations
    team = operations.teams.get(task.team)
    chain = team.escalation if team is not None else ()
    level = task.escalation_level
    if level >= len(chain):
        return None  # top of the chain: the breach stays on record, nobody is left to tell
    contact = chain[level]
    rule = operations.escalation.rule_for(task.team)
    due = operations.escalation_due(task.team, now)
    values: dict[str, object] = {"escalation_level": level + 1, "due_at": due}
    owner = task.owner
    if rule.after_breach == "reassign":
        owner = contact
        values |= {"owner": contact, "status": "open", "claimed_at": None}
    if not uow.tasks.change(task.task_id, when={"escalation_level": level}, **values):
        return None
    verb = "reassigned to" if rule.after_breach == "reassign" else "notified"
    detail = f"level {level + 1}: {verb} {contact}; next level due {due.isoformat()}"
    uow.tasks.event(task.task_id, now, ACTOR, "escalated", detail)
    uow.platform.audit(
        actor=ACTOR,
        action="task.escalated",
        subject=f"task/{task.task_id}",
        before={"escalation_level": level, "owner": task.owner, "due_at": task.due_at.isoformat()},
        after={
            "escalation_level": level + 1,
            "owner": owner,
            "due_at": due.isoformat(),
            "contact": contact,
            "action": rule.after_breach,
        },
        now=now,
    )
    uow.record(
        events.TaskEscalated(
            task.task_id,
            task.task_type,
            task.team,
            level + 1,
            contact,
            rule.after_breach,
            task.owner,
            owner,
            due,
        )
    )
    return Escalation(task.task_id, level + 1, contact, rule.after_breach, due)
