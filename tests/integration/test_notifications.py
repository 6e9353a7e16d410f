"""Customer notices: decided and stored with their cause, e-mailed after commit over SMTP.

Every test runs on SQLite and PostgreSQL and sends through a real local SMTP server.
"""

from __future__ import annotations

import dataclasses
import time as wall
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from backorder.adapters import orm
from backorder.adapters.notify import DeliveryError, InMemoryMailer, SmtpMailer
from backorder.adapters.repositories.notifications import NotificationRecord
from backorder.adapters.repositories.orders import ShippedPiece
from backorder.bootstrap import Application
from backorder.domain import events
from backorder.domain.cases import ActionKind, CaseAction
from backorder.domain.model import Customer, Item, Location, Tier
from backorder.domain.operations import NotificationRules, QuietHours
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers import case_executors  # the runtime's full registry
from backorder.service_layer.handlers.cases import evaluate_case, open_cases
from backorder.service_layer.handlers.notification_sender import SendOptions, SendResult, send_due
from backorder.service_layer.handlers.notifications import notice_partial_shipments
from backorder.workflows.notifier import NotificationWorker
from tests.integration.helpers import NOW, TODAY, in_days, new_order
from tests.integration.smtp import SmtpServer, free_port, running_smtp_server

OPTIONS = SendOptions(sender="service@distributor.example", retry_seconds=60, max_attempts=4)
REQUESTED = in_days(3)
BUYER = "buyer@mail.example"
assert case_executors  # imported for its registrations


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on a free local port."""
    with running_smtp_server() as server:
        yield server


def seed(application: Application) -> None:
    """A DC, two items and customers on every channel."""
    with application.context.unit_of_work() as uow:
        uow.master.save_location(Location("EAST", "east", "East DC"))
        uow.master.save_item(Item("A", "hydraulic fitting"))
        uow.master.save_item(Item("B", "brass fitting"))
        for customer in (
            Customer("C-MAIL", "Mail & <Co>", Tier.STANDARD, "east", "EAST", email=BUYER),
            Customer("C-NONE", "Quiet", notification_channel="none", email="q@none.example"),
            Customer("C-NOADDR", "No Address", notification_channel="email"),
            Customer("C-EDI", "Edi Ltd", notification_channel="edi"),
        ):
            uow.master.save_customer(customer)
        uow.commit()


def backordered(
    application: Application, order_id: str, customer: str, *promises: date | None
) -> list[int]:
    """An order with one backordered line of 10 x A per promise, each with an open case."""
    with application.context.unit_of_work() as uow:
        ids = uow.orders.add_order(new_order(order_id, customer, *[("A", 10)] * len(promises)), NOW)
        uow.orders.record_outcomes(
            [(i, "backordered", 0, 10, p) for i, p in zip(ids, promises, strict=True)],
            today=TODAY,
            now=NOW,
            reason="allocated at order intake",
        )
        open_cases(uow, [(i, "A", customer) for i in ids])
        uow.commit()
    return ids


def repromise(application: Application, line_id: int, promise: date | None) -> None:
    with application.context.unit_of_work() as uow:
        uow.orders.record_outcomes(
            [(line_id, "backordered", 0, 10, promise)],
            today=TODAY,
            now=NOW,
            reason="supplier acknowledgement",
        )
        uow.commit()


def notify(application: Application, line_id: int, key: str, **data: Any) -> None:
    """Carry out a case's NOTIFY_CUSTOMER action, as `evaluate_case` does."""
    ctx = application.context
    with ctx.unit_of_work() as uow:
        case = uow.cases.get(f"case-{line_id}")
        assert case is not None
        facts = uow.cases.facts(case, uow.today)
        action = CaseAction(ActionKind.NOTIFY_CUSTOMER, key=key, data=data)
        if uow.cases.mark_action(case.case_id, action.key, action.kind.value, uow.clock.now()):
            case_executors.notifications.notify_customer(uow, ctx, case, facts, action)
        uow.commit()


def notices(application: Application, order_id: str) -> list[NotificationRecord]:
    with application.context.reader() as uow:
        return uow.notifications.of_order(order_id)


def outbox(application: Application, prefix: str = "backorder.notification.") -> list[Any]:
    with application.engine.connect() as connection:
        rows = connection.execute(
            select(orm.outbox.c.type, orm.outbox.c.subject, orm.outbox.c.data).order_by(
                orm.outbox.c.position
            )
        )
        return [r for r in rows if r.type.startswith(prefix)]


