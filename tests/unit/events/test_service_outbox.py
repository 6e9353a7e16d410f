"""Every event the service tests write to the outbox validates against its type's schema.

The service-layer tests run here once more, in process, with a plugin that reads the
outbox of each test's in-memory store after the test body: whatever a handler wrote
there is checked against the shipped schema of its type (strictly: no unnamed fields).
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from backorder.events.catalog import REGISTRY
from tests.unit.events.schemas import problems

SERVICE_TESTS = Path(__file__).resolve().parents[1] / "service_layer"


class OutboxAudit:
    """Collects the outbox rows of every test that used the `harness` fixture."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, Any]]] = []
        self.tests = 0

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """After each test body: take the rows its store's outbox holds."""
        try:
            return (yield)
        finally:
            harness = getattr(item, "funcargs", {}).get("harness")
            if harness is not None:
                self.tests += 1
                self.rows.extend((item.nodeid, row) for row in harness.store.outbox)


def test_every_event_the_service_tests_write_validates_against_its_schema() -> None:
    audit = OutboxAudit()
    # Their own failures are reported by the service tests themselves; here only events count.
    pytest.main(
        [str(SERVICE_TESTS), "-q", "-p", "no:cacheprovider", "-p", "no:xdist"], plugins=[audit]
    )

    assert audit.tests > 20
    seen = {row["type"] for _, row in audit.rows}
    assert {
        "backorder.order_line.allocated.v1",
        "backorder.order_line.backordered.v1",
        "backorder.order_line.repromised.v1",
        "backorder.allocation_run.completed.v1",
    } <= seen
    unregistered = sorted(t for t in seen if t not in REGISTRY)
    assert unregistered == [], "no schema: `python -m backorder.events --write` drafts them"
    broken = [
        f"{test}: {problem}"
        for test, row in audit.rows
        for problem in problems(row["type"], json.loads(json.dumps(row["data"])))
    ]
    assert broken == []
