"""Domain events: what happened (past tense). Published only after their transaction commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all domain events."""


@dataclass(frozen=True, slots=True)
class LineAllocated(Event):
    """An order line got all it asked for, to ship on `promise_date`."""

    line_id: int
    sku: str
    quantity: int
    promise_date: date


@dataclass(frozen=True, slots=True)
class LineBackordered(Event):
    """Part of an order line cannot ship by its requested date."""

    line_id: int
    sku: str
    backordered_quantity: int
    requested_date: date
    promise_date: date | None


@dataclass(frozen=True, slots=True)
class LineRepromised(Event):
    """A line's promise date moved."""

    line_id: int
    old_promise_date: date | None
    new_promise_date: date | None
    reason: str


@dataclass(frozen=True, slots=True)
class AllocationCompleted(Event):
    """An allocation run finished."""

    run_id: str
    solver: str
    lines: int
    allocated_units: int
    backordered_units: int


@dataclass(frozen=True, slots=True)
class SupplyShortageDetected(Event):
    """Open demand for an item exceeds all known supply in the horizon."""

    sku: str
    location: str
    short_quantity: int


@dataclass(frozen=True, slots=True)
class LineShipped(Event):
    """Units of an order line left the warehouse."""

    line_id: int
    sku: str
    quantity: int
    complete: bool
    shipped_on: date
    requested_date: date


@dataclass(frozen=True, slots=True)
class LineCancelled(Event):
    """An order line was cancelled; what it held went back to the item's other lines."""

    line_id: int
    sku: str
    open_quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class CaseOpened(Event):
    """A backorder case was opened for a line."""

    case_id: str
    line_id: int
    sku: str
    customer: str


@dataclass(frozen=True, slots=True)
class CaseStateChanged(Event):
    """A backorder case moved to another state."""

    case_id: str
    line_id: int
    from_state: str
    to_state: str
    reason: str


@dataclass(frozen=True, slots=True)
class TaskOpened(Event):
    """An exception task was opened for a team."""

    task_id: int
    task_type: str
    team: str
    severity: str
    owner: str | None
    cause: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class CustomerNoticeRequested(Event):
    """A case asks for the customer to be told something."""

    case_id: str
    line_id: int
    customer: str
    kind: str
    promise_date: date | None


@dataclass(frozen=True, slots=True)
class ReplenishmentRequested(Event):
    """A case found units without supply and asks for more."""

    case_id: str
    line_id: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PickRequested(Event):
    """Stock on hand is allocated to a line: the warehouse should pick it."""

    case_id: str
    line_id: int
    sku: str
    quantity: int
    priority: int


@dataclass(frozen=True, slots=True)
class SupplierReminderRequested(Event):
    """A supplier has not acknowledged a purchase-order line in time."""

    case_id: str
    source_id: str
    supplier: str | None


@dataclass(frozen=True, slots=True)
class CaseChanged(Event):
    """Something about a case changed outside its line's facts: wake its workflow."""

    case_id: str
    line_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class TaskClaimed(Event):
    """A person took an exception task on."""

    task_id: int
    owner: str
    previous_owner: str | None
    actor: str


@dataclass(frozen=True, slots=True)
class TaskReassigned(Event):
    """An exception task was handed to someone else."""

    task_id: int
    previous_owner: str | None
    owner: str
    reason: str
    actor: str


@dataclass(frozen=True, slots=True)
class TaskCommented(Event):
    """Someone wrote a comment on an exception task."""

    task_id: int
    actor: str
    text: str


@dataclass(frozen=True, slots=True)
class TaskResolved(Event):
    """An exception task was resolved, with its resolution code."""

    task_id: int
    task_type: str
    case_id: str | None
    resolution: str
    breached: bool
    actor: str


@dataclass(frozen=True, slots=True)
class TaskBreached(Event):
    """An exception task passed its SLA deadline unresolved."""

    task_id: int
    task_type: str
    team: str
    owner: str | None
    due_at: datetime


