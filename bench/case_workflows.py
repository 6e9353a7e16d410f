"""Benchmark: backorder cases as durable workflows, opened in a surge and woken by events.

For each backend (an SQLite file in a temporary directory; PostgreSQL database
`backorder_bench_cases`, created and dropped here) the script seeds items with no stock,
places `--cases` single-line orders (every line is backordered), then starts the DBOS
runtime and the case dispatcher in this process, as `backorder worker` does, and measures:

- open rate: cases per second from the runtime's start until every case has its workflow
  running and its first evaluation recorded (target >= 100/s);
- event latency: while a second surge of the same size is being opened, stock arrives for
  one item at a time (`--events` receipts, 5 per second); for every case of that item, the
  time from the receipt's commit to the case's next state change (target p95 < 1 s).

Prints one JSON object per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from backorder.adapters import orm
from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.domain.model import Customer, Item, Location, Order, OrderLine, Supplier
from backorder.service_layer.handlers.master import (
    save_customers,
    save_items,
    save_locations,
    save_suppliers,
)
from backorder.service_layer.handlers.orders import place_orders
from backorder.service_layer.handlers.supply import adjust_stock
from backorder.workflows import runtime
from backorder.workflows.dispatcher import Dispatcher

PG_HOST = "127.0.0.1:5432"
PG_ADMIN = f"postgresql+psycopg://postgres@{PG_HOST}/test"
PG_DATABASE = "backorder_bench_cases"
TARGET_OPEN_PER_S = 100.0
TARGET_P95_S = 1.0
LINES_PER_ITEM = 5
EVENTS_PER_S = 5.0
ACTOR = "bench"


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


def _seed_master(application: Application, items: int) -> None:
    ctx = application.context
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


def _backorder(application: Application, prefix: str, skus: list[str]) -> None:
    """One single-line order per SKU given (none in stock: each line is backordered)."""
    ctx = application.context
    now = datetime.now(UTC)
    requested = now.date() + timedelta(days=3)
    orders = [
        Order(
            f"{prefix}-{n}",
            f"C-{n % 20:02d}",
            now,
            (OrderLine(0, "", "", sku, 1 + n % 4, requested, unit_price=10.0),),
        )
        for n, sku in enumerate(skus)
    ]
    for start in range(0, len(orders), 500):
        place_orders(ctx, orders[start : start + 500], ACTOR)


def _evaluated_cases(application: Application, skus: list[str] | None = None) -> int:
    """Cases whose workflow has recorded at least one evaluation."""
    cases, history = orm.backorder_cases, orm.case_history
    query = (
        select(func.count(func.distinct(history.c.case_id)))
        .select_from(history.join(cases, cases.c.case_id == history.c.case_id))
        .where(history.c.from_state.is_not(None))
    )
    if skus is not None:
        query = query.where(cases.c.sku.in_(skus))
    with application.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _wait_for(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _case_moves_after(application: Application, sku: str, after: datetime) -> dict[str, datetime]:
    """The first state change after `after` of each case of `sku`."""
    cases, history = orm.backorder_cases, orm.case_history
    query = (
        select(history.c.case_id, func.min(history.c.at))
        .select_from(history.join(cases, cases.c.case_id == history.c.case_id))
        .where(cases.c.sku == sku, history.c.at >= after)
        .group_by(history.c.case_id)
    )
    with application.engine.connect() as connection:
        rows = connection.execute(query).all()
    return {case_id: at if at.tzinfo else at.replace(tzinfo=UTC) for case_id, at in rows}


def _cases_of(application: Application, sku: str) -> int:
    with application.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(orm.backorder_cases)
                .where(orm.backorder_cases.c.sku == sku)
            ).scalar_one()
        )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(round(fraction * (len(ordered) - 1)), len(ordered) - 1)]


def run_backend(backend: str, cases: int, events: int) -> dict[str, Any]:
    """Seed, open a surge of cases, then a second one while events arrive; measure."""
    items = max(cases // LINES_PER_ITEM, events)
    first = [f"SKU-{n % items:05d}" for n in range(cases)]
    with tempfile.TemporaryDirectory(prefix="bench-cases-") as tmp:
        workdir = Path(tmp)
        with _database(backend, workdir) as url:
            settings = Settings(database_url=url, home=workdir, log_level="WARNING")
            application = bootstrap(settings)
            _seed_master(application, items * 2)
            _backorder(application, "S1", first)
            began = time.perf_counter()
            runtime.start(application)
            dispatcher = Dispatcher(application.context, interval=0.1)
            dispatcher.start()
            try:
                opened = _wait_for(lambda: _evaluated_cases(application) >= cases, 600)
                open_seconds = time.perf_counter() - began
                latencies, missed = _events_under_surge(application, items, cases, events)
            finally:
                dispatcher.stop()
                runtime.stop()
                application.close()
    rate = cases / open_seconds
    p95 = _percentile(latencies, 0.95)
    return {
        "bench": "case_workflows",
        "backend": backend,
        "cases_per_surge": cases,
        "all_opened": opened,
        "open_seconds": round(open_seconds, 2),
        "cases_opened_per_s": round(rate, 1),
        "events": events,
        "cases_woken": len(latencies),
        "cases_not_moved_within_30s": missed,
        "event_to_state_s": {
            "p50": round(_percentile(latencies, 0.5), 3),
            "p95": round(p95, 3),
            "max": round(max(latencies, default=float("nan")), 3),
        },
        "targets": {"cases_opened_per_s": TARGET_OPEN_PER_S, "event_to_state_p95_s": TARGET_P95_S},
        "meets_targets": opened and rate >= TARGET_OPEN_PER_S and p95 < TARGET_P95_S and not missed,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _events_under_surge(
    application: Application, items: int, cases: int, events: int
) -> tuple[list[float], int]:
    """Receipts for first-surge items while a second surge (other items) is being opened."""
    second = [f"SKU-{items + n % items:05d}" for n in range(cases)]
    surge = threading.Thread(target=_backorder, args=(application, "S2", second))
    surge.start()
    receipts: list[tuple[str, datetime]] = []
    for n in range(events):
        sku = f"SKU-{n:05d}"
        adjust_stock(application.context, sku, "EAST", 100, "bench receipt", ACTOR)
        receipts.append((sku, datetime.now(UTC)))
        time.sleep(1 / EVENTS_PER_S)
    surge.join()
    latencies: list[float] = []
    missed = 0
    for sku, at in receipts:
        expected = _cases_of(application, sku)
        _wait_for(
            lambda s=sku, a=at, e=expected: len(_case_moves_after(application, s, a)) >= e, 30
        )
        moves = _case_moves_after(application, sku, at)
        missed += expected - len(moves)
        latencies.extend((moved - at).total_seconds() for moved in moves.values())
    return latencies, missed


def main() -> None:
    """Run the benchmark on the backends asked for; one JSON object per backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2_000, help="cases in each surge")
    parser.add_argument("--events", type=int, default=40, help="receipts during the 2nd surge")
    parser.add_argument(
        "--backend", choices=["sqlite", "postgresql", "both"], default="both", help="database"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "postgresql" and not _postgres_answers():
            print(json.dumps({"bench": "case_workflows", "backend": backend, "skipped": PG_HOST}))
            continue
        print(json.dumps(run_backend(backend, args.cases, args.events)), flush=True)


if __name__ == "__main__":
    main()
