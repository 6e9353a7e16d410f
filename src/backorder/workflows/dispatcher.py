"""From committed events to cases: open a case when a line is backordered, wake its
workflow when anything about the line or its supply changes, and tick cases whose next
check has come.

The dispatcher reads the outbox (events committed with their change) after its own
cursor, so it sees every event exactly in commit order, survives restarts without losing
one, and may run again over an event harmlessly (case opening is idempotent, messages
carry the event id as idempotency key).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import structlog

from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.cases import open_cases
from backorder.workflows import lifecycle

log = structlog.get_logger(__name__)
CURSOR = "case-dispatcher"
BATCH = 2_000

_LINE_EVENTS = {
    "backorder.order_line.allocated.v1",
    "backorder.order_line.repromised.v1",
    "backorder.order_line.shipped.v1",
    "backorder.order_line.cancelled.v1",
    "backorder.case.changed.v1",
}
_SUPPLY_EVENTS = {"backorder.purchase_order_line.changed.v1"}
_BACKORDERED = "backorder.order_line.backordered.v1"


@dataclass(frozen=True)
class DispatchResult:
    """What one pass did."""

    events: int
    opened: int
    woken: int


def dispatch_once(ctx: ServiceContext) -> DispatchResult:
    """Handle the events committed since the last pass, then the checks that are due."""
    with ctx.reader() as uow:
        after = uow.platform.cursor(CURSOR)
        batch = uow.platform.events_after(after, BATCH)
    to_open: dict[int, tuple[int, str, str]] = {}
    wake_lines: dict[int, str] = {}
    wake_sources: dict[str, str] = {}
    for event in batch:
        data: dict[str, Any] = event["data"]
        if event["type"] == _BACKORDERED:
            to_open[int(data["line_id"])] = (int(data["line_id"]), data["sku"], "")
            wake_lines[int(data["line_id"])] = event["event_id"]
        elif event["type"] in _LINE_EVENTS and "line_id" in data:
            wake_lines[int(data["line_id"])] = event["event_id"]
        elif event["type"] in _SUPPLY_EVENTS:
            wake_sources[str(data["source_id"])] = event["event_id"]
    opened: list[str] = []
    if to_open:
        with ctx.unit_of_work() as uow:
            customers = uow.orders.customers_of(list(to_open))
            opened = open_cases(
                uow, [(line, sku, customers.get(line, "")) for line, sku, _ in to_open.values()]
            )
            uow.commit()
        lifecycle.start_cases(opened)
    woken = 0
    with ctx.reader() as uow:
        line_cases = uow.cases.open_case_ids_for_lines(list(wake_lines))
        source_cases = uow.cases.open_case_ids_for_sources(list(wake_sources))
        due = uow.cases.due_for_check(uow.clock.now())
    news: list[str] = sorted((set(line_cases) | set(source_cases)) - set(opened))
    if news:
        lifecycle.wake_cases(news, "news", idempotency_key=f"after-{after}")
        woken += len(news)
    ticks: list[str] = sorted(set(due) - set(news) - set(opened))
    if ticks:
        lifecycle.wake_cases(ticks, "check due")
        woken += len(ticks)
    if batch:
        with ctx.unit_of_work() as uow:
            uow.platform.set_cursor(CURSOR, int(batch[-1]["position"]))
            uow.commit()
    return DispatchResult(events=len(batch), opened=len(opened), woken=woken)


class Dispatcher:
    """Runs `dispatch_once` in a background thread every `interval` seconds."""

    def __init__(self, ctx: ServiceContext, interval: float = 0.2) -> None:
        self.ctx, self.interval = ctx, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="case-dispatcher", daemon=True)

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
                result = dispatch_once(self.ctx)
            except Exception:
                log.exception("dispatch_failed")
                result = DispatchResult(0, 0, 0)
            if result.events < BATCH:
                self._stop.wait(self.interval)
