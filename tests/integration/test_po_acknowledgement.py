"""A PO line keeps the time of its first acknowledgement: a later 855 leaves it, and
migration 0006 takes it from the audit log for lines acknowledged before it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import insert, select, text

from backorder.adapters import orm
from backorder.adapters.db import alembic_config, make_engine
from backorder.bootstrap import Application
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers import purchasing
from tests.integration.orchestration import ACTOR, seed


def _acknowledged(application: Application) -> dict[str, datetime | None]:
    with application.context.reader() as uow:
        rows = uow.connection.execute(  # type: ignore[attr-defined]
            select(orm.purchase_order_lines.c.source_id, orm.purchase_order_lines.c.acknowledged_at)
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def test_the_first_acknowledgement_is_kept_and_a_second_does_not_move_it(
    application: Application, clock: FixedClock
) -> None:
    seed(application)
    due = clock.today() + timedelta(days=10)
    lines = (
        purchasing.PurchaseOrderLineInput("A", "EAST", 10, due),
        purchasing.PurchaseOrderLineInput("B", "EAST", 5, due),
    )
    purchasing.create_purchase_orders(
        application.context, [purchasing.PurchaseOrderInput("P1", "ACME", lines)], ACTOR
    )
    assert set(_acknowledged(application).values()) == {None}

    first = clock.now()
    purchasing.confirm_po_lines(
        application.context, [purchasing.LineConfirmation("P1", 1, due)], ACTOR
    )
    clock.set(first + timedelta(hours=5))
    purchasing.confirm_po_lines(
        application.context,
        [purchasing.LineConfirmation("P1", 1, due + timedelta(days=2)),
         purchasing.LineConfirmation("P1", 2, due)],
        ACTOR,
    )  # fmt: skip
    assert _acknowledged(application) == {"P1/1": first, "P1/2": clock.now()}


def test_migration_0006_takes_the_first_acknowledgement_from_the_audit_log(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'old.db').as_posix()}")
    command.upgrade(alembic_config(engine), "0005")
    created = "2026-11-01 08:00:00.000000"
    with engine.begin() as connection:
        connection.execute(insert(orm.locations), [{"code": "EAST", "name": "E", "region": "e"}])
        connection.execute(insert(orm.suppliers), [{"code": "ACME", "name": "Acme"}])
        connection.execute(insert(orm.items), [{"sku": "A", "description": "a"}])
        connection.execute(
            text(
                "INSERT INTO purchase_orders (po_number, supplier, created_at, status)"
                " VALUES ('P1', 'ACME', :at, 'open')"
            ),
            {"at": created},
        )
        for number, confirmation in ((1, "confirmed"), (2, "unconfirmed")):
            connection.execute(
                text(
                    "INSERT INTO purchase_order_lines (source_id, po_number, line_number, sku,"
                    " location, quantity, received_quantity, expected_date, confirmation,"
                    " unit_cost, updated_at) VALUES (:id, 'P1', :n, 'A', 'EAST', 10, 0,"
                    " '2026-11-20', :confirmation, 0, :at)"
                ),
                {"id": f"P1/{number}", "n": number, "confirmation": confirmation, "at": created},
            )
        for at in ("2026-11-02 09:00:00.000000", "2026-11-03 09:00:00.000000"):  # two 855s
            connection.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, subject)"
                    " VALUES (:at, 'edi', 'purchase_order.confirmed', 'purchase-order/P1/1')"
                ),
                {"at": at},
            )
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as connection:
        found = dict(
            connection.execute(
                select(
                    orm.purchase_order_lines.c.source_id, orm.purchase_order_lines.c.acknowledged_at
                )
            ).all()
        )
    engine.dispose()
    assert found == {"P1/1": datetime(2026, 11, 2, 9, tzinfo=UTC), "P1/2": None}
    assert date(2026, 11, 2) == found["P1/1"].date()  # stored and read back in UTC
