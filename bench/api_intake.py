"""Benchmark: order-line intake over the REST API, each line allocated against ATP at once.

For each backend (SQLite file in a temporary directory; PostgreSQL database
`backorder_bench`, created and dropped here) the script seeds ~200 stocked items, starts a
real uvicorn server in a subprocess, and runs client processes that each keep
`--connections` keep-alive connections busy posting orders (single-line by default) as
fast as the server answers, for N seconds. Prints one JSON object per backend: lines per
second and p50/p95/p99 latency in ms, against the targets (>= 500 lines/s, p99 < 50 ms).

`--lines-per-order reference` sends orders sized as the reference distributor's are
(`backorder.scenario.reference`, mean about 4.2 lines), in a fixed sequence.

`--profile DIR` runs the server under cProfile (every thread, merged) and writes the top
functions by cumulative and by own time to DIR/<backend>.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text

from backorder.adapters import orm
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.domain.model import Customer, Item, Location, TransferLane
from backorder.service_layer.access import create_api_key
from backorder.service_layer.handlers.master import (
    save_customers,
    save_items,
    save_lanes,
    save_locations,
)
from backorder.service_layer.handlers.supply import StockLevel, set_stock

PG_HOST = "127.0.0.1:5432"
PG_ADMIN = f"postgresql+psycopg://postgres@{PG_HOST}/test"
PG_DATABASE = "backorder_bench"
TARGET_LINES_PER_S = 500
TARGET_P99_MS = 50.0
STOCK_PER_ITEM = 10_000_000  # never runs out: every line is allocated from stock


# What one client process did: latencies (ms) of accepted orders, the lines they held, and
# failures by status code (0: transport error). Plain types, so results cross the process
# boundary as they are.
ClientResult = tuple[list[float], list[int], dict[int, int]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _postgres_answers() -> bool:
    host, port = PG_HOST.split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def _seed(url: str, home: Path, items: int) -> str:
    """Master data and stock for `items` SKUs; returns an API key for the clients."""
    application = bootstrap(Settings(database_url=url, home=home))
    ctx = application.context
    try:
        save_locations(ctx, [Location("EAST", "east"), Location("WEST", "west")], "bench")
        save_lanes(ctx, [TransferLane("EAST", "WEST", 3), TransferLane("WEST", "EAST", 3)], "bench")
        skus = [f"SKU-{n:04d}" for n in range(items)]
        save_items(ctx, [Item(sku, list_price=10.0, unit_cost=6.0) for sku in skus], "bench")
        customers = [
            Customer(f"C-{n:02d}", region="east" if n % 2 else "west",
                     home_location="EAST" if n % 2 else "WEST")
            for n in range(20)
        ]  # fmt: skip
        save_customers(ctx, customers, "bench")
        levels = [StockLevel(sku, dc, STOCK_PER_ITEM) for sku in skus for dc in ("EAST", "WEST")]
        set_stock(ctx, levels, "bench", reallocate=False)
        return create_api_key(ctx, "integration", "intake benchmark", "bench")
    finally:
        application.close()


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
        yield f"postgresql+psycopg://postgres@{PG_HOST}/{PG_DATABASE}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _server(url: str, home: Path, workers: int, profile: Path | None) -> Iterator[str]:
    """A uvicorn server in a subprocess; yields its base URL once it answers."""
    port = _free_port()
    env = os.environ | {
        "BACKORDER_DATABASE_URL": url,
        "BACKORDER_HOME": str(home),
        "BACKORDER_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, __file__, "--serve", str(port), "--workers", str(workers)]
    if profile is not None:
        command += ["--profile-out", str(profile)]
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}")
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass(frozen=True)
class Load:
    """What the clients send: for how long, over how many connections, how big an order."""

    seconds: float
    clients: int
    connections: int
    order_sizes: tuple[int, ...]  # lines of each order sent, in turn
    items: int


def _connection(
    base: str, key: str, name: str, load: Load, start_at: float, out: ClientResult
) -> None:
    """Post orders one after another on one keep-alive connection until the time is up."""
    latencies, lines, failures = out
    requested = (date(2026, 11, 27) + timedelta(days=5)).isoformat()
    headers = {"Authorization": f"Bearer {key}"}
    seed = sum(map(ord, name))
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        time.sleep(max(start_at - time.time(), 0))
        stop = time.perf_counter() + load.seconds
        sent = 0
        while time.perf_counter() < stop:
            size = load.order_sizes[(seed + sent) % len(load.order_sizes)]
            body = {
                "order_id": f"{name}-{sent}",
                "customer": f"C-{(sent * 7 + seed) % 20:02d}",
                "lines": [
                    {
                        "sku": f"SKU-{(sent * 13 + seed * 101 + line * 37) % load.items:04d}",
                        "quantity": 1 + (sent + line) % 5,
                        "requested_date": requested,
                        "unit_price": 10.0,
                    }
                    for line in range(size)
                ],
            }
            began = time.perf_counter()
            try:
                status = client.post("/v1/orders", json=body).status_code
            except httpx.TransportError:
                status = 0
            elapsed = (time.perf_counter() - began) * 1000
            sent += 1
            if status == 201:
                latencies.append(elapsed)
                lines.append(size)
            else:
                failures[status] = failures.get(status, 0) + 1


def _client(base: str, key: str, number: int, load: Load, start_at: float) -> ClientResult:
    """One client process: `load.connections` threads, each with its own connection."""
    results: list[ClientResult] = [([], [], {}) for _ in range(load.connections)]
    threads = [
        threading.Thread(
            target=_connection, args=(base, key, f"B{number}-{n}", load, start_at, results[n])
        )
        for n in range(load.connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures: dict[int, int] = {}
    for _, _, failed in results:
        for status, count in failed.items():
            failures[status] = failures.get(status, 0) + count
    latencies = [ms for done, _, _ in results for ms in done]
    return latencies, [n for _, sizes, _ in results for n in sizes], failures


def _order_sizes(spec: str) -> tuple[int, ...]:
    """Lines per order: one size for every order, or the reference distributor's sizes."""
    if spec != "reference":
        return (int(spec),)
    from backorder.scenario.reference import ReferenceSpec, generate

    return tuple(len(order.lines) for order in generate(ReferenceSpec.small()).orders())


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(round(fraction * (len(ordered) - 1)), len(ordered) - 1)
    return ordered[index]


