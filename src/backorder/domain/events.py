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
