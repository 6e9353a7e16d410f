"""Benchmark: outbox relay lag to NATS JetStream at a steady event rate.

A producer process commits outbox rows at `--rate` events per second (small transactions,
as handlers write them) for `--seconds`; the relay (the same one `backorder serve` runs,
default settings) publishes them to a local NATS JetStream server. Lag is the time from a
row's commit to the broker's publish ack. Prints one JSON object per backend with
p50/p95/p99/max lag in ms against the target (p99 < 1000 ms at 1,000 events/s).

By default the script starts its own `nats-server -js` on a free port with a temporary
store (so it never touches a shared stream); `--nats-url` uses a running server instead.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from backorder.adapters import orm
from backorder.adapters.db import make_engine, writer
from backorder.adapters.outbox.relay import build_relay
from backorder.adapters.outbox.settings import RelaySettings
from backorder.adapters.repositories.platform import PlatformRepository
from backorder.bootstrap import bootstrap
from backorder.config import Settings

PG_HOST = "127.0.0.1:5432"
PG_ADMIN = f"postgresql+psycopg://postgres@{PG_HOST}/test"
PG_DATABASE = "backorder_bench_outbox"
TARGET_RATE = 1000
TARGET_P99_MS = 1000.0
NATS_SERVER = "/usr/sbin/nats-server"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nats-server did not open port {port}")


@contextmanager
def _nats(url: str | None, workdir: Path) -> Iterator[str]:
    if url:
        yield url
        return
    binary = NATS_SERVER if Path(NATS_SERVER).exists() else shutil.which("nats-server")
    if binary is None:
        raise SystemExit("nats-server is not installed; pass --nats-url")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(workdir / "js")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


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


def _produce(url: str, rate: int, seconds: float, batch: int, out: Any) -> None:
    """Commit `batch` events per transaction, paced to `rate`; send commit times back."""
    engine = make_engine(url)
    committed: dict[str, float] = {}
    per_second = rate / batch
    start = time.perf_counter()
    made = 0
    try:
        while True:
            due = start + made / per_second
            if due - start >= seconds:
                break
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            now = datetime.now(UTC)
            rows = []
            for k in range(batch):
                line = (made * batch + k) % 5000 + 1
                rows.append(
                    {
                        "event_id": str(uuid.uuid4()),
                        "type": "backorder.order_line.allocated.v1",
                        "subject": f"line/{line}",
                        "data": {
                            "line_id": line,
                            "sku": "A",
                            "quantity": 1,
                            "promise_date": "2026-12-01",
                        },
                        "occurred_at": now,
                    }
                )
            with writer(engine).begin() as connection:
                PlatformRepository(connection).append_events(rows)
            at = time.time()
            for row in rows:
                committed[row["event_id"]] = at
            made += 1
    finally:
        engine.dispose()
    out.send((committed, time.perf_counter() - start))


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(
    backend: str, rate: int, seconds: float, batch: int, nats_url: str | None
) -> dict[str, Any]:
    """One backend: produce, relay, and measure commit-to-ack lag."""
    with tempfile.TemporaryDirectory() as tmp, _database(backend, Path(tmp)) as url:
        workdir = Path(tmp)
        bootstrap(Settings(database_url=url, home=workdir)).close()  # migrate
        with _nats(nats_url, workdir) as broker:
            application = bootstrap(Settings(database_url=url, home=workdir), migrate=False)
            acked: dict[int, float] = {}
            lock = threading.Lock()

            def on_published(positions: Sequence[int]) -> None:
                at = time.time()
                with lock:
                    for position in positions:
                        acked.setdefault(position, at)

            relay = build_relay(
                application.engine,
                RelaySettings(nats_url=broker, nats_stream="BACKORDER"),
                on_published=on_published,
            )
            relay.start()
            # Spawned, not forked: a fork would copy the relay threads' held locks.
            spawn = multiprocessing.get_context("spawn")
            receive, send = spawn.Pipe(duplex=False)
            producer = spawn.Process(target=_produce, args=(url, rate, seconds, batch, send))
            producer.start()
            if not receive.poll(seconds + 120):
                producer.kill()
                raise RuntimeError("the producer did not report back")
            committed, produced_for = receive.recv()
            producer.join()
            deadline = time.monotonic() + 60
            while len(acked) < len(committed) and time.monotonic() < deadline:
                time.sleep(0.05)
            relay.stop()
            with application.engine.connect() as connection:
                ids = dict(
                    connection.execute(select(orm.outbox.c.position, orm.outbox.c.event_id)).all()
                )
            application.close()
    lags = [(acked[p] - committed[ids[p]]) * 1000 for p in acked if ids.get(p) in committed]
    p99 = _percentile(lags, 0.99) if lags else float("inf")
    return {
        "benchmark": "outbox_relay",
        "backend": backend,
        "target_rate_per_s": rate,
        "produced": len(committed),
        "produced_rate_per_s": round(len(committed) / produced_for, 1),
        "published": len(acked),
        "transactions_per_s": round(rate / batch, 1),
        "lag_ms": {
            "p50": round(_percentile(lags, 0.50), 1) if lags else None,
            "p95": round(_percentile(lags, 0.95), 1) if lags else None,
            "p99": round(p99, 1),
            "max": round(max(lags), 1) if lags else None,
        },
        "target_p99_ms": TARGET_P99_MS,
        "meets_target": p99 < TARGET_P99_MS and len(acked) == len(committed),
    }


def main() -> None:
    """Parse arguments, run each backend, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load per backend")
    parser.add_argument("--rate", type=int, default=TARGET_RATE, help="events per second")
    parser.add_argument("--batch", type=int, default=10, help="events per transaction")
    parser.add_argument(
        "--backend", choices=["sqlite", "postgresql", "both"], default="both", help="database"
    )
    parser.add_argument("--nats-url", help="a running NATS server (default: start one)")
    args, _unknown = parser.parse_known_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        result = run(backend, args.rate, args.seconds, args.batch, args.nats_url)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