def notified_promise(application: Application, line_id: int) -> date | None:
    with application.context.reader() as uow:
        case = uow.cases.get(f"case-{line_id}")
        assert case is not None
        return case.notified_promise


def test_a_backorder_notice_is_stored_by_the_case_and_emailed_after_commit(
    application: Application, smtp: SmtpServer
) -> None:
    seed(application)
    [line] = backordered(application, "SO-1", "C-MAIL", in_days(13))

    evaluate_case(application.context, f"case-{line}")

    assert smtp.received == []  # nothing is sent inside the case's transaction
    [notice] = notices(application, "SO-1")
    assert (notice.kind, notice.status, notice.channel, notice.recipient) == (
        "backordered",
        "queued",
        "email",
        BUYER,
    )
    assert (notice.old_promise, notice.new_promise, notice.case_id) == (
        REQUESTED,
        in_days(13),
        f"case-{line}",
    )
    assert notice.subject == "Order SO-1: A is on backorder"
    assert notified_promise(application, line) == in_days(13)

    result = send_due(application.context, smtp.mailer(), OPTIONS)

    assert (result.sent, result.retried, result.failed) == (1, 0, 0)
    [mail] = smtp.received
    assert (mail.sender, mail.recipients) == ("service@distributor.example", [BUYER])
    assert mail.message["Subject"] == "Order SO-1: A is on backorder"
    assert mail.message["To"] == BUYER
    assert f"notification-{notice.notification_id}" in mail.message["Message-ID"]
    text, html = mail.part("plain"), mail.part("html")
    assert text.startswith("Dear Mail & <Co>,")
    assert "all 10 units are on backorder" in text
    assert "We expect to ship them by Thursday 10 December 2026." in text
    assert "Order SO-1, line 1: A (hydraulic fitting)" in text
    assert "Why: The stock was not there when your order arrived." in text
    assert "Dear Mail &amp; &lt;Co&gt;," in html
    assert "<strong>Thursday 10 December 2026</strong>" in html
    [sent] = notices(application, "SO-1")
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None)
    assert sent.sent_at == NOW
    [event] = outbox(application)
    assert (event.type, event.subject, event.data["notification_id"]) == (
        "backorder.notification.sent.v1",
        f"line/{line}",  # in order with the line's own events
        notice.notification_id,
    )
    assert (event.data["kind"], event.data["promise_date"]) == ("backordered", "2026-12-10")

    evaluate_case(application.context, f"case-{line}")  # a second look notifies nobody
    assert len(notices(application, "SO-1")) == 1
    assert send_due(application.context, smtp.mailer(), OPTIONS).sent == 0


def test_an_order_gets_one_notice_a_day_unless_a_date_gets_worse(
    application: Application, clock: FixedClock
) -> None:
    seed(application)
    first, second = backordered(application, "SO-1", "C-MAIL", in_days(13), REQUESTED)

    notify(application, first, "notice:backordered", kind="backordered")
    # Same order, same day, and the date is what the customer asked for: held back.
    notify(application, second, "notice:substitute:B", kind="substitution_offer", substitute="B")
    repromise(application, second, in_days(15))  # worse than the customer knows: sent
    notify(application, second, "notice:promise:2026-12-12", kind="promise_changed")
    repromise(application, first, in_days(8))  # better news, same day: held back
    notify(application, first, "notice:promise:2026-12-05", kind="promise_changed")

    stored = notices(application, "SO-1")
    assert [(n.line_id, n.kind, n.status) for n in stored] == [
        (first, "backordered", "queued"),
        (second, "substitution_offer", "suppressed"),
        (second, "promise_changed", "queued"),
        (first, "promise_changed", "suppressed"),
    ]
    assert stored[1].reason == (
        "order SO-1 already had 1 notice today and the substitution offer does not make "
        "its date worse"
    )
    assert "B (brass fitting)" in stored[1].text  # rendered and kept all the same
    assert [e.type.rsplit(".", 2)[-2] for e in outbox(application)] == [
        "suppressed",
        "suppressed",
    ]
    assert notified_promise(application, first) == in_days(13)  # the better date was not told

    clock.set(NOW + timedelta(days=1))
    notify(application, first, "notice:promise:2026-12-05:again", kind="promise_changed")
    latest = notices(application, "SO-1")[-1]
    assert (latest.status, latest.old_promise, latest.new_promise) == (
        "queued",
        in_days(13),
        in_days(8),
    )
    assert latest.subject == "Order SO-1: earlier delivery date for A"
    assert notified_promise(application, first) == in_days(8)


