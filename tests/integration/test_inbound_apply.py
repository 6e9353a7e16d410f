"""Applying canonical inbound messages on both databases: once per id, in order, isolated."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backorder.adapters import orm
from backorder.adapters.repositories.integration import IntegrationRepository
from backorder.bootstrap import Application
from backorder.domain.model import LineStatus
from backorder.service_layer.handlers import purchasing, supply
from backorder.service_layer.handlers.inbound import apply_messages
from backorder.service_layer.handlers.inbound_messages import MESSAGE, AnyMessage
from tests.integration.helpers import count, in_days, seed_master
from tests.integration.supply_world import tasks

ACTOR = "erp (integration, key test)"


def msg(message_id: str, kind: str, data: dict[str, Any]) -> AnyMessage:
    """A validated message from the ERP."""
    return MESSAGE.validate_python(
        {"message_id": message_id, "type": kind, "source": "erp-test", "data": data}
    )


def order(
    message_id: str, order_id: str, *lines: tuple[str, int], customer: str = "C-STD"
) -> AnyMessage:
    """An order.created message with (sku, quantity) lines due in three days."""
    return msg(
        message_id,
        "order.created.v1",
        {
            "order_id": order_id,
            "customer": customer,
            "lines": [
                {"sku": sku, "quantity": q, "requested_date": in_days(3).isoformat()}
                for sku, q in lines
            ],
        },
    )


def stock(application: Application, sku: str, location: str = "EAST") -> int:
    """Units on hand."""
    with application.context.reader() as uow:
        return uow.supply.on_hand(sku, location) or 0


def lines_of(application: Application, order_id: str) -> list[Any]:
    """The stored lines of an order."""
    with application.context.reader() as uow:
        return uow.orders.lines_of_order(order_id)


@pytest.fixture
def app(application: Application) -> Application:
    """The application with master data and 100 A, 40 C on hand at EAST."""
    seed_master(application)
    supply.set_stock(
        application.context,
        [supply.StockLevel("A", "EAST", 100), supply.StockLevel("C", "EAST", 40)],
        "test",
    )
    return application


def test_an_order_is_applied_once_however_often_it_arrives(app: Application) -> None:
    first = apply_messages(app.context, [order("m-1", "SO-1", ("A", 10))], ACTOR)
    again = apply_messages(app.context, [order("m-1", "SO-1", ("A", 10))], ACTOR)
    both = apply_messages(
        app.context, [order("m-1", "SO-1", ("A", 10)), order("m-2", "SO-2", ("A", 5))], ACTOR
    )
    assert [r.outcome for r in first] == ["applied"]
    assert [r.outcome for r in again] == ["duplicate"]
    assert [r.outcome for r in both] == ["duplicate", "applied"]
    assert count(app, orm.orders) == 2
    with app.engine.connect() as connection:
        stored = IntegrationRepository(connection).message("m-1")
    assert stored is not None
    assert (stored["outcome"], stored["source"], stored["type"]) == (
        "applied",
        "erp-test",
        "order.created.v1",
    )


def test_a_repeated_id_inside_one_batch_is_a_duplicate(app: Application) -> None:
    results = apply_messages(
        app.context, [order("m-1", "SO-1", ("A", 10)), order("m-1", "SO-9", ("A", 10))], ACTOR
    )
    assert [r.outcome for r in results] == ["applied", "duplicate"]
    assert count(app, orm.orders) == 1


def test_a_refused_message_leaves_its_neighbours_applied(app: Application) -> None:
    batch = [
        order("m-1", "SO-1", ("A", 10)),
        order("m-2", "SO-2", ("A", 10), customer="NOBODY"),
        order("m-3", "SO-3", ("C", 10)),
        order("m-4", "SO-4", ("NOSUCH", 1)),
        order("m-5", "SO-5", ("A", 10)),
    ]
    results = apply_messages(app.context, batch, ACTOR)
    assert [r.outcome for r in results] == ["applied", "rejected", "applied", "rejected", "applied"]
    assert "unknown customer 'NOBODY'" in (results[1].error or "")
    assert results[3].field == "lines[0].sku"
    assert results[3].error_kind == "invalid"
    assert count(app, orm.orders) == 3
    # A refused id is not spent: once the cause is fixed, the same message applies.
    retried = apply_messages(app.context, [order("m-4", "SO-4", ("A", 1))], ACTOR)
    assert [r.outcome for r in retried] == ["applied"]


def test_messages_about_one_order_apply_in_the_order_received(app: Application) -> None:
    batch = [
        order("m-1", "SO-1", ("A", 10), ("C", 5)),
        msg(
            "m-2",
            "order_line.quantity_changed.v1",
            {"order_id": "SO-1", "line_number": 1, "quantity": 4},
        ),
        order("m-3", "SO-2", ("A", 1)),
        msg(
            "m-4", "order_line.cancelled.v1", {"order_id": "SO-1", "line_number": 2, "reason": "x"}
        ),
        msg("m-5", "order_line.cancelled.v1", {"order_id": "SO-1", "line_number": 7}),
    ]
    results = apply_messages(app.context, batch, ACTOR)
    assert [r.outcome for r in results] == ["applied"] * 4 + ["rejected"]
    assert results[4].error_kind == "not_found"
    first, second = lines_of(app, "SO-1")
    assert (first.line.quantity, first.line.status) == (4, LineStatus.ALLOCATED)
    assert second.line.status is LineStatus.CANCELLED


def test_stock_messages_about_one_item_keep_their_order(app: Application) -> None:
    batch = [
        msg(
            "m-1",
            "inventory.adjusted.v1",
            {"sku": "A", "location": "EAST", "delta": 5, "reason": "found"},
        ),
        msg(
            "m-2",
            "inventory.snapshot.v1",
            {"levels": [{"sku": "A", "location": "EAST", "on_hand": 50}]},
        ),
        msg(
            "m-3",
            "inventory.adjusted.v1",
            {"sku": "A", "location": "EAST", "delta": -8, "reason": "damaged"},
        ),
        msg(
            "m-4",
            "inventory.adjusted.v1",
            {"sku": "C", "location": "EAST", "delta": -41, "reason": "x"},
        ),
        msg(
            "m-5",
            "inventory.adjusted.v1",
            {"sku": "C", "location": "EAST", "delta": 2, "reason": "y"},
        ),
    ]
    results = apply_messages(app.context, batch, ACTOR)
    assert [r.outcome for r in results] == ["applied", "applied", "applied", "rejected", "applied"]
    assert stock(app, "A") == 42
    assert stock(app, "C") == 42
    assert "would leave -1 on hand" in (results[3].error or "")


def test_a_shipment_takes_stock_out_and_releases_what_the_line_held(app: Application) -> None:
    apply_messages(app.context, [order("m-1", "SO-1", ("A", 10))], ACTOR)
    shipped = {
        "shipment_id": "SH-1",
        "order_id": "SO-1",
        "location": "EAST",
        "shipped_on": in_days(1).isoformat(),
        "lines": [{"line_number": 1, "quantity": 6}],
    }
    results = apply_messages(
        app.context,
        [
            msg("m-2", "shipment.confirmed.v1", shipped),
            msg(
                "m-3",
                "shipment.confirmed.v1",
                shipped | {"lines": [{"line_number": 1, "quantity": 5}]},
            ),
        ],
        ACTOR,
    )
    assert [r.outcome for r in results] == ["applied", "rejected"]
    assert "only 4 open" in (results[1].error or "")
    (line,) = lines_of(app, "SO-1")
    assert (line.line.shipped_quantity, line.allocated_quantity) == (6, 4)
    assert stock(app, "A") == 94
    with app.engine.connect() as connection:
        held = (
            connection.execute(
                select(orm.allocations.c.quantity).where(
                    orm.allocations.c.line_id == line.line.line_id
                )
            )
            .scalars()
            .all()
        )
        on_day = connection.execute(select(orm.shipments.c.shipped_on)).scalar_one()
    assert held == [4]
    assert on_day == in_days(1)


def test_goods_received_raise_stock_and_count_on_the_po_line(app: Application) -> None:
    purchasing.create_purchase_order(
        app.context,
        "PO-1",
        "ACME",
        [purchasing.PurchaseOrderLineInput("C", "EAST", 30, in_days(10))],
        "test",
    )
    received = {"po_number": "PO-1", "lines": [{"line_number": 1, "quantity": 12}]}
    results = apply_messages(
        app.context,
        [
            msg("m-1", "goods.received.v1", received),
            msg(
                "m-2",
                "goods.received.v1",
                received | {"lines": [{"line_number": 9, "quantity": 1}]},
            ),
        ],
        ACTOR,
    )
    assert [r.outcome for r in results] == ["applied", "rejected"]
    assert stock(app, "C") == 52
    with app.context.reader() as uow:
        assert uow.supply.po_line("PO-1/1").received_quantity == 12  # type: ignore[union-attr]


def test_a_crash_before_commit_leaves_neither_effect_nor_id(
    app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(IntegrationRepository, "finish_messages", crash)
    with pytest.raises(RuntimeError):
        apply_messages(app.context, [order("m-1", "SO-1", ("A", 10))], ACTOR)
    monkeypatch.undo()
    assert count(app, orm.orders) == 0
    assert count(app, orm.inbound_messages) == 0
    assert [
        r.outcome for r in apply_messages(app.context, [order("m-1", "SO-1", ("A", 10))], ACTOR)
    ] == ["applied"]
    assert count(app, orm.orders) == 1


def test_a_shipment_beyond_the_stock_record_zeroes_it_and_asks_for_a_count(
    app: Application,
) -> None:
    apply_messages(app.context, [order("m-1", "SO-1", ("A", 10))], ACTOR)
    stale_count = {"levels": [{"sku": "A", "location": "EAST", "on_hand": 4}]}
    shipped = {
        "shipment_id": "SH-9",
        "order_id": "SO-1",
        "location": "EAST",
        "lines": [{"line_number": 1, "quantity": 10}],
    }
    results = apply_messages(
        app.context,
        [
            msg("m-2", "inventory.snapshot.v1", stale_count),
            msg("m-3", "shipment.confirmed.v1", shipped),
        ],
        ACTOR,
    )
    assert [r.outcome for r in results] == ["applied", "applied"]
    assert stock(app, "A") == 0
    (line,) = lines_of(app, "SO-1")
    assert line.line.status is LineStatus.SHIPPED
    (task,) = tasks(app, "inventory_discrepancy")
    with app.context.reader() as uow:
        trail = uow.platform.audit_trail("inventory/A/EAST")
    (audit,) = [a for a in trail if a["action"] == "inventory.discrepancy"]
    assert (task["team"], task["subject"]) == ("warehouse", "stock count: A at EAST")
    assert "shipped 10 units (SH-9) but 4 were on record" in task["detail"]
    assert audit["after"] == {
        "on_hand": 0,
        "shipped": 10,
        "unrecorded_units": 6,
        "shipments": ["SH-9"],
    }
