"""Every event type the system publishes: one line each (its data schema is a file beside).

To add one: write `schemas/<type>.json` (start from `registry.draft_schema`) and add a
`register(...)` line below: type name, domain event class (its docstring is the summary)
and the aggregate its CloudEvents `subject` names. A new major version of a type is a new
line and a new file; the old version stays registered while it is still published.
"""

from __future__ import annotations

from backorder.domain import events
from backorder.events.registry import EventRegistry

REGISTRY = EventRegistry()
register = REGISTRY.register

# Order lines and allocation.
register("backorder.order_line.allocated.v1", events.LineAllocated, "order line")
register("backorder.order_line.backordered.v1", events.LineBackordered, "order line")
register("backorder.order_line.repromised.v1", events.LineRepromised, "order line")
register("backorder.order_line.shipped.v1", events.LineShipped, "order line")
register("backorder.order_line.cancelled.v1", events.LineCancelled, "order line")
register("backorder.allocation_run.completed.v1", events.AllocationCompleted, "allocation run")
register("backorder.item.shortage_detected.v1", events.SupplyShortageDetected, "item")
# Backorder cases and their tasks.
register("backorder.case.opened.v1", events.CaseOpened, "case")
register("backorder.case.state_changed.v1", events.CaseStateChanged, "case")
register("backorder.task.opened.v1", events.TaskOpened, "task")
register("backorder.case.customer_notice_requested.v1", events.CustomerNoticeRequested, "case")
register("backorder.case.replenishment_requested.v1", events.ReplenishmentRequested, "case")
register("backorder.case.pick_requested.v1", events.PickRequested, "case")
register("backorder.case.supplier_reminder_requested.v1", events.SupplierReminderRequested, "case")
register("backorder.case.changed.v1", events.CaseChanged, "case")
register("backorder.task.claimed.v1", events.TaskClaimed, "task")
register("backorder.task.reassigned.v1", events.TaskReassigned, "task")
register("backorder.task.commented.v1", events.TaskCommented, "task")
register("backorder.task.resolved.v1", events.TaskResolved, "task")
register("backorder.task.breached.v1", events.TaskBreached, "task")
register("backorder.task.escalated.v1", events.TaskEscalated, "task")
# Replenishment, supplier follow-up, warehouse picks, expedites.
register("backorder.purchase_suggestion.created.v1", events.SuggestionCreated, "item")
register("backorder.purchase_suggestion.decided.v1", events.SuggestionDecided, "item")
register("backorder.supplier.reminder_requested.v1", events.SupplierReminded, "item")
register("backorder.supplier.slipped.v1", events.SupplierSlipped, "item")
register("backorder.pick_request.created.v1", events.PickRequestCreated, "order line")
register("backorder.pick_request.confirmed.v1", events.PickConfirmed, "order line")
register("backorder.expedite.proposed.v1", events.ExpediteProposed, "order line")
register("backorder.expedite.decided.v1", events.ExpediteDecided, "order line")
# Customer notifications.
register("backorder.notification.sent.v1", events.NotificationSent, "order line")
register("backorder.notification.suppressed.v1", events.NotificationSuppressed, "order line")
register("backorder.notification.failed.v1", events.NotificationFailed, "order line")
