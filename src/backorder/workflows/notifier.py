"""The notification loop of a serving process: partial-shipment notices, then e-mail.

Like the case dispatcher it is a background thread polling the database; it may run in
several processes at once (the outbox cursor is locked while a pass works, and e-mails are
claimed with a lease), and without an SMTP host configured it still stores notices.
"""

from __future__ import annotations

import threading

import structlog

from backorder.adapters.notify import Mailer, mailer_from_settings
from backorder.adapters.outbox.tail import HoleWatch
from backorder.bootstrap import Application
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.notification_sender import SendOptions, send_due
from backorder.service_layer.handlers.notifications import notice_partial_shipments

log = structlog.get_logger(__name__)


class NotificationWorker:
    """Runs notice creation and e-mail sending every `interval` seconds in a thread."""

    def __init__(
        self,
        ctx: ServiceContext,
        mailer: Mailer | None,
        options: SendOptions,
        interval: float = 1.0,
    ) -> None:
        self.ctx, self.mailer, self.options, self.interval = ctx, mailer, options, interval
        self._watch = HoleWatch()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="notifier", daemon=True)

    @classmethod
    def from_application(cls, application: Application) -> NotificationWorker:
        """A worker with the application's SMTP and retry settings."""
        settings = application.settings
        options = SendOptions(
            sender=settings.smtp_from,
            batch_size=settings.notify_batch_size,
            max_attempts=settings.notify_max_attempts,
            retry_seconds=settings.notify_retry_seconds,
            retry_max_seconds=settings.notify_retry_max_seconds,
        )
        return cls(
            application.context,
            mailer_from_settings(settings),
            options,
            interval=settings.notify_interval_seconds,
        )

    def run_once(self) -> None:
        """One pass: notices for new partial shipments, then the e-mails that are due."""
        notice_partial_shipments(self.ctx, self._watch)
        if self.mailer is not None:
            send_due(self.ctx, self.mailer, self.options)

    def start(self) -> None:
        """Start the loop."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop and wait for it."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("notifier_failed")
            self._stop.wait(self.interval)
