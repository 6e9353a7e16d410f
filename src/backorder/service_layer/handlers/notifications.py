"""Customer notices: decide, render and store them in the transaction of their cause.

Two causes make notices. A backorder case asks for one (`NOTIFY_CUSTOMER`: backordered,
promise changed, substitution offered) inside the case's own transaction. A partial
shipment is read from the outbox (`backorder.order_line.shipped.v1` with `complete:
false`) by `notice_partial_shipments`, a reader with its own cursor: a shipment is a fact
of the line whether or not it has a case, and the reader needs no change to the case model.

Either way the notice is stored with its decision: *suppressed* (channel none, no e-mail
address, or churn control, with the reason), *sent* (EDI and portal customers: the
`NotificationSent` outbox event is the delivery), or *queued* for the e-mail sender, which
works after commit (`notification_sender`). Nothing here talks to an SMTP server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from backorder.adapters.outbox.tail import HoleWatch, settled
from backorder.adapters.repositories.cases import CaseRecord
from backorder.adapters.repositories.notifications import LineContext
from backorder.domain import events
from backorder.domain.cases import ActionKind, CaseAction, LineFacts
from backorder.domain.notifications import (
    NoticeContent,
    NoticeKind,
    NotificationStatus,
    decide,
    plain_reason,
)
from backorder.notifications.render import render
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.cases import Reach, executor
from backorder.service_layer.unit_of_work import UnitOfWork

CURSOR = "customer-notices"
SHIPPED = "backorder.order_line.shipped.v1"
BATCH = 2_000
GAP_SETTLE_SECONDS = 30.0  # a hole in outbox positions older than this was a rollback
_WHY = {
    NoticeKind.PARTIAL_SHIPMENT: "we ship what is in stock now rather than hold it back",
    NoticeKind.SUBSTITUTION_OFFER: "the item you ordered is short and a substitute is in stock",
}


@dataclass(frozen=True)
class NoticeOutcome:
    """A stored notification and its decision."""

    notification_id: int
    status: NotificationStatus
    reason: str | None


def create_notice(
    uow: UnitOfWork,
    ctx: ServiceContext,
    *,
    line_id: int,
    kind: NoticeKind,
    dedupe_key: str,
    case_id: str | None = None,
    substitute: str | None = None,
    shipped_now: int = 0,
) -> NoticeOutcome | None:
    """Decide, render and store one notice in the caller's transaction (once per key)."""
    rules = ctx.operations.notifications
    now = uow.clock.now()
    since, until = rules.day_bounds(now)
    # Notices of one order are decided one at a time (the daily limit must see them all).
    uow.notifications.lock_line_order(line_id)
    context = uow.notifications.notice_context(line_id, dedupe_key, since, until)
    if context is None or context.duplicate:
        return None
    line, last = context.line, context.told
    # Until we told them otherwise, the customer expects the date they asked for.
    told = last.promise if last is not None else line.requested_date
    decision = decide(
        kind=kind,
        channel=line.channel,
        email=line.email,
        order_id=line.order_id,
        told=told,
        new=line.promise_date,
        told_today=context.told_today,
        max_per_order_per_day=rules.max_per_order_per_day,
    )
    content = _content(uow, line, kind, told, substitute, shipped_now)
    rendered = render(content)
    status = decision.status
    notification_id = uow.notifications.add(
        {
            "customer": line.customer,
            "order_id": line.order_id,
            "line_id": line_id,
            "case_id": case_id,
            "kind": kind.value,
            "channel": line.channel,
            "recipient": line.email if line.channel == "email" else None,
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "old_promise": told,
            "new_promise": line.promise_date,
            "status": status.value,
            "reason": decision.reason,
            "created_at": now,
            "sent_at": now if status is NotificationStatus.SENT else None,
            "attempts": 0,
            "next_attempt_at": now if status is NotificationStatus.QUEUED else None,
            "dedupe_key": dedupe_key,
        }
    )
    if notification_id is None:
        return None
    if status is NotificationStatus.SUPPRESSED:
        uow.record(
            events.NotificationSuppressed(
                notification_id,
                line.customer,
                line.order_id,
                line_id,
                case_id,
                kind.value,
                line.channel,
                decision.reason or "",
            )
        )
    elif status is NotificationStatus.SENT:
        uow.record(
            events.NotificationSent(
                notification_id,
                line.customer,
                line.order_id,
                line_id,
                case_id,
                kind.value,
                line.channel,
                rendered.subject,
                line.promise_date,
            )
        )
    return NoticeOutcome(notification_id, status, decision.reason)


