"""Backorder cases: open them, look at them, carry out what they ask for.

`evaluate_case` is the one step the case workflow repeats: in one transaction it reads
the line's facts, lands on the state they imply, records it, carries out the actions due
(each exactly once, by its key) and says when to look again. Running it twice in a row
changes nothing the second time, which is what makes the workflow safe to replay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from backorder.adapters.repositories.cases import CaseRecord
from backorder.domain import events
from backorder.domain.cases import ActionKind, CaseAction, CaseState, LineFacts, evaluate
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import NotFoundError
from backorder.service_layer.handlers.allocation import lock_substitution_groups
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CaseStep:
    """What one evaluation decided: the state, and when (business time) to look again."""

    case_id: str
    state: CaseState
    next_check: datetime | None

    @property
    def terminal(self) -> bool:
        """True when the case is over."""
        return self.state.terminal


ActionExecutor = Callable[[UnitOfWork, ServiceContext, CaseRecord, LineFacts, CaseAction], None]
EXECUTORS: dict[ActionKind, ActionExecutor] = {}


def executor(kind: ActionKind) -> Callable[[ActionExecutor], ActionExecutor]:
    """Register the function that carries out one kind of case action."""

    def register(function: ActionExecutor) -> ActionExecutor:
        EXECUTORS[kind] = function
        return function

    return register


def open_cases(uow: UnitOfWork, lines: Sequence[tuple[int, str, str]]) -> list[str]:
    """Open cases for (line id, sku, customer) that have none, inside the caller's unit."""
    created = uow.cases.open(lines, uow.clock.now())
    by_id = {f"case-{line_id}": (line_id, sku, customer) for line_id, sku, customer in lines}
    for case_id in created:
        line_id, sku, customer = by_id[case_id]
        uow.record(events.CaseOpened(case_id, line_id, sku, customer))
    return created


@dataclass(frozen=True)
class CaseLook:
    """A request to evaluate a case now, and why."""

    case_id: str
    reason: str = "re-evaluated"


def evaluate_case(ctx: ServiceContext, case_id: str, reason: str = "re-evaluated") -> CaseStep:
    """Look at a case now: record its state, carry out due actions, plan the next look."""
    return evaluate_cases(ctx, [CaseLook(case_id, reason)])[0]


def evaluate_cases(ctx: ServiceContext, looks: Sequence[CaseLook]) -> list[CaseStep]:
    """Evaluate cases one after another in one transaction; a step per look, in order.

    The workflows of many cases share one transaction this way (see `group_commit`): a
    surge of thousands of cases costs a few commits, not thousands. The items of every
    case are locked up front, in SKU order, as any other writer locks them.
    """
    # Every feature's executors register on import: a direct call (CLI, tests) then finds
    # the same registry the workflow runtime does.
    from backorder.service_layer.handlers import case_executors  # noqa: F401

    with ctx.unit_of_work() as uow:
        skus = uow.cases.skus_of([look.case_id for look in looks])
        for look in looks:
            if look.case_id not in skus:
                raise NotFoundError(f"case {look.case_id} does not exist")
        lock_substitution_groups(uow, set(skus.values()))
        steps = [_evaluate(uow, ctx, look) for look in looks]
        uow.commit()
    return steps


def _evaluate(uow: UnitOfWork, ctx: ServiceContext, look: CaseLook) -> CaseStep:
    case = uow.cases.get(look.case_id)
    assert case is not None  # checked by the caller, under the same transaction
    if case.state.terminal:
        return CaseStep(case.case_id, case.state, None)
    now = uow.clock.now()
    facts = uow.cases.facts(case, uow.today)
    outcome = evaluate(facts, case.state, case.opened_at, now, ctx.operations.case_timeouts())
    if uow.cases.record_state(
        case, outcome.state, reason=look.reason, now=now, next_check=outcome.next_check
    ):
        uow.record(
            events.CaseStateChanged(
                case.case_id, case.line_id, case.state.value, outcome.state.value, look.reason
            )
        )
    for action in outcome.actions:
        if uow.cases.mark_action(case.case_id, action.key, action.kind.value, now):
            EXECUTORS[action.kind](uow, ctx, case, facts, action)
    return CaseStep(case.case_id, outcome.state, outcome.next_check)


# -- executors: what each action does ---------------------------------------------------


@executor(ActionKind.OPEN_TASK)
def _open_task(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    assert action.task_type is not None
    open_task(
        uow,
        ctx,
        cause=str(action.data.get("cause") or case.case_id),
        case_id=case.case_id,
        task_type=action.task_type,
        subject=f"{action.task_type.replace('_', ' ')}: line {case.line_id} ({case.sku})",
        detail=action.detail,
    )


def open_task(
    uow: UnitOfWork,
    ctx: ServiceContext,
    *,
    cause: str,
    case_id: str | None,
    task_type: str,
    subject: str,
    detail: str,
) -> int | None:
    """Open a task for the policy's team, due by its SLA in business hours (once per cause)."""
    kind = ctx.operations.task_type(task_type)
    team = ctx.operations.teams[kind.team]
    now = uow.clock.now()
    load = uow.tasks.open_count_by_team(kind.team)
    # The least-loaded member gets it; ties go to the first in the policy's list.
    owner = min(team.members, key=lambda m: (load.get(m, 0), team.members.index(m)), default=None)
    due = ctx.operations.due(task_type, now)
    task_id = uow.tasks.open(
        {
            "case_id": case_id,
            "cause": cause,
            "task_type": task_type,
            "team": kind.team,
            "severity": kind.severity,
            "status": "open",
            "owner": owner,
            "subject": subject,
            "detail": detail,
            "opened_at": now,
            "due_at": due,
            "escalation_level": 0,
            "breached": False,
            "touches": 0,
        }
    )
    if task_id is not None:
        uow.record(
            events.TaskOpened(task_id, task_type, kind.team, kind.severity, owner, cause, due)
        )
    return task_id


@executor(ActionKind.NOTIFY_CUSTOMER)
def _notify(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    uow.cases.set_fields(case.case_id, notified_promise=facts.promise)
    uow.record(
        events.CustomerNoticeRequested(
            case.case_id, case.line_id, case.customer, str(action.data["kind"]), facts.promise
        )
    )


@executor(ActionKind.REQUEST_REPLENISHMENT)
def _replenish(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    uow.record(
        events.ReplenishmentRequested(case.case_id, case.line_id, case.sku, facts.short_quantity)
    )


@executor(ActionKind.RELEASE_TO_WAREHOUSE)
def _release(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    uow.cases.set_fields(case.case_id, released_to_warehouse=True)
    late_days = max((uow.today - facts.requested).days, 0)
    uow.record(
        events.PickRequested(
            case.case_id, case.line_id, case.sku, facts.open_quantity, priority=late_days
        )
    )


@executor(ActionKind.REMIND_SUPPLIER)
def _remind(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    uow.record(
        events.SupplierReminderRequested(
            case.case_id,
            str(action.data["source_id"]),
            str(action.data["supplier"]) if action.data.get("supplier") else None,
        )
    )
