"""The consumer's batch handling without a broker: ack after commit, bisection, retries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from sqlalchemy.exc import OperationalError

from backorder.adapters.inbound import consumer as module
from backorder.adapters.inbound.consumer import Fetched, InboundConsumer
from backorder.adapters.inbound.stream import InboundStreamConfig
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.inbound import MessageResult
from backorder.service_layer.handlers.inbound_messages import AnyMessage

Log = list[tuple[str, Any]]


@dataclass
class _Sequence:
    stream: int


@dataclass
class _Metadata:
    num_delivered: int
    sequence: _Sequence


@dataclass
class FakeMsg:
    """What the consumer uses of a JetStream message; acks and naks go to the log."""

    data: bytes
    log: Log
    delivered: int = 1
    subject: str = "erp.inbound.order.created.v1"
    metadata: _Metadata = field(init=False)

    def __post_init__(self) -> None:
        self.metadata = _Metadata(self.delivered, _Sequence(id(self)))

    @property
    def message_id(self) -> str | None:
        """The id the payload carries, if it is JSON at all."""
        try:
            found: str = json.loads(self.data)["message_id"]
            return found
        except ValueError:
            return None

    async def ack(self) -> None:
        """Acknowledge."""
        self.log.append(("ack", self.message_id))

    async def nak(self, delay: float | None = None) -> None:
        """Ask for redelivery."""
        self.log.append(("nak", self.message_id))


@dataclass
class FakeJetStream:
    """Publishes go to the log."""

    log: Log

    async def publish(self, subject: str, body: bytes, headers: dict[str, str]) -> None:
        """Record a dead letter."""
        self.log.append(("publish", subject))


def payload(message_id: str) -> bytes:
    """A valid order.created message."""
    return json.dumps(
        {
            "message_id": message_id,
            "type": "order.created.v1",
            "source": "erp-test",
            "data": {
                "order_id": f"SO-{message_id}",
                "customer": "C",
                "lines": [{"sku": "A", "quantity": 1, "requested_date": "2026-01-05"}],
            },
        }
    ).encode()


def fetched(messages: Sequence[FakeMsg]) -> Fetched:
    """A fetch as `_fetch` hands it over: each message with its validation outcome."""
    return [(cast(Any, m), module._parse(m.data)) for m in messages]


@pytest.fixture
def log() -> Log:
    """Everything that happened, in order."""
    return []


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch, log: Log) -> list[list[str]]:
    """A fake `apply_messages`: each call is a transaction that fails if it holds `bad`."""
    calls: list[list[str]] = []

    def apply(_: ServiceContext, messages: Sequence[AnyMessage], actor: str) -> list[Any]:
        ids = [m.message_id for m in messages]
        calls.append(ids)
        if "bad" in ids:
            raise RuntimeError("handler bug")
        log.append(("commit", ids))
        return [MessageResult(i, "order.created.v1", "applied", attempts=1) for i in ids]

    monkeypatch.setattr(module, "apply_messages", apply)
    monkeypatch.setattr(module, "record_dead_letter", lambda *_: None)
    return calls


def consumer(max_deliveries: int = 5) -> InboundConsumer:
    """A consumer whose context is never touched (the apply is faked)."""
    config = InboundStreamConfig(max_deliveries=max_deliveries)
    return InboundConsumer(cast(ServiceContext, None), config)


def test_a_batch_is_acked_only_after_its_commit(log: Log, transactions: list[list[str]]) -> None:
    batch = [FakeMsg(payload(f"m{n}"), log) for n in range(5)]
    asyncio.run(consumer()._handle(cast(Any, FakeJetStream(log)), fetched(batch)))
    assert transactions == [[f"m{n}" for n in range(5)]]
    assert log[0] == ("commit", [f"m{n}" for n in range(5)])
    assert log[1:] == [("ack", f"m{n}") for n in range(5)]


def test_a_crashing_message_is_isolated_and_its_neighbours_commit_in_order(
    log: Log, transactions: list[list[str]]
) -> None:
    ids = [f"m{n}" for n in range(16)]
    ids[11] = "bad"
    batch = [FakeMsg(payload(i), log) for i in ids]
    worker = consumer()
    asyncio.run(worker._handle(cast(Any, FakeJetStream(log)), fetched(batch)))
    committed = [i for event, found in log if event == "commit" for i in found]
    assert committed == [i for i in ids if i != "bad"]  # every good one, in the order received
    assert len(transactions) <= 2 * 4 + 1  # bisection: a few transactions, not one each
    assert ("nak", "bad") in log
    assert ("ack", "bad") not in log
    assert sorted(i for event, i in log if event == "ack") == sorted(committed)
    assert (worker.stats.applied, worker.stats.redelivered) == (15, 1)


def test_a_message_that_keeps_crashing_is_dead_lettered(
    log: Log, transactions: list[list[str]]
) -> None:
    batch = [FakeMsg(payload("m1"), log), FakeMsg(payload("bad"), log, delivered=3)]
    worker = consumer(max_deliveries=3)
    asyncio.run(worker._handle(cast(Any, FakeJetStream(log)), fetched(batch)))
    assert ("publish", "erp.dead.order.created.v1") in log
    assert ("ack", "bad") in log
    assert ("ack", "m1") in log
    assert (worker.stats.applied, worker.stats.dead_lettered) == (1, 1)


def test_an_invalid_payload_does_not_hold_up_the_batch(
    log: Log, transactions: list[list[str]]
) -> None:
    batch = [FakeMsg(payload("m1"), log), FakeMsg(b"{not json", log), FakeMsg(payload("m2"), log)]
    worker = consumer()
    asyncio.run(worker._handle(cast(Any, FakeJetStream(log)), fetched(batch)))
    assert transactions == [["m1", "m2"]]
    assert ("publish", "erp.dead.unknown") in log
    assert (worker.stats.applied, worker.stats.dead_lettered) == (2, 1)


def test_an_unavailable_database_acks_nothing(
    monkeypatch: pytest.MonkeyPatch, log: Log, transactions: list[list[str]]
) -> None:
    def unavailable(*_: Any) -> list[Any]:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    async def no_pause(_: float) -> None:
        return None

    monkeypatch.setattr(module, "apply_messages", unavailable)
    monkeypatch.setattr(asyncio, "sleep", no_pause)
    batch = [FakeMsg(payload(f"m{n}"), log) for n in range(3)]
    worker = consumer()
    asyncio.run(worker._handle(cast(Any, FakeJetStream(log)), fetched(batch)))
    assert log == [("nak", f"m{n}") for n in range(3)]
    assert (worker.stats.applied, worker.stats.redelivered, worker.stats.dead_lettered) == (0, 3, 0)
