"""Send queued customer e-mail after commit: claim, send, mark sent or retry with backoff.

The case transaction only stores a notice as *queued*; this step, run by a loop beside the
API or worker, claims due ones (a lease that other senders respect), talks to the SMTP
server outside any transaction, then records the outcome in a short transaction of its
own: *sent* (with a `NotificationSent` event), a retry after an exponential backoff, or
*failed* (`NotificationFailed`) once the server refuses it for good or the attempts are
used up. A crash between sending and recording sends that e-mail again when the lease
ends: delivery is at least once, and the stable Message-ID lets a receiver drop a repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog

from backorder.adapters.notify import DeliveryError, Mailer, compose
from backorder.adapters.repositories.notifications import NotificationRecord
from backorder.domain import events
from backorder.service_layer.context import ServiceContext

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SendOptions:
    """How the sender works: its From address, batch, retries and claim lease."""

    sender: str
    batch_size: int = 100
    max_attempts: int = 6
    retry_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    lease_seconds: float = 300.0

    def backoff(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th failed try: doubling from `retry_seconds`, capped."""
        seconds = self.retry_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


@dataclass(frozen=True)
class SendResult:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    quiet: bool = False  # inside the policy's quiet hours: nothing was sent


def send_due(ctx: ServiceContext, mailer: Mailer, options: SendOptions) -> SendResult:
    """Send the queued e-mails that are due now (one batch)."""
    now = ctx.clock.now()
    if ctx.operations.notifications.is_quiet(now):
        return SendResult(quiet=True)
    with ctx.reader() as reader:
        if not reader.notifications.any_due(now):  # most passes: no write lock at all
            return SendResult()
    with ctx.unit_of_work() as uow:
        claimed = uow.notifications.claim_due(
            now, now + timedelta(seconds=options.lease_seconds), options.batch_size
        )
        uow.commit()
    sent = retried = failed = 0
    for notification in claimed:
        try:
            if not notification.recipient:
                raise DeliveryError("no recipient address", permanent=True)
            mailer.send(
                compose(
                    sender=options.sender,
                    recipient=notification.recipient,
                    subject=notification.subject,
                    text=notification.text,
                    html=notification.html,
                    message_key=f"notification-{notification.notification_id}",
                )
            )
        except DeliveryError as error:
            if _record_failure(ctx, notification, error, options):
                failed += 1
            else:
                retried += 1
            continue
        _record_sent(ctx, notification)
        sent += 1
    return SendResult(sent=sent, retried=retried, failed=failed)


def _record_sent(ctx: ServiceContext, notification: NotificationRecord) -> None:
    with ctx.unit_of_work() as uow:
        uow.notifications.mark_sent(notification.notification_id, uow.clock.now())
        uow.record(
            events.NotificationSent(
                notification.notification_id,
                notification.customer,
                notification.order_id,
                notification.line_id,
                notification.case_id,
                notification.kind,
                notification.channel,
                notification.subject,
                notification.new_promise,
            )
        )
        uow.commit()


def _record_failure(
    ctx: ServiceContext,
    notification: NotificationRecord,
    error: DeliveryError,
    options: SendOptions,
) -> bool:
    """Schedule a retry, or give up; True when the notification has failed for good."""
    final = error.permanent or notification.attempts >= options.max_attempts
    with ctx.unit_of_work() as uow:
        if final:
            uow.notifications.mark_failed(notification.notification_id, str(error))
            uow.record(
                events.NotificationFailed(
                    notification.notification_id,
                    notification.customer,
                    notification.order_id,
                    notification.line_id,
                    notification.kind,
                    notification.channel,
                    notification.attempts,
                    str(error),
                )
            )
        else:
            retry_at = uow.clock.now() + options.backoff(notification.attempts)
            uow.notifications.mark_retry(notification.notification_id, retry_at, str(error))
        uow.commit()
    log.warning(
        "notification_failed" if final else "notification_retry",
        notification_id=notification.notification_id,
        attempts=notification.attempts,
        error=str(error),
    )
    return final
