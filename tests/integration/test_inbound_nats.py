"""The JetStream consumer against a real nats-server: apply, ack, retry, dead-letter."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import nats
import pytest

from backorder.adapters import orm
from backorder.adapters.inbound.consumer import ConsumerStats, InboundConsumer
from backorder.adapters.inbound.stream import InboundStreamConfig, ensure_stream
from backorder.adapters.repositories.integration import IntegrationRepository
from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers import supply
from backorder.service_layer.handlers.inbound_kinds import KINDS, Applied
from backorder.service_layer.handlers.inbound_messages import AnyMessage
from backorder.service_layer.shared_transaction import SharedTransaction
from tests.integration.helpers import count, in_days, seed_master
from tests.integration.nats_server import nats_server

pytestmark = pytest.mark.nats


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    """A JetStream server of this test's own."""
    with nats_server(tmp_path / "jetstream") as url:
        yield url


@pytest.fixture
def app(tmp_path: Path, clock: FixedClock) -> Iterator[Application]:
    """Master data and stock of A at EAST, on SQLite: the database side of inbound messages
    is tested on both backends in test_inbound_apply.py; here it is the transport."""
    url = f"sqlite:///{(tmp_path / 'backorder.db').as_posix()}"
    application = bootstrap(Settings(database_url=url, home=tmp_path), clock=clock)
    seed_master(application)
    supply.set_stock(application.context, [supply.StockLevel("A", "EAST", 100)], "test")
    yield application
    application.close()


def stream(url: str, **overrides: Any) -> InboundStreamConfig:
    """The inbound stream on the test's server, with quick retries."""
    return InboundStreamConfig(url=url, retry_delay_seconds=0.3, **overrides)


def order(message_id: str, order_id: str, customer: str = "C-STD") -> dict[str, Any]:
    """A canonical order.created message."""
    return {
        "message_id": message_id,
        "type": "order.created.v1",
        "source": "erp-test",
        "data": {
            "order_id": order_id,
            "customer": customer,
            "lines": [{"sku": "A", "quantity": 2, "requested_date": in_days(3).isoformat()}],
        },
    }


async def _publish(config: InboundStreamConfig, payloads: list[tuple[str, bytes, str]]) -> None:
    connection = await nats.connect(config.url)
    try:
        js = connection.jetstream()
        await ensure_stream(js, config)
        for subject, body, nats_id in payloads:
            await js.publish(subject, body, headers={"Nats-Msg-Id": nats_id})
    finally:
        await connection.close()


def publish(config: InboundStreamConfig, *messages: dict[str, Any] | bytes) -> None:
    """Publish as an ERP does: `Nats-Msg-Id` is the message id (the broker drops repeats)."""
    payloads = []
    for number, message in enumerate(messages):
        if isinstance(message, bytes):
            payloads.append((config.subject_for("order.created.v1"), message, f"raw-{number}"))
        else:
            nats_id = message.get("nats_id", message["message_id"])
            body = json.dumps({k: v for k, v in message.items() if k != "nats_id"}).encode()
            payloads.append((config.subject_for(message["type"]), body, nats_id))
    asyncio.run(_publish(config, payloads))


def consume(app: Application, config: InboundStreamConfig, idle: float = 1.2) -> ConsumerStats:
    """Run the consumer until the stream stays empty for `idle` seconds."""
    return asyncio.run(InboundConsumer(app.context, config).run(idle_exit=idle))


async def _dead_letters(config: InboundStreamConfig) -> list[tuple[str, dict[str, Any]]]:
    connection = await nats.connect(config.url)
    try:
        js = connection.jetstream()
        sub = await js.pull_subscribe(f"{config.prefix}.dead.>", stream=config.stream)
        try:
            found = await sub.fetch(100, timeout=1)
        except (nats.errors.TimeoutError, TimeoutError):
            return []
        return [(m.subject, json.loads(m.data)) for m in found]
    finally:
        await connection.close()


def dead_letters(config: InboundStreamConfig) -> list[tuple[str, dict[str, Any]]]:
    """Everything parked on the dead-letter subjects."""
    return asyncio.run(_dead_letters(config))


async def _pending(config: InboundStreamConfig) -> tuple[int, int]:
    connection = await nats.connect(config.url)
    try:
        info = await connection.jetstream().consumer_info(config.stream, config.durable)
        return info.num_pending, info.num_ack_pending
    finally:
        await connection.close()


