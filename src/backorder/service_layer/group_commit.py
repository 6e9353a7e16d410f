"""Group commit for order intake: orders arriving together share one transaction.

Most of what a single-line order costs is per transaction, not per line: BEGIN, the item
locks, the master-data reads and above all the commit with its WAL flush. One intake
thread takes every order waiting at that moment and accepts them in one transaction, so
throughput grows with the number of concurrent callers, while a lone caller waits for
nobody. Orders are accepted in arrival order, so first come, first served still holds.

A batch that fails (one order names an unknown item, or repeats an order id) is retried
order by order: every caller gets its own answer, and nobody else's mistake.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog

from backorder.domain.model import Order
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.orders import OrderIntake, PlacedOrder, accept_orders

log = structlog.get_logger(__name__)

MAX_BATCH = 200  # orders per transaction: bounds lock time and the size of a retry


@dataclass
class _Ticket:
    """One caller's order, and where its answer lands."""

    intake: OrderIntake
    done: threading.Event = field(default_factory=threading.Event)
    placed: PlacedOrder | None = None
    error: Exception | None = None

    def settle(self, placed: PlacedOrder | None, error: Exception | None) -> None:
        self.placed, self.error = placed, error
        self.done.set()


class IntakeQueue:
    """Accepts orders from many threads, batching those that arrive together."""

    def __init__(self, ctx: ServiceContext, max_batch: int = MAX_BATCH) -> None:
        self.ctx = ctx
        self.max_batch = max_batch
        self._waiting: deque[_Ticket] = deque()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def place(self, order: Order, actor: str) -> PlacedOrder:
        """Accept one order (allocated against ATP at once); raises what intake raises."""
        ticket = _Ticket(OrderIntake(order, actor))
        with self._ready:
            if self._closed:
                raise RuntimeError("order intake is shut down")
            self._waiting.append(ticket)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="order-intake", daemon=True)
                self._thread.start()
            self._ready.notify()
        ticket.done.wait()
        if ticket.error is not None:
            raise ticket.error
        assert ticket.placed is not None
        return ticket.placed

    def close(self) -> None:
        """Accept what is waiting, then stop the intake thread."""
        with self._ready:
            self._closed = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._waiting and not self._closed:
                    self._ready.wait()
                if not self._waiting:
                    return
                batch = [
                    self._waiting.popleft() for _ in range(min(self.max_batch, len(self._waiting)))
                ]
            try:
                self._accept(batch)
            except BaseException as error:
                # Never leave a caller waiting on a dead thread; the next order starts anew.
                for ticket in batch:
                    if not ticket.done.is_set():
                        ticket.settle(None, RuntimeError(f"order intake failed: {error!r}"))
                with self._ready:
                    self._thread = None
                raise

    def _accept(self, batch: Sequence[_Ticket]) -> None:
        try:
            placed = accept_orders(self.ctx, [ticket.intake for ticket in batch])
        except Exception as error:
            if len(batch) == 1:
                batch[0].settle(None, error)
                return
            log.debug("intake_batch_retried_one_by_one", orders=len(batch), error=str(error))
            for ticket in batch:
                self._accept([ticket])
            return
        for ticket, result in zip(batch, placed, strict=True):
            ticket.settle(result, None)
