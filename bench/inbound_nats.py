"""Benchmark: canonical inbound events through NATS JetStream into the database.

Seeds a distributor (`backorder.scenario.inbound_stream`), starts a nats-server of its own
(temporary store, free port), publishes N messages of the reference mix (new orders,
shipments, quantity changes, cancellations, stock adjustments, goods receipts) to
`erp.inbound.<type>`, then runs `backorder consume` in a subprocess and times it through the
backlog: events/s is measured from the first applied message to the last (the consumer's
start-up and migration check are not counted). Afterwards the database totals are compared
with what the stream must produce applied exactly once. Prints one JSON object.

    .venv/bin/python bench/inbound_nats.py [--messages 60000] [--backend postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nats
from sqlalchemy import create_engine, func, select, text

from backorder.adapters import orm
from backorder.adapters.inbound.stream import InboundStreamConfig, ensure_stream
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.scenario.inbound_stream import (
    database_totals,
    expected_totals,
    message_stream,
    seed_world,
)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "backorder_bench_inbound"
TARGET_EVENTS_PER_S = 2000
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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


@contextmanager
def _nats(store: Path) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [NATS_SERVER, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nats-server did not start") from None
                time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


async def _publish(config: InboundStreamConfig, messages: list[dict[str, Any]]) -> float:
    """Publish with broker-side dedupe ids; returns messages per second."""
    connection = await nats.connect(config.url)
    try:
        js = connection.jetstream(publish_async_max_pending=4000)
        await ensure_stream(js, config)
        started = time.perf_counter()
        for message in messages:
            await js.publish_async(
                config.subject_for(message["type"]),
                json.dumps(message).encode(),
                headers={"Nats-Msg-Id": message["message_id"]},
            )
        await js.publish_async_completed()
        return len(messages) / (time.perf_counter() - started)
    finally:
        await connection.close()


def _applied(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            table = orm.inbound_messages
            query = select(func.count()).select_from(table).where(table.c.outcome == "applied")
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def _postgres_cpu_seconds(url: str) -> float:
    """CPU time so far of the PostgreSQL backends serving the benchmark database (/proc)."""
    database = url.rsplit("/", 1)[-1].encode()
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
            fields = (entry / "stat").read_text().split()
        except OSError:
            continue
        if title.startswith(b"postgres:") and database in title:
            total += int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")


def _consume(url: str, home: Path, nats_url: str, total: int, batch: int) -> dict[str, Any]:
    """Run the consumer through the backlog; times first-to-last applied message.

    Also the CPU the consumer and PostgreSQL used: on a shared machine the wall time depends
    on the neighbours, `events_per_cpu_second` (events / (consumer + database CPU)) does not.
    """
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = os.environ | {
        "BACKORDER_DATABASE_URL": url,
        "BACKORDER_HOME": str(home),
        "BACKORDER_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "backorder.entrypoints.cli.consume", "--nats-url", nats_url,
        "--batch-size", str(batch), "--idle-exit", "3", "--json",
    ]  # fmt: skip
    consumer = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    engine = create_engine(url)
    table = orm.inbound_messages
    counting = select(func.count()).select_from(table).where(table.c.outcome == "applied")
    first_at, first_count, done_at, postgres_cpu = None, 0, None, 0.0
    try:
        with engine.connect() as connection:
            while done_at is None:
                if consumer.poll() is not None:
                    break
                applied = int(connection.execute(counting).scalar_one())
                connection.rollback()
                now = time.perf_counter()
                if first_at is None and applied:
                    first_at, first_count = now, applied
                if applied >= total:
                    done_at = now
                    # The consumer's backends are gone once it exits: read their CPU now.
                    postgres_cpu = _postgres_cpu_seconds(url) if url.startswith("postgres") else 0.0
                time.sleep(0.1)
        output, _ = consumer.communicate(timeout=600)
    finally:
        engine.dispose()
        if consumer.poll() is None:
            consumer.kill()
    if first_at is None or done_at is None:
        raise RuntimeError(f"the consumer stopped early (exit {consumer.returncode})")
    seconds = done_at - first_at
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    consumer_cpu = (children.ru_utime - children_before.ru_utime) + (
        children.ru_stime - children_before.ru_stime
    )
    return {
        "seconds": round(seconds, 2),
        "events_per_second": round((total - first_count) / seconds) if seconds else None,
        "consumer_cpu_seconds": round(consumer_cpu, 1),
        "database_cpu_seconds": round(postgres_cpu, 1),
        "events_per_cpu_second": round(total / (consumer_cpu + postgres_cpu)),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "consumer": json.loads(output.strip().splitlines()[-1]) if output.strip() else None,
    }


def run(backend: str, count: int, items: int, batch: int) -> dict[str, Any]:
    """Seed, publish, consume, check; the result as a dict."""
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        with _database(backend, workdir) as url, _nats(workdir / "jetstream") as nats_url:
            application = bootstrap(Settings(database_url=url, home=workdir))
            try:
                world = seed_world(application.context, items=items)
            finally:
                application.close()
            messages = list(message_stream(world, count))
            config = InboundStreamConfig(url=nats_url)
            publish_rate = asyncio.run(_publish(config, messages))
            timing = _consume(url, workdir, nats_url, count, batch)
            engine = create_engine(url)
            with engine.connect() as connection:
                found = database_totals(connection, world)
            engine.dispose()
    expected = expected_totals(messages)
    rate = timing["events_per_second"]
    return {
        "benchmark": "inbound_nats",
        "backend": backend,
        "messages": count,
        "items": items,
        "batch_size": batch,
        "mix": dict(Counter(m["type"] for m in messages)),
        "publish_per_second": round(publish_rate),
        **timing,
        "target_events_per_second": TARGET_EVENTS_PER_S,
        "within_target": rate is not None and rate >= TARGET_EVENTS_PER_S,
        "totals_match": found == expected,
        "totals": found,
        "expected_totals": expected,
    }


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--messages", type=int, default=60_000)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    print(json.dumps(run(args.backend, args.messages, args.items, args.batch_size)))


if __name__ == "__main__":
    main()
