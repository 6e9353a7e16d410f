"""The outbox relay on both backends, with a broker that fails on demand.

Order per subject, nothing marked before an ack, one leader per consumer, and holes in
positions (PostgreSQL) that hold later events back until they fill.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text, update

from backorder.adapters import orm
from backorder.adapters.outbox.health import integration_health
from backorder.adapters.outbox.nats import OutgoingMessage, PublishError
from backorder.adapters.outbox.store import ConsumerStore
from backorder.adapters.outbox.tail import postgres_snapshot
from backorder.adapters.repositories.platform import PlatformRepository
from backorder.bootstrap import Application
from backorder.domain import events
from tests.integration.outbox_helpers import (
    RelayFactory,
    make_relay,  # noqa: F401  (fixture)
    pump,
    relay_settings,
)

DAY = date(2026, 12, 1)


class FlakyBroker:
    """Stores what it acks; refuses everything while `down`, or the event ids in `refuse`."""

    def __init__(self) -> None:
        self.stored: list[OutgoingMessage] = []
        self.down = False
        self.refuse: set[str] = set()
        self.calls = 0

    def publish(self, messages: Sequence[OutgoingMessage]) -> list[Exception | None]:
        self.calls += 1
        results: list[Exception | None] = []
        for m in messages:
            if self.down or m.headers["Nats-Msg-Id"] in self.refuse:
                results.append(PublishError("no ack"))
            else:
                self.stored.append(m)
                results.append(None)
        return results

    def close(self) -> None:
        """Nothing to close."""

    def ids(self) -> list[str]:
        return [m.headers["Nats-Msg-Id"] for m in self.stored]

    def per_subject(self) -> dict[str, list[str]]:
        """Event ids per CloudEvents subject, in the order they were stored."""
        grouped: dict[str, list[str]] = {}
        for message in self.stored:
            subject = json.loads(message.body)["subject"]
            grouped.setdefault(subject, []).append(message.headers["Nats-Msg-Id"])
        return grouped


def _commit(application: Application, line: int, *kinds: str) -> None:
    happened: list[events.Event] = []
    for kind in kinds:
        if kind == "allocated":
            happened.append(events.LineAllocated(line, "A", 1, DAY))
        else:
            happened.append(events.LineRepromised(line, DAY, DAY, kind))
    with application.context.unit_of_work() as uow:
        for event in happened:
            uow.record(event)
        uow.commit()


def _outbox(application: Application) -> list[tuple[int, str, str, datetime | None]]:
    with application.engine.connect() as connection:
        rows = connection.execute(
            select(
                orm.outbox.c.position,
                orm.outbox.c.event_id,
                orm.outbox.c.subject,
                orm.outbox.c.published_at,
            ).order_by(orm.outbox.c.position)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _per_subject(application: Application) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for _, event_id, subject, _ in _outbox(application):
        grouped.setdefault(subject, []).append(event_id)
    return grouped


def test_events_are_published_in_order_and_marked(
    application: Application,
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    _commit(application, 1, "allocated", "moved")
    _commit(application, 2, "allocated")
    _commit(application, 1, "moved again")
    broker = FlakyBroker()
    relay = make_relay(broker)

    assert relay.drain() == {"nats": 4, "webhooks": 4}

    rows = _outbox(application)
    assert broker.per_subject() == _per_subject(application)
    assert sorted(broker.ids()) == sorted(r[1] for r in rows)
    assert all(r[3] is not None for r in rows)
    assert ConsumerStore(application.engine, "nats").state().position == rows[-1][0]
    first = broker.stored[0]
    assert first.subject == "backorder.events.backorder.order_line.allocated.v1"
    assert b'"source":"urn:backorder:test"' in first.body


def test_nothing_is_marked_without_an_ack_and_all_goes_once_when_it_returns(
    application: Application,
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    broker = FlakyBroker()
    broker.down = True
    relay = make_relay(broker)
    [nats_worker, _] = relay.workers
    _commit(application, 1, "allocated", "moved")
    _commit(application, 2, "allocated")

    assert [nats_worker.attempt() for _ in range(3)] == [None, None, None]

    assert all(r[3] is None for r in _outbox(application))
    state = ConsumerStore(application.engine, "nats").state()
    assert (state.position, state.failures) == (0, 3)
    settings = relay_settings(nats_url="nats://127.0.0.1:1")
    health = integration_health(application.engine, settings)
    assert (health.adapters[0].name, health.adapters[0].queue_depth) == ("nats", 3)
    assert health.adapters[0].lag_seconds > 0

    broker.down = False
    relay.drain()

    assert broker.per_subject() == _per_subject(application)
    assert len(broker.ids()) == len(set(broker.ids())) == 3


def test_a_refused_event_holds_back_later_events_of_its_subject_only(
    application: Application,
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    _commit(application, 1, "allocated")
    _commit(application, 2, "allocated")
    _commit(application, 1, "moved")
    _commit(application, 2, "moved")
    [(_, first, _, _), *_] = _outbox(application)
    broker = FlakyBroker()
    broker.refuse = {first}
    relay = make_relay(broker)

    with pytest.raises(PublishError):
        relay.workers[0].pass_once()

    rows = _outbox(application)
    assert broker.ids() == [rows[1][1]]  # line/2's first event; line/1 waits behind its own
    assert [r[3] is not None for r in rows] == [False, True, False, False]
    assert ConsumerStore(application.engine, "nats").state().position == 0

    broker.refuse = set()
    relay.drain()

    assert broker.per_subject() == _per_subject(application)
    assert len(broker.ids()) == 4


def test_one_relay_leads_each_consumer_and_a_standby_takes_over(
    application: Application,
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    _commit(application, 1, "allocated")
    first_broker, second_broker = FlakyBroker(), FlakyBroker()
    first = make_relay(first_broker)
    second = make_relay(second_broker)

    assert first.workers[0].pass_once() == 1
    assert second.workers[0].pass_once() == 0
    _commit(application, 1, "moved")
    assert second.workers[0].pass_once() == 0
    assert first.workers[0].pass_once() == 1

    first.workers[0].leadership.release()
    _commit(application, 1, "moved again")
    assert second.workers[0].pass_once() == 1

    assert len(first_broker.stored) == 2
    assert len(second_broker.stored) == 1
    leader = ConsumerStore(application.engine, "nats").state().leader
    assert leader == second.workers[0].leadership.holder


def test_a_relay_that_lost_the_lead_marks_nothing(
    application: Application,
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    _commit(application, 1, "allocated")
    broker = FlakyBroker()
    relay = make_relay(broker)
    assert relay.workers[0].leadership.acquire()
    with application.engine.begin() as connection:
        connection.execute(
            update(orm.outbox_consumers)
            .where(orm.outbox_consumers.c.name == "nats")
            .values(leader="another relay")
        )

    assert relay.workers[0].pass_once() == 0  # published, but the mark is refused

    assert len(broker.stored) == 1
    assert [r[3] for r in _outbox(application)] == [None]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_hole_holds_back_later_events_until_its_transaction_commits(
    application: Application,
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    now = datetime.now(UTC)

    def row(line: int) -> dict[str, object]:
        return {
            "event_id": f"e-{line}",
            "type": "backorder.order_line.allocated.v1",
            "subject": f"line/{line}",
            "data": {"line_id": line, "sku": "A", "quantity": 1, "promise_date": "2026-12-01"},
            "occurred_at": now,
        }

    broker = FlakyBroker()
    relay = make_relay(broker)
    slow = application.engine.connect()
    slow.begin()
    PlatformRepository(slow).append_events([row(1)])  # takes position 1, commits later
    with application.engine.begin() as quick:
        PlatformRepository(quick).append_events([row(2)])

    assert relay.workers[0].pass_once() == 0
    assert broker.ids() == []

    slow.commit()
    slow.close()
    relay.drain()
    assert broker.ids() == ["e-1", "e-2"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_hole_left_by_a_rollback_is_stepped_over_once_its_transaction_ended(
    application: Application,
    make_relay: RelayFactory,  # noqa: F811
) -> None:
    def row(line: int) -> dict[str, object]:
        return {
            "event_id": f"e-{line}",
            "type": "backorder.order_line.allocated.v1",
            "subject": f"line/{line}",
            "data": {"line_id": line, "sku": "A", "quantity": 1, "promise_date": "2026-12-01"},
            "occurred_at": datetime.now(UTC),
        }

    broker = FlakyBroker()
    # The snapshot fence lets the relay step over within a pass or two when no older
    # transaction runs on the server; other tests' transactions may hold it back, so the
    # settle time (the fallback) is short enough for the test to pass either way.
    relay = make_relay(broker, relay_gap_settle_seconds=3)
    failed = application.engine.connect()
    failed.begin()
    PlatformRepository(failed).append_events([row(1)])
    with application.engine.begin() as quick:
        PlatformRepository(quick).append_events([row(2)])
    assert relay.workers[0].pass_once() == 0
    failed.rollback()
    failed.close()

    pump(relay, lambda: broker.ids() == ["e-2"], timeout=15)
    assert ConsumerStore(application.engine, "nats").state().position == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_snapshot_fence_reads_transaction_ids(application: Application) -> None:
    snapshot = postgres_snapshot(application.engine)
    xmin, xmax = snapshot()
    assert 0 < xmin <= xmax
    with application.engine.begin() as connection:
        connection.execute(text("SELECT txid_current()"))  # uses up a transaction id
    assert snapshot()[1] > xmax
