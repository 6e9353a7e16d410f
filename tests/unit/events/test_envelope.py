"""CloudEvents envelopes around outbox rows, and the webhook filters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from backorder.events import filters
from backorder.events.catalog import REGISTRY
from backorder.events.envelope import default_source, encode, envelope, rfc3339

ROW = {
    "position": 42,
    "event_id": "0b6c2a4e-8a44-4f0e-9d5c-3f1e2d7c9a10",
    "type": "backorder.order_line.backordered.v1",
    "subject": "line/7",
    "occurred_at": datetime(2026, 11, 27, 9, 0),  # naive, as SQLite returns it: UTC
    "data": {
        "line_id": 7,
        "sku": "A",
        "backordered_quantity": 5,
        "requested_date": "2026-11-30",
        "promise_date": None,
    },
}


def test_an_envelope_carries_every_required_cloudevents_attribute() -> None:
    event = envelope(ROW, "urn:backorder:test")
    assert event == {
        "specversion": "1.0",
        "id": ROW["event_id"],
        "source": "urn:backorder:test",
        "type": "backorder.order_line.backordered.v1",
        "subject": "line/7",
        "time": "2026-11-27T09:00:00Z",
        "datacontenttype": "application/json",
        "dataschema": "urn:backorder:schema:backorder.order_line.backordered.v1",
        "position": 42,
        "data": ROW["data"],
    }


def test_data_stored_as_text_is_decoded_and_the_wire_form_is_compact_json() -> None:
    event = envelope({**ROW, "data": json.dumps(ROW["data"])}, "urn:x")
    assert event["data"] == ROW["data"]
    wire = encode(event)
    assert b" " not in wire
    assert json.loads(wire) == event


def test_times_are_rfc3339_utc() -> None:
    cet = timezone(timedelta(hours=1))
    assert rfc3339(datetime(2026, 11, 27, 10, 0, tzinfo=cet)) == "2026-11-27T09:00:00Z"
    assert (
        rfc3339(datetime(2026, 11, 27, 9, 0, 0, 5000, tzinfo=UTC)) == "2026-11-27T09:00:00.005000Z"
    )


def test_the_default_source_names_the_host() -> None:
    assert default_source().startswith("urn:backorder:")
    assert len(default_source()) > len("urn:backorder:")


@pytest.mark.parametrize(
    ("patterns", "event_type", "expected"),
    [
        (["*"], "backorder.order_line.shipped.v1", True),
        (["backorder.order_line.*"], "backorder.order_line.shipped.v1", True),
        (["backorder.order_line.*"], "backorder.order_lines.shipped.v1", False),
        (["backorder.*"], "backorder.case.opened.v1", True),
        (["backorder.order_line.shipped.v1"], "backorder.order_line.shipped.v1", True),
        (["backorder.order_line.shipped.v1"], "backorder.order_line.shipped.v2", False),
        (["backorder.case.*", "backorder.task.opened.v1"], "backorder.task.opened.v1", True),
        ([], "backorder.task.opened.v1", False),
    ],
)
def test_filters_match_exact_types_prefixes_and_all(
    patterns: list[str], event_type: str, expected: bool
) -> None:
    assert filters.matches(patterns, event_type) is expected


def test_a_filter_must_be_a_registered_type_a_prefix_or_all() -> None:
    assert filters.problem("*", REGISTRY) is None
    assert filters.problem("backorder.order_line.*", REGISTRY) is None
    assert filters.problem("backorder.order_line.shipped.v1", REGISTRY) is None
    assert "neither" in str(filters.problem("backorder.order_line.shiped.v1", REGISTRY))
    assert filters.problem("order_line.*", REGISTRY) is not None
    assert filters.problem("backorder.*.shipped.v1", REGISTRY) is not None
