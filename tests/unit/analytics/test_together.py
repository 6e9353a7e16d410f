"""Sibling connections on an SQLite file: used when they see the caller's data, else not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, func, insert, select

from backorder.adapters import orm
from backorder.adapters.db import make_engine
from backorder.analytics.together import run_together, shareable


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An SQLite file with the schema and nothing in it."""
    found = make_engine(f"sqlite:///{(tmp_path / 'kpis.db').as_posix()}")
    orm.metadata.create_all(found)
    yield found
    found.dispose()


def _audit(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(orm.audit_log).values(
                at=datetime(2026, 11, 27, tzinfo=UTC), actor="t", action="a", subject="s"
            )
        )


def _entries(connection: Connection) -> tuple[int, str]:
    count = connection.execute(select(func.count()).select_from(orm.audit_log)).scalar_one()
    return int(count), threading.current_thread().name


def test_siblings_run_the_other_tasks_on_the_same_data(engine: Engine) -> None:
    _audit(engine)
    with engine.connect() as connection:
        connection.begin()
        assert shareable(connection)
        (mine, here), (theirs, there) = run_together(connection, [_entries, _entries])
    assert mine == theirs == 1
    assert here == threading.current_thread().name
    assert there.startswith("kpis")


def test_after_a_write_the_callers_connection_runs_every_task(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.begin()
        assert _entries(connection)[0] == 0  # the read transaction's snapshot starts here
        _audit(engine)  # committed after it: a sibling would see one entry more
        results = run_together(connection, [_entries, _entries, _entries])
    assert results == [(0, threading.current_thread().name)] * 3


def test_in_memory_databases_stay_on_one_connection() -> None:
    memory = create_engine("sqlite://")
    with memory.connect() as connection:
        assert not shareable(connection)
