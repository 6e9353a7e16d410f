"""Delivery to a real NATS JetStream server: through an outage, and after a crash.

Each test starts its own `nats-server -js` on a free port with a temporary store.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select, update

from backorder.adapters import orm
from backorder.adapters.outbox.nats import NatsPublisher
from backorder.adapters.outbox.publishing import NatsRelay
from backorder.adapters.outbox.relay import Relay
from backorder.adapters.outbox.store import ConsumerStore
from backorder.bootstrap import Application
from backorder.service_layer.handlers.allocation import run_allocation
from backorder.service_layer.handlers.orders import place_orders
from backorder.service_layer.handlers.supply import StockLevel, set_stock
from tests.integration.helpers import new_order, seed_master
from tests.integration.outbox_helpers import (
    NatsServer,
    RelayFactory,
    by_subject,
    make_relay,  # noqa: F401  (fixture)
    nats_server,  # noqa: F401  (fixture)
    pump,
    relay_settings,
)

pytestmark = pytest.mark.nats
STREAM = "BACKORDER"


def _relay(factory: RelayFactory, server: NatsServer) -> Relay:
    publisher = NatsPublisher(server.url, ack_timeout_seconds=0.5, connect_timeout_seconds=0.5)
    return factory(publisher, nats_url=server.url)


def _outbox(application: Application) -> list[dict[str, object]]:
    with application.engine.connect() as connection:
        rows = connection.execute(select(orm.outbox).order_by(orm.outbox.c.position))
        return [
            {"id": r.event_id, "subject": r.subject, "published": r.published_at is not None}
            for r in rows
        ]


def _unpublished(application: Application) -> int:
    return sum(1 for r in _outbox(application) if not r["published"])


def _orders(application: Application, first: int, count: int, sku: str = "A") -> None:
    """Orders through the service: each is promised and allocated (events) at once."""
    place_orders(
        application.context,
        [new_order(f"SO-{n}", "C-STD", (sku, 2)) for n in range(first, first + count)],
        "test",
    )


def test_events_survive_a_broker_outage_and_arrive_once_in_order(
    application: Application,
    nats_server: NatsServer,  # noqa: F811
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    seed_master(application)
    set_stock(application.context, [StockLevel("A", "EAST", 30)], "test")
    relay = _relay(make_relay, nats_server)
    _orders(application, 1, 5)
    pump(relay, lambda: _unpublished(application) == 0)

    nats_server.stop()
    _orders(application, 10, 10)  # the stock runs out: backorders too
    run_allocation(application.context, skus=["A"], solver="priority", actor="test")
    assert [relay.workers[0].attempt() for _ in range(2)] == [None, None]
    waiting = _unpublished(application)
    assert waiting >= 10
    nats_server.start()
    pump(relay, lambda: _unpublished(application) == 0, timeout=20)

    outbox = _outbox(application)
    received = nats_server.stream_messages(STREAM)
    ids = [headers["Nats-Msg-Id"] for _, headers, _ in received]
    assert sorted(ids) == sorted(str(r["id"]) for r in outbox)  # every event exactly once
    assert by_subject([event for _, _, event in received]) == by_subject(outbox)  # type: ignore[arg-type]
    for subject, _, event in received:
        assert subject == f"backorder.events.{event['type']}"
        assert event["specversion"] == "1.0"
    assert ConsumerStore(application.engine, "nats").state().failures >= 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # backend-neutral
def test_a_republish_after_a_crash_is_dropped_by_the_broker(
    application: Application,
    nats_server: NatsServer,  # noqa: F811
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    seed_master(application)
    set_stock(application.context, [StockLevel("A", "EAST", 30)], "test")
    _orders(application, 1, 4)
    settings = relay_settings(nats_url=nats_server.url)

    class Crash(BaseException):
        """The process dies after the broker acked, before the outbox is marked."""

    def crash(_positions: Sequence[int]) -> None:
        raise Crash

    crashing = NatsRelay(
        application.engine, NatsPublisher(nats_server.url), settings, on_acked=crash
    )
    ConsumerStore(application.engine, "nats").claim("crashing", crashing.clock())
    with pytest.raises(Crash):
        crashing.step("crashing")
    crashing.close()
    assert _unpublished(application) == len(_outbox(application))
    with application.engine.begin() as connection:  # its leadership dies with it
        connection.execute(update(orm.outbox_consumers).values(leader=None))

    relay = _relay(make_relay, nats_server)
    pump(relay, lambda: _unpublished(application) == 0)

    received = nats_server.stream_messages(STREAM)
    assert len(received) == len(_outbox(application))
    assert len({h["Nats-Msg-Id"] for _, h, _ in received}) == len(received)