def test_messages_are_applied_once_and_acked(app: Application, nats_url: str) -> None:
    config = stream(nats_url)
    first = order("m-1", "SO-1")
    # The broker drops a repeat of a NATS id; a repeat after its duplicate window (here: a
    # new NATS id) gets through, and the message id stops it.
    again = first | {"nats_id": "m-1-later"}
    publish(config, first, order("m-2", "SO-2"), first, again, order("m-3", "SO-3"))
    stats = consume(app, config)
    assert (stats.messages, stats.applied, stats.duplicates, stats.dead_lettered) == (4, 3, 1, 0)
    assert count(app, orm.orders) == 3
    assert asyncio.run(_pending(config)) == (0, 0)
    # A restart finds nothing left to do.
    assert consume(app, config, idle=1.0).messages == 0


def test_an_invalid_payload_is_dead_lettered_at_once(app: Application, nats_url: str) -> None:
    config = stream(nats_url)
    broken = order("m-1", "SO-1")
    del broken["data"]["customer"]
    publish(config, b"{not json", broken, order("m-2", "SO-2"))
    stats = consume(app, config)
    assert (stats.applied, stats.dead_lettered) == (1, 2)
    letters = dead_letters(config)
    assert [subject for subject, _ in letters] == [
        "erp.dead.unknown",
        "erp.dead.order.created.v1",
    ]
    _, missing = letters[1]
    assert missing["error"] == "invalid payload: data.customer: Field required"
    assert missing["message"]["message_id"] == "m-1"
    assert missing["subject"] == "erp.inbound.order.created.v1"
    assert asyncio.run(_pending(config)) == (0, 0)


def test_a_refused_message_is_retried_then_dead_lettered(app: Application, nats_url: str) -> None:
    config = stream(nats_url, max_deliveries=2)
    publish(config, order("m-1", "SO-1", customer="NOBODY"), order("m-2", "SO-2"))
    stats = consume(app, config)
    assert (stats.applied, stats.redelivered, stats.dead_lettered) == (1, 1, 1)
    ((subject, letter),) = dead_letters(config)
    assert subject == "erp.dead.order.created.v1"
    assert "unknown customer 'NOBODY'" in letter["error"]
    with app.engine.connect() as connection:
        stored = IntegrationRepository(connection).message("m-1")
    assert stored is not None
    assert (stored["outcome"], stored["attempts"]) == ("dead_lettered", 2)


def test_a_change_that_overtakes_its_order_is_retried(app: Application, nats_url: str) -> None:
    config = stream(nats_url, max_deliveries=10)
    change = {
        "message_id": "m-0",
        "type": "order_line.quantity_changed.v1",
        "source": "erp-test",
        "data": {"order_id": "SO-1", "line_number": 1, "quantity": 5},
    }
    publish(config, change)
    first = consume(app, config, idle=0.2)
    publish(config, order("m-1", "SO-1"))
    second = consume(app, config)
    assert first.applied == 0
    assert first.redelivered >= 1  # refused: the order is not there yet
    assert (second.applied, second.dead_lettered) == (2, 0)
    with app.context.reader() as uow:
        (line,) = uow.orders.lines_of_order("SO-1")
    assert line.line.quantity == 5


def test_a_message_that_crashes_its_handler_does_not_hold_up_its_batch(
    app: Application, nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = stream(nats_url, max_deliveries=2)
    real = KINDS["order.created.v1"]

    def crashing(tx: SharedTransaction, messages: Sequence[AnyMessage], actor: str) -> Applied:
        if any(m.message_id == "m-bad" for m in messages):
            raise RuntimeError("handler bug")
        return real.apply(tx, messages, actor)

    monkeypatch.setitem(KINDS, "order.created.v1", dataclasses.replace(real, apply=crashing))
    good = [order(f"m-{n}", f"SO-{n}") for n in range(6)]
    publish(config, *good[:3], order("m-bad", "SO-BAD"), *good[3:])
    # Idle long enough for the crashing message's redelivery on a busy machine.
    stats = consume(app, config, idle=3.0)
    assert (stats.applied, stats.dead_lettered) == (6, 1)
    assert count(app, orm.orders) == 6
    ((subject, letter),) = dead_letters(config)
    assert subject == "erp.dead.order.created.v1"
    assert "handler failed" in letter["error"]
    assert "handler bug" in letter["error"]
    assert asyncio.run(_pending(config)) == (0, 0)