def _content(
    uow: UnitOfWork,
    line: LineContext,
    kind: NoticeKind,
    told: date | None,
    substitute: str | None,
    shipped_now: int,
) -> NoticeContent:
    return NoticeContent(
        kind=kind,
        customer=line.customer,
        customer_name=line.customer_name or line.customer,
        order_id=line.order_id,
        line_id=line.line_id,
        line_number=line.line_number,
        sku=line.sku,
        description=line.description,
        ordered_quantity=line.quantity,
        shipped_quantity=line.shipped_quantity,
        open_quantity=max(line.quantity - line.shipped_quantity, 0),
        backordered_quantity=line.backordered_quantity,
        requested_date=line.requested_date,
        old_promise=told,
        new_promise=line.promise_date,
        reason=_WHY.get(kind) or plain_reason(line.last_reason),
        shipped_now=shipped_now,
        substitute_sku=substitute,
        substitute_description=uow.notifications.item_description(substitute)
        if substitute
        else None,
    )


@executor(ActionKind.NOTIFY_CUSTOMER, Reach.CASE)
def notify_customer(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    """Carry out a case's notice: store it (decided, rendered) for the sender or as suppressed."""
    try:
        kind = NoticeKind(str(action.data.get("kind")))
    except ValueError:
        # A kind without templates of its own: every notice states the line's current date.
        kind = NoticeKind.PROMISE_CHANGED
    substitute = action.data.get("substitute")
    outcome = create_notice(
        uow,
        ctx,
        line_id=case.line_id,
        kind=kind,
        dedupe_key=f"{case.case_id}:{action.key}",
        case_id=case.case_id,
        substitute=str(substitute) if substitute else None,
    )
    if outcome is not None and outcome.status is not NotificationStatus.SUPPRESSED:
        # What the customer now believes: the case compares later promises with this.
        uow.cases.set_fields(case.case_id, notified_promise=facts.promise)


def notice_partial_shipments(ctx: ServiceContext, watch: HoleWatch | None = None) -> int:
    """Store notices for partial shipments committed since the last pass; returns how many.

    The cursor moves in the same transaction as the notices, so a crash repeats a batch at
    worst, and the dedupe key (the event id) keeps a repeat from adding a second notice.
    """
    with ctx.reader() as reader:
        # Most passes find nothing: look without taking the write lock first.
        if not reader.notifications.has_news(CURSOR):
            return 0
    created = 0
    with ctx.unit_of_work() as uow:
        after = uow.notifications.claim_cursor(CURSOR)
        if after is None:
            uow.commit()
            return 0
        rows = uow.platform.events_after(after, BATCH)
        # Only up to the first unsettled hole: a later commit may still fill it.
        usable = rows[: settled(rows, after, uow.clock.now(), GAP_SETTLE_SECONDS, watch)]
        for row in usable:
            data: dict[str, Any] = row["data"]
            if row["type"] != SHIPPED or data.get("complete", True):
                continue
            outcome = create_notice(
                uow,
                ctx,
                line_id=int(data["line_id"]),
                kind=NoticeKind.PARTIAL_SHIPMENT,
                dedupe_key=f"shipment:{row['event_id']}",
                shipped_now=int(data.get("quantity", 0)),
            )
            created += outcome is not None
        if usable:
            uow.platform.set_cursor(CURSOR, int(usable[-1]["position"]))
            uow.commit()
    if watch is not None and usable:
        watch.forget_below(int(usable[-1]["position"]))
    return created
