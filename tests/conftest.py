"""Shared fixtures: the two database backends, a wired application, API clients with keys.

PostgreSQL tests skip with a reason when no server answers on 127.0.0.1:5432, except
under CI=true, where a missing server is a failure.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backorder.adapters.db import make_engine, upgrade_schema
from backorder.adapters.orm import metadata
from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.service_layer.clock import FixedClock

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_ADMIN_URL = f"postgresql+psycopg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, under CI=true, fail) when a service does not answer."""
    if _answers(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: services must run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_database(worker_id: str, testrun_uid: str) -> Iterator[str]:
    """A migrated PostgreSQL database of its own for this test run and worker."""
    require_service("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    # Unique per run as well as per worker: two test runs on one server never collide.
    name = f"backorder_test_{testrun_uid[:10]}_{worker_id}".replace("-", "_").lower()
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'backorder.db').as_posix()}"
    url: str = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    return url


@pytest.fixture
def clock() -> FixedClock:
    """A clock pinned to 2026-11-27 09:00 UTC."""
    return FixedClock(NOW)


@pytest.fixture
def application(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Application]:
    """A wired application on the backend under test."""
    app = bootstrap(Settings(database_url=database_url, home=tmp_path), clock=clock)
    yield app
    app.close()