@dataclass(frozen=True, slots=True)
class TaskEscalated(Event):
    """A breached task went one level up its team's escalation chain."""

    task_id: int
    task_type: str
    team: str
    level: int
    contact: str
    action: str  # reassign | notify
    previous_owner: str | None
    owner: str | None
    due_at: datetime


@dataclass(frozen=True, slots=True)
class NotificationSent(Event):
    """A customer notice was handed to its channel (an SMTP server, or EDI/portal)."""

    notification_id: int
    customer: str
    order_id: str
    line_id: int
    case_id: str | None
    kind: str
    channel: str
    subject: str
    promise_date: date | None


@dataclass(frozen=True, slots=True)
class NotificationSuppressed(Event):
    """A customer notice was decided not to be sent (channel, address or churn control)."""

    notification_id: int
    customer: str
    order_id: str
    line_id: int
    case_id: str | None
    kind: str
    channel: str
    reason: str


@dataclass(frozen=True, slots=True)
class NotificationFailed(Event):
    """A customer notice could not be delivered: refused for good, or out of retries."""

    notification_id: int
    customer: str
    order_id: str
    line_id: int
    kind: str
    channel: str
    attempts: int
    error: str


# -- replenishment, supplier follow-up, warehouse picks, expedites -------------------------


@dataclass(frozen=True, slots=True)
class SuggestionCreated(Event):
    """A shortage produced a purchase (or transfer) suggestion for an item at a DC."""

    suggestion_id: int
    kind: str  # purchase | transfer
    sku: str
    location: str
    origin: str | None
    supplier: str | None
    quantity: int
    value: float
    expected_date: date
    needs_approval: bool


@dataclass(frozen=True, slots=True)
class SuggestionDecided(Event):
    """A purchase or transfer suggestion was approved and carried out, or rejected."""

    suggestion_id: int
    kind: str
    sku: str
    location: str
    quantity: int
    status: str  # ordered | rejected
    decided_by: str
    po_number: str | None


@dataclass(frozen=True, slots=True)
class SupplierReminded(Event):
    """A supplier is reminded of a purchase-order line it has not acknowledged."""

    reminder_id: int
    supplier: str
    email: str | None
    source_id: str
    po_number: str
    line_number: int
    sku: str
    days_overdue: int


@dataclass(frozen=True, slots=True)
class SupplierSlipped(Event):
    """A supplier document moved a PO line's date later by more than the policy allows."""

    source_id: str
    supplier: str
    sku: str
    previous_date: date
    new_date: date
    slip_days: int
    document: str  # acknowledgement | ship_notice
    task_id: int


@dataclass(frozen=True, slots=True)
class PickRequestCreated(Event):
    """The warehouse is asked to pick the stock a line holds at a DC."""

    pick_id: int
    case_id: str | None
    line_id: int
    sku: str
    location: str
    quantity: int
    priority: int


@dataclass(frozen=True, slots=True)
class PickConfirmed(Event):
    """The warehouse confirmed a pick: in full (the units shipped) or short."""

    pick_id: int
    line_id: int
    sku: str
    location: str
    quantity: int
    picked_quantity: int
    short: bool


@dataclass(frozen=True, slots=True)
class ExpediteProposed(Event):
    """A case proposes paying for a faster route to bring a slipped promise forward."""

    proposal_id: int
    case_id: str | None
    line_id: int
    sku: str
    kind: str  # premium_freight | transfer
    quantity: int
    cost: float
    current_promise: date
    new_promise: date
    needs_approval: bool


@dataclass(frozen=True, slots=True)
class ExpediteDecided(Event):
    """An expedite was approved (cost recorded, supply moved) or rejected."""

    proposal_id: int
    line_id: int
    kind: str
    cost: float
    status: str  # approved | rejected
    decided_by: str
