"""A line keeps the promise it got at order intake: set when placed, never changed after,
and filled in by migration 0004 for lines placed before it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, insert, select, text

from backorder.adapters import orm
from backorder.adapters.db import alembic_config, make_engine
from backorder.bootstrap import Application
from backorder.service_layer.handlers import supply
from tests.integration.orchestration import ACTOR, place, seed


def _intake_promises(application: Application) -> dict[int, date | None]:
    with application.context.reader() as uow:
        rows = uow.connection.execute(  # type: ignore[attr-defined]
            select(orm.order_lines.c.line_id, orm.order_lines.c.intake_promise_date)
        ).all()
    return {int(line_id): promise for line_id, promise in rows}


def _promise(application: Application, line_id: int) -> date | None:
    with application.context.reader() as uow:
        record = uow.orders.get_line(line_id)
    assert record is not None
    return record.line.promise_date


def test_a_placed_line_keeps_its_intake_promise_when_its_promise_moves(
    application: Application,
) -> None:
    seed(application, stock={"B": 5})
    from_stock = place(application, "SO-1", "C-STD", "B", 5)
    unsupplied = place(application, "SO-2", "C-STD", "A", 5)  # no stock, no PO: no promise
    intake = _intake_promises(application)
    assert intake[from_stock] == _promise(application, from_stock) is not None
    assert intake[unsupplied] is None

    # Stock for A arrives: the line gets a promise now, but it had none at intake.
    supply.set_stock(application.context, [supply.StockLevel("A", "EAST", 5)], ACTOR)
    assert _promise(application, unsupplied) is not None
    assert _intake_promises(application)[unsupplied] is None


def _at_revision(url: str, revision: str) -> Engine:
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), revision)
    return engine


def test_migration_0004_takes_the_intake_promise_from_the_history(tmp_path: Path) -> None:
    engine = _at_revision(f"sqlite:///{(tmp_path / 'old.db').as_posix()}", "0003")
    now = "2026-11-01 08:00:00.000000"
    with engine.begin() as connection:
        connection.execute(insert(orm.locations), [{"code": "EAST", "name": "E", "region": "e"}])
        connection.execute(insert(orm.items), [{"sku": "A", "description": "a"}])
        connection.execute(
            insert(orm.customers),
            [{"code": "C", "name": "C", "tier": "standard", "home_location": "EAST"}],
        )
        connection.execute(
            text("INSERT INTO orders (order_id, customer, ordered_at) VALUES ('O', 'C', :now)"),
            {"now": now},
        )
        for line_id in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO order_lines (line_id, order_id, line_number, customer, sku,"
                    " quantity, shipped_quantity, requested_date, unit_price, unit_cost,"
                    " order_type, ordered_at, status, allocated_quantity, backordered_quantity,"
                    " updated_at) VALUES (:id, 'O', :id, 'C', 'A', 1, 0, '2026-11-10', 0, 0,"
                    " 'standard', :now, 'open', 0, 0, :now)"
                ),
                {"id": line_id, "now": now},
            )
        # Line 1 was promised at intake and re-promised later; line 2 only by a run.
        history = [
            (1, "2026-11-08", "allocated at order intake"),
            (1, "2026-11-12", "allocation run r1 (priority)"),
            (2, "2026-11-15", "allocation run r1 (priority)"),
        ]
        for line_id, promise, reason in history:
            connection.execute(
                text(
                    "INSERT INTO promise_history (line_id, at, promise_date, reason)"
                    " VALUES (:line, :now, :promise, :reason)"
                ),
                {"line": line_id, "now": now, "promise": promise, "reason": reason},
            )
    command.upgrade(alembic_config(engine), "head")
    with engine.connect() as connection:
        found = dict(
            connection.execute(
                select(orm.order_lines.c.line_id, orm.order_lines.c.intake_promise_date)
            ).all()
        )
    engine.dispose()
    assert found == {1: date(2026, 11, 8), 2: None}
