"""Benchmark: an 856 ship notice with 1,000 item lines, parsed *and applied* (target < 1 s).

Seeds a purchase order of 1,000 lines (one item each, with some open order lines to
reallocate), then times `import_edi` — parse, match every item to its PO line, record the
ship notices, reallocate the items, store the 997 — on a file with fresh control numbers
each run (so every run applies; a repeat would be a duplicate). Prints one JSON object per
backend: the first run and the best of the others, in seconds.

    .venv/bin/python bench/edi_856_apply.py [--backend postgresql|sqlite|both] [--items 1000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.domain.model import Customer, Item, Location, Order, OrderLine, Supplier
from backorder.service_layer.handlers import master, orders, purchasing
from backorder.service_layer.handlers.edi_inbound import import_edi

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "backorder_bench_edi"
TARGET_SECONDS = 1.0
RUNS = 4


def generate_856(items: int, run: int) -> str:
    """An 856 (S-O-I) with `items` item levels on PO-BENCH-1; control numbers from `run`."""
    body = [
        "ST*856*0001",
        f"BSN*00*BENCH-{run}*20240401*0800*0001",
        "DTM*011*20240401",
        "DTM*017*20240405",
        "HL*1**S",
        "TD5*B*2*UPSN*M*UPS GROUND",
        "HL*2*1*O",
        "PRF*PO-BENCH-1***20240315",
    ]
    for n in range(1, items + 1):
        body += [f"HL*{n + 2}*2*I", f"LIN*{n}*BP*ITEM-{n:05d}", f"SN1**{n % 40 + 1}*EA"]
    body.append(f"SE*{len(body) + 1}*0001")
    control = f"{run:09d}"
    segments = [
        "ISA*00*          *00*          *ZZ*BENCHSUPPLIER  *ZZ*BACKORDERCO    "
        f"*240401*0800*U*00401*{control}*0*P*>",
        f"GS*SH*BENCHSUPPLIER*BACKORDERCO*20240401*0800*{run}*X*004010",
        *body,
        f"GE*1*{run}",
        f"IEA*1*{control}",
    ]
    return "~\n".join(segments) + "~\n"


@contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{(workdir / 'bench.db').as_posix()}"
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        admin.dispose()


def _seed(url: str, home: Path, items: int) -> None:
    application = bootstrap(Settings(database_url=url, home=home))
    ctx = application.context
    try:
        master.save_locations(ctx, [Location("DC1", "north")], "bench")
        master.save_suppliers(ctx, [Supplier("BENCH", edi_id="BENCHSUPPLIER")], "bench")
        skus = [f"ITEM-{n:05d}" for n in range(1, items + 1)]
        master.save_items(ctx, [Item(sku) for sku in skus], "bench")
        master.save_customers(ctx, [Customer("CU", region="north", home_location="DC1")], "bench")
        due = date.today() + timedelta(days=30)
        lines = tuple(purchasing.PurchaseOrderLineInput(sku, "DC1", 100, due) for sku in skus)
        purchasing.create_purchase_orders(
            ctx, [purchasing.PurchaseOrderInput("PO-BENCH-1", "BENCH", lines)], "bench"
        )
        # Every fifth item has an open order line waiting for this supply: reallocated.
        now = ctx.clock.now()
        waiting = [
            Order(f"SO-{sku}", "CU", now, (OrderLine(0, "", "CU", sku, 5, due, 10.0),))
            for sku in skus[::5]
        ]
        orders.place_orders(ctx, waiting, "bench")
    finally:
        application.close()


def run(backend: str, items: int) -> dict[str, Any]:
    """Seed, then time `import_edi` on fresh 856 files; the result as a dict."""
    logging.getLogger("edi_parser").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as scratch, _database(backend, Path(scratch)) as url:
        _seed(url, Path(scratch), items)
        application = bootstrap(Settings(database_url=url, home=Path(scratch)))
        timings: list[float] = []
        cpu: list[float] = []
        try:
            for number in range(1, RUNS + 1):
                data = generate_856(items, number)
                started, cpu_started = time.perf_counter(), time.process_time()
                report = import_edi(application.context, data, "bench")
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                (shipped,) = report.sets
                if (shipped.outcome, shipped.applied_lines) != ("applied", items):
                    raise RuntimeError(f"run {number}: {shipped.outcome}, {shipped.problems[:3]}")
        finally:
            application.close()
    best = min(timings[1:]) if len(timings) > 1 else timings[0]
    return {
        # Wall time depends on what else the machine runs; the process's CPU time less so.
        "benchmark": "edi_856_parse_and_apply",
        "backend": backend,
        "items": items,
        "first_run_seconds": round(timings[0], 3),
        "seconds": round(best, 3),
        "cpu_seconds": round(min(cpu[1:]) if len(cpu) > 1 else cpu[0], 3),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "target_seconds": TARGET_SECONDS,
        "within_target": best < TARGET_SECONDS,
    }


def main() -> None:
    """Parse arguments, run, print JSON (one line per backend)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--items", type=int, default=1000)
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        print(json.dumps(run(backend, args.items)))


if __name__ == "__main__":
    main()