def test_customers_who_want_none_or_have_no_address_get_a_record_not_an_email(
    application: Application, smtp: SmtpServer
) -> None:
    seed(application)
    [quiet] = backordered(application, "SO-N", "C-NONE", None)
    [unknown] = backordered(application, "SO-X", "C-NOADDR", in_days(9))
    [edi] = backordered(application, "SO-E", "C-EDI", in_days(9))
    for line in (quiet, unknown, edi):
        notify(application, line, "notice:backordered", kind="backordered")

    [none_notice] = notices(application, "SO-N")
    [no_address] = notices(application, "SO-X")
    [edi_notice] = notices(application, "SO-E")
    assert (none_notice.status, none_notice.reason) == (
        "suppressed",
        "the customer asked for no notices",
    )
    assert (no_address.status, no_address.reason) == (
        "suppressed",
        "the customer has no e-mail address",
    )
    assert (edi_notice.status, edi_notice.channel, edi_notice.sent_at) == ("sent", "edi", NOW)
    assert (notified_promise(application, quiet), notified_promise(application, edi)) == (
        None,
        in_days(9),
    )
    by_notification = {e.data["notification_id"]: e for e in outbox(application)}
    suppressed = by_notification[no_address.notification_id]
    assert suppressed.type == "backorder.notification.suppressed.v1"
    assert suppressed.data["reason"] == "the customer has no e-mail address"
    delivered = by_notification[edi_notice.notification_id]
    assert (delivered.type, delivered.data["channel"]) == ("backorder.notification.sent.v1", "edi")

    assert send_due(application.context, smtp.mailer(), OPTIONS).sent == 0
    assert smtp.received == []


def test_a_temporary_failure_is_retried_with_backoff_until_sent(
    application: Application, clock: FixedClock, smtp: SmtpServer
) -> None:
    seed(application)
    [line] = backordered(application, "SO-1", "C-MAIL", in_days(13))
    notify(application, line, "notice:backordered", kind="backordered")
    smtp.recorder.replies = ["451 4.3.0 try again later", "451 4.3.0 try again later"]
    mailer = smtp.mailer()

    assert send_due(application.context, mailer, OPTIONS).retried == 1
    [notice] = notices(application, "SO-1")
    assert (notice.status, notice.attempts) == ("queued", 1)
    assert notice.next_attempt_at == NOW + timedelta(seconds=60)
    assert "451" in (notice.last_error or "")
    assert send_due(application.context, mailer, OPTIONS) == SendResult()  # backing off

    clock.set(NOW + timedelta(seconds=60))
    assert send_due(application.context, mailer, OPTIONS).retried == 1
    assert notices(application, "SO-1")[0].next_attempt_at == clock.now() + timedelta(seconds=120)

    clock.set(clock.now() + timedelta(seconds=120))
    assert send_due(application.context, mailer, OPTIONS).sent == 1
    [sent] = notices(application, "SO-1")
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 3, None)
    assert len(smtp.received) == 1


def test_a_refused_address_or_spent_retries_fail_the_notice(
    application: Application, clock: FixedClock, smtp: SmtpServer
) -> None:
    seed(application)
    [refused] = backordered(application, "SO-1", "C-MAIL", in_days(13))
    notify(application, refused, "notice:backordered", kind="backordered")
    smtp.recorder.refuse = {BUYER}

    assert send_due(application.context, smtp.mailer(), OPTIONS).failed == 1
    [failed] = notices(application, "SO-1")
    assert failed.status == "failed"
    assert "550" in (failed.reason or "")
    [event] = outbox(application)
    assert (event.type, event.subject, event.data["attempts"]) == (
        "backorder.notification.failed.v1",
        f"line/{refused}",
        1,
    )

    # A server that stays away: each try is retried, until the attempts run out.
    smtp.recorder.refuse = set()
    [down] = backordered(application, "SO-2", "C-MAIL", in_days(13))
    notify(application, down, "notice:backordered", kind="backordered")
    closed = dataclasses.replace(smtp.mailer().config, port=free_port())
    two_tries = dataclasses.replace(OPTIONS, max_attempts=2)
    assert send_due(application.context, SmtpMailer(closed), two_tries).retried == 1
    clock.set(NOW + timedelta(minutes=5))
    assert send_due(application.context, SmtpMailer(closed), two_tries).failed == 1
    [gave_up] = notices(application, "SO-2")
    assert (gave_up.status, gave_up.attempts) == ("failed", 2)
    assert "SMTP unavailable" in (gave_up.reason or "")
    assert smtp.received == []


