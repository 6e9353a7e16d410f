"""Domain events as canonical event types and JSON-ready data (CloudEvents `type`, `subject`)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from enum import Enum
from typing import Any

from backorder.domain import events

# Event class -> (CloudEvents type, attribute naming the subject).
_TYPES: dict[type[events.Event], tuple[str, str]] = {
    events.LineAllocated: ("backorder.order_line.allocated.v1", "line_id"),
    events.LineBackordered: ("backorder.order_line.backordered.v1", "line_id"),
    events.LineRepromised: ("backorder.order_line.repromised.v1", "line_id"),
    events.LineShipped: ("backorder.order_line.shipped.v1", "line_id"),
    events.LineCancelled: ("backorder.order_line.cancelled.v1", "line_id"),
    events.CaseOpened: ("backorder.case.opened.v1", "case_id"),
    events.CaseStateChanged: ("backorder.case.state_changed.v1", "case_id"),
    events.TaskOpened: ("backorder.task.opened.v1", "task_id"),
    events.TaskClaimed: ("backorder.task.claimed.v1", "task_id"),
    events.TaskReassigned: ("backorder.task.reassigned.v1", "task_id"),
    events.TaskCommented: ("backorder.task.commented.v1", "task_id"),
    events.TaskResolved: ("backorder.task.resolved.v1", "task_id"),
    events.TaskBreached: ("backorder.task.breached.v1", "task_id"),
    events.TaskEscalated: ("backorder.task.escalated.v1", "task_id"),
    events.CaseChanged: ("backorder.case.changed.v1", "case_id"),
    events.CustomerNoticeRequested: ("backorder.case.customer_notice_requested.v1", "case_id"),
    events.ReplenishmentRequested: ("backorder.case.replenishment_requested.v1", "case_id"),
    events.PickRequested: ("backorder.case.pick_requested.v1", "case_id"),
    events.SupplierReminderRequested: ("backorder.case.supplier_reminder_requested.v1", "case_id"),
    events.NotificationSent: ("backorder.notification.sent.v1", "line_id"),
    events.NotificationSuppressed: ("backorder.notification.suppressed.v1", "line_id"),
    events.NotificationFailed: ("backorder.notification.failed.v1", "line_id"),
    events.AllocationCompleted: ("backorder.allocation_run.completed.v1", "run_id"),
    events.SupplyShortageDetected: ("backorder.item.shortage_detected.v1", "sku"),
    events.SuggestionCreated: ("backorder.purchase_suggestion.created.v1", "sku"),
    events.SuggestionDecided: ("backorder.purchase_suggestion.decided.v1", "sku"),
    events.SupplierReminded: ("backorder.supplier.reminder_requested.v1", "sku"),
    events.SupplierSlipped: ("backorder.supplier.slipped.v1", "sku"),
    events.PickRequestCreated: ("backorder.pick_request.created.v1", "line_id"),
    events.PickConfirmed: ("backorder.pick_request.confirmed.v1", "line_id"),
    events.ExpediteProposed: ("backorder.expedite.proposed.v1", "line_id"),
    events.ExpediteDecided: ("backorder.expedite.decided.v1", "line_id"),
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def event_type(event: events.Event) -> str:
    """The versioned type name of an event (registered, or derived from its class)."""
    return _codec(type(event)).kind


def to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


_SCALARS = frozenset({int, str, float, bool, type(None)})
_MOMENTS = (datetime, date)


def _flat_json(value: Any) -> Any:
    if isinstance(value, _MOMENTS):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list) or dataclasses.is_dataclass(value):
        return to_json(value)
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class _Codec:
    """What encoding one event class takes, worked out once per class."""

    kind: str
    names: tuple[str, ...]
    subject_field: str
    subject_prefix: str


_CODECS: dict[type[events.Event], _Codec] = {}


def _codec(cls: type[events.Event]) -> _Codec:
    codec = _CODECS.get(cls)
    if codec is None:
        names = tuple(f.name for f in dataclasses.fields(cls))
        known = _TYPES.get(cls)
        kind = known[0] if known else f"backorder.{_snake(cls.__name__)}.v1"
        subject_field = known[1] if known else next(iter(names), "")
        prefix = subject_field.removesuffix("_id").replace("_", "-")
        codec = _CODECS[cls] = _Codec(kind, names, subject_field, prefix)
    return codec


def event_payload(event: events.Event) -> tuple[str, str, dict[str, Any]]:
    """(type, subject, data) of an event; data is JSON-ready."""
    codec = _codec(type(event))
    # Batch runs emit a million events: one flat pass, scalars (nearly every field) as
    # they are, no call per field.
    data: dict[str, Any] = {}
    for name in codec.names:
        value = getattr(event, name)
        data[name] = value if type(value) in _SCALARS else _flat_json(value)
    subject = f"{codec.subject_prefix}/{data.get(codec.subject_field, '')}"
    return codec.kind, subject, data
