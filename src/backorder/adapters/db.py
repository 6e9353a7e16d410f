"""Database engines: SQLite (embedded, WAL) and PostgreSQL (psycopg 3), and the schema.

SQLite has no row locks: a writing transaction takes the database write lock up front
(`BEGIN IMMEDIATE`) so that read-check-write sequences (ATP, then allocate) cannot
interleave. Read-only work uses a deferred `BEGIN` and never blocks writers under WAL.
PostgreSQL serialises writers per item with `SELECT ... FOR UPDATE` on the item rows,
taken in SKU order (see the repositories).
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import Connection

WRITE = "IMMEDIATE"
READ = "DEFERRED"
WAL_CHECKPOINT_PAGES = 50_000  # about 200 MB of WAL between automatic checkpoints
CACHE_KIB = 65_536  # page cache per connection
MMAP_BYTES = 256 * 1024 * 1024  # reads map the file instead of copying pages


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and explicit BEGINs."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": 60, "check_same_thread": False},
            # As many kept connections as requests run at once under load: a connection
            # beyond the pool is opened, set up (PRAGMAs) and closed per checkout, with a
            # cold page cache. 8 cost about a tenth of the intake throughput.
            pool_size=24,
            max_overflow=16,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


@functools.lru_cache(maxsize=256)
def _sqlite_datetime(value: datetime) -> str:
    # Cached: a batch writes the same moment (the unit of work's `now`) on every row.
    # As `orm.UtcDateTime` stores a moment: aware ones in UTC, naive ones as they are.
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_date(value: date) -> str:
    return value.isoformat()


def _configure_sqlite(engine: Engine) -> None:
    # Bulk inserts bypass SQLAlchemy's type processing: teach the driver to store dates and
    # times exactly as SQLAlchemy's SQLite types do (and read them back).
    sqlite3.register_adapter(datetime, _sqlite_datetime)
    sqlite3.register_adapter(date, _sqlite_date)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN (pysqlite would defer it until a write).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        # With synchronous=NORMAL only checkpoints wait for the disk. By default one runs
        # whenever the WAL passes 1,000 pages (4 MB), i.e. after nearly every batch; with a
        # longer interval, pages rewritten by many batches are written back (and synced) once.
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        # Batches read and rewrite tens of megabytes (lines, decisions, outbox) that a
        # 2 MB page cache would fetch again from the OS on every statement.
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cursor.execute("PRAGMA temp_store=MEMORY")  # the key tables of batch statements
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", READ)
        connection.exec_driver_sql(f"BEGIN {mode}")


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take the SQLite write lock at BEGIN."""
    return engine.execution_options(sqlite_begin=WRITE)


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration pointing at the migrations shipped in the package."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("backorder").joinpath("migrations"))
    )
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the newest migration (idempotent)."""
    # Alembic narrates every migration step at INFO; that is noise on a command line.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.upgrade(alembic_config(engine), "head")


def schema_exists(engine: Engine) -> bool:
    """True when the tables have been created."""
    return inspect(engine).has_table("order_lines")
