"""Group commit of order intake: orders that arrive together share one transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pytest

from backorder.adapters.memory import FakeUnitOfWork
from backorder.domain.model import LineStatus, Order
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError
from backorder.service_layer.group_commit import GroupCommitter, IntakeQueue
from backorder.service_layer.handlers.orders import PlacedOrder
from tests.unit.service_layer.conftest import Harness


class HeldIntake:
    """An intake queue whose first transaction waits until the test lets it go.

    While it waits, the orders the test submits pile up, as they do under load.
    """

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.release = threading.Event()
        self.writers: list[FakeUnitOfWork] = []
        ctx = harness.ctx
        self.queue = IntakeQueue(
            ServiceContext(
                unit_of_work=self._unit,
                reader=ctx.reader,
                policy=ctx.policy,
                clock=ctx.clock,
            )
        )
        self.answers: dict[str, PlacedOrder | Exception] = {}
        self.threads: list[threading.Thread] = []

    def _unit(self) -> FakeUnitOfWork:
        self.release.wait(timeout=10)
        unit = self.harness.ctx.unit_of_work()
        assert isinstance(unit, FakeUnitOfWork)
        self.writers.append(unit)
        return unit

    def first(self, order: Order, actor: str = "ana") -> None:
        """Place an order the intake thread takes at once, then holds in its transaction."""
        self._start(order, actor)
        _until(lambda: self.queue.committer.started and not self.queue.committer.waiting)

    def submit(self, order: Order, actor: str = "ana") -> None:
        """Place an order from a thread of its own; return once it waits in the queue."""
        before = self.queue.committer.waiting
        self._start(order, actor)
        _until(lambda: self.queue.committer.waiting > before)

    def _start(self, order: Order, actor: str) -> None:

        def place() -> None:
            try:
                self.answers[order.order_id] = self.queue.place(order, actor)
            except Exception as error:
                self.answers[order.order_id] = error

        thread = threading.Thread(target=place)
        thread.start()
        self.threads.append(thread)

    def finish(self) -> None:
        """Let the transactions run and wait for every caller's answer."""
        self.release.set()
        for thread in self.threads:
            thread.join(timeout=10)
        self.queue.close()


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


@pytest.fixture
def held(harness: Harness) -> HeldIntake:
    harness.stock("A", "EAST", 100)
    return HeldIntake(harness)


def test_orders_that_arrive_together_share_one_transaction(
    held: HeldIntake, harness: Harness
) -> None:
    held.first(harness.new_order("SO-0", ("A", 1)))
    for number in range(1, 6):
        held.submit(harness.new_order(f"SO-{number}", ("A", 2)))

    held.finish()

    placed = [held.answers[f"SO-{n}"] for n in range(6)]
    assert all(isinstance(p, PlacedOrder) for p in placed)
    assert [w.committed for w in held.writers] == [True, True]  # SO-0, then SO-1..5 at once
    assert sum(line.allocated for p in placed for line in p.lines) == 11  # type: ignore[union-attr]


def test_a_bad_order_gets_its_own_error_and_spoils_no_one_elses(
    held: HeldIntake, harness: Harness
) -> None:
    held.first(harness.new_order("SO-0", ("A", 1)))
    held.submit(harness.new_order("SO-1", ("A", 2)))
    held.submit(harness.new_order("SO-2", ("A", 2), customer="NOBODY"))
    held.submit(harness.new_order("SO-3", ("A", 2)))

    held.finish()

    refused = held.answers["SO-2"]
    assert isinstance(refused, InvalidInputError)
    assert refused.field == "customer"  # named as in the caller's own request
    for order_id in ("SO-1", "SO-3"):
        accepted = held.answers[order_id]
        assert isinstance(accepted, PlacedOrder)
        assert accepted.lines[0].status is LineStatus.ALLOCATED
    assert {line.line.order_id for line in harness.store.lines.values()} == {
        "SO-0",
        "SO-1",
        "SO-3",
    }


def test_each_order_in_a_batch_is_audited_under_its_own_caller(
    held: HeldIntake, harness: Harness
) -> None:
    held.first(harness.new_order("SO-0", ("A", 1)), actor="ana")
    held.submit(harness.new_order("SO-1", ("A", 1)), actor="bo")
    held.submit(harness.new_order("SO-2", ("A", 1)), actor="cy")

    held.finish()

    placed_by = {
        record["subject"]: record["actor"]
        for record in harness.store.audit_log
        if record["action"] == "order.placed"
    }
    assert placed_by == {"order/SO-0": "ana", "order/SO-1": "bo", "order/SO-2": "cy"}
    assert len(held.writers) == 2


def test_a_closed_intake_refuses_new_orders(harness: Harness) -> None:
    queue = IntakeQueue(harness.ctx)
    queue.close()

    with pytest.raises(RuntimeError, match="shut down"):
        queue.place(harness.new_order("SO-1", ("A", 1)), "ana")


def test_urgent_requests_overtake_those_waiting_before_them() -> None:
    release = threading.Event()
    batches: list[list[str]] = []

    def handle(batch: Sequence[str]) -> list[str]:
        release.wait(timeout=10)
        batches.append(list(batch))
        return list(batch)

    committer: GroupCommitter[str, str] = GroupCommitter(
        "test", handle, max_batch=2, urgent=lambda name: name.startswith("!")
    )
    first = threading.Thread(target=committer.submit, args=("first",))
    first.start()
    _until(lambda: committer.started and not committer.waiting)
    others = [threading.Thread(target=committer.submit, args=(n,)) for n in ("a", "b", "!c")]
    for number, thread in enumerate(others, start=1):
        thread.start()
        _until(lambda n=number: committer.waiting == n)  # type: ignore[misc]
    release.set()
    for thread in [first, *others]:
        thread.join(timeout=10)
    committer.close()

    assert batches == [["first"], ["!c", "a"], ["b"]]
