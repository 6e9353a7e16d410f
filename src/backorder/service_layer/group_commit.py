"""Group commit: requests that arrive together share one transaction.

Most of what a small write costs is per transaction, not per row: BEGIN, the item locks,
the master-data reads and above all the commit with its WAL flush. A `GroupCommitter`
thread takes every request waiting at that moment and handles them as one batch, so
throughput grows with the number of concurrent callers while a lone caller waits for
nobody. Requests are handled in arrival order, so first come, first served still holds.

Order intake uses it (`IntakeQueue`), and so do the evaluations of many case workflows
(`workflows.runtime`), which await their answer without holding a thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import structlog

from backorder.domain.model import Order
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.orders import OrderIntake, PlacedOrder, accept_orders

log = structlog.get_logger(__name__)

Request = TypeVar("Request")
Answer = TypeVar("Answer")
# A batch handler gives each request its answer, or the error to raise to its caller.
BatchHandler = Callable[[Sequence[Request]], Sequence[Answer | Exception]]


@dataclass
class _Ticket(Generic[Request, Answer]):
    """One caller's request, and where its answer lands."""

    request: Request
    done: threading.Event = field(default_factory=threading.Event)
    answer: Answer | Exception | None = None
    on_settled: Callable[[Answer | Exception], object] | None = None

    def settle(self, answer: Answer | Exception) -> None:
        self.answer = answer
        self.done.set()
        if self.on_settled is not None:
            self.on_settled(answer)


def _resolve(future: asyncio.Future[Answer], answer: Answer | Exception) -> None:
    if future.done():  # the awaiting task was cancelled
        return
    if isinstance(answer, Exception):
        future.set_exception(answer)
    else:
        future.set_result(answer)


class GroupCommitter(Generic[Request, Answer]):
    """Handles requests from many threads in batches, one batch at a time, in one thread."""

    def __init__(
        self,
        name: str,
        handle: BatchHandler[Request, Answer],
        max_batch: int = 200,
        urgent: Callable[[Request], bool] | None = None,
    ) -> None:
        self.name = name
        self.handle = handle
        self.max_batch = max_batch  # bounds lock time and the size of a retry
        # Urgent requests overtake the others (a woken case before a surge of new ones).
        self.urgent = urgent
        self._urgent: deque[_Ticket[Request, Answer]] = deque()
        self._waiting: deque[_Ticket[Request, Answer]] = deque()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.answered = 0  # requests answered so far (read by drivers waiting for quiet)

    def submit(self, request: Request) -> Answer:
        """Handle one request (batched with others); raises what its handling raised."""
        ticket: _Ticket[Request, Answer] = _Ticket(request)
        self._enqueue(ticket)
        ticket.done.wait()
        if isinstance(ticket.answer, Exception):
            raise ticket.answer
        return ticket.answer  # type: ignore[return-value]

    async def submit_async(self, request: Request) -> Answer:
        """`submit` for coroutines: the event loop waits, no thread is held."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Answer] = loop.create_future()
        self._enqueue(
            _Ticket(
                request,
                on_settled=lambda answer: loop.call_soon_threadsafe(_resolve, future, answer),
            )
        )
        return await future

    def _enqueue(self, ticket: _Ticket[Request, Answer]) -> None:
        with self._ready:
            if self._closed:
                raise RuntimeError(f"{self.name} is shut down")
            if self.urgent is not None and self.urgent(ticket.request):
                self._urgent.append(ticket)
            else:
                self._waiting.append(ticket)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._ready.notify()

    @property
    def waiting(self) -> int:
        """Requests queued and not yet taken into a batch."""
        return len(self._urgent) + len(self._waiting)

    @property
    def started(self) -> bool:
        """True once the batching thread runs."""
        return self._thread is not None

    def close(self) -> None:
        """Handle what is waiting, then stop the batching thread."""
        with self._ready:
            self._closed = True
            self._ready.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self.waiting and not self._closed:
                    self._ready.wait()
                if not self.waiting:
                    return
                batch: list[_Ticket[Request, Answer]] = []
                for queue in (self._urgent, self._waiting):
                    while queue and len(batch) < self.max_batch:
                        batch.append(queue.popleft())
            try:
                answers = self.handle([ticket.request for ticket in batch])
                for ticket, answer in zip(batch, answers, strict=True):
                    ticket.settle(answer)
                self.answered += len(batch)
            except BaseException as error:
                # Never leave a caller waiting on a dead thread; the next request starts anew.
                for ticket in batch:
                    if not ticket.done.is_set():
                        ticket.settle(RuntimeError(f"{self.name} failed: {error!r}"))
                with self._ready:
                    self._thread = None
                raise


def one_by_one_on_failure(
    handle_all: Callable[[Sequence[Request]], Sequence[Answer]],
) -> BatchHandler[Request, Answer]:
    """A batch handler that, when the whole batch fails, retries each request alone.

    Every caller then gets its own answer or error, and nobody else's mistake.
    """

    def handle(batch: Sequence[Request]) -> list[Answer | Exception]:
        try:
            return list(handle_all(batch))
        except Exception as error:
            if len(batch) == 1:
                return [error]
            log.debug("batch_retried_one_by_one", requests=len(batch), error=str(error))
            return [answer for request in batch for answer in handle([request])]

    return handle


class IntakeQueue:
    """Order intake with group commit: concurrent orders are accepted in one transaction."""

    def __init__(self, ctx: ServiceContext, max_batch: int = 200) -> None:
        self.committer: GroupCommitter[OrderIntake, PlacedOrder] = GroupCommitter(
            "order-intake",
            one_by_one_on_failure(lambda intakes: accept_orders(ctx, intakes)),
            max_batch,
        )

    def place(self, order: Order, actor: str) -> PlacedOrder:
        """Accept one order (allocated against ATP at once); raises what intake raises."""
        return self.committer.submit(OrderIntake(order, actor))

    def close(self) -> None:
        """Accept what is waiting, then stop."""
        self.committer.close()
