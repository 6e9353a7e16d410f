"""A consumer killed with SIGKILL mid-stream, twice, loses nothing and doubles nothing.

A real `backorder consume` subprocess works through a stream of mixed messages on
PostgreSQL; it is killed (no chance to finish a batch, ack or clean up) while applying,
restarted, killed again, and restarted to the end. Then every total the stream implies —
orders, lines, units ordered, cancellations, units shipped and received, the stock change —
must be exactly what applying each message once gives.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from sqlalchemy import create_engine, func, select, text

from backorder.adapters import orm
from backorder.adapters.inbound.stream import InboundStreamConfig, ensure_stream
from backorder.adapters.orm import metadata
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.scenario.inbound_stream import (
    database_totals,
    expected_totals,
    message_stream,
    seed_world,
)
from tests.integration.nats_server import nats_server

pytestmark = [pytest.mark.slow, pytest.mark.nats, pytest.mark.postgres]
MESSAGES = 4000


@pytest.fixture
def database(postgres_database: str) -> str:
    """The run's PostgreSQL database, emptied."""
    engine = create_engine(postgres_database)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return postgres_database


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    """A JetStream server of this test's own."""
    with nats_server(tmp_path / "jetstream") as url:
        yield url


async def _publish(config: InboundStreamConfig, messages: list[dict[str, Any]]) -> None:
    connection = await nats.connect(config.url)
    try:
        js = connection.jetstream()
        await ensure_stream(js, config)
        for message in messages:
            await js.publish_async(
                config.subject_for(message["type"]),
                json.dumps(message).encode(),
                headers={"Nats-Msg-Id": message["message_id"]},
            )
        await js.publish_async_completed()
    finally:
        await connection.close()


def _consumer(url: str, home: Path, nats_url: str, *extra: str) -> subprocess.Popen[str]:
    env = os.environ | {
        "BACKORDER_DATABASE_URL": url,
        "BACKORDER_HOME": str(home),
        "BACKORDER_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "backorder.entrypoints.cli.consume", "--nats-url", nats_url,
        "--batch-size", "200", "--ack-wait", "5", "--max-deliveries", "30", *extra,
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)


def _applied(url: str) -> int:
    engine = create_engine(url)
    table = orm.inbound_messages
    try:
        with engine.connect() as connection:
            query = select(func.count()).select_from(table).where(table.c.outcome == "applied")
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def _kill_when(process: subprocess.Popen[str], url: str, applied: int) -> None:
    deadline = time.monotonic() + 120
    while _applied(url) < applied:
        assert process.poll() is None, "the consumer stopped by itself"
        assert time.monotonic() < deadline, "the consumer makes no progress"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_a_killed_consumer_loses_nothing_and_doubles_nothing(
    database: str, nats_url: str, tmp_path: Path
) -> None:
    application = bootstrap(Settings(database_url=database, home=tmp_path))
    try:
        world = seed_world(application.context, items=60, customers=20)
    finally:
        application.close()
    messages = list(message_stream(world, MESSAGES, lookback=800))
    asyncio.run(_publish(InboundStreamConfig(url=nats_url), messages))

    _kill_when(_consumer(database, tmp_path, nats_url), database, 1000)
    _kill_when(_consumer(database, tmp_path, nats_url), database, 2500)
    last = _consumer(database, tmp_path, nats_url, "--idle-exit", "8", "--json")
    output, _ = last.communicate(timeout=240)
    assert last.returncode == 0
    stats = json.loads(output.strip().splitlines()[-1])

    assert _applied(database) == MESSAGES
    assert stats["dead_lettered"] == 0
    engine = create_engine(database)
    with engine.connect() as connection:
        found = database_totals(connection, world)
    engine.dispose()
    assert found == expected_totals(messages)
