"""From committed events to cases: open a case when a line is backordered, wake its
workflow when anything about the line or its supply changes, and tick cases whose next
check has come.

The dispatcher reads the outbox (events committed with their change) after its own
cursor, taking only the settled prefix (no position can still commit below it), so it
sees every event in position order, survives restarts without losing one, and may run
again over an event harmlessly (case opening is idempotent, wake-ups carry the cursor as
idempotency key).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import structlog

from backorder.adapters.outbox.tail import HoleWatch, settled
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


_REASONS = {
    _BACKORDERED: "line backordered",
    "backorder.order_line.allocated.v1": "line allocated",
    "backorder.order_line.repromised.v1": "promise changed",
    "backorder.order_line.shipped.v1": "line shipped",
    "backorder.order_line.cancelled.v1": "line cancelled",
    "backorder.case.changed.v1": "case changed",
}
GAP_SETTLE_SECONDS = 30.0  # fallback for stepping over an outbox hole (see outbox.tail)


@dataclass(frozen=True)
class DispatchResult:
    """What one pass did: events read, cases opened, cases woken (with news or a tick)."""

    events: int
    opened: list[str] = field(default_factory=list)
    woken: list[str] = field(default_factory=list)


def _line_reason(event: dict[str, Any]) -> str:
    reason = _REASONS.get(event["type"], "news")
    detail = event["data"].get("reason")
    return (
        f"{reason}: {detail}" if detail and event["type"].startswith("backorder.case.") else reason
    )


def dispatch_once(ctx: ServiceContext, watch: HoleWatch | None = None) -> DispatchResult:
    """Handle the events committed since the last pass, then the checks that are due.

    Only the settled prefix of new events is taken (on PostgreSQL a later position can
    commit first; see `adapters.outbox.tail`), so no event is ever skipped.
    """
    if watch is not None:
        watch.refresh()
    with ctx.reader() as uow:
        after = uow.platform.cursor(CURSOR)
        rows = uow.platform.events_after(after, BATCH)
        batch = rows[: settled(rows, after, uow.clock.now(), GAP_SETTLE_SECONDS, watch)]
    to_open: dict[int, str] = {}
    line_news: dict[int, str] = {}
    source_news: set[str] = set()
    for event in batch:
        data: dict[str, Any] = event["data"]
        if event["type"] == _BACKORDERED:
            to_open[int(data["line_id"])] = str(data["sku"])
        if event["type"] in _LINE_EVENTS and "line_id" in data:
            line_news[int(data["line_id"])] = _line_reason(event)
        elif event["type"] in _SUPPLY_EVENTS:
            source_news.add(str(data["source_id"]))
    opened: list[str] = []
    if to_open:
        with ctx.unit_of_work() as uow:
            customers = uow.orders.customers_of(list(to_open))
            opened = open_cases(
                uow, [(line, sku, customers.get(line, "")) for line, sku in to_open.items()]
            )
            # Every open case of these lines (the new ones included) is started: a pass
            # repeated after a crash between this commit and the start finds its cases
            # open already, and would otherwise leave them without a workflow. Starting a
            # case whose workflow exists does nothing (the case id is the workflow id).
            starting = sorted(uow.cases.open_case_ids_for_lines(list(to_open)))
            uow.commit()
        lifecycle.start_cases(starting)
    with ctx.reader() as uow:
        line_cases = set(uow.cases.open_case_ids_for_lines(list(line_news)))
        source_cases = set(uow.cases.open_case_ids_for_sources(sorted(source_news)))
        due = uow.cases.due_for_check(uow.clock.now())
    by_reason: dict[str, list[str]] = {}
    for line_id, reason in line_news.items():
        if f"case-{line_id}" in line_cases:
            by_reason.setdefault(reason, []).append(f"case-{line_id}")
    told = set(opened) | line_cases
    by_reason["supply changed"] = sorted(source_cases - told)
    by_reason["check due"] = sorted(set(due) - told - source_cases)
    woken: list[str] = []
    for reason, case_ids in by_reason.items():
        fresh = [case_id for case_id in case_ids if case_id not in opened]
        if fresh:
            # Keyed by the cursor: a pass repeated after a crash sends nothing twice.
            key = f"after-{after}:{reason}" if reason != "check due" else None
            lifecycle.wake_cases(fresh, reason, idempotency_key=key)
            woken.extend(fresh)
    if batch:
        with ctx.unit_of_work() as uow:
            uow.platform.set_cursor(CURSOR, int(batch[-1]["position"]))
            uow.commit()
        if watch is not None:
            watch.forget_below(int(batch[-1]["position"]))
    return DispatchResult(events=len(batch), opened=opened, woken=woken)


class Dispatcher:
    """Runs `dispatch_once` in a background thread every `interval` seconds, after starting
    any open case that has no workflow (`lifecycle.start_missing_cases`)."""

    def __init__(
        self, ctx: ServiceContext, interval: float = 0.2, watch: HoleWatch | None = None
    ) -> None:
        self.ctx, self.interval, self.watch = ctx, interval, watch
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
        try:
            lifecycle.start_missing_cases(self.ctx)
        except Exception:
            log.exception("open_case_check_failed")
        while not self._stop.is_set():
            try:
                result = dispatch_once(self.ctx, self.watch)
            except Exception:
                log.exception("dispatch_failed")
                result = DispatchResult(0)
            if result.events < BATCH:
                self._stop.wait(self.interval)
