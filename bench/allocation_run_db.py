"""Batch allocation run from the database: read the backlog, allocate, write everything back.

Loads a synthetic backlog (default 1,000,000 open lines, 100,000 items, 6 DCs) into a fresh
database with COPY, then times `run_allocation` for all items, which reads the backlog,
allocates, and writes allocations, decision records and line outcomes. Prints one JSON
object per run.

Usage: python bench/allocation_run_db.py [--lines N] [--items M] [--backend postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text

from backorder.adapters import orm
from backorder.adapters.bulk import insert_rows
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.domain.allocation.problem import AllocationProblem, day_to_date
from backorder.scenario.synthetic import SyntheticSpec, synthetic_problem
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers.allocation import run_allocation

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _fresh_postgres(name: str) -> str:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def load(problem: AllocationProblem, url: str, now: datetime) -> None:
    """Write the synthetic problem into the database as master data, stock, POs and orders."""
    application = bootstrap(Settings(database_url=url), clock=FixedClock(now))
    network, catalog, demand, supply = (
        problem.network,
        problem.catalog,
        problem.demand,
        problem.supply,
    )
    tiers = catalog.tiers
    with application.engine.begin() as connection:
        insert_rows(
            connection,
            orm.locations,
            ("code", "name", "region"),
            (
                (code, code, network.regions[int(network.location_region[i])])
                for i, code in enumerate(network.locations)
            ),
        )
        insert_rows(
            connection,
            orm.lanes,
            ("origin", "destination", "lead_time_days", "cost_per_unit"),
            (
                (a, b, int(network.lane_days[i, j]), float(network.lane_cost[i, j]))
                for i, a in enumerate(network.locations)
                for j, b in enumerate(network.locations)
                if i != j
            ),
        )
        insert_rows(
            connection, orm.suppliers, ("code", "name", "lead_time_days"), [("SUP", "", 14)]
        )
        insert_rows(
            connection,
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
                    sku,
                    "",
                    "EA",
                    0.0,
                    0.0,
                    catalog.product_lines[int(catalog.product_line[i])],
                    catalog.item_groups[int(catalog.item_group[i])],
                    "SUP",
                    1,
                    0,
                    0,
                )
                for i, sku in enumerate(catalog.skus)
            ),
        )
        owners = np.repeat(np.arange(catalog.size), np.diff(catalog.sub_start))
        insert_rows(
            connection,
            orm.item_substitutes,
            ("sku", "position", "substitute_sku", "factor", "requires_acceptance"),
            (
                (catalog.skus[int(o)], 0, catalog.skus[int(s)], float(f), bool(a))
                for o, s, f, a in zip(
                    owners,
                    catalog.sub_item,
                    catalog.sub_factor,
                    catalog.sub_requires_acceptance,
                    strict=True,
                )
            ),
        )
        customers = int(demand.customer.max()) + 1
        first_row = np.full(customers, -1)
        first_row[demand.customer[::-1]] = np.arange(len(demand))[::-1]
        acceptance = ("never", "ask", "pre_accepted")
        insert_rows(
            connection,
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
                    tiers[int(demand.tier[r])],
                    network.regions[int(demand.region[r])],
                    network.locations[int(demand.home[r])],
                    bool(demand.ship_complete[r]),
                    acceptance[int(demand.substitution[r])],
                    "email",
                )
                for c, r in enumerate(first_row.tolist())
                if r >= 0
            ),
        )
        on_hand = supply.kind == 0
        insert_rows(
            connection,
            orm.inventory,
            ("sku", "location", "on_hand", "updated_at"),
            (
                (catalog.skus[int(i)], network.locations[int(loc)], int(q), now)
                for i, loc, q in zip(
                    supply.item[on_hand],
                    supply.location[on_hand],
                    supply.quantity[on_hand],
                    strict=True,
                )
            ),
        )
        receipts = np.flatnonzero(~on_hand)
        insert_rows(
            connection,
            orm.purchase_orders,
            ("po_number", "supplier", "created_at", "status"),
            ((f"PO-{r}", "SUP", now, "open") for r in receipts.tolist()),
        )
        insert_rows(
            connection,
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
                "unit_cost",
                "updated_at",
            ),
            (
                (
                    f"PO-{r}/1",
                    f"PO-{r}",
                    1,
                    catalog.skus[int(supply.item[r])],
                    network.locations[int(supply.location[r])],
                    int(supply.quantity[r]),
                    0,
                    day_to_date(int(supply.day[r])),
                    "confirmed",
                    0.0,
                    now,
                )
                for r in receipts.tolist()
            ),
        )
        n = len(demand)
        insert_rows(
            connection,
            orm.orders,
            ("order_id", "customer", "ordered_at"),
            ((f"SO-{i}", f"C{int(demand.customer[i]):06d}", now) for i in range(n)),
        )
        insert_rows(
            connection,
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
                "unit_price",
                "unit_cost",
                "order_type",
                "ordered_at",
                "status",
                "allocated_quantity",
                "backordered_quantity",
                "updated_at",
            ),
            (
                (
                    int(demand.line_id[i]),
                    f"SO-{i}",
                    1,
                    f"C{int(demand.customer[i]):06d}",
                    catalog.skus[int(demand.item[i])],
                    int(demand.quantity[i]),
                    0,
                    day_to_date(int(demand.requested_day[i])),
                    float(demand.unit_price[i]),
                    float(demand.unit_cost[i]),
                    catalog.order_types[int(demand.order_type[i])],
                    now - timedelta(seconds=int(i)),
                    "open",
                    0,
                    0,
                    now,
                )
                for i in range(n)
            ),
        )
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    application.close()


def main() -> None:
    """Load, run, report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--runs", type=int, default=2, help="Second run finds allocations to replace."
    )
    args = parser.parse_args()
    problem = synthetic_problem(SyntheticSpec(lines=args.lines, items=args.items))
    now = datetime(2026, 11, 27, 8, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as home:
        url = (
            _fresh_postgres("backorder_bench_run")
            if args.backend == "postgresql"
            else f"sqlite:///{Path(home) / 'bench.db'}"
        )
        started = time.perf_counter()
        load(problem, url, now)
        loaded = time.perf_counter() - started
        application = bootstrap(Settings(database_url=url), clock=FixedClock(now))
        for run in range(args.runs):
            started = time.perf_counter()
            done = run_allocation(application.context, skus=None, solver="priority", actor="bench")
            seconds = time.perf_counter() - started
            print(
                json.dumps(
                    {
                        "benchmark": "allocation_run_from_database",
                        "backend": args.backend,
                        "run": run + 1,
                        "open_lines": args.lines,
                        "items": args.items,
                        "load_seconds": round(loaded, 1),
                        "seconds": round(seconds, 1),
                        "allocated_units": done.summary["allocated_units"],
                        "backordered_units": done.summary["backordered_units"],
                    }
                ),
                flush=True,
            )
        application.close()


if __name__ == "__main__":
    main()
