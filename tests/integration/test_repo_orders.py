"""Orders, lines, outcomes and promise history round-trip on both backends."""

from __future__ import annotations

from backorder.adapters.repositories.orders import BackorderFilter
from backorder.bootstrap import Application
from backorder.domain.model import LineStatus
from tests.integration.helpers import NOW, TODAY, in_days, new_order, seed_master, utc


def test_an_order_and_its_lines_round_trip(application: Application) -> None:
    seed_master(application)

    with application.context.unit_of_work() as uow:
        assert not uow.orders.order_exists("SO-1")
        ids = uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 5), ("B", 2)), NOW)
        uow.commit()

    assert ids == sorted(ids)
    assert len(set(ids)) == 2
    with application.context.reader() as uow:
        assert uow.orders.order_exists("SO-1")
        ordered_at = uow.orders.ordered_at("SO-1")
        assert ordered_at is not None
        assert utc(ordered_at) == NOW
        records = uow.orders.lines_of_order("SO-1")
        assert [(r.line_number, r.line.sku, r.line.quantity) for r in records] == [
            (1, "A", 5),
            (2, "B", 2),
        ]
        first = records[0]
        assert first.line.line_id == ids[0]
        assert (first.line.order_id, first.line.customer) == ("SO-1", "C-STD")
        assert (first.line.requested_date, first.line.unit_price, first.line.unit_cost) == (
            in_days(3),
            10.0,
            6.0,
        )
        assert (first.line.status, first.line.promise_date, first.allocated_quantity) == (
            LineStatus.OPEN,
            None,
            0,
        )
        assert uow.orders.get_line(ids[1]) == records[1]
        assert uow.orders.get_line(999_999) is None
        assert [line.line_id for line in uow.orders.open_lines_of(["B"])] == [ids[1]]
        assert sorted(line.line_id for line in uow.orders.open_lines_of(None)) == ids
        assert uow.orders.count_by_status() == {"open": 2}
        assert [r.line.line_id for r in uow.orders.search("SO-")] == ids


def test_outcomes_keep_a_promise_history_and_a_backorder_age(application: Application) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        [line_id] = uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 5)), NOW)
        first = uow.orders.record_outcome(
            line_id, status=LineStatus.PARTIALLY_ALLOCATED, allocated=2, backordered=3,
            promise_date=in_days(10), today=TODAY, now=NOW, reason="intake",
        )  # fmt: skip
        second = uow.orders.record_outcome(
            line_id, status=LineStatus.ALLOCATED, allocated=5, backordered=5,
            promise_date=in_days(12), today=in_days(1), now=NOW, reason="PO late",
        )  # fmt: skip
        uow.commit()

    assert (first, second) == (None, in_days(10))
    with application.context.reader() as uow:
        record = uow.orders.get_line(line_id, with_history=True)
        assert record is not None
        assert (record.allocated_quantity, record.backordered_quantity) == (5, 5)
        assert record.backordered_since == TODAY  # the first day it was short, kept
        assert record.line.status is LineStatus.ALLOCATED
        history = record.line.promise_history
        assert [(h.promise_date, h.reason) for h in history] == [
            (in_days(10), "intake"),
            (in_days(12), "PO late"),
        ]
        assert utc(history[0].at) == NOW


def test_bulk_outcomes_report_what_changed(application: Application) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        a, b, c = uow.orders.add_order(
            new_order("SO-1", "C-STD", ("A", 5), ("A", 1), ("B", 2)), NOW
        )
        uow.orders.record_outcome(
            b, status=LineStatus.ALLOCATED, allocated=1, backordered=0,
            promise_date=TODAY, today=TODAY, now=NOW, reason="intake",
        )  # fmt: skip
        changes = uow.orders.record_outcomes(
            [
                (a, "backordered", 0, 5, None),
                (b, "allocated", 1, 0, TODAY),
                (c, "allocated", 2, 2, in_days(9)),
            ],
            today=TODAY, now=NOW, reason="run",
        )  # fmt: skip
        uow.commit()

    by_line = {change.line_id: change for change in changes}
    assert set(by_line) == {a, c}  # b did not move
    assert (by_line[a].backordered, by_line[a].was_backordered, by_line[a].sku) == (5, False, "A")
    assert (by_line[c].old_promise, by_line[c].new_promise) == (None, in_days(9))
    with application.context.reader() as uow:
        stored_c = uow.orders.get_line(c, with_history=True)
        assert stored_c is not None
        assert (stored_c.line.status, stored_c.backordered_since) == (LineStatus.ALLOCATED, TODAY)
        assert [h.reason for h in stored_c.line.promise_history] == ["run"]


def test_quantity_changes_and_cancellation(application: Application) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        [line_id] = uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 5)), NOW)
        uow.orders.record_outcome(
            line_id, status=LineStatus.BACKORDERED, allocated=0, backordered=5,
            promise_date=None, today=TODAY, now=NOW, reason="intake",
        )  # fmt: skip
        uow.orders.set_quantity(line_id, 8, NOW)
        uow.commit()
    with application.context.unit_of_work() as uow:
        record = uow.orders.get_line(line_id)
        assert record is not None
        assert record.line.quantity == 8
        uow.orders.cancel(line_id, NOW)
        uow.commit()

    with application.context.reader() as uow:
        record = uow.orders.get_line(line_id)
        assert record is not None
        assert record.line.status is LineStatus.CANCELLED
        assert (record.backordered_quantity, record.backordered_since) == (0, None)
        assert uow.orders.open_lines_of(["A"]) == []


FILTERS = [
    (BackorderFilter(), [1, 2, 3, 4]),
    (BackorderFilter(sku="B"), [3]),
    (BackorderFilter(customer="C-WEST"), [4]),
    (BackorderFilter(region="east"), [1, 2, 3]),
    (BackorderFilter(status="partially_allocated"), [2]),
    (BackorderFilter(min_age_days=5, today=in_days(10)), [1, 2]),
    (BackorderFilter(max_age_days=4, today=in_days(10)), [3, 4]),
    (BackorderFilter(sku="A", region="east", min_age_days=9, today=in_days(10)), [1]),
]


def test_the_backorder_list_filters(application: Application) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        ids = uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 5), ("A", 4), ("B", 1)), NOW)
        ids += uow.orders.add_order(new_order("SO-2", "C-WEST", ("A", 3), ("C", 1)), NOW)
        facts = [
            (LineStatus.BACKORDERED, 0, 5, TODAY),
            (LineStatus.PARTIALLY_ALLOCATED, 1, 3, in_days(2)),
            (LineStatus.BACKORDERED, 0, 1, in_days(6)),
            (LineStatus.ALLOCATED, 3, 3, in_days(8)),  # allocated, but late
            (LineStatus.ALLOCATED, 1, 0, in_days(8)),  # on time: not a backorder
        ]
        for line_id, (status, allocated, short, day) in zip(ids, facts, strict=True):
            uow.orders.record_outcome(
                line_id, status=status, allocated=allocated, backordered=short,
                promise_date=None, today=day, now=NOW, reason="test",
            )  # fmt: skip
        uow.commit()

    with application.context.reader() as uow:
        for where, expected in FILTERS:
            found = uow.orders.backorders(where, after=None, limit=100)
            assert [r.line.line_id for r in found] == [ids[i - 1] for i in expected], where
        page = uow.orders.backorders(BackorderFilter(), after=ids[1], limit=1)
        assert [r.line.line_id for r in page] == [ids[2]]
