"""A change and its outbox rows commit together, or neither does."""

from __future__ import annotations

import pytest

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.domain import events
from backorder.service_layer.errors import ConflictError
from backorder.service_layer.handlers.orders import place_orders
from backorder.service_layer.handlers.supply import StockLevel, set_stock
from backorder.service_layer.unit_of_work import SqlUnitOfWork
from tests.integration.helpers import NOW, TODAY, count, new_order, seed_master

EVENT = events.LineBackordered(1, "A", 5, TODAY, None)


def _rows(application: Application) -> tuple[int, int, int]:
    return (
        count(application, orm.orders),
        count(application, orm.outbox),
        count(application, orm.audit_log),
    )


def test_a_committed_change_and_its_events_are_stored_together(application: Application) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 5)), NOW)
        uow.record(EVENT)
        uow.commit()
        assert list(uow.collect_new_events()) == [EVENT]

    assert _rows(application) == (1, 1, 0)
    with application.context.reader() as uow:
        [row] = uow.platform.events_after(0, 10)
    assert (row["type"], row["subject"]) == ("backorder.order_line.backordered.v1", "line/1")
    assert row["data"]["backordered_quantity"] == 5


def test_a_unit_left_without_commit_keeps_neither(application: Application) -> None:
    seed_master(application)
    uow = application.context.unit_of_work()

    def abandoned() -> None:
        with uow:
            uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 5)), NOW)
            uow.record(EVENT)
            uow.platform.audit(actor="t", action="x", subject="s", before=None, after={}, now=NOW)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        abandoned()

    assert _rows(application) == (0, 0, 0)
    assert list(uow.collect_new_events()) == []


class FailingCommit(SqlUnitOfWork):
    """A unit of work whose database commit fails after the outbox rows were written."""

    def _commit(self) -> None:
        raise ConnectionError("the database went away at COMMIT")


def test_a_failed_commit_loses_the_outbox_rows_with_the_change(application: Application) -> None:
    seed_master(application)
    uow = FailingCommit(application.engine, application.context.clock)

    def committed() -> None:
        with uow:
            uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 5)), NOW)
            uow.record(EVENT)
            uow.commit()

    with pytest.raises(ConnectionError):
        committed()

    assert _rows(application) == (0, 0, 0)
    assert list(uow.collect_new_events()) == []


def test_a_handler_that_fails_half_way_leaves_nothing(application: Application) -> None:
    seed_master(application)
    set_stock(application.context, [StockLevel("A", "EAST", 1)], "t")
    place_orders(application.context, [new_order("SO-0", "C-STD", ("A", 1))], "t")
    before = _rows(application)

    with pytest.raises(ConflictError, match="SO-0"):
        place_orders(
            application.context,
            [new_order("SO-1", "C-STD", ("A", 5)), new_order("SO-0", "C-STD", ("A", 1))],
            "t",
        )

    assert _rows(application) == before
