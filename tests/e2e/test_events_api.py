"""The event feed, the AsyncAPI document, webhooks, integration health and /metrics over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from backorder.events.catalog import REGISTRY
from backorder.service_layer.access import Role
from tests.e2e.conftest import Api
from tests.integration.outbox_helpers import (
    Receiver,
    RelayFactory,
    make_relay,  # noqa: F401  (fixture)
    pump,
    receiver,  # noqa: F401  (fixture)
    relay_settings,
)
from tests.unit.events.schemas import problems

SETTINGS = relay_settings(webhook_max_attempts=2)


@pytest.fixture
def events_api(api: Api) -> Api:
    """The API with relay settings of its own (few webhook attempts)."""
    app: Any = api.client.app
    app.state.relay_settings = SETTINGS
    return api


def _business(api: Api) -> None:
    """Stock, and orders that are allocated, backordered and repromised by a run."""
    api.seed()
    api.ok(
        "PUT",
        "/v1/inventory",
        Role.WAREHOUSE,
        json={"levels": [{"sku": "A", "location": "EAST", "on_hand": 10}]},
    )
    for number in range(1, 5):
        api.order(f"SO-{number}", "A", 4)
    api.order("SO-9", "A", 3, customer="C-STR")
    api.ok("POST", "/v1/allocation-runs", Role.PLANNER, json={"solver": "priority"})


def test_the_feed_pages_every_event_as_a_valid_cloudevent(events_api: Api) -> None:
    _business(events_api)
    seen: list[dict[str, Any]] = []
    after = 0
    while True:
        page = events_api.ok(
            "GET", "/v1/events", Role.INTEGRATION, params={"after": after, "limit": 3}
        )
        assert len(page["events"]) <= 3
        seen.extend(page["events"])
        after = page["next_after"]
        if not page["has_more"]:
            break

    with events_api.application.context.reader() as uow:
        stored = uow.platform.events_after(0, 10_000)
    assert [e["id"] for e in seen] == [r["event_id"] for r in stored]
    assert [e["position"] for e in seen] == sorted(e["position"] for e in seen)
    types = {e["type"] for e in seen}
    assert {
        "backorder.order_line.allocated.v1",
        "backorder.order_line.backordered.v1",
        "backorder.allocation_run.completed.v1",
    } <= types
    for event in seen:
        assert event["specversion"] == "1.0"
        assert event["source"] == "urn:backorder:test"
        assert event["time"].endswith("Z")
        assert problems(event["type"], event["data"]) == []
    empty = events_api.ok("GET", "/v1/events", Role.ADMIN, params={"after": after})
    assert (empty["events"], empty["next_after"], empty["has_more"]) == ([], after, False)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral
def test_the_feed_and_webhooks_are_for_integrations(events_api: Api) -> None:
    body = {"url": "http://127.0.0.1:9/x", "event_types": ["*"]}
    for role, status in [(None, 401), (Role.VIEWER, 403), (Role.CSR, 403), (Role.PLANNER, 403)]:
        assert events_api.call("GET", "/v1/events", role).status_code == status
        assert events_api.call("GET", "/v1/webhooks", role).status_code == status
        created = events_api.call("POST", "/v1/webhooks", role, json=body)
        assert created.status_code == status
        assert created.headers["content-type"] == "application/problem+json"
    assert events_api.call("GET", "/v1/integrations/health", Role.CSR).status_code == 403
    assert events_api.call("GET", "/v1/events", Role.INTEGRATION).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral
def test_the_asyncapi_document_is_public_and_lists_every_type(events_api: Api) -> None:
    response = events_api.call("GET", "/v1/asyncapi.json", None)
    assert response.status_code == 200
    document = response.json()
    assert document["asyncapi"] == "3.0.0"
    names = {m["name"] for m in document["components"]["messages"].values()}
    assert names == set(REGISTRY.types)


def test_webhooks_are_created_listed_and_deleted(events_api: Api) -> None:
    body = {
        "url": "http://127.0.0.1:9/hooks",
        "event_types": ["backorder.order_line.*"],
        "description": "ERP",
    }
    created = events_api.ok("POST", "/v1/webhooks", Role.INTEGRATION, json=body)
    assert created["secret"].startswith("whsec_")
    assert created["signature"]["header"] == "Backorder-Signature"
    assert created["created_by"].startswith("e2e integration")
    listed = events_api.ok("GET", "/v1/webhooks", Role.INTEGRATION)
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0]
    one = events_api.ok("GET", f"/v1/webhooks/{created['id']}", Role.INTEGRATION)
    assert one["event_types"] == ["backorder.order_line.*"]

    deleted = events_api.call("DELETE", f"/v1/webhooks/{created['id']}", Role.INTEGRATION)
    assert deleted.status_code == 204
    assert events_api.ok("GET", "/v1/webhooks", Role.INTEGRATION) == []
    gone = events_api.call("DELETE", f"/v1/webhooks/{created['id']}", Role.INTEGRATION)
    assert gone.status_code == 404
    assert events_api.call("GET", f"/v1/webhooks/{created['id']}").status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral
def test_a_bad_subscription_is_refused_naming_the_field(events_api: Api) -> None:
    url = "http://127.0.0.1:9/x"
    for body, field in [
        ({"url": "not a url", "event_types": ["*"]}, "url"),
        ({"url": url, "event_types": []}, "event_types"),
        ({"url": url, "event_types": ["*", "backorder.nope.v1"]}, "event_types[1]"),
        ({"url": url, "event_types": ["*"], "secret": "mine"}, "secret"),
    ]:
        response = events_api.call("POST", "/v1/webhooks", Role.INTEGRATION, json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert events_api.ok("GET", "/v1/webhooks", Role.INTEGRATION) == []


def test_dead_letters_are_listed_replayed_and_show_in_health_and_metrics(
    events_api: Api,
    receiver: Receiver,  # noqa: F811
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    receiver.answer = lambda _event: 500
    hook = events_api.ok(
        "POST", "/v1/webhooks", Role.INTEGRATION, json={"url": receiver.url, "event_types": ["*"]}
    )
    _business(events_api)
    relay = make_relay(webhook_max_attempts=2)
    with events_api.application.context.reader() as uow:
        written = len(uow.platform.events_after(0, 10_000))
    dead_letters: list[dict[str, Any]] = []

    def all_dead() -> bool:
        page = events_api.ok(
            "GET",
            "/v1/webhooks/dead-letters",
            Role.INTEGRATION,
            params={"subscription_id": hook["id"], "limit": 1000},
        )
        dead_letters[:] = page["items"]
        return len(dead_letters) == written

    pump(relay, all_dead)
    first = dead_letters[0]
    assert (first["status"], first["attempts"], first["last_status_code"]) == ("dead", 2, 500)

    health = events_api.ok("GET", "/v1/integrations/health", Role.VIEWER)
    assert health["status"] == "degraded"
    nats, fan_out = health["adapters"]
    assert (nats["name"], nats["configured"]) == ("nats", False)
    assert (fan_out["name"], fan_out["queue_depth"]) == ("webhooks", 0)
    [webhook] = health["webhooks"]
    assert (webhook["id"], webhook["dead_letters"]) == (hook["id"], len(dead_letters))
    assert webhook["failures"] == 2 * len(dead_letters)

    metrics = events_api.call("GET", "/metrics", None)
    assert metrics.status_code == 200
    text = metrics.text
    assert (
        f'backorder_webhook_dead_letters{{subscription="{hook["id"]}"}} {len(dead_letters)}.0'
        in text
    )
    assert 'backorder_outbox_lag_seconds{consumer="webhooks"}' in text
    assert "backorder_integration_failed_deliveries_total" in text
    assert "process_cpu_seconds_total" in text

    receiver.answer = lambda _event: 200
    replayed = events_api.call(
        "POST", f"/v1/webhooks/dead-letters/{first['id']}/replay", Role.INTEGRATION
    )
    assert replayed.status_code == 202
    assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
    again = events_api.call(
        "POST", f"/v1/webhooks/dead-letters/{first['id']}/replay", Role.INTEGRATION
    )
    assert again.status_code == 409
    missing = events_api.call("POST", "/v1/webhooks/dead-letters/999999/replay", Role.ADMIN)
    assert missing.status_code == 404
    pump(relay, lambda: len(receiver.delivered()) == 1)
    assert receiver.delivered()[0]["id"] == first["event_id"]
