"""Independent KPI queries at once, on sibling connections that see the same data.

A view's KPIs fall into groups that share nothing (fill rates, suppliers, backlog and the
rest); one connection runs them one after the other on one core. Here the first group runs
on the caller's connection and the others on connections of the same engine, in threads
(both drivers let other threads run while the database works), so the database uses every
core it has. They must read the same data:

- **PostgreSQL**: the caller's transaction exports its snapshot (`pg_export_snapshot`);
  each sibling opens a repeatable-read transaction on exactly that snapshot.
- **SQLite** (WAL: readers never wait for the writer or each other): a sibling's read
  transaction starts at its first read; it is used only if its data version (the highest
  audit id and outbox position, see `analytics.cache`) is the caller's. Otherwise a write
  committed in between, and its group runs on the caller's connection after the first.

In-memory databases (one connection per database) run every group on the caller's
connection, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from backorder.analytics.cache import data_version
from backorder.analytics.sql import tune

Task = Callable[[Connection], Any]
# At most this many computations use siblings at a time; more run one group after the
# other on their own connection. So siblings never take more than a few of the pool's
# connections, and a burst of views cannot leave every connection held by a caller that
# waits for its siblings to get one.
AT_ONCE = 2
EXECUTOR = ThreadPoolExecutor(max_workers=3 * AT_ONCE, thread_name_prefix="kpis")
_SLOTS = threading.BoundedSemaphore(AT_ONCE)
_UNAVAILABLE = object()


def shareable(connection: Connection) -> bool:
    """True when sibling connections can see what `connection` sees (not in memory)."""
    engine = connection.engine
    if isinstance(engine.pool, StaticPool | SingletonThreadPool):
        return False
    if engine.dialect.name == "postgresql":
        return True
    database = engine.url.database or ""
    return (
        engine.dialect.name == "sqlite"
        and database not in ("", ":memory:")
        and "mode=memory" not in database
        and not database.startswith("file::memory:")
    )


def _stamp(connection: Connection) -> Any:
    """What a sibling needs to see the caller's data: a snapshot id or a data version."""
    if connection.dialect.name == "postgresql":
        return connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    return data_version(connection)


def _on_sibling(engine: Engine, postgres: bool, stamp: Any, task: Task) -> Any:
    if postgres:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as other:
            other.begin()
            # Must come first in the transaction: every query after it reads that snapshot.
            other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{stamp}'")
            tune(other)
            try:
                return task(other)
            finally:
                other.rollback()
    with engine.connect() as other:
        other.begin()
        try:
            if data_version(other) != stamp:
                return _UNAVAILABLE
            return task(other)
        finally:
            other.rollback()


def run_together(connection: Connection, tasks: Sequence[Task]) -> list[Any]:
    """Each task's result, in order: the first computed on `connection`, the others at the
    same time on sibling connections over the same data (or on `connection` afterwards)."""
    if len(tasks) < 2 or not shareable(connection) or not _SLOTS.acquire(blocking=False):
        return [task(connection) for task in tasks]
    try:
        postgres = connection.dialect.name == "postgresql"
        stamp = _stamp(connection)
        futures: list[Future[Any]] = [
            EXECUTOR.submit(_on_sibling, connection.engine, postgres, stamp, task)
            for task in tasks[1:]
        ]
        try:
            results = [tasks[0](connection)]
        finally:
            # Never leave a sibling running on an exported snapshot after the caller's
            # transaction (which owns it) ends.
            wait(futures)
    finally:
        _SLOTS.release()
    for task, future in zip(tasks[1:], futures, strict=True):
        found = future.result()
        results.append(task(connection) if found is _UNAVAILABLE else found)
    return results
