"""Benchmark: what one backorder case evaluation costs, in SQL statements and CPU time.

For each backend (an SQLite file in a temporary directory; PostgreSQL database
`backorder_bench_case_eval`, created and dropped here) the script seeds items with a
supplier and no stock and customers homed at one DC, places `--cases` single-line orders
(every line is backordered; `--lines-per-item` lines share an item), opens their cases
and evaluates them with `evaluate_cases` in batches of `--batch`, as the workflow runtime
does (no DBOS here: only the evaluation step is measured):

- first look: the cases' first evaluation (a customer notice, a replenishment suggestion
  carried out as a purchase order, a promise-at-risk task, an expedite proposal, ...);
- settling look: a second evaluation (not reported against a target; what it still does
  depends on the first);
- no-op look: an evaluation that changes nothing (checked: no new history, action, task,
  notice or outbox row).

Statements are counted with a `before_cursor_execute` listener (savepoints included);
CPU is `time.process_time()` of this process around the `evaluate_cases` calls (SQLite
runs in the process, PostgreSQL's server does not; the executors' modules are imported
before, not inside, the first look). Business time is a fixed clock.
Prints one JSON object per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select, text

from backorder.adapters import orm
from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.domain.model import Customer, Item, Location, Order, OrderLine, Supplier
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers import case_executors  # noqa: F401  (imported up front)
from backorder.service_layer.handlers.cases import CaseLook, evaluate_cases, open_cases
from backorder.service_layer.handlers.master import (
    save_customers,
    save_items,
    save_locations,
    save_suppliers,
)
from backorder.service_layer.handlers.orders import place_orders

PG_HOST = "127.0.0.1:5432"
PG_ADMIN = f"postgresql+psycopg://postgres@{PG_HOST}/test"
PG_DATABASE = "backorder_bench_case_eval"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, in working hours
ACTOR = "bench"
TARGET_NOOP_STATEMENTS = 10.0
TARGET_NOOP_CPU_MS = 2.0
# Tables whose row counts a no-op look must leave alone.
_WRITTEN = (
    orm.case_history,
    orm.case_actions,
    orm.tasks,
    orm.notifications,
    orm.purchase_suggestions,
    orm.expedite_proposals,
    orm.pick_requests,
    orm.supplier_reminders,
    orm.outbox,
)


def _postgres_answers() -> bool:
    host, port = PG_HOST.split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{(workdir / 'cases.db').as_posix()}"
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}/{PG_DATABASE}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        admin.dispose()


def _seed(application: Application, cases: int, lines_per_item: int) -> None:
    """Items with a supplier and no stock; one single-line order per case (backordered)."""
    ctx = application.context
    items = max(cases // lines_per_item, 1)
    save_locations(ctx, [Location("EAST", "east")], ACTOR)
    save_suppliers(ctx, [Supplier("ACME", "Acme", 14)], ACTOR)
    save_items(
        ctx,
        [
            Item(f"SKU-{n:05d}", list_price=10.0, unit_cost=6.0, supplier="ACME")
            for n in range(items)
        ],
        ACTOR,
    )
    save_customers(
        ctx,
        [Customer(f"C-{n:02d}", region="east", home_location="EAST") for n in range(20)],
        ACTOR,
    )
    requested = NOW.date() + timedelta(days=3)
    orders = [
        Order(
            f"O-{n}",
            f"C-{n % 20:02d}",
            NOW,
            (OrderLine(0, "", "", f"SKU-{n % items:05d}", 1 + n % 4, requested, unit_price=10.0),),
        )
        for n in range(cases)
    ]
    for start in range(0, len(orders), 500):
        place_orders(ctx, orders[start : start + 500], ACTOR)


def _open(application: Application) -> list[str]:
    lines = orm.order_lines
    with application.context.unit_of_work() as uow:
        rows = uow.cases.connection.execute(
            select(lines.c.line_id, lines.c.sku, lines.c.customer)
            .where(lines.c.backordered_quantity > 0)
            .order_by(lines.c.line_id)
        ).all()
        opened = open_cases(uow, [(int(r[0]), str(r[1]), str(r[2])) for r in rows])
        uow.commit()
    return opened


def _counts(application: Application) -> dict[str, int]:
    with application.engine.connect() as connection:
        return {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in _WRITTEN
        }


class _Statements:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1


def _look(application: Application, case_ids: list[str], batch: int, reason: str) -> dict[str, Any]:
    """Evaluate every case once in batches; statements and CPU per case."""
    counter = _Statements()
    before = _counts(application)
    event.listen(application.engine, "before_cursor_execute", counter)
    cpu = 0.0
    wall = time.perf_counter()
    try:
        for start in range(0, len(case_ids), batch):
            looks = [CaseLook(case_id, reason) for case_id in case_ids[start : start + batch]]
            began = time.process_time()
            evaluate_cases(application.context, looks)
            cpu += time.process_time() - began
    finally:
        event.remove(application.engine, "before_cursor_execute", counter)
    wall = time.perf_counter() - wall
    after = _counts(application)
    n = len(case_ids)
    return {
        "statements_per_case": round(counter.count / n, 2),
        "cpu_ms_per_case": round(cpu * 1000 / n, 3),
        "wall_ms_per_case": round(wall * 1000 / n, 3),
        "rows_written": {k: after[k] - before[k] for k in after if after[k] != before[k]},
    }


def run_backend(backend: str, cases: int, lines_per_item: int, batch: int) -> dict[str, Any]:
    """Seed, open the cases, evaluate them three times; measure each look."""
    with tempfile.TemporaryDirectory(prefix="bench-case-eval-") as tmp:
        workdir = Path(tmp)
        with _database(backend, workdir) as url:
            settings = Settings(database_url=url, home=workdir, log_level="WARNING")
            application = bootstrap(settings, clock=FixedClock(NOW))
            try:
                _seed(application, cases, lines_per_item)
                case_ids = _open(application)
                first = _look(application, case_ids, batch, "opened")
                settling = _look(application, case_ids, batch, "check due")
                noop = _look(application, case_ids, batch, "check due")
            finally:
                application.close()
    noop_changed = bool(noop["rows_written"])
    return {
        "bench": "case_evaluation",
        "backend": backend,
        "cases": len(case_ids),
        "lines_per_item": lines_per_item,
        "batch": batch,
        "first_look": first,
        "settling_look": settling,
        "noop_look": noop,
        "targets": {
            "noop_statements_per_case": TARGET_NOOP_STATEMENTS,
            "noop_cpu_ms_per_case": TARGET_NOOP_CPU_MS,
        },
        "meets_targets": not noop_changed
        and noop["statements_per_case"] <= TARGET_NOOP_STATEMENTS
        and noop["cpu_ms_per_case"] <= TARGET_NOOP_CPU_MS,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    """Run the benchmark on the backends asked for; one JSON object per backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000, help="backordered lines")
    parser.add_argument("--lines-per-item", type=int, default=5, help="lines sharing an item")
    parser.add_argument("--batch", type=int, default=100, help="cases per evaluate_cases call")
    parser.add_argument(
        "--backend", choices=["sqlite", "postgresql", "both"], default="both", help="database"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "postgresql" and not _postgres_answers():
            print(json.dumps({"bench": "case_evaluation", "backend": backend, "skipped": PG_HOST}))
            continue
        result = run_backend(backend, args.cases, args.lines_per_item, args.batch)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
