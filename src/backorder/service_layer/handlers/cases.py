"""Backorder cases: open them, look at them, carry out what they ask for.

`evaluate_case` is the one step the case workflow repeats: in one transaction it reads
the line's facts, lands on the state they imply, records it, carries out the actions due
(each exactly once, by its key) and says when to look again. Running it twice in a row
changes nothing the second time, which is what makes the workflow safe to replay.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from backorder.adapters.repositories.cases import CaseRecord, ReferenceData, StateChange
from backorder.domain import events
from backorder.domain.cases import (
    ActionKind,
    CaseAction,
    CaseState,
    CaseTimeouts,
    LineFacts,
    evaluate,
)
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import NotFoundError
from backorder.service_layer.handlers.allocation import lock_substitution_groups, partitions
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


class Reach(enum.Enum):
    """What carrying out an action may change besides the records of its own case.

    A batch of evaluations reads the facts of all its cases up front; after an action
    that reaches further than its case, the facts it may have changed are read again.
    """

    CASE = "case"  # its own case's records only (a notice, a task, a pick, a reminder)
    ITEM = "item"  # also supply, allocations and promises of the case's item and of the
    # items linked to it by substitution (a purchase order, a transfer, a reallocation)
    ANY = "any"  # anything: no fact read ahead is trusted afterwards


REACH: dict[ActionKind, Reach] = {}


def executor(
    kind: ActionKind, reach: Reach = Reach.ANY
) -> Callable[[ActionExecutor], ActionExecutor]:
    """Register the function that carries out one kind of case action, and its reach."""

    def register(function: ActionExecutor) -> ActionExecutor:
        EXECUTORS[kind] = function
        REACH[kind] = reach
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
        scope = lock_substitution_groups(uow, set(skus.values()))
        batch = _Batch(uow, ctx, [look.case_id for look in looks], scope)
        try:
            steps = [batch.evaluate(look) for look in looks]
            batch.flush()
        finally:
            batch.close()
        uow.commit()
    return steps


class _Batch:
    """The cases of one `evaluate_cases` call, their facts read together after the locks.

    Facts read ahead stay true until an action reaching beyond its own case runs (see
    `Reach`): the cases it may have touched are then read again, one by one, so each case
    sees what the cases before it did, as if it had been read on its own. A case looked at
    twice in one batch is read again the second time. The states the cases land on are
    written together (`flush`): nothing an action does reads them.
    """

    def __init__(
        self, uow: UnitOfWork, ctx: ServiceContext, case_ids: Sequence[str], scope: list[str]
    ) -> None:
        self.uow, self.ctx = uow, ctx
        self.today = uow.today
        self.timeouts: CaseTimeouts = ctx.operations.case_timeouts()
        # Master data for the facts and the actions of every case in the batch.
        self.scope = scope  # the cases' items and every item linked to them by substitution
        self.reference = ReferenceData(uow.master, scope)
        uow.cases.reference = self.reference
        self.records = uow.cases.get_many(case_ids)
        live = [case for case in self.records.values() if not case.state.terminal]
        self.facts = uow.cases.facts_many(live, self.today, self.reference)
        self.done = uow.cases.done_actions([case.case_id for case in live])
        self.seen: set[str] = set()
        self.stale: set[str] = set()  # items whose facts read ahead may be out of date
        self.all_stale = False
        self._groups: dict[str, list[str]] | None = None  # substitution group of each item
        self._states: list[StateChange] = []  # evaluated, not yet written

    def flush(self) -> None:
        """Write the states evaluated so far."""
        if self._states:
            self.uow.cases.record_states(self._states)
            self._states = []

    def close(self) -> None:
        """Stop sharing the batch's master data with actions."""
        if self.uow.cases.reference is self.reference:
            self.uow.cases.reference = None

    def evaluate(self, look: CaseLook) -> CaseStep:
        uow, cases = self.uow, self.uow.cases
        again = look.case_id in self.seen
        self.seen.add(look.case_id)
        if again:
            self.flush()
        case = cases.get(look.case_id) if again else self.records.get(look.case_id)
        assert case is not None  # checked by the caller, under the same transaction
        if case.state.terminal:
            return CaseStep(case.case_id, case.state, None)
        now = uow.clock.now()
        facts = self.facts.get(case.case_id)
        if again or facts is None or self.all_stale or case.sku in self.stale:
            facts = cases.facts_many([case], self.today, self.reference)[case.case_id]
        outcome = evaluate(facts, case.state, case.opened_at, now, self.timeouts)
        self._states.append(StateChange(case, outcome.state, look.reason, now, outcome.next_check))
        if outcome.state is not case.state:
            uow.record(
                events.CaseStateChanged(
                    case.case_id, case.line_id, case.state.value, outcome.state.value, look.reason
                )
            )
        # Each action once by its key: those done before cost nothing, the new ones are
        # marked in one statement, which also tells which a concurrent look did first.
        done = self.done.setdefault(case.case_id, set())
        due: dict[str, CaseAction] = {}
        for action in outcome.actions:
            if action.key not in done:
                due.setdefault(action.key, action)
        if not due:
            return CaseStep(case.case_id, outcome.state, outcome.next_check)
        done.update(due)
        marked = cases.mark_actions(
            case.case_id, [(key, action.kind.value) for key, action in due.items()], now
        )
        for key, action in due.items():
            if key in marked:
                EXECUTORS[action.kind](uow, self.ctx, case, facts, action)
                self._reached(case, REACH.get(action.kind, Reach.ANY))
        return CaseStep(case.case_id, outcome.state, outcome.next_check)

    def _reached(self, case: CaseRecord, reach: Reach) -> None:
        if reach is Reach.CASE:
            return
        if reach is Reach.ANY:
            self.all_stale = True
            return
        if self._groups is None:
            # The scope is closed under substitution: its links split it into the groups.
            links = self.uow.cases.substitution_links(self.scope)
            self._groups = {
                sku: group for group in partitions(self.scope, links, 1) for sku in group
            }
        self.stale.update(self._groups.get(case.sku, [case.sku]))


# -- executors: what each action does ---------------------------------------------------


@executor(ActionKind.OPEN_TASK, Reach.CASE)
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
    if uow.tasks.exists(cause, task_type):
        return None  # opened once per cause and type
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
        },
        checked=True,
    )
    if task_id is not None:
        uow.record(
            events.TaskOpened(task_id, task_type, kind.team, kind.severity, owner, cause, due)
        )
    return task_id


@executor(ActionKind.NOTIFY_CUSTOMER, Reach.CASE)
def _notify(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    uow.cases.set_fields(case.case_id, notified_promise=facts.promise)
    uow.record(
        events.CustomerNoticeRequested(
            case.case_id, case.line_id, case.customer, str(action.data["kind"]), facts.promise
        )
    )


@executor(ActionKind.REQUEST_REPLENISHMENT, Reach.CASE)
def _replenish(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    uow.record(
        events.ReplenishmentRequested(case.case_id, case.line_id, case.sku, facts.short_quantity)
    )


@executor(ActionKind.RELEASE_TO_WAREHOUSE, Reach.CASE)
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


@executor(ActionKind.REMIND_SUPPLIER, Reach.CASE)
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
