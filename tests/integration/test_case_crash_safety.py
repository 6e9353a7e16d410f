"""A backorder case survives SIGKILLs of its worker and does nothing twice.

The worker runs as a real subprocess (`backorder worker`). It is killed twice in the
middle of one case:

1. right after the case's first evaluation committed (it had ordered from the supplier
   and told the customer) but before DBOS recorded that step: the restarted worker
   runs the step again;
2. while the case waits for its supplier, between two steps: the restarted worker
   resumes the wait.

Then the supplier acknowledges late, the goods arrive, the warehouse picks, the line
ships: the case closes with exactly one purchase order, one escalation, one pick
request and one notice per cause.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from backorder.adapters import orm
from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.domain.model import Customer, Item, Location, Order, OrderLine, Supplier
from backorder.service_layer.handlers import master, orders, purchasing, warehouse
from tests.conftest import POSTGRES_ADMIN_URL, POSTGRES_HOST, POSTGRES_PORT, require_service
from tests.integration.durable import until

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CRASHING_WORKER = Path(__file__).with_name("crashing_worker.py")
ACTOR = "crash test"


@pytest.fixture(params=["sqlite", "postgresql"])
def service_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (DBOS keeps its workflows beside ours)."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'crash.db').as_posix()}"
        return
    require_service("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    name = f"backorder_crash_{os.getpid()}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Worker:
    """`backorder worker` processes on one database, started and killed by the test."""

    def __init__(self, url: str, home: Path) -> None:
        self.env = os.environ | {
            "BACKORDER_DATABASE_URL": url,
            "BACKORDER_HOME": str(home),
            "BACKORDER_LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, die_after_first_evaluation: bool = False) -> None:
        """Start a worker (the crashing variant kills itself mid-step)."""
        command = (
            [sys.executable, str(CRASHING_WORKER)]
            if die_after_first_evaluation
            else [sys.executable, "-m", "backorder.entrypoints.cli", "worker", "--interval", "0.1"]
        )
        self.process = subprocess.Popen(command, env=self.env, cwd=ROOT)

    def wait_for_death(self, timeout: float = 120) -> int:
        """Wait for the worker to die by itself; its return code."""
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop a worker still running (the end of the test)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


# A worker subprocess starts cold (DBOS launch, imports): waits are long.
WORKER_WAIT = 120.0


def _count(application: Application, table: str, **where: object) -> int:
    target = orm.metadata.tables[table]
    query = select(func.count()).select_from(target)
    for column, value in where.items():
        query = query.where(target.c[column] == value)
    with application.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _case_state(application: Application, line_id: int) -> str | None:
    with application.engine.connect() as connection:
        state = connection.execute(
            select(orm.backorder_cases.c.state).where(orm.backorder_cases.c.line_id == line_id)
        ).scalar()
    return None if state is None else str(state)


def _seed(application: Application) -> int:
    """An item nobody has in stock, ordered by a customer who wants e-mail; its line id."""
    ctx = application.context
    master.save_locations(ctx, [Location("EAST", "east")], ACTOR)
    master.save_suppliers(ctx, [Supplier("ACME", "Acme Corp", 14)], ACTOR)
    master.save_items(
        ctx,
        [Item("BOLT", unit_cost=2.0, list_price=5.0, supplier="ACME", order_multiple=10)],
        ACTOR,
    )
    master.save_customers(
        ctx,
        [Customer("C1", region="east", home_location="EAST", email="buyer@c1.example")],
        ACTOR,
    )
    today = ctx.clock.today()
    line = OrderLine(0, "", "", "BOLT", 6, today + timedelta(days=3), unit_price=5.0)
    placed = orders.place_order(ctx, Order("SO-1", "C1", ctx.clock.now(), (line,)), ACTOR)
    return placed.lines[0].line_id


def _purchase_order(application: Application) -> tuple[str, date]:
    with application.engine.connect() as connection:
        row = connection.execute(
            select(orm.purchase_order_lines.c.po_number, orm.purchase_order_lines.c.expected_date)
        ).one()
    return str(row.po_number), row.expected_date


def test_a_case_killed_twice_completes_without_doing_anything_twice(
    service_url: str, tmp_path: Path
) -> None:
    application = bootstrap(Settings(database_url=service_url, home=tmp_path))
    worker = Worker(service_url, tmp_path)
    try:
        line_id = _seed(application)

        # 1. Killed the moment the first evaluation committed: it had ordered already.
        worker.start(die_after_first_evaluation=True)
        assert worker.wait_for_death() == -signal.SIGKILL
        assert _count(application, "purchase_orders") == 1

        # 2. The restarted worker runs that step again, then waits for the supplier.
        worker.start()
        until(
            "the case to wait for its supplier",
            lambda: _case_state(application, line_id) == "replenishment_requested",
            WORKER_WAIT,
        )
        time.sleep(1.0)  # the workflow is parked in its wait
        worker.kill()

        # 3. A fresh worker: the supplier acknowledges a week late, goods arrive, pick.
        worker.start()
        ctx = application.context
        po_number, expected = _purchase_order(application)
        purchasing.confirm_po_lines(
            ctx,
            [purchasing.LineConfirmation(po_number, 1, expected + timedelta(days=7))],
            "supplier 855",
        )
        until(
            "the late supplier escalation",
            lambda: _count(application, "tasks") >= 1,
            WORKER_WAIT,
        )
        purchasing.receive_goods(ctx, [purchasing.GoodsReceipt(po_number, 1, 10)], "dock")
        until("a pick request", lambda: _count(application, "pick_requests") == 1, WORKER_WAIT)
        pick = warehouse.list_picks(ctx, status="open")[0]
        warehouse.confirm_pick(ctx, pick.pick_id, pick.quantity, "picker")
        until(
            "the case to close",
            lambda: _case_state(application, line_id) == "closed",
            WORKER_WAIT,
        )
    finally:
        worker.stop()

    assert _count(application, "purchase_orders") == 1
    assert _count(application, "purchase_suggestions") == 1
    assert _count(application, "pick_requests") == 1
    assert _count(application, "tasks", task_type="supplier_late") == 1
    assert _count(application, "shipments") == 1
    with application.engine.connect() as connection:
        notices = connection.execute(
            select(
                orm.notifications.c.kind, orm.notifications.c.new_promise, func.count()
            ).group_by(orm.notifications.c.kind, orm.notifications.c.new_promise)
        ).all()
        events = dict(
            connection.execute(
                select(orm.outbox.c.type, func.count()).group_by(orm.outbox.c.type)
            ).all()
        )
    assert notices, "the customer was told about the backorder"
    assert all(count == 1 for _, _, count in notices), notices
    assert events["backorder.case.opened.v1"] == 1
    assert events["backorder.purchase_suggestion.created.v1"] == 1
    assert events["backorder.pick_request.created.v1"] == 1
    application.close()
