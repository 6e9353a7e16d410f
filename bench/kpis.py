"""KPIs over a large history: 1,000,000 order lines (default) on PostgreSQL.

Generates a distributor's six months with numpy — orders and lines, shipments, promise
history, purchase orders with 855 acknowledgements in the audit log, backorder cases with
their state history, tasks, revenue shifts and expedite costs — loads it with COPY into a
fresh database, runs ANALYZE, then times `analytics.snapshot.compute` (every KPI of
`GET /v1/kpis`) for the last four weeks, for the whole six months and for a narrowed
scope, and the process view. Prints one JSON object: wall times (inflated by whatever
else runs on the machine) and the CPU time of the database server process.

Usage: python bench/kpis.py [--lines N] [--backend postgresql|sqlite] [--repeat R]
                            [--keep] [--url URL] [--serial]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, text

from backorder.adapters import orm
from backorder.adapters.bulk import insert_rows
from backorder.analytics.filters import KpiFilter
from backorder.analytics.linefacts import INTAKE_REASON
from backorder.analytics.process import process_view
from backorder.analytics.snapshot import compute
from backorder.analytics.sql import tune
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.domain.cases import CaseTimeouts
from backorder.service_layer.clock import FixedClock

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
DAYS = 180
LOCATIONS = [("ATL", "east"), ("NYC", "east"), ("CHI", "central"), ("DAL", "central"),
             ("LAX", "west"), ("SEA", "west")]  # fmt: skip
TIERS = ("strategic", "contract", "standard")
STATES = ("detected", "awaiting_supply", "replenishment_requested", "supplier_confirmed",
          "in_transit", "allocated", "closed")  # fmt: skip


def _fresh_postgres(name: str) -> str:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _acknowledged(po_age: int, hours: float) -> datetime | None:
    """When a PO created `po_age` days ago was acknowledged (None: not within 60 hours)."""
    return _at(po_age) + timedelta(hours=float(hours)) if hours < 60 else None


def _day(offset: int) -> date:
    return TODAY - timedelta(days=int(offset))


def _at(offset: float) -> datetime:
    return NOW - timedelta(days=float(offset))


def load(url: str, lines: int, seed: int = 7) -> dict[str, int]:
    """Generate and COPY the history; returns the row counts."""
    rng = np.random.default_rng(seed)
    application = bootstrap(Settings(database_url=url), clock=FixedClock(NOW))
    items, customers, suppliers = max(lines // 50, 200), max(lines // 200, 50), 50
    orders = max(lines // 4, 1)
    counts: dict[str, int] = {}

    def put(table: Any, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> None:
        counts[table.name] = insert_rows(connection, table, columns, rows)

    with application.engine.begin() as connection:
        put(orm.locations, ("code", "name", "region"), ((c, c, r) for c, r in LOCATIONS))
        put(
            orm.suppliers,
            ("code", "name", "lead_time_days"),
            ((f"V{s:04d}", f"Supplier {s}", 14) for s in range(suppliers)),
        )
        put(
            orm.items,
            (
                "sku",
                "description",
                "uom",
                "unit_cost",
                "list_price",
                "product_line",
                "item_group",
                "supplier",
                "order_multiple",
                "safety_stock",
                "allocation_version",
            ),
            (
                (
                    f"I{i:07d}",
                    "",
                    "EA",
                    5.0,
                    10.0,
                    f"PL{i % 10}",
                    f"G{i % 100}",
                    f"V{i % suppliers:04d}",
                    1,
                    0,
                    0,
                )
                for i in range(items)
            ),
        )
        put(
            orm.customers,
            (
                "code",
                "name",
                "tier",
                "region",
                "home_location",
                "ship_complete",
                "substitution",
                "notification_channel",
            ),
            (
                (
                    f"C{c:06d}",
                    "",
                    TIERS[c % 3],
                    LOCATIONS[c % 6][1],
                    LOCATIONS[c % 6][0],
                    False,
                    "ask",
                    "email",
                )
                for c in range(customers)
            ),
        )
        # Orders: placed over six months, their lines requested a few days later.
        order_age = rng.integers(0, DAYS, orders)
        order_customer = rng.integers(0, customers, orders)
        put(
            orm.orders,
            ("order_id", "customer", "ordered_at"),
            ((f"O{o:08d}", f"C{order_customer[o]:06d}", _at(order_age[o])) for o in range(orders)),
        )
        line_order = np.sort(rng.integers(0, orders, lines))
        line_item = rng.integers(0, items, lines)
        quantity = rng.integers(1, 40, lines)
        price = np.round(rng.uniform(2, 200, lines), 2)
        requested = np.maximum(order_age[line_order] - rng.integers(1, 10, lines), -14)
        past = requested > 3  # requested more than three days ago
        roll = rng.random(lines)
        cancelled = roll < 0.01
        shipped = past & ~cancelled & (roll < 0.95)
        late = shipped & (rng.random(lines) < 0.08)
        backordered = ~shipped & ~cancelled & (rng.random(lines) < 0.4)
        first_pass = rng.random(lines) < 0.9
        status = np.where(cancelled, "cancelled", np.where(shipped, "shipped", "open"))
        bo_qty = np.where(backordered, np.maximum(quantity // 2, 1), 0)
        since = requested + rng.integers(0, 40, lines)
        ship_day = requested - np.where(late, rng.integers(1, 6, lines), 0)
        intake_promise = requested + np.where(first_pass, 0, -3)
        put(
            orm.order_lines,
            (
                "line_id",
                "order_id",
                "line_number",
                "customer",
                "sku",
                "quantity",
                "shipped_quantity",
                "requested_date",
                "promise_date",
                "intake_promise_date",
                "unit_price",
                "unit_cost",
                "order_type",
                "ordered_at",
                "status",
                "allocated_quantity",
                "backordered_quantity",
                "backordered_since",
                "updated_at",
            ),
            (
                (
                    n + 1,
                    f"O{line_order[n]:08d}",
                    n + 1,
                    f"C{order_customer[line_order[n]]:06d}",
                    f"I{line_item[n]:07d}",
                    int(quantity[n]),
                    int(quantity[n]) if shipped[n] else 0,
                    _day(requested[n]),
                    _day(ship_day[n] if shipped[n] else requested[n] - 2),
                    _day(intake_promise[n]),  # as in its intake entry of the history
                    float(price[n]),
                    1.0,
                    "standard",
                    _at(order_age[line_order[n]]),
                    str(status[n]),
                    0,
                    int(bo_qty[n]),
                    _day(since[n]) if backordered[n] else None,
                    NOW,
                )
                for n in range(lines)
            ),
        )
        shipped_ids = np.flatnonzero(shipped)
        put(
            orm.shipments,
            (
                "id",
                "line_id",
                "sku",
                "location",
                "quantity",
                "shipped_on",
                "requested_date",
                "promise_date",
            ),
            (
                (
                    k + 1,
                    int(n) + 1,
                    f"I{line_item[n]:07d}",
                    "ATL",
                    int(quantity[n]),
                    _day(ship_day[n]),
                    _day(requested[n]),
                    _day(ship_day[n]),
                )
                for k, n in enumerate(shipped_ids.tolist())
            ),
        )
        changed = rng.random(lines) < 0.3

        def history() -> Iterator[tuple[Any, ...]]:
            k = 0
            for n in range(lines):
                at = _at(order_age[line_order[n]])
                promise = intake_promise[n]
                k += 1
                yield (k, n + 1, at, None, _day(promise), INTAKE_REASON)
                if changed[n]:
                    k += 1
                    yield (
                        k,
                        n + 1,
                        at + timedelta(days=1),
                        _day(promise),
                        _day(promise - 1),
                        "allocation run r (priority)",
                    )

        put(
            orm.promise_history,
            ("id", "line_id", "at", "old_promise_date", "promise_date", "reason"),
            history(),
        )
        # Purchase orders: a tenth as many lines as order lines, five to a PO.
        po_lines = max(lines // 10, 5)
        pos = po_lines // 5
        po_age = rng.integers(0, DAYS, pos)
        put(
            orm.purchase_orders,
            ("po_number", "supplier", "created_at", "status"),
            ((f"P{p:07d}", f"V{p % suppliers:04d}", _at(po_age[p]), "open") for p in range(pos)),
        )
        po_of = np.arange(po_lines) // 5
        expected = po_age[po_of] - 14
        received = expected > 0
        received_late = rng.random(po_lines) < 0.2
        # Hours from the PO to its 855; past 60 hours none came (yet).
        ack_hours = rng.gamma(2.0, 8.0, po_lines)
        put(
            orm.purchase_order_lines,
            (
                "source_id",
                "po_number",
                "line_number",
                "sku",
                "location",
                "quantity",
                "received_quantity",
                "expected_date",
                "confirmation",
                "acknowledged_at",
                "unit_cost",
                "updated_at",
            ),
            (
                (
                    f"P{po_of[n]:07d}/{n % 5 + 1}",
                    f"P{po_of[n]:07d}",
                    n % 5 + 1,
                    f"I{n % items:07d}",
                    LOCATIONS[n % 6][0],
                    100,
                    100 if received[n] else 0,
                    _day(expected[n]),
                    "confirmed",
                    _acknowledged(po_age[po_of[n]], ack_hours[n]),
                    5.0,
                    _at(expected[n] - (3 if received_late[n] else 0))
                    if received[n]
                    else _at(po_age[po_of[n]]),
                )
                for n in range(po_lines)
            ),
        )
        put(
            orm.audit_log,
            ("at", "actor", "action", "subject"),
            (
                (
                    _acknowledged(po_age[po_of[n]], ack_hours[n]),
                    "edi",
                    "purchase_order.confirmed",
                    f"purchase-order/P{po_of[n]:07d}/{n % 5 + 1}",
                )
                for n in range(po_lines)
                if ack_hours[n] < 60
            ),
        )
        # Cases for the backordered lines: a path through the states, one step per ~day.
        case_lines = np.flatnonzero(backordered)
        steps = rng.integers(2, len(STATES), len(case_lines))
        put(
            orm.backorder_cases,
            (
                "case_id",
                "line_id",
                "sku",
                "customer",
                "state",
                "opened_at",
                "updated_at",
                "on_hold",
                "released_to_warehouse",
            ),
            (
                (
                    f"case-{n + 1}",
                    int(n) + 1,
                    f"I{line_item[n]:07d}",
                    f"C{order_customer[line_order[n]]:06d}",
                    STATES[steps[k] - 1],
                    _at(max(since[n], 0)),
                    NOW,
                    False,
                    False,
                )
                for k, n in enumerate(case_lines.tolist())
            ),
        )
        put(
            orm.case_history,
            ("case_id", "at", "from_state", "to_state", "reason"),
            (
                (
                    f"case-{n + 1}",
                    _at(max(since[n], 0)) + timedelta(hours=13.0 * s),
                    STATES[s - 1] if s else None,
                    STATES[s],
                    "news",
                )
                for k, n in enumerate(case_lines.tolist())
                for s in range(int(steps[k]))
            ),
        )
        tasks = len(case_lines) // 2
        opened = rng.uniform(0, DAYS, tasks)
        resolved = rng.random(tasks) < 0.7
        teams = ("procurement", "customer_service", "warehouse")
        put(
            orm.tasks,
            (
                "task_id",
                "case_id",
                "cause",
                "task_type",
                "team",
                "severity",
                "status",
                "subject",
                "detail",
                "opened_at",
                "due_at",
                "resolved_at",
                "escalation_level",
                "breached",
                "touches",
            ),
            (
                (
                    t + 1,
                    f"case-{case_lines[t] + 1}",
                    f"cause-{t}",
                    "supplier_late",
                    teams[t % 3],
                    "normal",
                    "resolved" if resolved[t] else "open",
                    "s",
                    "",
                    _at(opened[t]),
                    _at(opened[t] - 0.3),
                    _at(opened[t] - 0.2 - 0.3 * (t % 3)) if resolved[t] else None,
                    0,
                    bool(t % 4 == 0),
                    int(t % 3),
                )
                for t in range(tasks)
            ),
        )
        put(
            orm.revenue_shifts,
            (
                "line_id",
                "order_id",
                "customer",
                "from_period",
                "to_period",
                "open_quantity",
                "unit_price",
                "value",
                "at",
                "reason",
            ),
            (
                (
                    int(n) + 1,
                    f"O{line_order[n]:08d}",
                    "C000000",
                    "2026-10",
                    "2026-11",
                    1,
                    10.0,
                    10.0,
                    _at(rng.integers(0, DAYS)),
                    "run",
                )
                for n in case_lines[: lines // 20].tolist()
            ),
        )
        put(
            orm.expedite_costs,
            ("line_id", "cost", "reason", "approved_by", "at", "period"),
            (
                (int(n) + 1, 50.0, "air", "tl", _at(3), "2026-11")
                for n in case_lines[: lines // 500].tolist()
            ),
        )
    # Statistics for the planner, as autovacuum would gather them after a bulk load.
    with application.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("ANALYZE"))
    application.close()
    return counts


def _backend_cpu(connection: Any) -> float:
    """CPU seconds used so far by the database server processes serving this database
    (PostgreSQL on this machine; 0 otherwise): unlike wall time, other load on the
    machine does not inflate it. Every backend of the database counts, since the KPI
    groups run at once on sibling connections (`analytics.together`); nothing else
    connects to the bench's own database."""
    if connection.dialect.name != "postgresql":
        return 0.0
    # The list of backends is read once per transaction unless cleared.
    connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
    pids = connection.exec_driver_sql(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    ).scalars()
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _timed(connection: Any, work: Callable[[], Any], repeat: int) -> dict[str, float]:
    wall, cpu, server = [], [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        started_server = _backend_cpu(connection)
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        server.append(_backend_cpu(connection) - started_server)
    return {
        "first_s": round(wall[0], 3),
        "median_s": round(statistics.median(wall), 3),
        "best_s": round(min(wall), 3),
        "server_cpu_s": round(statistics.median(server), 3),
        "client_cpu_s": round(statistics.median(cpu), 3),
    }


def main() -> None:
    """Load, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--url", help="Measure an already loaded database (from --keep).")
    parser.add_argument(
        "--serial",
        action="store_true",
        help="Every KPI group on one connection, one after the other (for comparison).",
    )
    args = parser.parse_args()
    counts: dict[str, int] = {}
    started = time.perf_counter()
    if args.url:
        url, args.keep = args.url, True
    elif args.backend == "postgresql":
        url = _fresh_postgres(f"backorder_bench_kpis_{os.getpid()}")
        counts = load(url, args.lines)
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/kpis.db"
        counts = load(url, args.lines)
    load_seconds = time.perf_counter() - started
    # No parallel query: one server process per connection does all of its work, so the
    # server CPU is the whole cost. As a connection option, it holds for the sibling
    # connections of the KPI groups too.
    options = (
        {"options": "-c max_parallel_workers_per_gather=0"} if url.startswith("postgresql") else {}
    )
    engine = create_engine(url, connect_args=options)
    month = KpiFilter(TODAY - timedelta(days=27), TODAY)
    half_year = KpiFilter(TODAY - timedelta(days=DAYS - 1), TODAY)
    scoped = KpiFilter(month.start, month.end, region="west", item_group="G7")
    results: dict[str, Any] = {}
    with engine.connect() as connection:
        tune(connection)  # what `analytics.reading.reading` does for the API and dashboard
        for name, where in (("kpis_4_weeks", month), ("kpis_6_months", half_year),
                            ("kpis_4_weeks_scoped", scoped)):  # fmt: skip
            results[name] = _timed(
                connection,
                lambda where=where: compute(
                    connection,
                    where,
                    today=TODAY,
                    now=NOW,
                    with_previous=False,
                    together=not args.serial,
                ),
                args.repeat,
            )
        results["process_4_weeks"] = _timed(
            connection, lambda: process_view(connection, month, NOW, CaseTimeouts()), args.repeat
        )
    engine.dispose()
    if url.startswith("postgresql") and not args.keep:
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = url.rsplit("/", 1)[1]
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(
        json.dumps(
            {
                "bench": "kpis",
                "backend": url.split(":", 1)[0].split("+", 1)[0],
                "parallel_query": "off (server CPU: the sum of the database's processes)",
                "kpi_groups": "one after the other" if args.serial else "at once",
                "order_lines": args.lines,
                "rows": counts,
                "load_s": round(load_seconds, 1),
                "load_average": [round(v, 2) for v in os.getloadavg()],
                **results,
            }
        )
    )


if __name__ == "__main__":
    main()
