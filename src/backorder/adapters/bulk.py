"""Bulk writes for batch runs: PostgreSQL `COPY`, SQLite `executemany`, and temporary key tables.

A batch allocation run rewrites allocations and decision records of up to millions of
lines; row-by-row ORM inserts would take minutes, `COPY` takes seconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from psycopg import Copy
from sqlalchemy import BigInteger, Column, Connection, Date, Integer, MetaData, String, Table, text

COPY_BATCH = 50_000
# Types whose `str()` is already their COPY text form (numbers, ISO dates and times).
_PLAIN: frozenset[type] = frozenset({int, float, bool, date, datetime, Decimal})
_MOMENTS: frozenset[type] = frozenset({date, datetime})
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def is_postgres(connection: Connection) -> bool:
    """True on PostgreSQL."""
    return connection.dialect.name == "postgresql"


def _copy_texts(values: Sequence[Any]) -> list[str] | None:
    """One column as COPY text fields, or None when a value's type needs the driver."""
    kinds = set(map(type, values))
    nulls = type(None) in kinds
    kinds.discard(type(None))
    if kinds and kinds <= _MOMENTS:
        # Few distinct dates and times, each slow to format: format each once.
        text = {v: _NULL if v is None else str(v) for v in set(values)}
        return list(map(text.__getitem__, values))
    if all(k in _PLAIN or issubclass(k, np.number | np.bool_) for k in kinds) and str not in kinds:
        if nulls:
            return [_NULL if v is None else str(v) for v in values]
        return list(map(str, values))
    if kinds != {str}:
        return None  # e.g. an enum, whose str() is not its value: psycopg knows better
    present = [v for v in values if v is not None] if nulls else values
    joined = "".join(present)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return [_NULL if v is None else v.translate(_ESCAPES) for v in values]
    if nulls:
        return [_NULL if v is None else v for v in values]
    return list(values)


def _copy_block(copy: Copy, columns: Sequence[Sequence[Any]]) -> None:
    """Send rows given as columns in one write; odd types go through `write_row`."""
    texts = [_copy_texts(column) for column in columns]
    if any(t is None for t in texts):
        for row in zip(*columns, strict=True):
            copy.write_row(row)
        return
    # Joining in C beats formatting each row through the driver several times over.
    copy.write("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n")


def _copy_statement(table: Table, columns: Sequence[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f'COPY "{table.name}" ({names}) FROM STDIN'


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert many rows fast (COPY on PostgreSQL); returns how many were written."""
    count = 0
    iterator = iter(rows)
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    if is_postgres(connection):
        with cursor.copy(_copy_statement(table, columns)) as copy:
            while batch := list(itertools.islice(iterator, COPY_BATCH)):
                if set(map(len, batch)) != {len(columns)}:
                    raise ValueError(f"rows for {table.name} must have {len(columns)} values")
                _copy_block(copy, list(zip(*batch, strict=True)))
                count += len(batch)
        return count
    placeholders = ", ".join("?" for _ in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({placeholders})'
    while batch := list(itertools.islice(iterator, COPY_BATCH)):
        cursor.executemany(statement, batch)
        count += len(batch)
    return count


def insert_columns(
    connection: Connection, table: Table, columns: Mapping[str, Sequence[Any]]
) -> int:
    """Insert rows given column by column (lists of equal length); returns how many."""
    names, values = list(columns), list(columns.values())
    size = len(values[0]) if values else 0
    if any(len(v) != size for v in values):
        raise ValueError(f"columns for {table.name} must have equal lengths")
    if not is_postgres(connection):
        return insert_rows(connection, table, names, zip(*values, strict=True))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(_copy_statement(table, names)) as copy:
        for start in range(0, size, COPY_BATCH):
            stop = min(start + COPY_BATCH, size)
            _copy_block(copy, [v[start:stop] for v in values])
    return size


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
    insert_columns(connection, table, {"key": sorted(set(keys))})
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