def _stored_lines(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(orm.order_lines)).scalar_one()
            )
    finally:
        engine.dispose()


def run_backend(backend: str, load: Load, workers: int, profile_dir: Path | None) -> dict[str, Any]:
    """Seed, serve, load and measure one backend; returns the JSON-ready result."""
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        workdir = Path(tmp)
        with _database(backend, workdir) as url:
            key = _seed(url, workdir, load.items)
            profile = profile_dir / f"{backend}.txt" if profile_dir else None
            with _server(url, workdir, workers, profile) as base:
                start_at = time.time() + 1.0
                spawn = multiprocessing.get_context("spawn")
                with spawn.Pool(load.clients) as pool:
                    results = pool.starmap(
                        _client, [(base, key, n, load, start_at) for n in range(load.clients)]
                    )
                during = os.getloadavg()[0]
            stored = _stored_lines(url)
    latencies = [ms for done, _, _ in results for ms in done]
    failures: dict[str, int] = {}
    for _, _, failed in results:
        for status, count in failed.items():
            failures[str(status)] = failures.get(str(status), 0) + count
    lines = sum(n for _, sizes, _ in results for n in sizes)
    rate = lines / load.seconds
    p99 = _percentile(latencies, 0.99)
    return {
        "bench": "api_intake",
        "backend": backend,
        "seconds": load.seconds,
        "clients": load.clients,
        "connections_per_client": load.connections,
        "lines_per_order": round(sum(load.order_sizes) / len(load.order_sizes), 2),
        "server_workers": workers,
        "items": load.items,
        "orders": len(latencies),
        "lines": lines,
        "lines_stored": stored,
        "failures": failures,
        "orders_per_s": round(len(latencies) / load.seconds, 1),
        "lines_per_s": round(rate, 1),
        "latency_ms": {
            "p50": round(_percentile(latencies, 0.50), 2),
            "p95": round(_percentile(latencies, 0.95), 2),
            "p99": round(p99, 2),
            "max": round(max(latencies, default=float("nan")), 2),
        },
        "targets": {"lines_per_s": TARGET_LINES_PER_S, "p99_ms": TARGET_P99_MS},
        "meets_targets": rate >= TARGET_LINES_PER_S and p99 < TARGET_P99_MS,
        "cpus": os.cpu_count(),
        "load_average_1m": {"before": round(before, 2), "end": round(during, 2)},
        "profile": str(profile_dir / f"{backend}.txt") if profile_dir else None,
    }


# -- server mode (the subprocess) ---------------------------------------------------------


def _profiled_serve(port: int, out: Path) -> None:
    """Serve with every thread under cProfile; write merged stats on shutdown."""
    import uvicorn

    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start_profiler(*_: Any) -> None:
        profiler = cProfile.Profile()
        with lock:
            profiles.append(profiler)
        profiler.enable()  # replaces this hook for the rest of the thread

    threading.setprofile(start_profiler)
    main = cProfile.Profile()
    profiles.append(main)
    main.enable()
    try:
        uvicorn.run(
            "backorder.entrypoints.api.main:create_default_app",
            factory=True,
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    finally:
        for profiler in profiles:
            profiler.disable()
        report = io.StringIO()
        stats = pstats.Stats(profiles[0], stream=report)
        for profiler in profiles[1:]:
            stats.add(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(35)
        out.write_text(report.getvalue(), encoding="utf-8")


def _serve(port: int, workers: int, profile_out: Path | None) -> None:
    if profile_out is not None:
        _profiled_serve(port, profile_out)
        return
    import uvicorn

    uvicorn.run(
        "backorder.entrypoints.api.main:create_default_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
    )


def main() -> None:
    """Parse options; serve (subprocess mode) or run the benchmark per backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="load per backend")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument(
        "--connections", type=int, default=8, help="concurrent connections per client process"
    )
    parser.add_argument(
        "--lines-per-order",
        default="1",
        help="lines in each order, or 'reference' for the reference distributor's order sizes",
    )
    parser.add_argument("--items", type=int, default=200, help="stocked items")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--backend", choices=["sqlite", "postgresql", "both"], default="both", help="database"
    )
    parser.add_argument("--profile", type=Path, help="directory for server profiles")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.serve is not None:
        _serve(args.serve, args.workers, args.profile_out)
        return
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "postgresql" and not _postgres_answers():
            skipped = {
                "bench": "api_intake",
                "backend": backend,
                "skipped": f"no server at {PG_HOST}",
            }
            print(json.dumps(skipped), flush=True)
            continue
        load = Load(
            args.seconds, args.clients, args.connections, _order_sizes(args.lines_per_order),
            args.items,
        )  # fmt: skip
        result = run_backend(backend, load, args.workers, args.profile)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