def test_quiet_hours_hold_email_until_they_end(
    application: Application, clock: FixedClock, smtp: SmtpServer
) -> None:
    seed(application)
    rules = NotificationRules(quiet_hours=QuietHours(starts=time(21), ends=time(7)))
    ctx = dataclasses.replace(
        application.context,
        operations=application.context.operations.model_copy(update={"notifications": rules}),
    )
    clock.set(datetime(2026, 11, 27, 22, 30, tzinfo=UTC))
    [line] = backordered(application, "SO-1", "C-MAIL", in_days(13))
    notify(application, line, "notice:backordered", kind="backordered")

    assert send_due(ctx, smtp.mailer(), OPTIONS).quiet
    assert smtp.received == []
    clock.set(datetime(2026, 11, 28, 7, 0, tzinfo=UTC))
    assert send_due(ctx, smtp.mailer(), OPTIONS).sent == 1
    assert len(smtp.received) == 1


def _ship(application: Application, line_id: int, quantity: int, complete: bool) -> None:
    with application.context.unit_of_work() as uow:
        uow.orders.record_shipments([ShippedPiece(line_id, "A", "EAST", quantity)], TODAY, NOW)
        uow.record(events.LineShipped(line_id, "A", quantity, complete, TODAY, REQUESTED))
        uow.commit()


def test_partial_shipments_are_noticed_once_from_the_outbox(application: Application) -> None:
    seed(application)
    ctx = application.context
    assert notice_partial_shipments(ctx) == 0  # a new reader starts at the end of the outbox
    partial, complete = backordered(application, "SO-1", "C-MAIL", in_days(13), in_days(13))
    _ship(application, partial, 4, complete=False)
    _ship(application, complete, 10, complete=True)

    assert notice_partial_shipments(ctx) == 1
    [notice] = notices(application, "SO-1")
    assert (notice.kind, notice.line_id, notice.status, notice.case_id) == (
        "partial_shipment",
        partial,
        "queued",
        None,
    )
    assert notice.subject == "Order SO-1: part of A has shipped"
    assert "We have shipped 4 units of A on your order SO-1." in notice.text
    assert "The remaining 6 units follow" in notice.text
    assert notice_partial_shipments(ctx) == 0

    # Read again from the start (a crash before the cursor moved): nothing is doubled.
    with application.engine.begin() as connection:
        connection.execute(
            update(orm.dispatch_cursors)
            .where(orm.dispatch_cursors.c.name == "customer-notices")
            .values(position=0)
        )
    assert notice_partial_shipments(ctx) == 0
    assert len(notices(application, "SO-1")) == 1


def test_the_worker_notices_and_sends_in_the_background(
    application: Application, smtp: SmtpServer
) -> None:
    seed(application)
    worker = NotificationWorker(application.context, smtp.mailer(), OPTIONS, interval=0.05)
    worker.run_once()  # opens its cursor
    [line] = backordered(application, "SO-1", "C-MAIL", in_days(13))
    _ship(application, line, 3, complete=False)

    worker.start()
    try:
        deadline = wall.monotonic() + 10
        while not smtp.received and wall.monotonic() < deadline:
            wall.sleep(0.05)
    finally:
        worker.stop()

    [mail] = smtp.received
    assert mail.message["Subject"] == "Order SO-1: part of A has shipped"
    assert notices(application, "SO-1")[0].status == "sent"


def test_the_in_memory_mailer_stands_in_for_smtp(
    application: Application, clock: FixedClock
) -> None:
    seed(application)
    [line] = backordered(application, "SO-1", "C-MAIL", in_days(13))
    notify(application, line, "notice:backordered", kind="backordered")
    mailer = InMemoryMailer(failures=[DeliveryError("down", permanent=False)])
    assert send_due(application.context, mailer, OPTIONS).retried == 1
    assert send_due(application.context, mailer, OPTIONS).sent == 0  # backing off
    clock.set(NOW + timedelta(minutes=1))
    assert send_due(application.context, mailer, OPTIONS).sent == 1
    [message] = mailer.sent
    assert message["To"] == BUYER
    assert message.get_body(preferencelist=("html",)) is not None
