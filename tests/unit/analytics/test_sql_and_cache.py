"""Percentiles and week buckets in SQL (SQLite in memory), and the snapshot cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Column, Connection, Float, MetaData, String, Table, create_engine, select

from backorder.analytics.cache import SnapshotCache
from backorder.analytics.sql import binned_percentile_query, percentile_query, week_of

values = Table("v", MetaData(), Column("g", String), Column("x", Float))


@pytest.fixture
def connection() -> Iterator[Connection]:
    """An in-memory database with groups a (1..10) and b (5)."""
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        values.create(connection)
        rows = [{"g": "a", "x": float(i)} for i in range(1, 11)] + [{"g": "b", "x": 5.0}]
        connection.execute(values.insert(), rows)
        yield connection


def test_nearest_rank_percentiles_per_group(connection: Connection) -> None:
    found = {r.g: r for r in connection.execute(percentile_query(values, ["g"], "x"))}
    assert (found["a"].n, found["a"].p50, found["a"].p90, found["a"].mean) == (10, 5.0, 9.0, 5.5)
    assert (found["b"].p50, found["b"].p90) == (5.0, 5.0)


def test_binned_percentiles_agree_and_add_an_overall_group(connection: Connection) -> None:
    query = binned_percentile_query(values, ["g"], "x", resolution=0.1, overall="*")
    found = {r.g: r for r in connection.execute(query)}
    assert (found["a"].n, found["a"].p50, found["a"].p90) == (10, 5.0, 9.0)
    assert found["a"].mean == pytest.approx(5.5)
    assert (found["*"].n, found["*"].p50, found["*"].p90) == (11, 5.0, 9.0)


def test_weeks_start_on_monday(connection: Connection) -> None:
    for day, monday in (
        (date(2026, 11, 23), "2026-11-23"),  # a Monday
        (date(2026, 11, 27), "2026-11-23"),  # a Friday
        (date(2026, 11, 29), "2026-11-23"),  # a Sunday
    ):
        assert connection.execute(select(week_of(connection, day))).scalar_one() == monday


def test_the_cache_reuses_expires_and_evicts(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("backorder.analytics.cache.time.monotonic", lambda: clock[0])
    cache = SnapshotCache(max_age=10, size=2)
    calls: list[str] = []

    def make(name: str) -> str:
        calls.append(name)
        return name

    assert cache.get_or_compute("a", lambda: make("a")) == "a"
    assert cache.get_or_compute("a", lambda: make("a2")) == "a"
    clock[0] += 11
    assert cache.get_or_compute("a", lambda: make("a3")) == "a3"
    cache.get_or_compute("b", lambda: make("b"))
    cache.get_or_compute("c", lambda: make("c"))  # evicts the least recently used: a
    assert cache.get_or_compute("a", lambda: make("a4")) == "a4"
    assert calls == ["a", "a3", "b", "c", "a4"]
    assert (cache.hits, cache.misses) == (1, 5)
