"""Bulk writes for batch runs: PostgreSQL `COPY`, SQLite `executemany`, and temporary key tables.

A batch allocation run rewrites allocations and decision records of up to millions of
lines; row-by-row ORM inserts would take minutes, `COPY` takes seconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Date, Integer, MetaData, String, Table, text

COPY_BATCH = 50_000


def is_postgres(connection: Connection) -> bool:
    """True on PostgreSQL."""
    return connection.dialect.name == "postgresql"


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert many rows fast (COPY on PostgreSQL); returns how many were written."""
    count = 0
    if is_postgres(connection):
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    placeholders = ", ".join("?" for _ in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({placeholders})'
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, COPY_BATCH)):
        cursor.executemany(statement, batch)
        count += len(batch)
    return count


def update_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    keys: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Update many rows by key: each row holds the new values of `columns`, then its keys.

    One prepared statement executed per row by the driver (pipelined on PostgreSQL),
    without SQLAlchemy's per-row parameter processing; values are stored as the column
    types would store them (see the driver adapters in `adapters.db`).
    """
    marker = "%s" if is_postgres(connection) else "?"
    values = ", ".join(f'"{c}" = {marker}' for c in columns)
    where = " AND ".join(f'"{k}" = {marker}' for k in keys)
    statement = f'UPDATE "{table.name}" SET {values} WHERE {where}'
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, COPY_BATCH)):
        cursor.executemany(statement, batch)


def key_table(connection: Connection, name: str, keys: Iterable[int]) -> Table:
    """A temporary table `name(key)` of distinct integer keys, for joins and deletes."""
    table = Table(
        name, MetaData(), Column("key", BigInteger, primary_key=True), prefixes=["TEMPORARY"]
    )
    drop_temporary(connection, name)
    table.create(connection)
    insert_rows(connection, table, ("key",), ((k,) for k in sorted(set(keys))))
    return table


_scratch = MetaData()
line_outcomes = Table(
    "tmp_line_outcomes",
    _scratch,
    Column("line_id", BigInteger, primary_key=True),
    Column("status", String(32)),
    Column("allocated", Integer),
    Column("backordered", Integer),
    Column("promise_date", Date),
    prefixes=["TEMPORARY"],
)


def outcome_table(connection: Connection, rows: Iterable[Sequence[Any]]) -> Table:
    """A temporary table of line outcomes (line_id, status, allocated, backordered, promise)."""
    drop_temporary(connection, line_outcomes.name)
    line_outcomes.create(connection)
    insert_rows(
        connection,
        line_outcomes,
        ("line_id", "status", "allocated", "backordered", "promise_date"),
        rows,
    )
    return line_outcomes


def drop_temporary(connection: Connection, name: str) -> None:
    """Drop a temporary table now (PostgreSQL drops them at commit anyway)."""
    if is_postgres(connection):
        connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
    else:
        connection.execute(text(f"DROP TABLE IF EXISTS temp.{name}"))
