"""Webhook deliveries to a real local HTTP receiver: signed, retried, dead-lettered, replayed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backorder.adapters.outbox.webhook_store import WebhookStore
from backorder.adapters.outbox.webhooks import verify
from backorder.bootstrap import Application
from backorder.domain import events
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers import webhooks
from tests.integration.outbox_helpers import (
    Receiver,
    RelayFactory,
    make_relay,  # noqa: F401  (fixture)
    pump,
    receiver,  # noqa: F401  (fixture)
    record,
)

DAY = date(2026, 12, 1)
ALLOCATED = "backorder.order_line.allocated.v1"


def _deliveries(application: Application, subscription_id: str) -> list[Any]:
    with application.engine.connect() as connection:
        store = WebhookStore(connection)
        pending = store.pending_for(subscription_id, 1000)
        dead = store.dead_letters(subscription_id, 0, 1000)
    return pending + dead


def test_deliveries_are_signed_filtered_and_start_after_subscribing(
    application: Application,
    receiver: Receiver,  # noqa: F811
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    record(application, events.LineAllocated(1, "A", 1, DAY))  # before: never delivered
    _, lines_secret = webhooks.subscribe(
        application.context, receiver.url + "?to=lines", ["backorder.order_line.*"], "test"
    )
    _, all_secret = webhooks.subscribe(application.context, receiver.url + "?to=all", ["*"], "t")
    record(
        application,
        events.LineAllocated(2, "A", 1, DAY),
        events.AllocationCompleted("run-1", "priority", 1, 1, 0),
    )
    relay = make_relay()

    pump(relay, lambda: len(receiver.delivered()) == 3)

    got: dict[str, list[str]] = {}
    for request in receiver.requests:
        hook = request.path.split("to=")[1]
        secret = lines_secret if hook == "lines" else all_secret
        assert verify(secret, request.headers["Backorder-Signature"], request.body)
        assert not verify(
            all_secret if hook == "lines" else lines_secret,
            request.headers["Backorder-Signature"],
            request.body,
        )
        assert request.headers["Content-Type"].startswith("application/cloudevents+json")
        assert request.headers["Backorder-Event-Id"] == request.event["id"]
        assert request.headers["Backorder-Event-Type"] == request.event["type"]
        assert request.headers["Backorder-Delivery-Attempt"] == "1"
        assert request.event["source"] == "urn:backorder:test"
        got.setdefault(hook, []).append(f"{request.event['type']} {request.event['subject']}")
    assert got["lines"] == [f"{ALLOCATED} line/2"]
    assert sorted(got["all"]) == sorted(
        [f"{ALLOCATED} line/2", "backorder.allocation_run.completed.v1 run/run-1"]
    )


def test_a_failing_endpoint_is_retried_with_growing_pauses_until_it_answers(
    application: Application,
    receiver: Receiver,  # noqa: F811
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    answers = iter([500, 503, 200])
    receiver.answer = lambda _event: next(answers)
    hook, _ = webhooks.subscribe(application.context, receiver.url, ["*"], "test")
    record(application, events.LineAllocated(1, "A", 1, DAY))
    relay = make_relay(webhook_max_attempts=5)

    pump(relay, lambda: len(receiver.delivered()) == 1)

    attempts = [r.headers["Backorder-Delivery-Attempt"] for r in receiver.requests]
    assert attempts == ["1", "2", "3"]
    assert len({r.event["id"] for r in receiver.requests}) == 1
    [stored] = webhooks.subscriptions(application.context)
    assert (stored.delivered_total, stored.failures, stored.last_error) == (1, 2, "HTTP 503")
    assert _deliveries(application, hook.id) == []


def test_after_the_last_attempt_a_delivery_is_dead_until_replayed(
    application: Application,
    receiver: Receiver,  # noqa: F811
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    receiver.answer = lambda event: 500 if event["data"]["line_id"] == 1 else 200
    hook, _ = webhooks.subscribe(application.context, receiver.url, ["*"], "test")
    record(application, events.LineAllocated(1, "A", 1, DAY))
    record(application, events.LineAllocated(2, "A", 1, DAY))
    relay = make_relay(webhook_max_attempts=3)

    pump(relay, lambda: len(webhooks.dead_letters(application.context)) == 1)
    pump(relay, lambda: len(receiver.delivered()) == 1)

    [dead] = webhooks.dead_letters(application.context, subscription_id=hook.id)
    assert (dead.status, dead.attempts, dead.last_status_code) == ("dead", 3, 500)
    assert len([r for r in receiver.requests if r.event["data"]["line_id"] == 1]) == 3

    receiver.answer = lambda _event: 200
    replayed = webhooks.replay_dead_letter(application.context, dead.id, "test")
    assert (replayed.status, replayed.attempts) == ("pending", 0)
    with pytest.raises(ConflictError):
        webhooks.replay_dead_letter(application.context, dead.id, "test")
    pump(relay, lambda: len(receiver.delivered()) == 2)

    assert receiver.requests[-1].headers["Backorder-Delivery-Attempt"] == "1"
    assert webhooks.dead_letters(application.context) == []
    with pytest.raises(NotFoundError):
        webhooks.replay_dead_letter(application.context, 999_999, "test")


def test_a_later_event_of_a_subject_waits_for_the_earlier_one(
    application: Application,
    receiver: Receiver,  # noqa: F811
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    failed_once: set[str] = set()

    def answer(event: dict[str, Any]) -> int:
        if event["data"].get("reason") != "first" or event["id"] in failed_once:
            return 200
        failed_once.add(event["id"])
        return 500

    receiver.answer = answer
    webhooks.subscribe(application.context, receiver.url, ["*"], "test")
    record(application, events.LineRepromised(1, DAY, DAY, "first"))
    record(application, events.LineRepromised(1, DAY, DAY, "second"))
    record(application, events.LineRepromised(2, DAY, DAY, "other line"))
    relay = make_relay()

    pump(relay, lambda: len(receiver.delivered()) == 3)

    asked = [(r.event["data"]["reason"], r.status) for r in receiver.requests]
    assert asked[0] == ("first", 500)
    # "second" is not even tried before "first" went through; the other line need not wait.
    assert asked.index(("second", 200)) > asked.index(("first", 200))
    assert ("second", 500) not in asked
    assert {reason for reason, _ in asked} == {"first", "second", "other line"}


def test_a_deleted_subscription_gets_nothing_more(
    application: Application,
    receiver: Receiver,  # noqa: F811
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    receiver.answer = lambda _event: 500
    hook, _ = webhooks.subscribe(application.context, receiver.url, ["*"], "test")
    record(application, events.LineAllocated(1, "A", 1, DAY))
    relay = make_relay(webhook_backoff_initial_seconds=60)
    pump(relay, lambda: len(receiver.requests) == 1)

    webhooks.unsubscribe(application.context, hook.id, "test")
    record(application, events.LineAllocated(2, "A", 1, DAY))
    relay.drain()

    assert len(receiver.requests) == 1
    assert webhooks.subscriptions(application.context) == []
    assert [d.status for d in _deliveries(application, hook.id)] == []
    with pytest.raises(NotFoundError):
        webhooks.unsubscribe(application.context, hook.id, "test")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral
def test_a_subscription_needs_an_http_url_and_known_filters(application: Application) -> None:
    for url, types, field in [
        ("ftp://example.test/x", ["*"], "url"),
        ("http://user:pw@example.test/x", ["*"], "url"),
        ("http://example.test/x", [], "event_types"),
        ("http://example.test/x", ["*", "backorder.order_line.shiped.v1"], "event_types[1]"),
    ]:
        with pytest.raises(InvalidInputError) as raised:
            webhooks.subscribe(application.context, url, types, "test")
        assert raised.value.field == field
    assert webhooks.subscriptions(application.context) == []
