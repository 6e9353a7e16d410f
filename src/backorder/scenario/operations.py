"""The people and partners around the service, simulated for the demo with workflows on.

The reference world knows nothing of what the service itself sets in motion: purchase
orders it raises from suggestions, transfers between DCs, pick requests, tasks. Here a
simple, seeded cast answers them through the same handlers the API uses:

- suppliers acknowledge the service's purchase orders a day or two later (unreliable ones
  late and often with a slip) and deliver on the date they gave; transfers arrive when
  the lane says;
- the warehouse picks what it was asked to (now and then a unit short);
- each team works its task queue twice a day in due order, up to a daily capacity, so a
  busy day leaves tasks to breach their SLA and escalate: buyers approve purchase
  suggestions (or turn down the largest), transportation approves cheap expedites and
  refuses dear ones, the others resolve with a plausible code after a look.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from backorder.adapters import orm
from backorder.adapters.repositories.tasks import TaskFilter, TaskRecord
from backorder.domain.errors import DomainError
from backorder.domain.model import ConfirmationState
from backorder.service_layer.access import Caller
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers import expedite, purchasing, suggestions, tasks, warehouse
from backorder.service_layer.handlers.inline import connection_of

# Tasks a team gets through in a day (two sessions): enough for a normal day, not for
# the surge, which is the point.
DAILY_CAPACITY = {
    "procurement": 60,
    "customer_service": 80,
    "warehouse": 60,
    "transportation": 30,
    "finance": 20,
    "master_data": 20,
}
SHORT_PICK_RATE = 0.01
EXPEDITE_COST_LIMIT = 500.0  # transportation turns down dearer proposals
RESOLUTION = {
    "supplier_late": "supplier_confirmed",
    "supplier_acknowledgement_overdue": "supplier_confirmed",
    "unsourced_shortage": "fixed",
    "promise_at_risk": "customer_informed",
    "substitution_unanswered": "customer_unreachable",
    "short_pick": "fixed",
    "pick_overdue": "fixed",
    "invoice_mismatch": "fixed",
    "master_data_gap": "fixed",
    "backorder_risk": "no_action_needed",
}


@dataclass(frozen=True)
class _OpenLine:
    po_number: str
    line_number: int
    open: int
    expected: date
    confirmed: date | None
    confirmation: str
    supplier: str
    created: date


@dataclass
class OperationsLog:
    """What the simulated people and partners did."""

    acknowledgements: int = 0
    receipts: int = 0
    picks: int = 0
    short_picks: int = 0
    tasks_resolved: int = 0
    suggestions_approved: int = 0
    suggestions_rejected: int = 0
    expedites_approved: int = 0
    expedites_rejected: int = 0
    left_in_queue: dict[str, int] = field(default_factory=dict)


class SimulatedOperations:
    """Suppliers of the service's own orders, the warehouse and the task-working teams."""

    def __init__(
        self, ctx: ServiceContext, unreliable_suppliers: Iterable[str], seed: int = 7
    ) -> None:
        self.ctx = ctx
        self.unreliable = set(unreliable_suppliers)
        self.random = random.Random(seed)
        self.log = OperationsLog()
        self._worked_today: dict[str, int] = {}

    def start_day(self) -> None:
        """A new day: every team's capacity is fresh."""
        self._worked_today = dict.fromkeys(DAILY_CAPACITY, 0)

    # -- partners ------------------------------------------------------------------------

    def suppliers_and_transfers(self, today: date) -> None:
        """Acknowledge the service's new purchase orders; receive what is due today."""
        confirmations, receipts = [], []
        for line in self._service_po_lines():
            if line.confirmation == ConfirmationState.UNCONFIRMED.value:
                if line.created + timedelta(days=self._ack_days(line.supplier)) <= today:
                    confirmations.append(
                        purchasing.LineConfirmation(
                            line.po_number,
                            line.line_number,
                            line.expected + timedelta(days=self._slip(line.supplier)),
                        )
                    )
                continue
            due = line.confirmed or line.expected
            if due <= today:
                receipts.append(
                    purchasing.GoodsReceipt(line.po_number, line.line_number, line.open)
                )
        if confirmations:
            purchasing.confirm_po_lines(self.ctx, confirmations, "supplier portal")
            self.log.acknowledgements += len(confirmations)
        if receipts:
            purchasing.receive_goods(self.ctx, receipts, "dock")
            self.log.receipts += len(receipts)

    def _service_po_lines(self) -> list[_OpenLine]:
        """Open lines of purchase orders and transfers the service raised itself."""
        pol, po = orm.purchase_order_lines, orm.purchase_orders
        with self.ctx.reader() as uow:
            rows = (
                connection_of(uow)
                .execute(
                    select(
                        pol.c.po_number,
                        pol.c.line_number,
                        pol.c.quantity,
                        pol.c.received_quantity,
                        pol.c.expected_date,
                        pol.c.confirmed_date,
                        pol.c.confirmation,
                        po.c.supplier,
                        po.c.created_at,
                    )
                    .join(po, po.c.po_number == pol.c.po_number)
                    .where(
                        pol.c.po_number.like("PS-%") | pol.c.po_number.like("TR-%"),
                        pol.c.received_quantity < pol.c.quantity,
                        pol.c.confirmation != ConfirmationState.REJECTED.value,
                    )
                    .order_by(pol.c.po_number, pol.c.line_number)
                )
                .all()
            )
        return [
            _OpenLine(
                po_number=r.po_number,
                line_number=r.line_number,
                open=r.quantity - r.received_quantity,
                expected=r.expected_date,
                confirmed=r.confirmed_date,
                confirmation=r.confirmation,
                supplier=r.supplier,
                created=r.created_at.date(),
            )
            for r in rows
        ]

    def _ack_days(self, supplier: str) -> int:
        return 3 if supplier in self.unreliable else 1

    def _slip(self, supplier: str) -> int:
        if supplier in self.unreliable:
            return self.random.choice((0, 0, 5, 8, 12))
        return self.random.choice((0, 0, 0, 0, 0, 0, 0, 0, 2, 4))

    def warehouse_picks(self) -> None:
        """Pick every open pick request, most urgent first; a few come up a unit short."""
        for pick in warehouse.list_picks(self.ctx, status="open", limit=10_000):
            short = pick.quantity > 1 and self.random.random() < SHORT_PICK_RATE
            picked = pick.quantity - 1 if short else pick.quantity
            try:
                warehouse.confirm_pick(self.ctx, pick.pick_id, picked, "picker")
            except DomainError:
                continue  # the line moved on (cancelled, reallocated) since the list was read
            self.log.picks += 1
            self.log.short_picks += short

    # -- teams ---------------------------------------------------------------------------

    def work_queues(self, share: float) -> None:
        """Each team works `share` of its daily capacity on its open tasks, in due order."""
        for team, capacity in DAILY_CAPACITY.items():
            budget = min(round(capacity * share), capacity - self._worked_today[team])
            queue = self._queue(team)
            for task in queue[: max(budget, 0)]:
                if self._work(task):
                    self._worked_today[team] += 1
            self.log.left_in_queue[team] = max(len(queue) - max(budget, 0), 0)

    def _queue(self, team: str) -> list[TaskRecord]:
        found: list[TaskRecord] = []
        cursor: str | None = None
        while True:
            page = tasks.list_tasks(self.ctx, TaskFilter(team=team), cursor, 500)
            found.extend(t for t in page.tasks if t.status != "resolved")
            cursor = page.next_cursor
            if cursor is None:
                break
        return sorted(found, key=lambda t: (t.due_at, t.task_id))

    def _caller(self, task: TaskRecord) -> Caller:
        members = self.ctx.operations.teams[task.team].members
        name = task.owner or (members[0] if members else task.team)
        return Caller(key_id="demo", name=name, role=tasks.TEAM_ROLES[task.team])

    def _work(self, task: TaskRecord) -> bool:
        caller = self._caller(task)
        try:
            if task.status == "open":
                tasks.claim(self.ctx, task.task_id, caller)
            kind, _, number = task.cause.partition(":")
            if task.task_type == "purchase_approval" and kind == "suggestion":
                self._decide_suggestion(int(number), caller)
            elif task.task_type == "expedite_approval" and kind == "expedite":
                self._decide_expedite(int(number), caller)
            else:
                code = RESOLUTION.get(task.task_type, "no_action_needed")
                tasks.resolve(self.ctx, task.task_id, code, "worked by the demo team", caller)
        except DomainError:
            return False  # decided elsewhere meanwhile (the case moved on): nothing to do
        self.log.tasks_resolved += 1
        return True

    def _decide_suggestion(self, suggestion_id: int, caller: Caller) -> None:
        if self.random.random() < 0.9:
            suggestions.approve_suggestion(self.ctx, suggestion_id, caller.actor)
            self.log.suggestions_approved += 1
        else:
            suggestions.reject_suggestion(
                self.ctx, suggestion_id, caller.actor, "stock is coming on an open order"
            )
            self.log.suggestions_rejected += 1

    def _decide_expedite(self, proposal_id: int, caller: Caller) -> None:
        proposal = expedite.get_expedite(self.ctx, proposal_id)
        if proposal.cost <= EXPEDITE_COST_LIMIT:
            expedite.approve_expedite(self.ctx, proposal_id, caller.actor)
            self.log.expedites_approved += 1
        else:
            expedite.reject_expedite(self.ctx, proposal_id, caller.actor, "too dear")
            self.log.expedites_rejected += 1
